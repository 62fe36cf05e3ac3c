// Test fixture for the Director: a fresh backend folder, an in-memory Image repository
// stand-in, vehicles with real ECU keys, manifests signed like a Primary signs them, and
// an HTTP server on 127.0.0.1 with an OS-chosen port. The inventory is SQLite, or a fresh
// database in the test PostgreSQL cluster when UPTANE_TEST_INVENTORY=postgres.
import type { Server } from "node:http";
import { Router, listen, close as closeServer } from "../../backend/http/server.ts";
import { DEFAULT_LIMITS } from "../../backend/http/limits.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { Director, initDirector, type DirectorOptions } from "../../backend/director/director.ts";
import type { ImageTarget, ImageTargetSource } from "../../backend/director/image-targets.ts";
import type { EcuVersionReport, EcuVersionReportSigned, VehicleManifest } from "../../model/manifest-format.ts";
import { directorRoutes } from "../../backend/director/http-routes.ts";
import { timeServerRoutes } from "../../backend/timeserver/http-routes.ts";
import { loadDirectorOnlineKeys } from "../../backend/director/director-keys.ts";
import { createApiToken } from "../../backend/http/api-token.ts";
import { generateSigningKey, signMetadata, type SigningKey } from "../../model/keys.ts";
import { writeDatabaseUrl } from "../../backend/inventory/location.ts";
import { freshTestDatabase, inventoryEngineUnderTest } from "../helpers/postgres.ts";
import { Refused } from "../../backend/director/errors.ts";

export class FakeImageRepo implements ImageTargetSource {
  readonly targets = new Map<string, ImageTarget>();
  add(name: string, hardwareIds: string[], releaseCounter: number, content = `image ${name}`): ImageTarget {
    const bytes = Buffer.from(content);
    const t: ImageTarget = { name, length: bytes.length, hashes: { sha256: createHash("sha256").update(bytes).digest("hex") }, custom: { hardwareIds, releaseCounter } };
    this.targets.set(name, t);
    return t;
  }
  findTarget(name: string): ImageTarget | null {
    return this.targets.get(name) ?? null;
  }
}


export interface TestEcu {
  serial: string;
  hardwareId: string;
  key: SigningKey;
  primary: boolean;
}

export interface TestVehicle {
  vin: string;
  ecus: TestEcu[];
}

export class DirectorFixture {
  readonly dir: string;
  readonly images = new FakeImageRepo();
  readonly apiToken: string;
  director: Director;
  server?: Server;
  baseUrl = "";

  constructor(options: Partial<DirectorOptions> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), "director-test-"));
    if (inventoryEngineUnderTest() === "postgres") writeDatabaseUrl(this.dir, freshTestDatabase());
    initDirector(this.dir);
    this.apiToken = createApiToken(this.dir);
    this.director = Director.open(this.dir, { imageTargets: this.images, ...options });
  }

  reopen(options: Partial<DirectorOptions> = {}): void {
    this.director.close();
    this.director = Director.open(this.dir, { imageTargets: this.images, ...options });
  }

  /** Registers a vehicle with a Primary and `secondaries` Secondaries (hardware IDs hw-primary, hw-1, hw-2, ...). */
  addVehicle(vin: string, secondaries = 2, tag = vin): TestVehicle {
    const ecus: TestEcu[] = [{ serial: `${tag}-P`, hardwareId: "hw-primary", key: generateSigningKey(), primary: true }];
    for (let i = 1; i <= secondaries; i++) ecus.push({ serial: `${tag}-S${i}`, hardwareId: `hw-${i}`, key: generateSigningKey(), primary: false });
    this.director.addVehicle(vin, ecus.map((e) => ({ serial: e.serial, hardwareId: e.hardwareId, publicKeyHex: e.key.publicKey.keyval.public, primary: e.primary })));
    return { vin, ecus };
  }

  async listen(): Promise<string> {
    const router = new Router();
    router.mount("director", directorRoutes(this.director, this.apiToken));
    router.mount("time", timeServerRoutes(() => [loadDirectorOnlineKeys(this.dir).timeserver]));
    // Every simulated vehicle connects from 127.0.0.1: one address may hold as many connections as the server.
    const { server, url } = await listen(router, "127.0.0.1", 0, undefined, undefined, { ...DEFAULT_LIMITS, maxConnectionsPerAddress: DEFAULT_LIMITS.maxConnections });
    this.server = server;
    this.baseUrl = url;
    return url;
  }

  async close(): Promise<void> {
    if (this.server) await closeServer(this.server);
    this.director.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every row of every inventory table, to prove a refusal changed nothing. */
  dump(): string {
    const sql = this.director.inventory.sql;
    // Rows sorted here: PostgreSQL returns them in no fixed order.
    return JSON.stringify(sql.tableNames().map((t) => [t, sql.all(`SELECT * FROM "${t}"`).map((r) => JSON.stringify(r)).sort()]));
  }

  async postManifest(vin: string, body: string | Buffer | object): Promise<{ status: number; json: any }> {
    const res = await fetch(`${this.baseUrl}/director/vehicles/${vin}/manifest`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  }
}

export interface ReportOptions {
  installed?: { filename: string; length: number; hashes: Record<string, string> } | null;
  releaseCounter?: number;
  nonce?: string;
  attacksDetected?: string;
  lastInstall?: EcuVersionReportSigned["lastInstall"];
  signWith?: SigningKey;
}

export function ecuReport(ecu: TestEcu, o: ReportOptions = {}): EcuVersionReport {
  const signed: EcuVersionReportSigned = {
    _type: "ecu-version-report",
    ecuSerial: ecu.serial,
    installedImage: o.installed ?? null,
    releaseCounter: o.releaseCounter ?? 0,
    nonce: o.nonce ?? randomBytes(16).toString("hex"),
    attacksDetected: o.attacksDetected ?? "",
    reportTime: "2026-01-01T00:00:00Z",
  };
  if (o.lastInstall) signed.lastInstall = o.lastInstall;
  return signMetadata(signed, [o.signWith ?? ecu.key]);
}

/** A manifest with one fresh report per ECU; `reports` overrides some by serial. */
export function vehicleManifest(v: TestVehicle, o: { reports?: Record<string, EcuVersionReport>; vin?: string; signWith?: SigningKey; extra?: EcuVersionReport[] } = {}): VehicleManifest {
  const primary = v.ecus.find((e) => e.primary)!;
  const reports = v.ecus.map((e) => o.reports?.[e.serial] ?? ecuReport(e));
  return signMetadata({ _type: "vehicle-manifest" as const, vin: o.vin ?? v.vin, primarySerial: primary.serial, ecuVersionReports: [...reports, ...(o.extra ?? [])] }, [o.signWith ?? primary.key]);
}

export function installedOf(t: ImageTarget): { filename: string; length: number; hashes: Record<string, string> } {
  return { filename: t.name, length: t.length, hashes: t.hashes };
}

/** The Director's refusal of an operation that must be refused. */
export async function refusal(p: Promise<unknown>): Promise<Refused> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Refused) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}
