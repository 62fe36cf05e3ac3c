// The host-side contract of the verification cores: what a caller hands a verifier and
// what it gets back. host/wasm/ implements it over full.wasm / partial.wasm; the
// repository simulator, the attack catalogue, `uptane verify`, the Primary and the
// Secondaries all use these shapes.
import { VerificationError, type OutcomeName, type RepoName } from "./outcome.ts";

/** One repository's metadata for one update cycle, as raw bytes off the wire or disk. */
export interface RepositoryFiles {
  /** Newer root files N+1, N+2, ... in version order (the trusted root is in the state). */
  rootRotations: Uint8Array[];
  timestamp: Uint8Array;
  snapshot: Uint8Array;
  targets: Uint8Array;
  /** Delegated targets roles by role name (Image repository only). */
  delegations?: Map<string, Uint8Array>;
}

/**
 * A PURE-2 offline update's metadata as a verifier takes it (README "Offline updates"):
 * the Director's root rotations, its Offline-update Snapshot and one Offline-update Targets
 * file (by its file name); the Image repository's root rotations, snapshot (no timestamp),
 * targets and delegated roles.
 */
export interface OfflineUpdateFiles {
  director: { rootRotations: Uint8Array[]; offlineSnapshot: Uint8Array; offlineTargets: { file: string; bytes: Uint8Array } };
  image: { rootRotations: Uint8Array[]; snapshot: Uint8Array; targets: Uint8Array; delegations?: Map<string, Uint8Array> };
}

/** The ECU doing the verification. */
export interface EcuIdentity {
  serial: string;
  hardwareId: string;
  /** Release counter of the image installed now (0 if none). */
  installedReleaseCounter: number;
}

/** What the verifier learned for this ECU when the outcome is Ok. */
export interface VerifiedTarget {
  name: string;
  length: number;
  hashes: Record<string, string>; // algorithm -> lowercase hex
  hardwareId: string;
  releaseCounter: number;
  uri?: string;
  /**
   * The Director's entry names an encrypted image (custom.encryption, README "Per-ECU image
   * encryption"): name, length and hashes above are the ciphertext's.
   */
  encrypted?: boolean;
  /**
   * For an encrypted row of full verification: the plaintext it holds (custom.encryption.plaintext,
   * matched with the Image repository's entry): what the ECU reports once it runs it.
   */
  plaintext?: { name: string; length: number; hashes: Record<string, string> };
  /**
   * This ECU's own encrypted target as a decrypting module (full-enc, partial-enc) read it:
   * the wrap method and the plaintext the decrypted image must match (what gets installed).
   */
  decryption?: { method: "x25519-hkdf-sha256-chacha20poly1305" | "aes128gcm-shared"; plaintext: { name: string; length: number; hashes: Record<string, string> } };
}

export interface VerifyResult {
  outcome: OutcomeName;
  ok: boolean; // outcome === "Ok"
  repo: RepoName | null;
  role: string | null;
  detail: string;
  expected?: number;
  got?: number;
  /** The target this ECU must install (outcome Ok). */
  target?: VerifiedTarget;
  /** Full verification: the Director's targets for every ECU of the vehicle (outcome Ok or NoUpdate). */
  vehicleTargets?: Array<{ ecuSerial: string; target: VerifiedTarget }>;
}

/** A verified time (Uptane 5.4.3): unix seconds. */
export interface TimeAttestationInput {
  /** Signed `{"signed":{"time":ISO8601,"nonces":[...]},"signatures":[...]}` bytes. */
  attestation: Uint8Array;
  /** This ECU's current nonce, which the attestation must include. */
  nonce: string;
}

/** A refused verification as the error that stops a load or a cycle, its detail prefixed with what was being verified. */
export function refusalOf(result: VerifyResult, what: string): VerificationError {
  return new VerificationError(result.outcome, { repo: result.repo, role: result.role, detail: `${what}: ${result.detail}`, expected: result.expected, got: result.got });
}
