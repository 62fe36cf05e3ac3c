// TEST DOUBLE — not a verifier. It stands in for FullVerifier (host/wasm/verifier.ts)
// while that is being written, so the Primary's loop can be exercised: it reads version
// numbers, nonces, expiry and target lists and streams SHA-256 over images, and checks
// NO signatures. Production code and the end-to-end test use the real verifier.
import { createHash } from "node:crypto";
import type { OutcomeName, RepoName } from "../../host/outcome.ts";
import type { PrimaryVerifier, PrimaryVerifierConfig, VerifierFactory } from "../../host/primary/verifier-port.ts";
import type { RepositoryFiles, TimeAttestationInput, VerifiedTarget, VerifyResult } from "../../host/verify/types.ts";

type Versions = { root: number; timestamp: number; snapshot: number; targets: number };
interface DoubleState {
  director: Versions;
  image: Versions;
  time: number;
  releaseCounter: number;
}

const json = (b: Uint8Array) => JSON.parse(Buffer.from(b).toString("utf8"));
const fail = (outcome: OutcomeName, repo: RepoName | null, role: string | null, detail: string): VerifyResult => ({ outcome, ok: false, repo, role, detail });

export class VersionOnlyVerifierDouble implements PrimaryVerifier {
  private state: DoubleState;
  private readonly config: PrimaryVerifierConfig;

  static readonly factory: VerifierFactory = (config, state) => new VersionOnlyVerifierDouble(config, state);

  constructor(config: PrimaryVerifierConfig, state: Uint8Array | null) {
    this.config = config;
    const root = (b: Uint8Array) => json(b).signed.version as number;
    this.state = state
      ? json(state)
      : {
          director: { root: root(config.directorRoot), timestamp: 0, snapshot: 0, targets: 0 },
          image: { root: root(config.imageRoot), timestamp: 0, snapshot: 0, targets: 0 },
          time: 0,
          releaseCounter: config.ecu.installedReleaseCounter,
        };
  }

  exportState(): Uint8Array {
    return new Uint8Array(Buffer.from(JSON.stringify(this.state)));
  }

  setInstalledReleaseCounter(n: number): void {
    this.state.releaseCounter = n;
  }

  attestTime(input: TimeAttestationInput): VerifyResult & { time?: number } {
    let signed: { nonces: string[]; time: string };
    try {
      signed = json(input.attestation).signed;
    } catch {
      return fail("BadTimeAttestation", null, "timeserver", "not JSON");
    }
    if (!Array.isArray(signed?.nonces) || !signed.nonces.includes(input.nonce)) return fail("BadTimeAttestation", null, "timeserver", "own nonce missing");
    const time = Date.parse(signed.time) / 1000;
    if (!(time >= this.state.time)) return fail("BadTimeAttestation", null, "timeserver", "time went back");
    this.state.time = time;
    return { outcome: "Ok", ok: true, repo: null, role: null, detail: "", time };
  }

  update(director: RepositoryFiles, image: RepositoryFiles, now: number): VerifyResult {
    let directorSnapshotUnchanged = false;
    for (const [repo, files] of [["director", director], ["image", image]] as const) {
      const v = this.state[repo];
      for (const root of files.rootRotations) {
        const got = json(root).signed.version;
        if (got !== v.root + 1) return { ...fail("BadVersion", repo, "root", "root version skip"), expected: v.root + 1, got };
        v.root = got;
      }
      for (const role of ["timestamp", "snapshot", "targets"] as const) {
        let signed: { version: number; expires: string };
        try {
          signed = json(files[role]).signed;
        } catch {
          return fail("InvalidMetadata", repo, role, "not JSON");
        }
        if (signed.version < v[role]) return { ...fail("RollbackAttack", repo, role, "version went back"), expected: v[role], got: signed.version };
        if (Date.parse(signed.expires) / 1000 <= now) return fail("ExpiredMetadata", repo, role, "expired");
        if (repo === "director" && role === "snapshot" && signed.version === v.snapshot) directorSnapshotUnchanged = true;
        v[role] = signed.version;
      }
      // Like full.wasm: an unchanged Director snapshot ends verification there.
      if (repo === "director" && directorSnapshotUnchanged) return { outcome: "NoUpdate", ok: false, repo: null, role: null, detail: "Director snapshot unchanged" };
    }
    const vehicleTargets: NonNullable<VerifyResult["vehicleTargets"]> = [];
    const targets = json(director.targets).signed.targets as Record<string, { length: number; hashes: Record<string, string>; custom: { ecuIdentifiers: Record<string, { hardwareId: string }>; releaseCounter: number } }>;
    for (const [name, t] of Object.entries(targets)) {
      for (const [ecuSerial, { hardwareId }] of Object.entries(t.custom.ecuIdentifiers)) {
        vehicleTargets.push({ ecuSerial, target: { name, length: t.length, hashes: t.hashes, hardwareId, releaseCounter: t.custom.releaseCounter } });
      }
    }
    const own = vehicleTargets.find((t) => t.ecuSerial === this.config.ecu.serial)?.target;
    if (own && own.releaseCounter < this.state.releaseCounter) return fail("RollbackAttack", "director", "targets", "release counter went back");
    if (!own) return { outcome: "NoUpdate", ok: false, repo: null, role: null, detail: "", vehicleTargets };
    return { outcome: "Ok", ok: true, repo: null, role: null, detail: "", target: own, vehicleTargets };
  }

  imageCheck(target: VerifiedTarget) {
    const hash = createHash("sha256");
    let length = 0;
    return {
      update(chunk: Uint8Array) {
        length += chunk.length;
        hash.update(chunk);
      },
      finish(): VerifyResult {
        if (length !== target.length || hash.digest("hex") !== target.hashes.sha256) return fail("LengthOrHashMismatch", "image", "targets", `image ${target.name}`);
        return { outcome: "Ok", ok: true, repo: null, role: null, detail: "" };
      },
    };
  }
}
