// TEST DOUBLE, not the product: a partial verifier written with Node's crypto so the
// Secondary's own logic (bus protocol, slots, power cuts, reports) can be tested before
// partial.wasm's host wrapper lands. It makes the real decisions a partial verifier
// makes on the scenarios these tests use (signature threshold on Director targets,
// version, expiry, this ECU's target, hardware ID, release counter, time attestation
// nonce and direction, image length and hashes), without Uptane's full rigour.
import { createHash } from "node:crypto";
import { canonicalBytes } from "../../backend/metadata/canonical-json.ts";
import { verifyBytes, type TufKey } from "../../backend/metadata/keys.ts";
import type { SecondaryVerifier, VerifierProvider } from "../../host/ecu/secondary.ts";
import type { MetadataBundle } from "../../host/ecu/secondary-protocol.ts";
import type { OutcomeName } from "../../host/outcome.ts";
import type { EcuIdentity, TimeAttestationInput, VerifiedTarget, VerifyResult } from "../../host/verify/types.ts";

type Json = any;

interface DoubleState {
  root: string;
  targetsVersion: number;
  time: number | null;
  installedReleaseCounter: number;
}

function result(outcome: OutcomeName, detail: string, extra: Partial<VerifyResult> = {}): VerifyResult {
  return { outcome, ok: outcome === "Ok", repo: outcome === "Ok" ? null : "director", role: null, detail, ...extra };
}

function parse(bytes: Uint8Array): Json | null {
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return null;
  }
}

function signedBy(doc: Json, root: Json, role: string): boolean {
  const spec = root.signed.roles[role];
  if (!spec) return false;
  const bytes = canonicalBytes(doc.signed);
  const valid = new Set<string>();
  for (const sig of doc.signatures ?? []) {
    if (!spec.keyids.includes(sig.keyid)) continue;
    const key = root.signed.keys[sig.keyid] as TufKey | undefined;
    if (key && verifyBytes(key, bytes, sig.sig)) valid.add(sig.keyid);
  }
  return valid.size >= spec.threshold;
}

export class NodePartialVerifierDouble implements SecondaryVerifier {
  readonly mode = "partial" as const;
  private readonly ecu: EcuIdentity;
  private state: DoubleState;

  constructor(config: { directorRoot: Uint8Array; ecu: EcuIdentity }, state?: DoubleState) {
    this.ecu = { ...config.ecu };
    this.state = state ?? { root: Buffer.from(config.directorRoot).toString("utf8"), targetsVersion: 0, time: null, installedReleaseCounter: config.ecu.installedReleaseCounter };
  }

  static provider(config: { directorRoot: Uint8Array; ecu: EcuIdentity }): VerifierProvider {
    return {
      create: () => new NodePartialVerifierDouble(config),
      restore: (state) => new NodePartialVerifierDouble(config, JSON.parse(Buffer.from(state).toString("utf8"))),
    };
  }

  attestTime(input: TimeAttestationInput): VerifyResult & { time?: number } {
    const doc = parse(input.attestation);
    const root = JSON.parse(this.state.root);
    if (!doc?.signed || !signedBy(doc, root, "timeserver")) return result("BadTimeAttestation", "not signed by the time server");
    if (!Array.isArray(doc.signed.nonces) || !doc.signed.nonces.includes(input.nonce)) return result("BadTimeAttestation", "nonce missing");
    const time = Date.parse(doc.signed.time) / 1000;
    if (!Number.isFinite(time)) return result("BadTimeAttestation", "bad time");
    if (this.state.time !== null && time < this.state.time) return result("BadTimeAttestation", "time going backwards");
    this.state.time = time;
    return { ...result("Ok", "time attested"), time };
  }

  verifyMetadata(bundle: MetadataBundle, now: number): VerifyResult {
    let root = JSON.parse(this.state.root);
    for (const bytes of bundle.director.roots) {
      const next = parse(bytes);
      if (!next?.signed || next.signed.version <= root.signed.version) continue;
      if (next.signed.version !== root.signed.version + 1) return result("BadVersion", "root version gap");
      if (!signedBy(next, root, "root") || !signedBy(next, next, "root")) return result("UnmetThreshold", "root rotation");
      root = next;
      this.state.root = JSON.stringify(next);
    }
    const targets = parse(bundle.director.targets);
    if (!targets?.signed || targets.signed._type !== "targets") return result("InvalidMetadata", "targets unreadable");
    if (!signedBy(targets, root, "targets")) return result("UnmetThreshold", "targets signatures");
    if (targets.signed.version < this.state.targetsVersion) return result("RollbackAttack", "targets version");
    if (Date.parse(targets.signed.expires) / 1000 <= now) return result("ExpiredMetadata", "targets expired");
    this.state.targetsVersion = targets.signed.version;
    for (const [name, entry] of Object.entries<Json>(targets.signed.targets ?? {})) {
      const mine = entry.custom?.ecuIdentifiers?.[this.ecu.serial];
      if (!mine) continue;
      if (mine.hardwareId !== this.ecu.hardwareId) return result("HardwareIdMismatch", `${name} is for ${mine.hardwareId}`);
      const releaseCounter = entry.custom.releaseCounter ?? 0;
      if (releaseCounter < this.state.installedReleaseCounter) return result("RollbackAttack", "release counter");
      const target: VerifiedTarget = { name, length: entry.length, hashes: entry.hashes, hardwareId: mine.hardwareId, releaseCounter };
      return result("Ok", "target for this ECU", { target });
    }
    return result("NoUpdate", "no target for this ECU");
  }

  imageCheck(target: VerifiedTarget) {
    const hashes = Object.keys(target.hashes).map((a) => [a, createHash(a)] as const);
    let length = 0;
    return {
      update(chunk: Uint8Array) {
        length += chunk.length;
        for (const [, h] of hashes) h.update(chunk);
      },
      finish(): VerifyResult {
        if (length !== target.length) return result("LengthOrHashMismatch", `length ${length}, expected ${target.length}`);
        for (const [a, h] of hashes) if (h.digest("hex") !== target.hashes[a]) return result("LengthOrHashMismatch", `${a} differs`);
        return result("Ok", "image matches");
      },
    };
  }

  setInstalledReleaseCounter(n: number): void {
    this.state.installedReleaseCounter = n;
  }

  exportState(): Uint8Array {
    return Buffer.from(JSON.stringify(this.state), "utf8");
  }
}
