// A Secondary ECU (Uptane 2.1 section 5.4): verifies metadata and images in its wasm
// module (partial or full), keeps its trusted state and two image slots in flash,
// installs into the inactive slot, boot-checks, rolls back, and signs version reports.
// It is served over UDS (host/can/uds.ts); the Primary drives it with SecondaryClient.
//
// Order the Primary follows: time attestation (WDBI), metadata (WDBI or download),
// image (download; each block goes through the image check and into the inactive slot
// as it arrives), routine "verify", routine "install", then a fresh version report (RDBI).
import { createHash, randomBytes } from "node:crypto";
import { clip, type EcuVersionReport, type EcuVersionReportSigned, type ImageFileInfo, type InstallResult } from "../../model/manifest-format.ts";
import { canonicalBytes } from "../../model/canonical-json.ts";
import type { CanBus } from "../can/bus.ts";
import type { IsoTpConfig } from "../can/isotp.ts";
import { type DownloadSink, NRC, ROUTINE, type UdsApplication, UdsRefusal, UdsServer, type UdsServerConfig } from "../can/uds.ts";
import type { OutcomeName } from "../../model/outcome.ts";
import type { FactoryBundle } from "../../model/factory-bundle.ts";
import { refusalOf, type TimeAttestationInput, type VerifiedTarget, type VerifyResult } from "../../model/verification.ts";
import { type FlashStore, PowerCutError, type StreamWriter } from "./flash.ts";
import { EcuKeyStore } from "./keystore.ts";
import { AREA, BundleStream, DID, decodeBundle, INSTALL_STATUS, MalformedBundleError, RID } from "./secondary-protocol.ts";
import type { MetadataBundle } from "../../model/metadata-bundle.ts";
import { sameImage } from "../../model/same-image.ts";
import { isoTime } from "../../model/iso-time.ts";

/** What the Secondary needs from its verification module (partial or full; see verifiers.ts). */
export interface SecondaryVerifier {
  readonly mode: "partial" | "full";
  attestTime(input: TimeAttestationInput): VerifyResult & { time?: number };
  verifyMetadata(bundle: MetadataBundle, nowUnixSeconds: number): VerifyResult;
  /**
   * Partial verifiers: the Director roots, then the Director targets fed in chunks as the
   * transfer brings them, never held whole (README "Streaming partial verification").
   */
  beginMetadataStream?(directorRoots: Uint8Array[], targetsLength: number, nowUnixSeconds: number): { chunk(bytes: Uint8Array): VerifyResult | null; finish(): VerifyResult };
  imageCheck(target: VerifiedTarget): { update(chunk: Uint8Array): void; finish(): VerifyResult };
  /**
   * Whether the module decrypts this ECU's encrypted images (full-enc.wasm, partial-enc.wasm),
   * and the decrypting image check: ciphertext in, released plaintext out, then the verdict.
   */
  readonly decrypts: boolean;
  decryptingImageCheck(target: VerifiedTarget, key: Uint8Array): { update(chunk: Uint8Array): Uint8Array[]; finish(): VerifyResult };
  setInstalledReleaseCounter(n: number): void;
  exportState(): Uint8Array;
}

/** Makes the verifier at first power-up, or restores it from the state saved in flash. */
export interface VerifierProvider {
  create(): SecondaryVerifier;
  restore(state: Uint8Array): SecondaryVerifier;
}

export interface SecondaryConfig {
  serial: string;
  hardwareId: string;
  flash: FlashStore;
  verifier: VerifierProvider;
  /** The firmware's own start-up self test, run on a slot before it is booted (default: passes). */
  selfTest?: (image: Uint8Array) => boolean;
  /** Largest metadata bundle accepted, bytes. Default 8 MiB. */
  maxMetadataBytes?: number;
  /** Nonces remembered for a time attestation (each report read issues a new one). Default 4. */
  outstandingNonces?: number;
}

type Slot = "A" | "B";

interface SlotRecord {
  image: ImageFileInfo;
  releaseCounter: number;
}

/** install-state.json: everything the ECU must remember across power cycles except the verifier's own state. */
interface InstallState {
  format: 1;
  active: Slot;
  slots: { A: SlotRecord | null; B: SlotRecord | null };
  /** A slot installed but not yet boot-checked: the next boot tries it once. */
  trial: Slot | null;
  /** Latest verified time, unix seconds. */
  latestTime: number | null;
  attacksDetected: string;
  lastInstall: InstallResult | null;
}

const STATE_FILE = "install-state.json";
const VERIFIER_FILE = "verifier.state";
const slotFile = (slot: Slot) => `slot-${slot}.bin`;

/** What an install of `target` puts in the slot: the image itself, or the plaintext an encrypted one decrypts to. */
function installedForm(target: VerifiedTarget): ImageFileInfo {
  const p = target.decryption?.plaintext;
  return p ? { filename: p.name, length: p.length, hashes: { ...p.hashes } } : { filename: target.name, length: target.length, hashes: { ...target.hashes } };
}
const other = (slot: Slot): Slot => (slot === "A" ? "B" : "A");
const HASHES_CHECKED_AT_BOOT = ["sha256", "sha512"];

/** Wall-clock time spent inside the verification module, for reports and benchmarks. */
export interface SecondaryStats {
  /** Time attestation and metadata verification, ms. */
  verifyMs: number;
  /** Streaming image check (every chunk and the final verdict), ms. */
  imageCheckMs: number;
}

export interface SecondaryResult {
  outcome: OutcomeName;
  detail: string;
}


function emptyState(): InstallState {
  return { format: 1, active: "A", slots: { A: null, B: null }, trial: null, latestTime: null, attacksDetected: "", lastInstall: null };
}


export class Secondary implements UdsApplication {
  readonly serial: string;
  readonly hardwareId: string;
  readonly keys: EcuKeyStore;
  private readonly flash: FlashStore;
  private readonly selfTest: ((image: Uint8Array) => boolean) | undefined;
  private readonly maxMetadataBytes: number;
  private readonly maxNonces: number;
  private verifier: SecondaryVerifier;
  private state: InstallState;
  /** The slot booted now, or null when neither slot passes its boot check. */
  private running: Slot | null = null;
  /** Recent nonces, newest first; `reported` is the attacksDetected text of the report that carried it. */
  private nonces: Array<{ nonce: string; reported: string | null }> = [];
  private lastResult: SecondaryResult = { outcome: "NoUpdate", detail: "nothing received yet" };
  /** The target the last verified metadata assigns this ECU. */
  private pending: VerifiedTarget | null = null;
  private download: { target: VerifiedTarget; slot: Slot; writer: StreamWriter; check: ReturnType<SecondaryVerifier["imageCheck"]>; received: number; complete: boolean } | null = null;
  private verifiedImage: { target: VerifiedTarget; slot: Slot; writer: StreamWriter } | null = null;
  private server: UdsServer | null = null;
  readonly stats: SecondaryStats = { verifyMs: 0, imageCheckMs: 0 };
  private dead = false;

  private constructor(config: SecondaryConfig) {
    this.serial = config.serial;
    this.hardwareId = config.hardwareId;
    this.flash = config.flash;
    this.selfTest = config.selfTest;
    this.maxMetadataBytes = config.maxMetadataBytes ?? 8 * 1024 * 1024;
    this.maxNonces = config.outstandingNonces ?? 4;
    this.flash.removeTemporaries();
    this.keys = EcuKeyStore.openOrCreate(this.flash);
    const saved = this.flash.read(VERIFIER_FILE);
    this.verifier = saved ? config.verifier.restore(saved) : config.verifier.create();
    this.state = this.readState();
    this.newNonce();
    this.boot();
  }

  /** Power-up: cleans up after any interrupted write, loads keys and state, boots a checked slot. */
  static powerUp(config: SecondaryConfig): Secondary {
    return new Secondary(config);
  }

  /**
   * Factory provisioning, before the first power-up: the image the ECU ships with, in
   * slot A. The factory is trusted here; the bytes must still match the given length and
   * SHA-256 so the record never lies about the slot.
   */
  static provisionFactoryImage(flash: FlashStore, image: ImageFileInfo, releaseCounter: number, bytes: Uint8Array): void {
    if (flash.exists(STATE_FILE)) throw new Error(`${flash.dir} already holds an ECU: factory provisioning is for an empty flash`);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (bytes.length !== image.length || image.hashes.sha256?.toLowerCase() !== sha256)
      throw new Error(`factory image ${image.filename} does not match its length and sha256`);
    const writer = flash.stream(slotFile("A"));
    writer.append(bytes);
    writer.commit();
    const state: InstallState = { ...emptyState(), slots: { A: { image: { ...image, hashes: { ...image.hashes } }, releaseCounter }, B: null } };
    flash.writeAtomic(STATE_FILE, Buffer.from(JSON.stringify(state), "utf8"));
  }

  /**
   * The factory's load (Uptane 2.1 "Build-time prerequisite requirements for ECUs"), before
   * the first power-up: the bundle's time attestation and then its metadata (the Director's
   * root and targets for a partial ECU; both repositories' four roles for a full one),
   * verified in the module as a cycle verifies them; the attested time becomes the ECU's
   * latest verified time and the module's trusted state is kept. A refusal (its outcome
   * named) writes nothing. A factory image, if any, goes in first (provisionFactoryImage).
   */
  static provisionFactoryLoad(flash: FlashStore, verifier: VerifierProvider, bundle: FactoryBundle): { time: number; outcome: "Ok" | "NoUpdate" } {
    if (flash.exists(VERIFIER_FILE)) throw new Error(`${flash.dir} already holds a verified state: the factory load is for a new ECU`);
    if (!bundle.time) throw new Error("the factory bundle holds no time attestation: an ECU is loaded with an attested time");
    const v = verifier.create();
    const attested = v.attestTime({ attestation: bundle.time.attestation, nonce: bundle.time.nonce });
    if (!attested.ok || attested.time === undefined) throw refusalOf(attested, "factory time attestation");
    const result = v.verifyMetadata(bundle.metadata, attested.time);
    if (result.outcome !== "Ok" && result.outcome !== "NoUpdate") throw refusalOf(result, "factory metadata");
    // The module's state first: without the install state's time it is not used before an attestation.
    flash.writeAtomic(VERIFIER_FILE, v.exportState());
    const saved = flash.read(STATE_FILE);
    const state: InstallState = saved ? (JSON.parse(Buffer.from(saved).toString("utf8")) as InstallState) : emptyState();
    flash.writeAtomic(STATE_FILE, Buffer.from(JSON.stringify({ ...state, latestTime: attested.time }), "utf8"));
    return { time: attested.time, outcome: result.outcome };
  }

  /** Puts the ECU on a bus as a UDS server. */
  serve(bus: CanBus, isotp: IsoTpConfig, config: UdsServerConfig = {}): UdsServer {
    this.server = new UdsServer(bus, `ecu-${this.serial}`, isotp, this, config);
    return this.server;
  }

  /** The image running now (what the report says). */
  get installedImage(): ImageFileInfo | null {
    return this.running ? this.state.slots[this.running]!.image : null;
  }

  get activeSlot(): Slot | null {
    return this.running;
  }

  get poweredOff(): boolean {
    return this.dead;
  }

  // --- UDS application --------------------------------------------------------------

  readData(did: number): Uint8Array {
    switch (did) {
      case DID.nonce:
        return Buffer.from(this.nonces[0]!.nonce, "ascii");
      case DID.versionReport:
        return Buffer.from(JSON.stringify(this.makeReport()), "utf8");
      case DID.lastResult:
        return Buffer.from(JSON.stringify(this.lastResult), "utf8");
      case DID.ecuSerial:
        return Buffer.from(this.serial, "utf8");
      default:
        throw new UdsRefusal(NRC.requestOutOfRange, `no readable data identifier 0x${did.toString(16)}`);
    }
  }

  writeData(did: number, data: Uint8Array): void {
    if (did === DID.timeAttestation) return this.receiveTime(data);
    if (did === DID.metadata) return this.receiveMetadata(data);
    throw new UdsRefusal(NRC.requestOutOfRange, `no writable data identifier 0x${did.toString(16)}`);
  }

  routine(sub: number, rid: number): Uint8Array {
    if (rid !== RID.verify && rid !== RID.install) throw new UdsRefusal(NRC.requestOutOfRange, `no routine 0x${rid.toString(16)}`);
    if (sub !== ROUTINE.start) throw new UdsRefusal(NRC.subFunctionNotSupported, "routines here only start");
    return rid === RID.verify ? this.verifyImage() : this.install();
  }

  requestDownload(address: number, size: number): DownloadSink {
    if (address === AREA.metadata) return this.verifier.beginMetadataStream ? this.metadataStream(size) : this.bufferSink(size, (bytes) => this.receiveMetadata(bytes));
    if (address === AREA.timeAttestation) return this.bufferSink(size, (bytes) => this.receiveTime(bytes));
    if (address === AREA.image) return this.imageSink(size);
    throw new UdsRefusal(NRC.requestOutOfRange, `no download area 0x${address.toString(16)}`);
  }

  internalError(err: unknown): boolean {
    if (err instanceof PowerCutError || this.flash.poweredOff) {
      this.dead = true;
      return true;
    }
    return false;
  }

  // --- time, metadata, image ---------------------------------------------------------

  /** 5.4.3: a time attestation signed by the time server naming one of our recent nonces. */
  private receiveTime(attestation: Uint8Array): void {
    // A new cycle starts: an image check in progress does not survive other module calls.
    this.dropImage();
    // Any of our recent nonces will do (the Primary may have read more than one report).
    let result: (VerifyResult & { time?: number }) | undefined;
    let first: VerifyResult | undefined;
    let used: (typeof this.nonces)[number] | undefined;
    for (const entry of this.nonces) {
      result = this.timed("verifyMs", () => this.verifier.attestTime({ attestation, nonce: entry.nonce }));
      first ??= result;
      if (result.ok) {
        used = entry;
        break;
      }
    }
    if (!result || !result.ok || result.time === undefined) {
      this.refuse(first ?? { outcome: "BadTimeAttestation", detail: "no nonce outstanding" }, "time attestation");
    }
    // The report that carried this nonce went out with its attacks: they are reported.
    const reported = used?.reported !== null && used?.reported === this.state.attacksDetected;
    this.state = { ...this.state, latestTime: result!.time!, attacksDetected: reported ? "" : this.state.attacksDetected };
    this.saveVerifier();
    this.writeState();
    this.lastResult = { outcome: "Ok", detail: `time ${isoTime(result!.time!)}` };
    // The nonce is used up: the next report carries a new one.
    this.nonces = [];
    this.newNonce();
  }

  private receiveMetadata(bytes: Uint8Array): void {
    if (bytes.length > this.maxMetadataBytes) throw new UdsRefusal(NRC.requestOutOfRange, `metadata bundle of ${bytes.length} bytes over the cap`);
    let bundle: MetadataBundle;
    try {
      bundle = decodeBundle(bytes);
    } catch (err) {
      if (!(err instanceof MalformedBundleError)) throw err;
      this.lastResult = { outcome: "InvalidMetadata", detail: err.message };
      throw new UdsRefusal(NRC.incorrectMessageLengthOrInvalidFormat, err.message);
    }
    // An offline update (PURE-2) comes without a time attestation: the ECU checks expiry
    // against its latest securely attested time, none on an ECU never online (README
    // "Offline updates": time).
    if (this.state.latestTime === null && !bundle.director.offline) throw new UdsRefusal(NRC.requestSequenceError, "no verified time yet: send a time attestation first");
    this.dropImage();
    this.pending = null;
    const now = this.state.latestTime ?? 0;
    const result = this.timed("verifyMs", () => this.verifier.verifyMetadata(bundle, now));
    this.saveVerifier();
    this.takeMetadataVerdict(result);
  }

  /**
   * A partial verifier's metadata download: the Director targets go into the module chunk
   * by chunk as TransferData brings them, so the ECU never holds them whole (README
   * "Streaming partial verification"); refusals come at RequestTransferExit, as buffered.
   */
  private metadataStream(size: number): DownloadSink {
    if (size > this.maxMetadataBytes) throw new UdsRefusal(NRC.requestOutOfRange, `download of ${size} bytes over the metadata cap of ${this.maxMetadataBytes}`);
    const now = this.state.latestTime;
    let stream: { chunk(bytes: Uint8Array): VerifyResult | null; finish(): VerifyResult } | null = null;
    let decided: VerifyResult | null = null;
    const reader = new BundleStream(size, (roots, length) => {
      if (now === null) return () => {};
      this.dropImage();
      this.pending = null;
      const s = this.timed("verifyMs", () => this.verifier.beginMetadataStream!(roots, length, now));
      stream = s;
      return (chunk) => {
        decided ??= this.timed("verifyMs", () => s.chunk(chunk));
      };
    });
    return {
      write: (chunk) => reader.write(chunk),
      finish: () => {
        if (now === null) throw new UdsRefusal(NRC.requestSequenceError, "no verified time yet: send a time attestation first");
        try {
          reader.finish();
        } catch (err) {
          if (!(err instanceof MalformedBundleError)) throw err;
          this.lastResult = { outcome: "InvalidMetadata", detail: err.message };
          throw new UdsRefusal(NRC.incorrectMessageLengthOrInvalidFormat, err.message);
        }
        const s = stream as { finish(): VerifyResult } | null;
        const result = decided ?? this.timed("verifyMs", () => s!.finish());
        this.saveVerifier();
        this.takeMetadataVerdict(result);
      },
      abort: () => {},
    };
  }

  /** After verification of a metadata bundle: nothing to do, refuse, or the image to expect. */
  private takeMetadataVerdict(result: VerifyResult): void {
    if (result.outcome === "NoUpdate") {
      this.lastResult = { outcome: "NoUpdate", detail: result.detail };
      return;
    }
    if (!result.ok || !result.target) this.refuse(result, "metadata");
    const target = result.target!;
    // An encrypted image (README "Per-ECU image encryption: the ECU side") is installed as
    // the plaintext it decrypts to; an ECU whose module or key store cannot decrypt it
    // refuses now rather than take an image it could never install.
    if (target.encrypted) {
      if (!this.verifier.decrypts || !target.decryption) {
        this.refuse({ outcome: "DecryptionFailed", detail: `${target.name} is encrypted and this ECU's module has no decryption` }, "metadata");
      }
      if (!this.keys.hasDecryptionKey(target.decryption!.method)) {
        this.refuse({ outcome: "DecryptionFailed", detail: `${target.name} is encrypted for a ${target.decryption!.method} key this ECU does not hold` }, "metadata");
      }
    }
    const installs = installedForm(target);
    const running = this.installedImage;
    if (running && running.filename === installs.filename && sameImage(running, installs)) {
      this.lastResult = { outcome: "NoUpdate", detail: `${installs.filename} is already installed` };
      return;
    }
    this.pending = target;
    this.lastResult = { outcome: "Ok", detail: `install ${target.name} (${target.length} bytes)` };
  }

  /** Metadata and time attestations are small enough to collect whole (the image never is). */
  private bufferSink(size: number, onComplete: (bytes: Uint8Array) => void): DownloadSink {
    if (size > this.maxMetadataBytes) throw new UdsRefusal(NRC.requestOutOfRange, `download of ${size} bytes over the metadata cap of ${this.maxMetadataBytes}`);
    const buffer = new Uint8Array(size);
    let at = 0;
    return {
      write: (chunk) => {
        buffer.set(chunk, at);
        at += chunk.length;
      },
      finish: () => onComplete(buffer),
      abort: () => {},
    };
  }

  private imageSink(size: number): DownloadSink {
    const target = this.pending;
    if (!target) throw new UdsRefusal(NRC.requestSequenceError, "no verified target for this ECU: send metadata first");
    if (size !== target.length) throw new UdsRefusal(NRC.uploadDownloadNotAccepted, `image of ${size} bytes announced; the verified target is ${target.length}`);
    this.dropImage();
    const slot = other(this.running ?? other(this.state.active));
    const writer = this.flash.stream(slotFile(slot));
    // 5.4.3.4: an encrypted image is decrypted in the module with this ECU's key (unwrapped
    // there, constant-time); the slot receives only plaintext whose chunk tags held
    const check = target.encrypted
      ? this.keys.withDecryptionKey(target.decryption!.method, (key) => this.verifier.decryptingImageCheck(target, key))!
      : this.verifier.imageCheck(target);
    const stored = (chunk: Uint8Array): Uint8Array[] => {
      const out = check.update(chunk);
      return out === undefined ? [chunk] : out;
    };
    const dl = { target, slot, writer, check, received: 0, complete: false };
    this.download = dl;
    return {
      write: (chunk) => {
        if (this.download !== dl) throw new UdsRefusal(NRC.transferDataSuspended, "the image download was abandoned (new time or metadata arrived)");
        // 5.4.3 image check, streamed: the module sees every byte before flash keeps it.
        const keep = this.timed("imageCheckMs", () => stored(chunk));
        for (const piece of keep) dl.writer.append(piece);
        dl.received += chunk.length;
      },
      finish: () => {
        if (this.download !== dl) throw new UdsRefusal(NRC.transferDataSuspended, "the image download was abandoned (new time or metadata arrived)");
        dl.complete = true;
      },
      abort: () => {
        dl.writer.discard();
        if (this.download === dl) this.download = null;
      },
    };
  }

  /** Routine "verify": the image check's verdict on everything downloaded. */
  private verifyImage(): Uint8Array {
    const dl = this.download;
    if (!dl || !dl.complete) {
      if (this.verifiedImage) return Uint8Array.of(0x00);
      throw new UdsRefusal(NRC.requestSequenceError, "no complete image download to verify");
    }
    this.download = null;
    const result = this.timed("imageCheckMs", () => dl.check.finish());
    if (!result.ok) {
      dl.writer.discard();
      this.refuse(result, `image ${dl.target.name}`);
    }
    this.verifiedImage = { target: dl.target, slot: dl.slot, writer: dl.writer };
    this.lastResult = { outcome: "Ok", detail: `image ${dl.target.name} verified` };
    return Uint8Array.of(0x00);
  }

  /** Routine "install": into the inactive slot, boot-checked, rolled back if it fails. */
  private install(): Uint8Array {
    const image = this.verifiedImage;
    if (!image) throw new UdsRefusal(NRC.requestSequenceError, "no verified image to install");
    this.verifiedImage = null;
    this.pending = null;
    const { target, slot } = image;
    const record: SlotRecord = { image: installedForm(target), releaseCounter: target.releaseCounter };
    // 1. Forget what the slot held before its file is replaced.
    this.writeState({ ...this.state, slots: { ...this.state.slots, [slot]: null }, trial: null });
    // 2. Make the streamed image the slot's file (fsync + rename).
    image.writer.commit();
    // 3. Record it and arm one trial boot.
    this.writeState({ ...this.state, slots: { ...this.state.slots, [slot]: record }, trial: slot });
    // 4. "Reboot": boot-check the new slot; on failure the previous slot stays active.
    this.boot();
    if (this.running === slot) {
      this.lastResult = { outcome: "Ok", detail: `installed ${target.name} in slot ${slot}` };
      return Uint8Array.of(INSTALL_STATUS.installed);
    }
    this.lastResult = { outcome: "Ok", detail: `${target.name} failed its boot check; rolled back to slot ${this.running ?? "none"}` };
    throw new UdsRefusal(NRC.generalProgrammingFailure, this.lastResult.detail);
  }

  // --- boot ----------------------------------------------------------------------------

  /** Runs at power-up and after an install: picks the slot to run, only ever one that passes its boot check. */
  private boot(): void {
    const trial = this.state.trial;
    if (trial) {
      const record = this.state.slots[trial];
      const filename = record?.image.filename ?? "(unknown)";
      if (this.bootCheck(trial)) {
        this.writeState({ ...this.state, active: trial, trial: null, lastInstall: { filename, success: true, code: "Ok", detail: `installed in slot ${trial}` } });
      } else {
        this.writeState({ ...this.state, trial: null, lastInstall: { filename, success: false, code: "BootCheckFailed", detail: `slot ${trial} failed its boot check; kept slot ${this.state.active}` } });
      }
    }
    let running: Slot | null = null;
    if (this.bootCheck(this.state.active)) running = this.state.active;
    else if (this.bootCheck(other(this.state.active))) {
      running = other(this.state.active);
      this.writeState({ ...this.state, active: running });
    }
    this.running = running;
    this.verifier.setInstalledReleaseCounter(running ? this.state.slots[running]!.releaseCounter : 0);
  }

  /** The slot's bytes match the hashes recorded when it was verified, and the firmware's self test passes. */
  private bootCheck(slot: Slot): boolean {
    const record = this.state.slots[slot];
    if (!record) return false;
    const name = slotFile(slot);
    if (this.flash.size(name) !== record.image.length) return false;
    const algorithms = HASHES_CHECKED_AT_BOOT.filter((a) => record.image.hashes[a] !== undefined);
    if (algorithms.length === 0) return false;
    const got = this.flash.hash(name, algorithms);
    if (!got || algorithms.some((a) => got[a] !== record.image.hashes[a]!.toLowerCase())) return false;
    // Only a configured self test reads the whole slot; the hash check above streams it.
    return this.selfTest ? this.selfTest(this.flash.read(name)!) : true;
  }

  // --- report ------------------------------------------------------------------------

  /** 5.4.2.1: a signed version report with a fresh nonce. */
  private makeReport(): EcuVersionReport {
    const current = this.nonces[0]!;
    const nonce = current.nonce;
    const signed: EcuVersionReportSigned = {
      _type: "ecu-version-report",
      ecuSerial: this.serial,
      installedImage: this.installedImage,
      releaseCounter: this.running ? this.state.slots[this.running]!.releaseCounter : 0,
      nonce,
      attacksDetected: this.state.attacksDetected,
      reportTime: isoTime(this.state.latestTime ?? 0),
    };
    if (this.state.lastInstall) signed.lastInstall = this.state.lastInstall;
    const report = { signatures: [this.keys.sign(canonicalBytes(signed))], signed };
    current.reported = signed.attacksDetected;
    // Every report gets its own nonce; the time server may answer any recent one.
    this.newNonce();
    return report;
  }

  private newNonce(): void {
    this.nonces.unshift({ nonce: randomBytes(16).toString("hex"), reported: null });
    this.nonces.length = Math.min(this.nonces.length, this.maxNonces);
  }

  // --- state -------------------------------------------------------------------------

  /** Records a verification failure (reported as a detected attack) and refuses with conditionsNotCorrect. */
  private refuse(result: { outcome: OutcomeName; detail: string }, what: string): never {
    this.lastResult = { outcome: result.outcome, detail: `${what}: ${result.detail}` };
    const attack = clip(`${result.outcome}: ${what}: ${result.detail}`);
    this.writeState({ ...this.state, attacksDetected: attack });
    throw new UdsRefusal(NRC.conditionsNotCorrect, attack);
  }

  private timed<T>(what: keyof SecondaryStats, fn: () => T): T {
    const start = performance.now();
    try {
      return fn();
    } finally {
      this.stats[what] += performance.now() - start;
    }
  }

  private dropImage(): void {
    this.download?.writer.discard();
    this.download = null;
    this.verifiedImage?.writer.discard();
    this.verifiedImage = null;
  }

  private saveVerifier(): void {
    this.flash.writeAtomic(VERIFIER_FILE, this.verifier.exportState());
  }

  private writeState(next: InstallState = this.state): void {
    this.flash.writeAtomic(STATE_FILE, Buffer.from(JSON.stringify(next), "utf8"));
    this.state = next;
  }

  private readState(): InstallState {
    const bytes = this.flash.read(STATE_FILE);
    if (!bytes) {
      const fresh = emptyState();
      this.writeState(fresh);
      return fresh;
    }
    const state = JSON.parse(Buffer.from(bytes).toString("utf8")) as InstallState;
    if (state.format !== 1 || (state.active !== "A" && state.active !== "B")) throw new Error(`${STATE_FILE} in ${this.flash.dir} is not a format-1 install state`);
    return state;
  }
}
