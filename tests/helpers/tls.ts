// Talking to a served backend over TLS in tests: the CA `uptane init` made, a vehicle's
// client certificate issued through the backend's own vehicle CA, and a small fetch-like
// call over node:https (the platform's fetch takes no CA or client certificate).
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { openInventory } from "../../backend/inventory/location.ts";
import { SERVER_CA_FILE } from "../../backend/tls/layout.ts";
import { issueVehicleCertificate } from "../../backend/tls/vehicle-certificates.ts";
import { newTlsKeyPair } from "../../model/tls-key.ts";
import type { TlsClientOptions } from "../../host/primary/fetcher.ts";
import { Readable } from "node:stream";
import { BaseFetcher } from "tuf-js";
import { DownloadHTTPError } from "tuf-js/dist/error.js";
import { openDirector } from "../../backend/director/part.ts";
import { generateSigningKey } from "../../model/keys.ts";

/** The CA that verifies the backend's server certificate. */
export function serverCa(dir: string): string {
  return readFileSync(join(dir, SERVER_CA_FILE), "utf8");
}

/** A new TLS key and a client certificate for registered vehicle `vin`, plus the server CA. */
export async function vehicleTls(dir: string, vin: string, validity: { notBefore?: Date; days?: number } = {}): Promise<Required<TlsClientOptions> & { serial: string }> {
  const pair = newTlsKeyPair();
  const inventory = openInventory(dir);
  try {
    const issued = await issueVehicleCertificate(dir, inventory, vin, pair.publicKeyPem, validity);
    return { ca: serverCa(dir), cert: issued.certPem, key: pair.privateKeyPem, serial: issued.serial };
  } finally {
    inventory.close();
  }
}

export interface TlsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text(): string;
  json(): any;
}

/** One HTTPS request with the given CA and (optionally) client certificate; the body read whole. */
export function tlsFetch(url: string, tls: TlsClientOptions, init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {}): Promise<TlsResponse> {
  const body = init.body === undefined ? undefined : Buffer.from(init.body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", ca: tls.ca as string, cert: tls.cert as string | undefined, key: tls.key as string | undefined, agent: false, headers: { ...(init.headers ?? {}), ...(body ? { "content-length": String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const all = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: all, text: () => all.toString("utf8"), json: () => JSON.parse(all.toString("utf8")) });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Registers a vehicle of one Primary (a fresh key) and returns its TLS credentials: any reader of /image/ or /time/ needs one. */
export async function registeredVehicleTls(dir: string, vin: string): Promise<Required<TlsClientOptions> & { serial: string }> {
  const director = openDirector(dir);
  try {
    director.addVehicle(vin, [{ serial: `${vin}-gw`, hardwareId: "gateway", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: true }]);
  } finally {
    director.close();
  }
  return vehicleTls(dir, vin);
}

/** tuf-js's fetcher over HTTPS with a CA and a client certificate (its default fetcher takes neither). */
export class TlsTufFetcher extends BaseFetcher {
  constructor(private readonly tls: TlsClientOptions) {
    super();
  }

  fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    return new Promise((resolve, reject) => {
      const req = request(url, { ca: this.tls.ca as string, cert: this.tls.cert as string, key: this.tls.key as string }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new DownloadHTTPError("Failed to download", res.statusCode ?? 0));
          return;
        }
        resolve(Readable.toWeb(res) as unknown as ReadableStream<Uint8Array<ArrayBuffer>>);
      });
      req.on("error", reject);
      req.end();
    });
  }
}
