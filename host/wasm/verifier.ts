// The host side of the verification cores (model/verification.ts over full.wasm and
// partial.wasm): copies bytes in, calls the steps in the order Uptane 5.4.4 gives them,
// and turns the module's outcome and detail record into a VerifyResult. It decides
// nothing itself: every check is the module's (DESIGN.md section 2); the length checks
// here only avoid copying what the module would refuse anyway.
import { CoreInstance, join64, split64, type ModuleKind } from "./module.ts";
import { Capacity, EncryptedField, EncryptionMethod, PlaintextField, Half, MISUSE, Outcome, Repo, ResultField, Role, RoleNames, TargetField } from "../../build/abi.ts";
import { outcomeName, ModuleMisuseError, VerificationError, type OutcomeName, type RepoName } from "../../model/outcome.ts";
import { DETAILS } from "./details.ts";
import type { EcuIdentity, OfflineUpdateFiles, RepositoryFiles, TimeAttestationInput, VerifiedTarget, VerifyResult } from "../../model/verification.ts";
import { sameImage } from "../../model/same-image.ts";

const REPO = { director: Repo.Director, image: Repo.Image } as const;
const CHUNK = 64 * 1024;
const STATE_MAGIC = 0x53545055; // "UPTS"

/** Raw exports of the verification ABI (assembly/exports/verify*.ts). */
export interface VerifyExports {
  /** @internal (kept out of the .d.ts) */
  memory: WebAssembly.Memory;
  configure(s: number, sl: number, h: number, hl: number, v: number, vl: number): number;
  addVehicleEcu(p: number, l: number): number;
  setInstalledReleaseCounter(low: number, high: number): number;
  loadRoot(repo: number, p: number, l: number): number;
  cycleBegin(nowLow: number, nowHigh: number): number;
  rootRotation(repo: number, p: number, l: number): number;
  rootFinish(repo: number): number;
  rotationsAccepted(repo: number): number;
  timeAttestation(p: number, l: number, n: number, nl: number): number;
  attestedTime(half: number): number;
  imageBegin(row: number): number;
  imageUpdate(p: number, l: number): number;
  imageFinish(): number;
  stateSize(): number;
  stateExport(out: number): number;
  stateImport(p: number, l: number): number;
  result(field: number): number;
  target(row: number, field: number): number;
  capacity(which: number): number;
  // full only
  timestamp?(repo: number, p: number, l: number): number;
  snapshot?(repo: number, p: number, l: number): number;
  targets?(repo: number, p: number, l: number): number;
  delegatedRole?(n: number, nl: number, p: number, l: number): number;
  crossCheck?(): number;
  offlineCycleBegin?(nowLow: number, nowHigh: number): number;
  offlineSnapshot?(p: number, l: number): number;
  offlineTargets?(n: number, nl: number, p: number, l: number): number;
  offlineStateSize?(): number;
  offlineStateExport?(out: number): number;
  offlineStateImport?(p: number, l: number): number;
  provisionTime?(low: number, high: number): number;
  // full, full-enc, partial-enc: whether a row is encrypted
  targetEncrypted?(row: number): number;
  targetPlaintext?(row: number, field: number): number;
  // full-enc, partial-enc: image decryption (README "Per-ECU image encryption: the ECU side")
  encryptedTarget?(field: number): number;
  imageDecryptBegin?(row: number, key: number, keyLen: number): number;
  imageDecryptRoom?(): number;
  imageDecryptUpdate?(p: number, l: number): number;
  imageDecryptOutput?(): number;
  imageDecryptReleased?(): number;
  imageDecryptFinish?(): number;
  tufCycleBegin?(nowLow: number, nowHigh: number): number;
  tufTrusted?(role: number, p: number, l: number): number;
  tufTarget?(n: number, nl: number): number;
  // partial only
  partialTargets?(p: number, l: number): number;
  partialTargetsBegin?(len: number): number;
  partialTargetsChunk?(p: number, l: number): number;
  partialTargetsFinish?(): number;
}

/** Bytes handed to the module per call on the streaming path (its chunk buffer). */
export const STREAM_CHUNK = 1024;

/** Director targets arriving in chunks (PartialVerifier.beginStream). */
export interface TargetsStream {
  /** Feeds the next bytes (any size); the verdict once it is decided (stop sending), else null. */
  chunk(bytes: Uint8Array): VerifyResult | null;
  /** The verdict (with this ECU's target when Ok). */
  finish(): VerifyResult;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { ignoreBOM: true }); // keeps a leading BOM, as the bytes say

/** A string as JSON string content (what the module compares identifiers as). */
export function jsonContent(s: string): Uint8Array {
  return utf8.encode(JSON.stringify(s).slice(1, -1));
}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** A step's early stop: the result to return. */
export class Stop {
  constructor(readonly result: VerifyResult) {}
}

/** What the verifiers share: the module instance, the ABI calls, results and state. */
export abstract class CoreVerifier {
  protected readonly core: CoreInstance;
  protected readonly x: VerifyExports;
  protected readonly ecu: EcuIdentity;
  /** The trusted root files, by repository, as the module holds them. */
  protected roots: Map<RepoName, Uint8Array>;
  /** Rows of the last verification (the module's verified targets). */
  private rows: VerifiedTarget[] = [];

  /** `ecu` null: no ECU identity (a plain TUF client, tuf-verifier.ts). */
  protected constructor(kind: ModuleKind, ecu: EcuIdentity | null, vin: string, roots: Map<RepoName, Uint8Array>, memoryLimitPages?: number) {
    this.core = new CoreInstance(kind, { maxPages: memoryLimitPages });
    this.x = this.core.exports as unknown as VerifyExports;
    this.ecu = ecu ?? { serial: "", hardwareId: "", installedReleaseCounter: 0 };
    this.roots = new Map(roots);
    this.core.reset();
    if (ecu === null) {
      for (const [repo, bytes] of this.roots) this.trustRoot(repo, bytes);
      return;
    }
    const serial = this.copy(jsonContent(ecu.serial));
    const hw = this.copy(jsonContent(ecu.hardwareId));
    const v = this.copy(jsonContent(vin));
    if (this.x.configure(serial.ptr, serial.len, hw.ptr, hw.len, v.ptr, v.len) === MISUSE) {
      throw new ModuleMisuseError(`ECU identity not accepted (empty, longer than the module holds, or not valid Unicode)`);
    }
    this.check(this.x.setInstalledReleaseCounter(...split64(ecu.installedReleaseCounter)), "setInstalledReleaseCounter");
    for (const [repo, bytes] of this.roots) this.trustRoot(repo, bytes);
  }

  private copy(bytes: Uint8Array): { ptr: number; len: number } {
    return { ptr: this.core.copyIn(bytes), len: bytes.length };
  }

  /** Bytes of image handed to the module per call (its buffer lives in the arena). */
  protected imageChunkBytes = CHUNK;

  /** Linear memory in use, in 64 KiB pages (the peak: wasm memory never shrinks). */
  get memoryPages(): number {
    return this.core.memoryBytes / 65536;
  }

  /** Loads a root the host holds into the module; throws VerificationError when it does not verify. */
  protected trustRoot(repo: RepoName, bytes: Uint8Array): void {
    this.core.reset();
    const cap = this.x.capacity(Capacity.RootBytes);
    if (bytes.length > cap) {
      throw new VerificationError("OversizedMetadata", { repo, role: "root", detail: "trusted root larger than its cap", expected: cap, got: bytes.length });
    }
    const r = this.x.loadRoot(REPO[repo], this.core.copyIn(bytes), bytes.length);
    if (r === MISUSE) throw new ModuleMisuseError(`loadRoot(${repo}) refused`);
    if (r !== Outcome.Ok) {
      const res = this.result(r);
      throw new VerificationError(res.outcome, res);
    }
  }

  /** Applies a persisted state: its roots are re-verified, then the module checks the blob. */
  protected importState(state: Uint8Array): void {
    const fail = (detail: string): never => {
      throw new VerificationError("InvalidMetadata", { repo: null, role: null, detail: `trusted state refused: ${detail}` });
    };
    const view = new DataView(state.buffer, state.byteOffset, state.byteLength);
    if (state.length < 8 || view.getUint32(0, true) !== STATE_MAGIC) fail("not a state file");
    const count = view.getUint32(4, true);
    const parts: Uint8Array[] = [];
    let p = 8;
    for (let i = 0; i < count; i++) {
      if (p + 4 > state.length) fail("truncated");
      const n = view.getUint32(p, true);
      p += 4;
      if (p + n > state.length) fail("truncated");
      parts.push(state.subarray(p, p + n));
      p += n;
    }
    // the roots, the module's blob, and (a module with offline updates) its offline blob;
    // a state saved before offline updates has none
    const offline = this.x.offlineStateImport !== undefined && parts.length === this.roots.size + 2 ? parts.pop()! : null;
    if (p !== state.length || parts.length !== this.roots.size + 1) fail("wrong layout");
    const repos = [...this.roots.keys()];
    repos.forEach((repo, i) => {
      try {
        this.trustRoot(repo, parts[i]);
      } catch (e) {
        if (e instanceof VerificationError) fail(`${repo} root: ${e.message}`);
        throw e;
      }
      this.roots.set(repo, parts[i].slice());
    });
    this.core.reset();
    const blob = parts[parts.length - 1];
    if (this.x.stateImport(this.core.copyIn(blob), blob.length) !== Outcome.Ok) fail("checksum, kind or root versions do not match");
    if (offline && this.x.offlineStateImport!(this.core.copyIn(offline), offline.length) !== Outcome.Ok) fail("offline-update state: checksum or layout does not match");
  }

  /** The root file this verifier trusts now for `repo` (after accepted rotations); rotations newer than it are what a cycle needs. */
  trustedRoot(repo: RepoName): Uint8Array {
    const root = this.roots.get(repo);
    if (!root) throw new ModuleMisuseError(`this verifier holds no ${repo} root`);
    return root;
  }

  /** Linear memory the module holds now (it never shrinks, so this is the peak). */
  get memoryBytes(): number {
    return this.core.memoryBytes;
  }

  exportState(): Uint8Array {
    this.core.reset();
    const size = this.x.stateSize();
    const out = this.core.scratch(size);
    const n = this.x.stateExport(out);
    const blob = this.core.copyOut(out, n);
    const parts = [...this.roots.values(), blob];
    if (this.x.offlineStateExport) {
      this.core.reset();
      const o = this.core.scratch(this.x.offlineStateSize!());
      parts.push(this.core.copyOut(o, this.x.offlineStateExport(o)));
    }
    const total = 8 + parts.reduce((s, b) => s + 4 + b.length, 0);
    const state = new Uint8Array(total);
    const view = new DataView(state.buffer);
    view.setUint32(0, STATE_MAGIC, true);
    view.setUint32(4, parts.length, true);
    let p = 8;
    for (const b of parts) {
      view.setUint32(p, b.length, true);
      state.set(b, p + 4);
      p += 4 + b.length;
    }
    return state;
  }

  setInstalledReleaseCounter(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new ModuleMisuseError(`release counter must be a non-negative integer, got ${n}`);
    this.check(this.x.setInstalledReleaseCounter(...split64(n)), "setInstalledReleaseCounter");
    this.ecu.installedReleaseCounter = n;
  }

  attestTime(input: TimeAttestationInput): VerifyResult & { time?: number } {
    this.core.reset();
    const cap = this.x.capacity(Capacity.TimeAttestationBytes);
    if (input.attestation.length > cap) return this.hostResult("OversizedMetadata", "director", "timeserver", "time attestation larger than its cap", cap, input.attestation.length);
    const a = this.core.copyIn(input.attestation);
    const nonce = jsonContent(input.nonce);
    const n = this.core.copyIn(nonce);
    const r = this.check(this.x.timeAttestation(a, input.attestation.length, n, nonce.length), "timeAttestation");
    const res = this.result(r);
    return r === Outcome.Ok ? { ...res, time: join64(this.x.attestedTime(Half.Low), this.x.attestedTime(Half.High)) } : res;
  }

  /** Whether this module decrypts this ECU's encrypted images (full-enc.wasm, partial-enc.wasm). */
  get decrypts(): boolean {
    return typeof this.x.imageDecryptBegin === "function";
  }

  private rowOf(target: VerifiedTarget): number {
    const row = this.rows.findIndex((t) => t.name === target.name && sameImage(t, target));
    if (row < 0) throw new ModuleMisuseError(`image check for a target the last verification did not return: ${target.name}`);
    return row;
  }

  /**
   * Streams an image through the module's check against the verified target. This ECU's
   * own encrypted target is refused here (DecryptionFailed, at finish): only
   * decryptingImageCheck can make it installable.
   */
  imageCheck(target: VerifiedTarget): { update(chunk: Uint8Array): void; finish(): VerifyResult } {
    const row = this.rowOf(target);
    this.core.reset();
    const size = this.imageChunkBytes;
    const buf = this.core.scratch(size);
    const begun = this.check(this.x.imageBegin(row), "imageBegin");
    if (begun !== Outcome.Ok) {
      const refused = this.result(begun);
      return { update: () => {}, finish: () => refused };
    }
    let done = false;
    return {
      update: (chunk: Uint8Array) => {
        if (done) throw new ModuleMisuseError("image check already finished");
        for (let off = 0; off < chunk.length; off += size) {
          const part = chunk.subarray(off, Math.min(chunk.length, off + size));
          new Uint8Array(this.x.memory.buffer, buf, part.length).set(part);
          this.check(this.x.imageUpdate(buf, part.length), "imageUpdate");
        }
      },
      finish: () => {
        done = true;
        return this.result(this.check(this.x.imageFinish(), "imageFinish"));
      },
    };
  }

  /**
   * Decrypts and checks this ECU's encrypted image in the module (full-enc.wasm,
   * partial-enc.wasm): `ecuKey` is the ECU's 32-byte X25519 private key or 16-byte shared
   * AES key, copied into the module for the unwrap and cleared from its memory right after
   * (the module wipes its own copies). `update` takes ciphertext in pieces of any size and
   * returns the plaintext released so far (only chunks whose tag held); `finish` is Ok only
   * when the whole image decrypted and matches: nothing is installable before that.
   */
  decryptingImageCheck(target: VerifiedTarget, ecuKey: Uint8Array): { update(chunk: Uint8Array): Uint8Array[]; finish(): VerifyResult } {
    const x = this.x;
    if (!x.imageDecryptBegin) {
      const refused = this.hostResult("DecryptionFailed", null, "image", `this ECU's image is encrypted and ${this.core.kind}.wasm has no decryption (full-enc.wasm and partial-enc.wasm have)`);
      return { update: () => [], finish: () => refused };
    }
    const row = this.rowOf(target);
    this.core.reset();
    const keyPtr = this.core.copyIn(ecuKey);
    const begun = this.check(x.imageDecryptBegin(row, keyPtr, ecuKey.length), "imageDecryptBegin");
    new Uint8Array(x.memory.buffer, keyPtr, ecuKey.length).fill(0);
    this.core.reset();
    if (begun !== Outcome.Ok) {
      const refused = this.result(begun);
      return { update: () => [], finish: () => refused };
    }
    const size = this.imageChunkBytes + 16;
    const buf = this.core.scratch(size);
    let failed: VerifyResult | null = null;
    let done = false;
    return {
      update: (chunk: Uint8Array) => {
        if (done) throw new ModuleMisuseError("image check already finished");
        const out: Uint8Array[] = [];
        let off = 0;
        while (off < chunk.length && !failed) {
          const take = Math.min(chunk.length - off, x.imageDecryptRoom!(), size);
          new Uint8Array(x.memory.buffer, buf, take).set(chunk.subarray(off, off + take));
          const code = this.check(x.imageDecryptUpdate!(buf, take), "imageDecryptUpdate");
          off += take;
          if (code !== Outcome.Ok) {
            failed = this.result(code);
            break;
          }
          const n = x.imageDecryptReleased!();
          if (n > 0) out.push(this.core.copyOut(x.imageDecryptOutput!(), n));
        }
        return out;
      },
      finish: () => {
        done = true;
        const code = this.check(x.imageDecryptFinish!(), "imageDecryptFinish");
        return failed ?? this.result(code);
      },
    };
  }

  /** Runs the root steps of one repository. */
  protected rootSteps(repo: RepoName, rotations: Uint8Array[]): void {
    const cap = this.x.capacity(Capacity.RootBytes);
    const max = this.x.capacity(Capacity.RootRotationsPerCycle);
    rotations.forEach((bytes, i) => {
      if (i >= max) throw new Stop(this.hostResult("OversizedMetadata", repo, "root", "too many root rotations in one cycle", max, rotations.length));
      if (bytes.length > cap) throw new Stop(this.hostResult("OversizedMetadata", repo, "root", "document larger than its cap", cap, bytes.length));
      this.step(this.x.rootRotation(REPO[repo], this.core.copyIn(bytes), bytes.length), "rootRotation");
    });
    const accepted = this.x.rotationsAccepted(REPO[repo]);
    if (accepted > 0) this.roots.set(repo, rotations[accepted - 1].slice());
    this.step(this.x.rootFinish(REPO[repo]), "rootFinish");
  }

  /** Records accepted rotations even when a later root fails. */
  protected keepRotations(repo: RepoName, rotations: Uint8Array[]): void {
    const accepted = this.x.rotationsAccepted(REPO[repo]);
    if (accepted > 0) this.roots.set(repo, rotations[accepted - 1].slice());
  }

  /** A step's return: continue on Ok, stop with the result otherwise. */
  protected step(code: number, what: string): void {
    this.check(code, what);
    if (code !== Outcome.Ok) throw new Stop(this.result(code));
  }

  protected copyChecked(bytes: Uint8Array, cap: number, repo: RepoName, role: string): number {
    if (bytes.length > cap) throw new Stop(this.hostResult("OversizedMetadata", repo, role, "document larger than its cap", cap, bytes.length));
    return this.core.copyIn(bytes);
  }

  protected run(body: () => VerifyResult): VerifyResult {
    this.rows = [];
    try {
      return body();
    } catch (e) {
      if (e instanceof Stop) return e.result;
      throw e;
    }
  }

  protected check(code: number, what: string): number {
    if (code === MISUSE) throw new ModuleMisuseError(`${what}: the module refused the call (out of order or bad arguments)`);
    return code;
  }

  private readString(ptr: number, len: number): string {
    const text = fromUtf8.decode(new Uint8Array(this.x.memory.buffer, ptr, len));
    return JSON.parse(`"${text}"`) as string;
  }

  /** The module's verified targets, read right after the verification. */
  protected readTargets(res: VerifyResult): VerifyResult {
    const rows: Array<{ ecuSerial: string; target: VerifiedTarget }> = [];
    const F = TargetField;
    const t = (i: number, f: number) => this.x.target(i, f);
    const count = t(0, F.Count);
    for (let i = 0; i < count; i++) {
      const str = (ptr: number, len: number) => this.readString(t(i, ptr), t(i, len));
      const hashes: Record<string, string> = {};
      const h256 = t(i, F.Sha256Ptr);
      const h512 = t(i, F.Sha512Ptr);
      if (h256) hashes.sha256 = hex(new Uint8Array(this.x.memory.buffer, h256, 32));
      if (h512) hashes.sha512 = hex(new Uint8Array(this.x.memory.buffer, h512, 64));
      const target: VerifiedTarget = {
        name: str(F.NamePtr, F.NameLen),
        length: join64(t(i, F.LengthLow), t(i, F.LengthHigh)),
        hashes,
        hardwareId: str(F.HardwareIdPtr, F.HardwareIdLen),
        releaseCounter: join64(t(i, F.ReleaseCounterLow), t(i, F.ReleaseCounterHigh)),
      };
      if (t(i, F.UriPtr)) target.uri = str(F.UriPtr, F.UriLen);
      if (this.x.targetEncrypted?.(i) === 1) {
        target.encrypted = true;
        const p = (f: number) => this.x.targetPlaintext!(i, f);
        if (this.x.targetPlaintext && p(PlaintextField.NameLen) > 0) {
          const ph: Record<string, string> = {};
          if (p(PlaintextField.Sha256HexPtr)) ph.sha256 = this.readString(p(PlaintextField.Sha256HexPtr), p(PlaintextField.Sha256HexLen)).toLowerCase();
          if (p(PlaintextField.Sha512HexPtr)) ph.sha512 = this.readString(p(PlaintextField.Sha512HexPtr), p(PlaintextField.Sha512HexLen)).toLowerCase();
          target.plaintext = { name: this.readString(p(PlaintextField.NamePtr), p(PlaintextField.NameLen)), length: join64(p(PlaintextField.LengthLow), p(PlaintextField.LengthHigh)), hashes: ph };
        }
      }
      rows.push({ ecuSerial: str(F.EcuPtr, F.EcuLen), target });
    }
    this.rows = rows.map((r) => r.target);
    const mine = t(0, F.ThisEcuRow);
    // a decrypting module's view of this ECU's encrypted target: the plaintext it must become
    const e = (f: number) => this.x.encryptedTarget!(f);
    if (mine >= 0 && this.x.encryptedTarget && e(EncryptedField.Method) > 0) {
      const hashes: Record<string, string> = {};
      if (e(EncryptedField.PlainSha256Ptr)) hashes.sha256 = hex(new Uint8Array(this.x.memory.buffer, e(EncryptedField.PlainSha256Ptr), 32));
      if (e(EncryptedField.PlainSha512Ptr)) hashes.sha512 = hex(new Uint8Array(this.x.memory.buffer, e(EncryptedField.PlainSha512Ptr), 64));
      rows[mine].target.decryption = {
        method: e(EncryptedField.Method) === EncryptionMethod.X25519 ? "x25519-hkdf-sha256-chacha20poly1305" : "aes128gcm-shared",
        plaintext: { name: this.readString(e(EncryptedField.PlainNamePtr), e(EncryptedField.PlainNameLen)), length: join64(e(EncryptedField.PlainLengthLow), e(EncryptedField.PlainLengthHigh)), hashes },
      };
    }
    const out: VerifyResult = { ...res, vehicleTargets: rows };
    if (mine >= 0 && res.ok) out.target = rows[mine].target;
    return out;
  }

  /** The module's detail record as a VerifyResult. */
  protected result(code: number): VerifyResult {
    const outcome = outcomeName(code);
    const F = ResultField;
    const field = (f: number) => this.x.result(f);
    const repoCode = field(F.Repo);
    const roleCode = field(F.Role);
    // a top-level role by its lowercase name; a delegated role by the name the module read
    let role: string | null = roleCode === Role.None ? null : (RoleNames[roleCode]?.toLowerCase() ?? null);
    if (roleCode === Role.Delegated) role = this.readString(field(F.NamePtr), field(F.NameLen));
    if (roleCode === Role.OfflineSnapshot) role = "offline-update-snapshot";
    if (roleCode === Role.OfflineTargets) role = "offline-update-targets";
    const detail = DETAILS[field(F.Detail)] ?? `detail ${field(F.Detail)}`;
    const res: VerifyResult = {
      outcome,
      ok: outcome === "Ok",
      repo: repoCode === Repo.Director ? "director" : repoCode === Repo.Image ? "image" : null,
      role,
      detail: detail || outcome,
    };
    if (field(F.HasNumbers)) {
      res.expected = join64(field(F.ExpectedLow), field(F.ExpectedHigh));
      res.got = join64(field(F.GotLow), field(F.GotHigh));
    }
    return res;
  }

  protected hostResult(outcome: OutcomeName, repo: RepoName | null, role: string | null, detail: string, expected?: number, got?: number): VerifyResult {
    const res: VerifyResult = { outcome, ok: outcome === "Ok", repo, role, detail };
    if (expected !== undefined) res.expected = expected;
    if (got !== undefined) res.got = got;
    return res;
  }
}

export interface FullVerifierConfig {
  directorRoot: Uint8Array;
  imageRoot: Uint8Array;
  ecu: EcuIdentity;
  vin: string;
  /** Every ECU serial of the vehicle, incl. ecu.serial. */
  vehicleEcus: string[];
  /** The module: full.wasm (the default) or full-enc.wasm (also decrypts this ECU's encrypted images). */
  module?: "full" | "full-enc";
  /** Linear memory limit in 64 KiB pages (the ECU's RAM budget); unlimited if absent. */
  memoryLimitPages?: number;
}

/** Full verification (Uptane 5.4.4.2) in full.wasm: Primaries and capable Secondaries. */
export class FullVerifier extends CoreVerifier {
  constructor(config: FullVerifierConfig) {
    super(config.module ?? "full", { ...config.ecu }, config.vin, new Map<RepoName, Uint8Array>([["director", config.directorRoot], ["image", config.imageRoot]]), config.memoryLimitPages);
    for (const serial of config.vehicleEcus) {
      const bytes = jsonContent(serial);
      if (this.x.addVehicleEcu(this.core.copyIn(bytes), bytes.length) === MISUSE) throw new ModuleMisuseError(`vehicle ECU not accepted: ${serial}`);
    }
  }

  /**
   * Factory provisioning with a stated time (no attestation): the module's last verified
   * time becomes `t` unless it is later already; later cycles may not verify before it.
   */
  provisionTime(t: number): void {
    if (!Number.isSafeInteger(t) || t < 0) throw new ModuleMisuseError(`provisioned time must be non-negative unix seconds, got ${t}`);
    this.check(this.x.provisionTime!(...split64(t)), "provisionTime");
  }

  /** The last verified time (unix seconds): an attestation's, or the one provisioned. */
  get lastVerifiedTime(): number {
    return join64(this.x.attestedTime(Half.Low), this.x.attestedTime(Half.High));
  }

  /** A verifier resuming from exportState(); throws VerificationError on a corrupt state. */
  static fromState(config: FullVerifierConfig, state: Uint8Array): FullVerifier {
    const v = new FullVerifier(config);
    v.importState(state);
    return v;
  }

  update(director: RepositoryFiles, image: RepositoryFiles, nowUnixSeconds: number): VerifyResult {
    return this.run(() => {
      const x = this.x;
      this.core.reset();
      this.step(x.cycleBegin(...split64(Math.floor(nowUnixSeconds))), "cycleBegin");
      let directorDone = false;
      for (const [name, files] of [["director", director], ["image", image]] as const) {
        const repo = REPO[name];
        try {
          this.rootSteps(name, files.rootRotations);
        } finally {
          this.keepRotations(name, files.rootRotations);
        }
        const ts = this.copyChecked(files.timestamp, x.capacity(Capacity.TimestampBytes), name, "timestamp");
        const tsCode = this.check(x.timestamp!(repo, ts, files.timestamp.length), "timestamp");
        if (name === "director" && tsCode === Outcome.NoUpdate) {
          // 5.4.4.2 step 4: Director snapshot unchanged since the last completed cycle
          return this.result(tsCode);
        }
        this.step(tsCode, "timestamp");
        this.step(x.snapshot!(repo, this.copyChecked(files.snapshot, x.capacity(Capacity.SnapshotBytes), name, "snapshot"), files.snapshot.length), "snapshot");
        this.step(x.targets!(repo, this.copyChecked(files.targets, x.capacity(Capacity.TargetsBytes), name, "targets"), files.targets.length), "targets");
        if (name === "director") directorDone = true;
        if (name === "image") {
          for (const [role, bytes] of files.delegations ?? []) {
            const n = jsonContent(role);
            const np = this.core.copyIn(n);
            this.check(x.delegatedRole!(np, n.length, this.core.copyIn(bytes), bytes.length), "delegatedRole");
          }
        }
      }
      void directorDone;
      return this.crossCheck();
    });
  }

  private crossCheck(): VerifyResult {
    const code = this.check(this.x.crossCheck!(), "crossCheck");
    const res = this.result(code);
    return code === Outcome.Ok || code === Outcome.NoUpdate ? this.readTargets(res) : res;
  }

  /**
   * A PURE-2 offline update (README "Offline updates"), in the order of PURE-2 "Metadata
   * verification procedures": the Director's roots from the bundle, the Offline-update
   * Snapshot (stored when newer), the Offline-update Targets file, then the Image
   * repository's roots, snapshot, targets and delegations, and the cross-check of every
   * target listed. `now`: the latest securely attested time, or a later clock. Ok with
   * this ECU's target (by hardware ID), or NoUpdate; `vehicleTargets` lists every target
   * with an empty ecuSerial and its hardware ID.
   */
  updateOffline(files: OfflineUpdateFiles, nowUnixSeconds: number): VerifyResult {
    return this.run(() => {
      const x = this.x;
      this.core.reset();
      this.step(x.offlineCycleBegin!(...split64(Math.floor(nowUnixSeconds))), "offlineCycleBegin");
      try {
        this.rootSteps("director", files.director.rootRotations);
      } finally {
        this.keepRotations("director", files.director.rootRotations);
      }
      const snap = files.director.offlineSnapshot;
      this.step(x.offlineSnapshot!(this.copyChecked(snap, x.capacity(Capacity.SnapshotBytes), "director", "offline-update-snapshot"), snap.length), "offlineSnapshot");
      const t = files.director.offlineTargets;
      const name = jsonContent(t.file);
      const np = this.core.copyIn(name);
      this.step(x.offlineTargets!(np, name.length, this.copyChecked(t.bytes, x.capacity(Capacity.TargetsBytes), "director", "offline-update-targets"), t.bytes.length), "offlineTargets");
      const image = files.image;
      try {
        this.rootSteps("image", image.rootRotations);
      } finally {
        this.keepRotations("image", image.rootRotations);
      }
      this.step(x.snapshot!(Repo.Image, this.copyChecked(image.snapshot, x.capacity(Capacity.SnapshotBytes), "image", "snapshot"), image.snapshot.length), "snapshot");
      this.step(x.targets!(Repo.Image, this.copyChecked(image.targets, x.capacity(Capacity.TargetsBytes), "image", "targets"), image.targets.length), "targets");
      for (const [role, bytes] of image.delegations ?? []) {
        const n = jsonContent(role);
        const p = this.core.copyIn(n);
        this.check(x.delegatedRole!(p, n.length, this.core.copyIn(bytes), bytes.length), "delegatedRole");
      }
      return this.crossCheck();
    });
  }

  /**
   * PURE-2 "Additional step for full verification during an online update": the Director's
   * current Offline-update Snapshot, after a cycle whose Director roots verified (update()
   * returned Ok or NoUpdate). Ok when it is stored or the stored one is as new; a refusal
   * leaves the stored one.
   */
  acceptOfflineSnapshot(bytes: Uint8Array): VerifyResult {
    const x = this.x;
    this.core.reset();
    const cap = x.capacity(Capacity.SnapshotBytes);
    if (bytes.length > cap) return this.hostResult("OversizedMetadata", "director", "offline-update-snapshot", "document larger than its cap", cap, bytes.length);
    return this.result(this.check(x.offlineSnapshot!(this.core.copyIn(bytes), bytes.length), "offlineSnapshot"));
  }

}

export interface PartialVerifierConfig {
  directorRoot: Uint8Array;
  ecu: EcuIdentity;
  /** Linear memory limit in 64 KiB pages (the ECU's RAM budget); unlimited if absent. */
  memoryLimitPages?: number;
  /**
   * The module: partial.wasm (Ed25519 keys, the default), partial-p256.wasm (a Director root
   * with ECDSA P-256 keys too) or partial-enc.wasm (partial.wasm plus image decryption).
   */
  module?: "partial" | "partial-p256" | "partial-enc";
}

/** Partial verification (Uptane 5.4.4.1) in partial.wasm (or partial-p256.wasm): small Secondaries. */
export class PartialVerifier extends CoreVerifier {
  // a small Secondary may have one page: the image comes in pieces that fit beside the state
  protected override imageChunkBytes = 4096;

  constructor(config: PartialVerifierConfig) {
    super(config.module ?? "partial", { ...config.ecu }, "", new Map<RepoName, Uint8Array>([["director", config.directorRoot]]), config.memoryLimitPages);
  }

  static fromState(config: PartialVerifierConfig, state: Uint8Array): PartialVerifier {
    const v = new PartialVerifier(config);
    v.importState(state);
    return v;
  }

  /**
   * Partial verification of a Director targets document in hand: streamed to the module
   * (updateStreamed), so it must be canonical JSON, as a Primary forwards it
   * (host/wasm/canonical.ts).
   */
  update(director: { rootRotations: Uint8Array[]; targets: Uint8Array }, nowUnixSeconds: number): VerifyResult {
    return this.updateStreamed(director, nowUnixSeconds);
  }

  /**
   * Streamed partial verification: the root rotations, then a Director targets document
   * of `targetsLength` bytes fed in chunks as it arrives (canonical JSON, as the Primary
   * forwards it), never held whole: memory stays within one page whatever its size, up
   * to the full verifier's 5 MiB cap.
   */
  beginStream(director: { rootRotations: Uint8Array[]; targetsLength: number }, nowUnixSeconds: number): TargetsStream {
    const x = this.x;
    let decided: VerifyResult | null = null;
    let buf = 0;
    decided = this.run(() => {
      this.core.reset();
      this.step(x.cycleBegin(...split64(Math.floor(nowUnixSeconds))), "cycleBegin");
      try {
        this.rootSteps("director", director.rootRotations);
      } finally {
        this.keepRotations("director", director.rootRotations);
      }
      this.core.reset();
      buf = this.core.scratch(STREAM_CHUNK);
      const code = this.check(x.partialTargetsBegin!(director.targetsLength), "partialTargetsBegin");
      return code === Outcome.Ok ? (null as unknown as VerifyResult) : this.result(code);
    });
    let finished = false;
    return {
      chunk: (bytes: Uint8Array) => {
        if (finished) throw new ModuleMisuseError("targets stream already finished");
        if (decided) return decided;
        for (let off = 0; off < bytes.length; off += STREAM_CHUNK) {
          const part = bytes.subarray(off, Math.min(bytes.length, off + STREAM_CHUNK));
          new Uint8Array(x.memory.buffer, buf, part.length).set(part);
          const code = this.check(x.partialTargetsChunk!(buf, part.length), "partialTargetsChunk");
          if (code !== Outcome.Ok) return (decided = this.result(code));
        }
        return null;
      },
      finish: () => {
        finished = true;
        if (decided) return decided;
        const code = this.check(x.partialTargetsFinish!(), "partialTargetsFinish");
        const res = this.result(code);
        return code === Outcome.Ok || code === Outcome.NoUpdate ? this.readTargets(res) : res;
      },
    };
  }

  /** beginStream over a document already in hand, fed `chunkSize` bytes at a time. */
  updateStreamed(director: { rootRotations: Uint8Array[]; targets: Uint8Array }, nowUnixSeconds: number, chunkSize = STREAM_CHUNK): VerifyResult {
    const stream = this.beginStream({ rootRotations: director.rootRotations, targetsLength: director.targets.length }, nowUnixSeconds);
    for (let off = 0; off < director.targets.length; off += chunkSize) {
      const decided = stream.chunk(director.targets.subarray(off, Math.min(director.targets.length, off + chunkSize)));
      if (decided) return decided;
    }
    return stream.finish();
  }

}
