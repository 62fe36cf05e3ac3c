// The OEM side of the Director's write API over HTTP (backend/director/http-routes.ts):
// register a vehicle, assign a target, start a campaign. Each call carries the API token
// from DIR/keys/api-token; a refusal throws with the Director's reason.
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
  ) {}

  registerVehicle(vin: string, ecus: EcuRegistration[]): Promise<unknown> {
    return this.post("vehicles", { vin, ecus: ecus.map((e) => ({ serial: e.serial, hardwareId: e.hardwareId, publicKey: e.publicKeyHex, primary: e.primary })) });
  }

  assign(vin: string, ecuSerial: string, target: string): Promise<{ status: "published" | "queued" }> {
    return this.post("assignments", { vin, ecuSerial, target }) as Promise<{ status: "published" | "queued" }>;
  }

  campaign(hardwareId: string, target: string, vins?: string[]): Promise<{ campaignId: number; assigned: Array<{ vin: string; ecuSerial: string; status: string }>; skipped: Array<{ ecuSerial: string; reason: string }> }> {
    return this.post("campaigns", { hardwareId, target, ...(vins ? { vins } : {}) }) as never;
  }

  private async post(what: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${this.baseUrl.replace(/\/+$/, "")}/director/api/${what}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
    });
    const text = await res.text();
    let doc: Record<string, unknown> = {};
    try {
      doc = JSON.parse(text);
    } catch {
      /* not JSON: reported below */
    }
    if (!res.ok) throw new DirectorApiError(res.status, String(doc.error ?? "error"), `Director refused ${what}: HTTP ${res.status} ${String(doc.detail ?? doc.error ?? text).slice(0, 300)}`);
    return doc;
  }
}
