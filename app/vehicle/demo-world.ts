// The world of `uptane demo`: a fresh OEM backend in a temporary folder served on
// 127.0.0.1, a supplier with a delegation, and a vehicle with a Primary and three
// Secondaries (two partial, one full; classic CAN and CAN FD). The demo, its attacks and
// the tests drive it step by step; every step writes a few readable lines to `log`.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import { initBackend } from "../../backend/init.ts";
import { serveBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import { readApiToken } from "../../backend/http/api-token.ts";
import { addImage, delegate, importBundle } from "../../backend/image/repository.ts";
import { initSupplier, readPublicKeyFile, signSupplier } from "../../backend/supplier/workdir.ts";
import { openInventory } from "../../backend/inventory/location.ts";
import { factoryBundle } from "../../backend/factory-bundle.ts";
import { parseFactoryBundle } from "../../model/factory-bundle.ts";
import { isoTime } from "../../model/iso-time.ts";
import { SERVER_CA_FILE } from "../../backend/tls/layout.ts";
import { HttpFetcher, type SecondaryLink } from "../../host/primary/index.ts";
import { parseVehicleConfig, describeBus, busConfig, type SecondarySpec, type VehicleConfig } from "./config.ts";
import { DirectorApi } from "./director-api.ts";
import { InterceptingFetcher } from "./intercept.ts";
import type { ProgressListener } from "./progress.ts";
import { Vehicle, type VehicleCycleReport } from "./vehicle.ts";

export type Log = (line: string) => void;

export const DEMO_VEHICLE: VehicleConfig = parseVehicleConfig({
  vin: "DEMO0VIN000000001",
  primary: { serial: "gateway-1", hardwareId: "gateway" },
  secondaries: [
    { serial: "brake-front", hardwareId: "brake-ctl", mode: "partial", bus: "canfd-2m" },
    { serial: "brake-rear", hardwareId: "brake-ctl", mode: "partial", bus: "can-500k" },
    { serial: "adas-cam", hardwareId: "adas-cam", mode: "full", bus: "canfd-5m" },
  ],
});

/**
 * `uptane demo --encrypted`: the same vehicle, every Secondary running its decrypting module
 * and registered with its X25519 encryption key, so the Director encrypts each one's
 * images for it (README "Per-ECU image encryption: the ECU side").
 */
export const ENCRYPTED_DEMO_VEHICLE: VehicleConfig = { ...DEMO_VEHICLE, secondaries: DEMO_VEHICLE.secondaries.map((s) => ({ ...s, decrypt: true })) };

export const SUPPLIER = "acme-brakes";
export const RELEASES = {
  brake: { name: "acme-brakes/brake-ctl-2.0.bin", hardwareId: "brake-ctl", releaseCounter: 2, bytes: 12 * 1024 },
  brakeOld: { name: "acme-brakes/brake-ctl-1.0.bin", hardwareId: "brake-ctl", releaseCounter: 1, bytes: 10 * 1024 },
  adas: { name: "oem/adas-cam-4.1.bin", hardwareId: "adas-cam", releaseCounter: 4, bytes: 24 * 1024 },
} as const;

/** Deterministic firmware-like bytes for a release. */
export function firmware(name: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let block = createHash("sha256").update(name).digest();
  for (let at = 0; at < length; at += block.length) {
    out.set(block.subarray(0, Math.min(block.length, length - at)), at);
    block = createHash("sha256").update(block).digest();
  }
  return out;
}

export interface WorldOptions {
  log?: Log;
  onProgress?: ProgressListener;
  /** Something between the Primary and a Secondary's CAN link (the tampered-image attack). */
  wrapLink?: (link: SecondaryLink, spec: SecondarySpec) => SecondaryLink;
  config?: VehicleConfig;
}

export class DemoWorld {
  readonly cycles: VehicleCycleReport[] = [];

  private constructor(
    readonly work: string,
    readonly dir: string,
    readonly url: string,
    private readonly server: Server,
    readonly api: DirectorApi,
    readonly fetcher: InterceptingFetcher,
    readonly config: VehicleConfig,
    readonly vehicle: Vehicle,
    readonly log: Log,
    /** The time the factory loaded into the vehicle (unix seconds). */
    readonly factoryTime: number,
  ) {}

  /** Initialises and serves a backend, provisions the vehicle and registers it with the Director. */
  static async start(options: WorldOptions = {}): Promise<DemoWorld> {
    const log = options.log ?? (() => {});
    const config = options.config ?? DEMO_VEHICLE;
    const work = await mkdtemp(join(tmpdir(), "uptane-demo-"));
    let server: Server | null = null;
    try {
      const dir = join(work, "backend");
      await initBackend(dir, { values: {}, flags: new Set(), now: new Date() });
      log(`OEM backend initialised in ${dir}: Image repository, Director, time server, inventory (SQLite); offline keys in keys/offline/.`);
      const served = await serveBackend(dir, { host: "127.0.0.1", port: 0 });
      server = served.server;
      log(`Backend serving on ${served.url} (/image/, /director/, /time/; TLS, vehicles authenticated by client certificates).`);

      // At the factory: keys made in each ECU, the vehicle registered (its client certificate
      // issued), then the factory bundle of the live repositories loaded and verified.
      const stateDir = join(work, "vehicle");
      const registrations = Vehicle.createKeys(config, stateDir);
      const serverCa = readFileSync(join(dir, SERVER_CA_FILE), "utf8");
      const api = new DirectorApi(served.url, readApiToken(dir), serverCa);
      const { tlsCertificate } = await api.registerVehicle(config.vin, registrations, Vehicle.tlsPublicKey(stateDir));
      if (!tlsCertificate) throw new Error("the backend issued no client certificate");
      Vehicle.installTlsCredentials(stateDir, tlsCertificate, serverCa); // the vehicle's credential and the pinned server CA
      const factory = await factoryBundle(dir, { vin: config.vin, url: served.url });
      const factoryTime = await Vehicle.loadFactoryBundle(config, stateDir, parseFactoryBundle(factory.bytes));
      log(`Vehicle ${config.vin} registered with the Director, which issued its client certificate, and loaded at the factory (ECU keys and TLS key made; both repositories' metadata verified by every ECU; time ${isoTime(factoryTime)} attested):`);
      log(`  ${config.primary.serial} (Primary, full verification)`);
      for (const s of config.secondaries) log(`  ${s.serial} (${s.hardwareId}, ${s.mode} verification${s.decrypt ? `, decrypts in ${s.mode}-enc.wasm` : ""}, ${describeBus(busConfig(config, s.bus))})`);
      if (config.secondaries.some((s) => s.decrypt)) {
        log("  Each decrypting Secondary registered its X25519 encryption key (made in its key store, apart from its signing key): a Director that encrypts per ECU encrypts its images for it, the Primary forwards ciphertext it checked against the Director's entry, and the ECU decrypts and checks the plaintext in its module.");
      }

      const fetcher = new InterceptingFetcher(new HttpFetcher(served.url, { tls: Vehicle.tlsOptions(stateDir) }));
      const vehicle = await Vehicle.open(stateDir, { fetcher, onProgress: options.onProgress, wrapLink: options.wrapLink });
      return new DemoWorld(work, dir, served.url, server, api, fetcher, config, vehicle, log, factoryTime);
    } catch (e) {
      if (server) await close(server);
      await rm(work, { recursive: true, force: true });
      throw e;
    }
  }

  /** Stops the server and removes every file of the world. */
  async close(): Promise<void> {
    await close(this.server);
    await rm(this.work, { recursive: true, force: true });
  }

  /** A supplier signs an image under its delegation; the OEM checks and imports the bundle. */
  async supplierRelease(release: { name: string; hardwareId: string; releaseCounter: number; bytes: number }): Promise<void> {
    const supplierDir = join(this.work, "supplier");
    let first = false;
    try {
      readFileSync(join(supplierDir, "supplier.json"));
    } catch {
      first = true;
    }
    if (first) {
      const { publicKeyFile } = await initSupplier(supplierDir, SUPPLIER);
      await delegate(this.dir, { role: SUPPLIER, keys: [await readPublicKeyFile(publicKeyFile)], paths: [`${SUPPLIER}/*`], hardwareIds: [release.hardwareId] });
      this.log(`OEM delegates ${SUPPLIER}/* for hardware ${release.hardwareId} to supplier ${SUPPLIER} (its own key; signed with the OEM's offline targets key).`);
    }
    const file = join(this.work, `${release.name.replace(/\//g, "_")}`);
    await writeFile(file, firmware(release.name, release.bytes));
    const bundle = join(this.work, `${SUPPLIER}-bundle-${release.releaseCounter}.json`);
    const signed = await signSupplier(supplierDir, { image: { file, name: release.name, hardwareIds: [release.hardwareId], releaseCounter: release.releaseCounter }, out: bundle });
    this.log(`Supplier ${SUPPLIER} signs ${release.name} (${release.bytes} bytes, release counter ${release.releaseCounter}) as version ${signed.version} of its role and delivers a bundle.`);
    const imported = await importBundle(this.dir, bundle);
    this.log(`OEM imports the bundle: signatures, version, expiry, delegated paths and hardware IDs, image hashes checked; published (Image snapshot v${imported.snapshotVersion}).`);
  }

  /** The OEM signs an image of its own into the Image repository. */
  async oemRelease(release: { name: string; hardwareId: string; releaseCounter: number; bytes: number }): Promise<void> {
    const file = join(this.work, `${release.name.replace(/\//g, "_")}`);
    await writeFile(file, firmware(release.name, release.bytes));
    const added = await addImage(this.dir, file, { name: release.name, hardwareIds: [release.hardwareId], releaseCounter: release.releaseCounter });
    this.log(`OEM adds its own ${release.name} (${release.bytes} bytes, ${release.hardwareId}, release counter ${release.releaseCounter}) to the Image repository (targets v${added.targetsVersion}).`);
  }

  /** A Director campaign: `name` for every ECU of `hardwareId`. */
  async campaign(hardwareId: string, name: string): Promise<void> {
    const r = await this.api.campaign(hardwareId, name);
    this.log(`Director campaign ${r.campaignId}: ${name} for hardware ${hardwareId}: ${r.assigned.map((a) => `${a.ecuSerial} (${a.status})`).join(", ") || "no ECU"}.`);
  }

  async assign(ecuSerial: string, name: string): Promise<void> {
    const r = await this.api.assign(this.config.vin, ecuSerial, name);
    const why = r.status === "queued" ? "queued (the Director holds the next bundle until the vehicle confirms the current one)" : r.status;
    this.log(`Director assigns ${name} to ${ecuSerial}: ${why}.`);
  }

  /** One update cycle, narrated. */
  async cycle(): Promise<VehicleCycleReport> {
    const n = this.cycles.length + 1;
    const report = await this.vehicle.runCycle();
    this.cycles.push(report);
    const primary = report.ecus[0]!;
    const manifest = report.manifestAccepted === null ? "no manifest sent" : `manifest ${report.manifestAccepted ? "accepted" : "NOT accepted"} by the Director`;
    const head = `Update cycle ${n}: ${manifest};`;
    if (report.refusedBy === primary.serial) {
      this.log(`${head} the Primary REFUSED the metadata: ${report.detail}. Nothing goes to the Secondaries.`);
      return report;
    }
    const passed = report.outcome === "Ok" || report.outcome === "NoUpdate";
    this.log(`${head} time attested; full verification on the Primary: ${passed ? "passed" : report.outcome}${primary.bytes ? `; ${primary.bytes} bytes downloaded over HTTPS` : ""}.`);
    for (const e of report.ecus.slice(1)) {
      // a decrypting Secondary that got a plaintext image: the backend encrypted nothing for it
      const plain = e.outcome === "Installed" && this.config.secondaries.find((s) => s.serial === e.serial)?.decrypt && !e.detail.includes("(decrypted from ") ? " (sent unencrypted: the backend did not encrypt it)" : "";
      const what = e.outcome === "Installed" ? `installed ${e.detail}${plain}` : e.outcome === "NoUpdate" ? "verified, nothing to install" : e.outcome === "NotServed" ? "not served" : `REFUSED: ${e.outcome} (${e.detail})`;
      this.log(`  ${e.serial}: ${what}${e.bytes ? `; ${e.bytes} bytes, ${e.busMs.toFixed(1)} ms on ${e.bus}` : ""}`);
    }
    return report;
  }

  /** What the Director's inventory says each ECU of the vehicle runs. */
  directorView(): Array<{ serial: string; hardwareId: string; installedFilename: string | null; releaseCounter: number; reported: string | null }> {
    const inventory = openInventory(this.dir);
    try {
      return inventory.ecusOf(this.config.vin).map((e) => ({ serial: e.serial, hardwareId: e.hardware_id, installedFilename: e.installed_filename, releaseCounter: e.installed_release_counter, reported: e.last_report_time }));
    } finally {
      inventory.close();
    }
  }

  logDirectorView(): void {
    this.log(`Director's view of ${this.config.vin} (inventory, from the vehicle's signed reports):`);
    const rows = this.directorView();
    const w = Math.max(...rows.map((r) => r.serial.length));
    for (const r of rows) this.log(`  ${r.serial.padEnd(w)}  ${r.installedFilename ? `${r.installedFilename} (release counter ${r.releaseCounter})` : "nothing installed"}`);
  }
}
