// What a Director key rotation or root renewal signs (README "Director key rotation and
// compromise recovery"): new keys made and written to DIR/keys/ (0600), root N+1 from root
// N, and which of every vehicle's roles must be re-signed. Director.rotateKeys commits it.
import { keyTypeOf, type KeyType, type RsaBits } from "../../model/keys.ts";
import { currentRsaBits, makeKey } from "../keys/key-files.ts";
import type { TokenConfig } from "../keys/pkcs11-uri.ts";
import { DIRECTOR_ROLES, OFFLINE_UPDATE_ROLES, signersFor, writeDirectorKey, type DirectorRole, type DirectorRootSigned, type OfflineUpdateRole } from "./director-keys.ts";
import { nextDirectorRoot, type SignedDocument } from "./metadata.ts";

export interface RootChange {
  role: DirectorRole;
  /** Signatures the role needs (root only; online roles are signed by one key). */
  threshold?: number;
  /** New keys made (root only; at least the threshold; default the threshold). */
  keys?: number;
  /** The new keys' type; default the type of the role's current first key. */
  keyType?: KeyType;
  /** An RSA key's size; default the current RSA key's, else 2048. */
  rsaBits?: RsaBits;
  /** The PKCS#11 token the new keys are made in (README "Backend: keys in a PKCS#11 token"); default: key files. */
  token?: TokenConfig | null;
}

export interface RotationResult {
  /** The rotated role, or null for a renewal (same keys, new expiry). */
  role: DirectorRole | null;
  oldKeyIds: string[];
  newKeyIds: string[];
  threshold: number;
  rootVersion: number;
  expires: string;
  /** New private key files (or token key references), relative to DIR. */
  keyFiles: string[];
  /** Vehicles whose metadata was re-signed by the new key. */
  vehiclesResigned: number;
  /** "pending" when the files could not all be written (committed; the server retries). */
  publication: "done" | "pending";
  publicationDetail?: string;
}

export interface RootPlan {
  root: SignedDocument;
  /** The vehicle roles the new key signs (and those that list them). */
  resign: ReadonlySet<"targets" | "snapshot" | "timestamp">;
  result: Omit<RotationResult, "vehiclesResigned" | "publication" | "publicationDetail">;
}

/** Which of a vehicle's documents a new key of the role invalidates: the role's and those that list them. */
const RESIGN: Record<DirectorRole, ("targets" | "snapshot" | "timestamp")[]> = {
  root: [],
  targets: ["targets", "snapshot", "timestamp"],
  snapshot: ["snapshot", "timestamp"],
  timestamp: ["timestamp"],
  timeserver: [],
  // PURE-2: offline-update metadata is signed by `uptane offline create`, not per vehicle
  "offline-update-snapshot": [],
  "offline-update-targets": [],
};

/** Roles whose keys are offline and may need several signatures: root and the PURE-2 roles. */
function takesThreshold(role: DirectorRole): boolean {
  return role === "root" || OFFLINE_UPDATE_ROLES.includes(role as OfflineUpdateRole);
}

const MAX_ROOT_KEYS = 16;

export class RotationError extends Error {}

/** Root N+1 with new keys for `change.role`; the key files are written before anything is signed. */
export function planRotation(dir: string, current: DirectorRootSigned, now: Date, change: RootChange): RootPlan {
  const { role } = change;
  if (!DIRECTOR_ROLES.includes(role)) throw new RotationError(`unknown Director role '${role}' (${DIRECTOR_ROLES.join(", ")})`);
  // A root signed before the backend had the PURE-2 roles lacks them: the rotation adds the role.
  const threshold = change.threshold ?? current.roles[role]?.threshold ?? 1;
  const count = change.keys ?? threshold;
  if (!takesThreshold(role) && (threshold !== 1 || count !== 1)) throw new RotationError(`the ${role} role is signed online by one key: --threshold and --keys apply to root and the offline-update roles only`);
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > MAX_ROOT_KEYS) throw new RotationError(`threshold must be 1..${MAX_ROOT_KEYS}`);
  if (!Number.isSafeInteger(count) || count < threshold || count > MAX_ROOT_KEYS) throw new RotationError(`--keys must be from the threshold (${threshold}) to ${MAX_ROOT_KEYS}`);
  // Before any new key exists: root N+1 needs a threshold of N's root keys.
  const rootSigners = signersFor(dir, "root", current);
  // A role the root does not list yet (a PURE-2 role gained) takes the root key's type.
  const typeOf = current.roles[role]?.keyids[0] ?? current.roles.root.keyids[0]!;
  const keyType = change.keyType ?? keyTypeOf(current.keys[typeOf]!);
  const rsaBits = change.rsaBits ?? (keyType === "rsa-pss" ? currentRsaBits(current.keys[typeOf]!) : undefined);
  const newKeys = Array.from({ length: count }, () => makeKey({ type: keyType, rsaBits, token: change.token }, `uptane director ${role}`));
  const keyFiles = newKeys.map((k) => writeDirectorKey(dir, role, k));
  const signers = role === "root" ? [...rootSigners, ...newKeys] : rootSigners;
  const root = nextDirectorRoot(current, now, signers, { role, keys: newKeys, threshold });
  return {
    root,
    resign: new Set(RESIGN[role]),
    result: { role, oldKeyIds: current.roles[role]?.keyids ?? [], newKeyIds: newKeys.map((k) => k.keyid), threshold, rootVersion: root.version, expires: root.expires, keyFiles },
  };
}

/** Root N+1 with the same keys and a new expiry (`uptane refresh --offline`). */
export function planRenewal(dir: string, current: DirectorRootSigned, now: Date): RootPlan {
  const root = nextDirectorRoot(current, now, signersFor(dir, "root", current));
  const ids = current.roles.root.keyids;
  return { root, resign: new Set(), result: { role: null, oldKeyIds: ids, newKeyIds: ids, threshold: current.roles.root.threshold, rootVersion: root.version, expires: root.expires, keyFiles: [] } };
}
