// The OEM side of the Director's write API over HTTPS (backend/director/http-routes.ts):
// register a vehicle (and have its TLS key certified), assign a target, start a campaign.
// Each call carries the API token from DIR/keys/api-token over TLS, verifying the server
// against the pinned CA; a refusal throws with the Director's reason.
import { request } from "node:https";
import type { EcuRegistration } from "./vehicle.ts";

export class DirectorApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class DirectorApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    /** The CA that issued the server's certificate (DIR/tls/server-ca.pem). */
    private readonly serverCa: string,
  ) {
    if (!baseUrl.startsWith("https://")) throw new Error(`the write API takes its token over HTTPS only, not ${baseUrl}`);
  }

  /** Registers the vehicle; with its TLS public key, the answer carries its client certificate. */
  registerVehicle(vin: string, ecus: EcuRegistration[], tlsPublicKey?: string): Promise<{ tlsCertificate?: string }> {
    return this.post("vehicles", { vin, ecus: ecus.map((e) => ({ serial: e.serial, hardwareId: e.hardwareId, publicKey: e.publicKeyHex, primary: e.primary, ...(e.encryptionKeyHex ? { encryptionKey: e.encryptionKeyHex } : {}) })), ...(tlsPublicKey ? { tlsPublicKey } : {}) }) as Promise<{ tlsCertificate?: string }>;
  }

  assign(vin: string, ecuSerial: string, target: string): Promise<{ status: "published" | "queued" }> {
    return this.post("assignments", { vin, ecuSerial, target }) as Promise<{ status: "published" | "queued" }>;
  }

  campaign(hardwareId: string, target: string, vins?: string[]): Promise<{ campaignId: number; assigned: Array<{ vin: string; ecuSerial: string; status: string }>; skipped: Array<{ ecuSerial: string; reason: string }> }> {
    return this.post("campaigns", { hardwareId, target, ...(vins ? { vins } : {}) }) as never;
  }

  private post(what: string, body: unknown): Promise<unknown> {
    return requestJson(`${this.baseUrl.replace(/\/+$/, "")}/director/api/${what}`, this.serverCa, `Bearer ${this.token}`, body, `Director API ${what}`);
  }
}

/**
 * One JSON request to the backend over HTTPS, verifying the server against `serverCa`:
 * POST with `body`, GET without. The answer's JSON, or DirectorApiError with the server's
 * code (status 0: the server could not be reached).
 */
export async function requestJson(url: string, serverCa: string, authorization: string, body: unknown | undefined, what: string): Promise<Record<string, unknown>> {
  const payload = body === undefined ? null : Buffer.from(JSON.stringify(body), "utf8");
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization };
    if (payload) Object.assign(headers, { "content-type": "application/json", "content-length": payload.length });
    const req = request(url, { method: payload ? "POST" : "GET", ca: serverCa, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", (e) => reject(new DirectorApiError(0, "unreachable", `${what}: ${e.message}`)));
    req.end(payload ?? undefined);
  });
  let doc: Record<string, unknown> = {};
  try {
    doc = JSON.parse(text);
  } catch {
    /* not JSON: reported below */
  }
  if (status < 200 || status >= 300) throw new DirectorApiError(status, String(doc.error ?? "error"), `${what} refused: HTTP ${status} ${String(doc.detail ?? doc.error ?? text).slice(0, 300)}`);
  return doc;
}
