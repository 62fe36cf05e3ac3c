// A simulated vehicle: one Primary (host/primary/) wired over simulated CAN buses
// (host/can/) to its Secondaries (host/ecu/), each running its own verification module,
// updating from a backend over HTTP. Everything the vehicle keeps lives in one state
// folder, so a vehicle can be stopped and opened again:
//
//   STATE/vehicle.json          the config it was provisioned with
//   STATE/roots/                the Director and Image roots pinned at provisioning
//   STATE/primary-key.pem       the Primary's ECU key (0600)
//   STATE/tls-key.pem           the vehicle's TLS key (0600); tls-key.pub.pem its public half
//   STATE/tls-cert.pem          its client certificate (naming the VIN), from the backend
//   STATE/tls-ca.pem            the CA pinned to verify the backend's server certificate
//   STATE/primary/              the Primary's store
//   STATE/ecus/SERIAL/          each Secondary's flash (key, trusted state, A/B slots)
//   STATE/ecus-removed/SERIAL-N/ a Secondary's flash after a workshop swapped the part (swapSecondary)
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ImageFileInfo } from "../../model/manifest-format.ts";
import { generateSigningKey, privateKeyPem } from "../../model/keys.ts";
import { newTlsKeyPair } from "../../model/tls-key.ts";
import type { TlsClientOptions } from "../../host/primary/fetcher.ts";
import { CanBus } from "../../host/can/bus.ts";
import { CanSecondaryLink } from "../../host/ecu/can-secondary-link.ts";
import { OfflineBundleError, readOfflineBundle } from "../../host/primary/offline-bundle.ts";
import { FlashStore } from "../../host/ecu/flash.ts";
import { EcuKeyStore } from "../../host/ecu/keystore.ts";
import { Secondary } from "../../host/ecu/secondary.ts";
import { SecondaryClient, type SecondaryClientConfig } from "../../host/ecu/secondary-client.ts";
import { fullVerifier, partialVerifier } from "../../host/ecu/verifiers.ts";
import { VerificationError } from "../../model/outcome.ts";
import { FileStore, Primary, provisionPrimary, provisionPrimaryFromFactory, SoftwareKeyStore, TransportError, type Fetcher, type SecondaryLink } from "../../host/primary/index.ts";
import { partialFactoryBundle, type FactoryBundle } from "../../model/factory-bundle.ts";
import { fullVerifierFactory } from "../../host/primary/full-verifier.ts";
import { busConfig, describeBus, parseVehicleConfig, type SecondarySpec, type VehicleConfig } from "./config.ts";
import { MeasuredLink, Stopwatch, timedVerifierFactory } from "./measure.ts";
import { ProgressFetcher, type ProgressListener } from "./progress.ts";

const STATE_FILE = "vehicle.json";
const PRIMARY_KEY_FILE = "primary-key.pem";
const TLS_FILES = { key: "tls-key.pem", publicKey: "tls-key.pub.pem", cert: "tls-cert.pem", ca: "tls-ca.pem" } as const;
const ROOT_FILES = { director: "roots/director-root.json", image: "roots/image-root.json" } as const;

/** What the Director needs to register one ECU. */
export interface EcuRegistration {
  serial: string;
  hardwareId: string;
  /** Ed25519 public key, 64 hex characters. */
  publicKeyHex: string;
  primary: boolean;
  /** X25519 encryption public key, 64 hex characters, for a Secondary that decrypts (README "Per-ECU image encryption: the ECU side"). */
  encryptionKeyHex?: string;
}

export interface VehicleOptions {
  /** How the Primary reaches the backend (an HttpFetcher on `uptane serve`). */
  fetcher: Fetcher;
  /** The config to run with (default: the one provisioned); same VIN and ECUs, buses may differ. */
  config?: VehicleConfig;
  onProgress?: ProgressListener;
  /**
   * Puts something between the Primary and a Secondary's CAN link (the attack demos put
   * a tamperer there). Default: the CAN link itself.
   */
  wrapLink?: (link: SecondaryLink, spec: SecondarySpec) => SecondaryLink;
}

/** One ECU's share of a cycle, for the summary table and --json. */
export interface EcuCycleReport {
  serial: string;
  role: "primary" | "secondary";
  hardwareId: string;
  mode: "full" | "partial";
  /** "-" for the Primary (it drives the buses). */
  bus: string;
  /** Wall-clock milliseconds inside this ECU's verification module this cycle. */
  verifyMs: number;
  /** Bytes over the bus to and from this ECU (UDS payloads), or downloaded over HTTP for the Primary. */
  bytes: number;
  /** Simulated bus time of this ECU's exchanges, ms (0 for the Primary). */
  busMs: number;
  /** Installed (an image went in), NoUpdate, an outcome name of a refusal, or NotServed. */
  outcome: string;
  detail: string;
  /** The image the ECU runs after the cycle. */
  installed: ImageFileInfo | null;
}

export interface VehicleCycleReport {
  /** "Ok" / "NoUpdate" when the Primary's cycle ran through, else the outcome that stopped it. */
  outcome: string;
  detail: string;
  /** Serial of the ECU that refused something this cycle (first one), or null. */
  refusedBy: string | null;
  /** Whether the Director took this cycle's manifest (null: none was sent). */
  manifestAccepted: boolean | null;
  ecus: EcuCycleReport[];
}

interface SecondaryNode {
  spec: SecondarySpec;
  ecu: Secondary;
  bus: CanBus;
  link: MeasuredLink;
  can: CanSecondaryLink;
  /** The ECU's module time (verify + image check) when the cycle began, ms. */
  msAtStart: number;
}

/**
 * Clients on a lossy bus retry more and send everything in small download blocks (a
 * block is lost when any of its frames is: about five frames per block).
 */
function clientOptions(lossy: boolean, fd: boolean): Partial<SecondaryClientConfig> {
  return lossy ? { uds: { attempts: 50 }, blockLength: fd ? 256 : 40, maxSingleWrite: 0 } : {};
}

/** Simulated time between two update cycles (they are minutes apart in a real vehicle). */
const BETWEEN_CYCLES_NS = 60 * 1_000_000_000;

export class Vehicle {
  readonly config: VehicleConfig;
  readonly stateDir: string;
  readonly primary: Primary;
  private readonly primaryWatch: Stopwatch;
  private readonly secondaries: SecondaryNode[];
  private downloaded = 0;
  /** Whether the Director answered this cycle's manifest with 2xx (null: not posted yet). */
  private manifestAccepted: boolean | null = null;

  private constructor(config: VehicleConfig, stateDir: string, primary: Primary, primaryWatch: Stopwatch, secondaries: SecondaryNode[]) {
    this.config = config;
    this.stateDir = stateDir;
    this.primary = primary;
    this.primaryWatch = primaryWatch;
    this.secondaries = secondaries;
  }

  /** True when `stateDir` holds a provisioned vehicle. */
  static isProvisioned(stateDir: string): boolean {
    return existsSync(join(stateDir, STATE_FILE));
  }

  /**
   * Makes (or reads back) every ECU's key: the Primary's and each Secondary's, in its key
   * store. Returns what the Director must register. Needs no roots, so a vehicle can be
   * registered before its roots are pinned.
   */
  static createKeys(config: VehicleConfig, stateDir: string): EcuRegistration[] {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const keyFile = join(stateDir, PRIMARY_KEY_FILE);
    if (!existsSync(keyFile)) writeFileSync(keyFile, privateKeyPem(generateSigningKey()), { mode: 0o600, flag: "wx" });
    if (!existsSync(join(stateDir, TLS_FILES.key))) {
      const tls = newTlsKeyPair();
      writeFileSync(join(stateDir, TLS_FILES.key), tls.privateKeyPem, { mode: 0o600, flag: "wx" });
      writeFileSync(join(stateDir, TLS_FILES.publicKey), tls.publicKeyPem);
    }
    const primaryKey = SoftwareKeyStore.fromPemFile(keyFile);
    const registrations: EcuRegistration[] = [{ serial: config.primary.serial, hardwareId: config.primary.hardwareId, publicKeyHex: primaryKey.publicKey.keyval.public, primary: true }];
    for (const spec of config.secondaries) {
      const keys = EcuKeyStore.openOrCreate(new FlashStore(join(stateDir, "ecus", spec.serial)));
      registrations.push({ serial: spec.serial, hardwareId: spec.hardwareId, publicKeyHex: keys.publicKey.keyval.public, primary: false, ...(spec.decrypt ? { encryptionKeyHex: Buffer.from(keys.encryptionPublicKey).toString("hex") } : {}) });
    }
    return registrations;
  }

  /** The vehicle's TLS public key (PEM), made by createKeys: the backend certifies it. */
  static tlsPublicKey(stateDir: string): string {
    return readFileSync(join(stateDir, TLS_FILES.publicKey), "utf8");
  }

  /** Keeps the client certificate the backend issued and the CA that verifies the backend. */
  static installTlsCredentials(stateDir: string, certPem: string, serverCaPem: string): void {
    writeFileSync(join(stateDir, TLS_FILES.cert), certPem);
    writeFileSync(join(stateDir, TLS_FILES.ca), serverCaPem);
  }

  /** What an HttpFetcher needs to reach the backend over TLS as this vehicle (`ca` overrides the pinned one). */
  static tlsOptions(stateDir: string, ca?: string): TlsClientOptions {
    const read = (file: string) => {
      try {
        return readFileSync(join(stateDir, file), "utf8");
      } catch (e) {
        throw new Error(`${stateDir} has no ${file} (${(e as NodeJS.ErrnoException).code}): the vehicle was enrolled without a TLS certificate`);
      }
    };
    return { ca: ca ?? read(TLS_FILES.ca), cert: read(TLS_FILES.cert), key: read(TLS_FILES.key) };
  }

  /**
   * Provisioning (Uptane 5.4.1): every ECU's key, and the Director and Image roots pinned
   * for the Primary and the Secondaries. Returns what the Director must register.
   */
  static async provision(config: VehicleConfig, stateDir: string, roots: { directorRoot: Uint8Array; imageRoot: Uint8Array }): Promise<EcuRegistration[]> {
    if (Vehicle.isProvisioned(stateDir)) throw new Error(`${stateDir} already holds a provisioned vehicle`);
    const registrations = Vehicle.createKeys(config, stateDir);
    mkdirSync(join(stateDir, "roots"), { recursive: true, mode: 0o700 });
    writeFileSync(join(stateDir, ROOT_FILES.director), roots.directorRoot);
    writeFileSync(join(stateDir, ROOT_FILES.image), roots.imageRoot);
    const store = new FileStore(join(stateDir, "primary"));
    // A provisioning cut short before vehicle.json may have pinned the Primary already.
    await provisionPrimary(store, roots).catch((e) => {
      if (!/already holds a provisioned Primary/.test(String(e))) throw e;
    });
    // Written last: a half-provisioned folder is never taken for a vehicle.
    writeFileSync(join(stateDir, STATE_FILE), JSON.stringify({ format: 1, config }, null, 2) + "\n");
    return registrations;
  }

  /**
   * The factory's load (Uptane 2.1 "Build-time prerequisite requirements for ECUs") into a
   * vehicle whose keys createKeys made and the Director registered: the Primary verifies the
   * whole bundle and keeps its time and mapping (host/primary/factory-provisioning.ts), each
   * Secondary verifies its share in its own module (a partial one the Director's root and
   * targets). The roots the bundle starts from are the ones pinned. Returns the loaded time.
   */
  static async loadFactoryBundle(config: VehicleConfig, stateDir: string, bundle: FactoryBundle): Promise<number> {
    if (Vehicle.isProvisioned(stateDir)) throw new Error(`${stateDir} already holds a provisioned vehicle`);
    const image = bundle.metadata.image;
    if (!image) throw new Error("a vehicle with a full-verification Primary is loaded with the whole factory bundle, not a partial one");
    const roots = { directorRoot: bundle.metadata.director.roots[0]!, imageRoot: image.roots[0]! };
    const vehicleEcus = [config.primary.serial, ...config.secondaries.map((s) => s.serial)];
    const { time } = await provisionPrimaryFromFactory(new FileStore(join(stateDir, "primary")), {
      bundle,
      identity: { vin: config.vin, serial: config.primary.serial, hardwareId: config.primary.hardwareId, vehicleEcus },
    });
    for (const spec of config.secondaries) {
      Secondary.provisionFactoryLoad(new FlashStore(join(stateDir, "ecus", spec.serial)), verifierFor(config, spec, roots), spec.mode === "partial" ? partialFactoryBundle(bundle) : bundle);
    }
    mkdirSync(join(stateDir, "roots"), { recursive: true, mode: 0o700 });
    writeFileSync(join(stateDir, ROOT_FILES.director), roots.directorRoot);
    writeFileSync(join(stateDir, ROOT_FILES.image), roots.imageRoot);
    // Written last: a half-loaded folder is never taken for a vehicle.
    writeFileSync(join(stateDir, STATE_FILE), JSON.stringify({ format: 1, config }, null, 2) + "\n");
    return time;
  }

  /**
   * A workshop swaps a Secondary of the (powered-down) vehicle in `stateDir` for a new part:
   * `fitted.serial` (OLD's serial again when the part keeps it), with a key of its own made
   * in its flash and the vehicle's roots (a factory-fresh ECU). The old part's flash is kept
   * beside as `ecus-removed/OLD-N`. Returns the new part's registration, which the workshop
   * records (`uptane vehicle replace-ecu`, the workshop API); until then the Director
   * alerts on its reports and gives it nothing.
   */
  static swapSecondary(stateDir: string, oldSerial: string, fitted: { serial: string; hardwareId?: string }): EcuRegistration {
    const saved = JSON.parse(readFileSync(join(stateDir, STATE_FILE), "utf8")) as { format: number; config: unknown };
    const config = parseVehicleConfig(saved.config);
    const i = config.secondaries.findIndex((s) => s.serial === oldSerial);
    if (i < 0) throw new Error(`vehicle ${config.vin} has no Secondary ${oldSerial}`);
    const old = config.secondaries[i]!;
    if (fitted.serial !== oldSerial && (fitted.serial === config.primary.serial || config.secondaries.some((s) => s.serial === fitted.serial))) throw new Error(`vehicle ${config.vin} has an ECU ${fitted.serial} already`);
    mkdirSync(join(stateDir, "ecus-removed"), { recursive: true, mode: 0o700 });
    let n = 1;
    while (existsSync(join(stateDir, "ecus-removed", `${oldSerial}-${n}`))) n++;
    renameSync(join(stateDir, "ecus", oldSerial), join(stateDir, "ecus-removed", `${oldSerial}-${n}`));
    const spec = { ...old, serial: fitted.serial, hardwareId: fitted.hardwareId ?? old.hardwareId };
    const keys = EcuKeyStore.openOrCreate(new FlashStore(join(stateDir, "ecus", spec.serial)));
    const secondaries = config.secondaries.map((s, j) => (j === i ? spec : s));
    writeFileSync(join(stateDir, STATE_FILE), JSON.stringify({ format: 1, config: { ...config, secondaries } }, null, 2) + "\n");
    return { serial: spec.serial, hardwareId: spec.hardwareId, publicKeyHex: keys.publicKey.keyval.public, primary: false, ...(spec.decrypt ? { encryptionKeyHex: Buffer.from(keys.encryptionPublicKey).toString("hex") } : {}) };
  }

  /** Powers up a provisioned vehicle from its state folder. */
  static async open(stateDir: string, options: VehicleOptions): Promise<Vehicle> {
    if (!Vehicle.isProvisioned(stateDir)) throw new Error(`${stateDir} holds no provisioned vehicle`);
    const saved = JSON.parse(readFileSync(join(stateDir, STATE_FILE), "utf8")) as { format: number; config: unknown };
    if (saved.format !== 1) throw new Error(`${join(stateDir, STATE_FILE)} is not a format-1 vehicle`);
    let config = parseVehicleConfig(saved.config);
    if (options.config) {
      // The ECUs are fixed at provisioning; the buses they sit on may change between runs.
      const ecus = (c: VehicleConfig) => JSON.stringify([c.vin, c.primary, c.secondaries.map((s) => [s.serial, s.hardwareId, s.mode])]);
      if (ecus(options.config) !== ecus(config)) throw new Error(`${stateDir} holds vehicle ${config.vin} provisioned with other ECUs (serials, hardware IDs, modes) than the config given`);
      config = options.config;
    }
    const roots = { directorRoot: readFileSync(join(stateDir, ROOT_FILES.director)), imageRoot: readFileSync(join(stateDir, ROOT_FILES.image)) };

    const buses = new Map<string, CanBus>();
    const perBus = new Map<string, number>();
    const secondaries: SecondaryNode[] = [];
    for (const spec of config.secondaries) {
      const busSpec = busConfig(config, spec.bus);
      let bus = buses.get(spec.bus);
      if (!bus) buses.set(spec.bus, (bus = new CanBus(busSpec)));
      const i = perBus.get(spec.bus) ?? 0;
      perBus.set(spec.bus, i + 1);
      const fd = busSpec.fd ?? false;
      const ecu = Secondary.powerUp({
        serial: spec.serial,
        hardwareId: spec.hardwareId,
        flash: new FlashStore(join(stateDir, "ecus", spec.serial)),
        verifier: verifierFor(config, spec, roots),
      });
      // UDS physical addressing: the tester sends on 0x7E0+i, the ECU answers on 0x7E8+i.
      ecu.serve(bus, { txId: 0x7e8 + i, rxId: 0x7e0 + i, fd });
      const client = new SecondaryClient(bus, `primary-to-${spec.serial}`, { isotp: { txId: 0x7e0 + i, rxId: 0x7e8 + i, fd }, ...clientOptions((busSpec.lossRate ?? 0) > 0, fd) });
      const can = new CanSecondaryLink(client, spec.serial, spec.mode);
      if (options.onProgress) {
        const listener = options.onProgress;
        can.onImageProgress = (done, total) => listener({ kind: "bus", label: `${spec.serial} (${describeBus(busSpec)})`, done, total });
      }
      const link = new MeasuredLink(options.wrapLink ? options.wrapLink(can, spec) : can, can);
      secondaries.push({ spec, ecu, bus, link, can, msAtStart: 0 });
    }

    const primaryWatch = new Stopwatch();
    let vehicle: Vehicle | null = null;
    const counting: Fetcher = {
      get: async (path, request) => {
        const body = await options.fetcher.get(path, request);
        return (async function* () {
          for await (const chunk of body) {
            if (vehicle) vehicle.downloaded += chunk.length;
            yield chunk;
          }
        })();
      },
      post: async (path, body, request) => {
        const isManifest = /^\/director\/vehicles\/[^/]+\/manifest$/.test(path);
        try {
          const answer = await options.fetcher.post(path, body, request);
          if (isManifest && vehicle) vehicle.manifestAccepted = true;
          return answer;
        } catch (e) {
          if (isManifest && vehicle) vehicle.manifestAccepted = false;
          throw e;
        }
      },
    };
    const fetcher = options.onProgress ? new ProgressFetcher(counting, options.onProgress) : counting;
    const primary = await Primary.open({
      vin: config.vin,
      serial: config.primary.serial,
      hardwareId: config.primary.hardwareId,
      vehicleEcus: [config.primary.serial, ...config.secondaries.map((s) => s.serial)],
      fetcher,
      store: new FileStore(join(stateDir, "primary")),
      keys: SoftwareKeyStore.fromPemFile(join(stateDir, PRIMARY_KEY_FILE)),
      secondaries: secondaries.map((s) => s.link),
      verifier: timedVerifierFactory(fullVerifierFactory, primaryWatch),
    });
    vehicle = new Vehicle(config, stateDir, primary, primaryWatch, secondaries);
    return vehicle;
  }

  /** The image each ECU runs now, by serial. */
  installed(): Map<string, ImageFileInfo | null> {
    const out = new Map<string, ImageFileInfo | null>([[this.config.primary.serial, this.primary.status.installed.image]]);
    for (const s of this.secondaries) out.set(s.spec.serial, s.ecu.installedImage);
    return out;
  }

  /** Each bus's counters (frames, bits, lost, error frames), by bus name. */
  busStats(): Map<string, CanBus["stats"]> {
    return new Map(this.secondaries.map((s) => [s.bus.name, { ...s.bus.stats }]));
  }

  /** The Secondary ECU objects (tests look inside). */
  secondary(serial: string): Secondary | undefined {
    return this.secondaries.find((s) => s.spec.serial === serial)?.ecu;
  }

  /**
   * One update cycle of the Primary (Uptane 5.4.2), with what each ECU did. A refusal
   * does not throw: it is the cycle's outcome, with the ECU that refused.
   */
  async runCycle(): Promise<VehicleCycleReport> {
    return this.measured(async () => {
      const result = await this.primary.runCycle();
      return { outcome: result.outcome, installed: result.installed?.name ?? null, detail: result.manifest.accepted ? "" : `manifest not accepted: ${result.manifest.detail}` };
    });
  }

  /**
   * A PURE-2 offline update from the bundle in `folder` (README "Offline updates"): the
   * Primary verifies it, hands each full-verification Secondary of a listed hardware ID its
   * metadata and image over its bus, and installs its own; reported like a cycle.
   * `clock`: the vehicle's clock (unix seconds), used when later than its attested time.
   */
  async installOffline(folder: string, clock = Math.floor(Date.now() / 1000)): Promise<VehicleCycleReport> {
    return this.measured(async () => {
      const hardware = new Map(this.config.secondaries.map((s) => [s.serial, s.hardwareId]));
      const result = await this.primary.installOffline(readOfflineBundle(folder), { clock, secondaryHardware: hardware });
      const skipped = result.secondaries.filter((s) => s.error).map((s) => `${s.serial}: ${s.error}`);
      return { outcome: result.outcome, installed: result.installed?.name ?? null, detail: skipped.join("; ") };
    });
  }

  private async measured(run: () => Promise<{ outcome: string; installed: string | null; detail: string }>): Promise<VehicleCycleReport> {
    // Time passes on every bus between cycles: transfers a lost link left hanging time out.
    for (const bus of new Set(this.secondaries.map((s) => s.bus))) {
      bus.schedule(BETWEEN_CYCLES_NS, () => {});
      bus.run();
    }
    this.primaryWatch.ms = 0;
    this.downloaded = 0;
    this.manifestAccepted = null;
    for (const s of this.secondaries) {
      s.msAtStart = moduleMs(s.ecu);
      s.link.reset();
    }
    let outcome = "NoUpdate";
    let detail = "";
    let refusedBy: string | null = null;
    let primaryInstalled: string | null = null;
    try {
      const result = await run();
      outcome = result.outcome;
      primaryInstalled = result.installed;
      detail = result.detail;
    } catch (e) {
      if (e instanceof VerificationError) {
        outcome = e.outcome;
        refusedBy = this.config.primary.serial;
      } else if (e instanceof TransportError) outcome = "TransportError";
      else if (e instanceof OfflineBundleError) {
        outcome = "InvalidBundle";
        refusedBy = this.config.primary.serial;
      } else throw e;
      detail = e.message;
    }
    const primaryReport: EcuCycleReport = {
      serial: this.config.primary.serial,
      role: "primary",
      hardwareId: this.config.primary.hardwareId,
      mode: "full",
      bus: "-",
      verifyMs: this.primaryWatch.ms,
      bytes: this.downloaded,
      busMs: 0,
      // The Primary's own "NoUpdate" means no image for itself; its verification passed.
      outcome: primaryInstalled ? "Installed" : outcome === "Ok" || outcome === "NoUpdate" ? "Verified" : outcome,
      detail: primaryInstalled ? primaryInstalled : detail,
      installed: this.primary.status.installed.image,
    };
    const ecus = [primaryReport];
    for (const s of this.secondaries) {
      const c = s.link.cycle;
      let ecuOutcome: string;
      let ecuDetail = "";
      if (c.error) {
        ecuOutcome = c.error.outcome;
        ecuDetail = c.error.detail;
        refusedBy ??= s.spec.serial;
      } else if (c.installed) {
        ecuOutcome = "Installed";
        // an image encrypted for the ECU is installed as the plaintext it decrypted to
        const plain = s.ecu.installedImage?.filename;
        ecuDetail = s.spec.decrypt && plain && plain !== c.installed ? `${plain} (decrypted from ${c.installed})` : c.installed;
      } else if (c.metadata) ecuOutcome = c.metadata === "Ok" ? "Verified" : c.metadata;
      else ecuOutcome = "NotServed";
      ecus.push({
        serial: s.spec.serial,
        role: "secondary",
        hardwareId: s.spec.hardwareId,
        mode: s.spec.mode,
        bus: describeBus(busConfig(this.config, s.spec.bus)),
        verifyMs: moduleMs(s.ecu) - s.msAtStart,
        bytes: c.bytes,
        busMs: c.busNs / 1e6,
        outcome: ecuOutcome,
        detail: ecuDetail,
        installed: s.ecu.installedImage,
      });
    }
    return { outcome, detail, refusedBy, manifestAccepted: this.manifestAccepted, ecus };
  }
}

/** Wall-clock ms a Secondary has spent in its module so far (metadata, time, image checks). */
function moduleMs(ecu: Secondary): number {
  return ecu.stats.verifyMs + ecu.stats.imageCheckMs;
}

function verifierFor(config: VehicleConfig, spec: SecondarySpec, roots: { directorRoot: Uint8Array; imageRoot: Uint8Array }) {
  const ecu = { serial: spec.serial, hardwareId: spec.hardwareId, installedReleaseCounter: 0 };
  if (spec.mode === "partial") return partialVerifier({ directorRoot: roots.directorRoot, ecu, ...(spec.decrypt ? { module: "partial-enc" as const } : {}) });
  return fullVerifier({ ...roots, ecu, vin: config.vin, vehicleEcus: [config.primary.serial, ...config.secondaries.map((s) => s.serial)], ...(spec.decrypt ? { module: "full-enc" as const } : {}) });
}
