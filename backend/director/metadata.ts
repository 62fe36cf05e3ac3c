// Builds and signs the Director's TUF 1.0 documents (DESIGN.md section 4). Pure: keys,
// versions and times in, signed documents and their exact served bytes out.
import { createHash } from "node:crypto";
import { canonicalJsonText } from "../../model/canonical-json.ts";
import { signMetadata, type SigningKey, type TufKey } from "../../model/keys.ts";
import type { DirectorOnlineKeys, DirectorRole, DirectorRootSigned } from "./director-keys.ts";
import { isoTime } from "../../model/iso-time.ts";

export const SPEC_VERSION = "1.0.31";

/** Lifetimes (seconds). Short for the online roles: a frozen vehicle notices within a day. */
export const EXPIRY = {
  root: 365 * 24 * 3600,
  targets: 7 * 24 * 3600,
  snapshot: 7 * 24 * 3600,
  timestamp: 24 * 3600,
} as const;

export function expiresFrom(now: Date, seconds: number): string {
  return isoTime(new Date(now.getTime() + seconds * 1000));
}

/** A signed document and the bytes the server hands out for it. */
export interface SignedDocument {
  version: number;
  expires: string;
  bytes: string;
}

// canonical layout, JSON escapes: a PEM key's line ends are \n in the file, raw in what is signed
function serialise(signed: object, keys: SigningKey[]): string {
  return canonicalJsonText(signMetadata(signed, keys));
}

function keyEntry(keys: SigningKey[]): { keyids: string[]; threshold: number } {
  return { keyids: keys.map((k) => k.keyid), threshold: 1 };
}

/** The Director root: offline root keys; online targets/snapshot/timestamp; the time server role. */
export function buildDirectorRoot(rootKeys: SigningKey[], online: DirectorOnlineKeys, version: number, now: Date): SignedDocument {
  const all = [...rootKeys, online.targets, online.snapshot, online.timestamp, online.timeserver];
  const keys: Record<string, TufKey> = {};
  for (const k of all) keys[k.keyid] = k.publicKey;
  const expires = expiresFrom(now, EXPIRY.root);
  const signed = {
    _type: "root",
    spec_version: SPEC_VERSION,
    version,
    expires,
    consistent_snapshot: true,
    keys,
    roles: {
      root: { keyids: rootKeys.map((k) => k.keyid), threshold: rootKeys.length },
      targets: keyEntry([online.targets]),
      snapshot: keyEntry([online.snapshot]),
      timestamp: keyEntry([online.timestamp]),
      timeserver: keyEntry([online.timeserver]),
    },
  };
  return { version, expires, bytes: serialise(signed, rootKeys) };
}

/**
 * Root N+1 from root N (`current`, its `signed`): a new expiry, and with `change` the
 * role's keys replaced by new ones (public keys no role uses any more are dropped).
 * Signed by `signers`: a threshold of N's root keys, and on a root rotation every new
 * root key too (5.4.4.3 step 3 / TUF 5.3.4: N+1 verifies by N's keys and by its own).
 */
export function nextDirectorRoot(
  current: DirectorRootSigned,
  now: Date,
  signers: SigningKey[],
  change?: { role: DirectorRole; keys: SigningKey[]; threshold: number },
): SignedDocument {
  const next: DirectorRootSigned = structuredClone(current);
  next.version = current.version + 1;
  next.expires = expiresFrom(now, EXPIRY.root);
  if (change) {
    next.roles[change.role] = { keyids: change.keys.map((k) => k.keyid), threshold: change.threshold };
    for (const k of change.keys) next.keys[k.keyid] = k.publicKey;
    const used = new Set(Object.values(next.roles).flatMap((r) => r.keyids));
    next.keys = Object.fromEntries(Object.entries(next.keys).filter(([id]) => used.has(id)));
  }
  return { version: next.version, expires: next.expires, bytes: serialise(next, signers) };
}

/** One entry of a vehicle's Director targets. */
export interface DirectorTargetEntry {
  name: string;
  length: number;
  hashes: Record<string, string>;
  /** The Image repository target's `custom` (hardwareIds, releaseCounter, ...) plus ecuIdentifiers. */
  custom: Record<string, unknown> & { ecuIdentifiers: Record<string, { hardwareId: string }> };
}

export function buildTargets(vin: string, entries: DirectorTargetEntry[], version: number, now: Date, key: SigningKey | SigningKey[]): SignedDocument {
  const targets: Record<string, { length: number; hashes: Record<string, string>; custom: object }> = {};
  for (const e of entries) targets[e.name] = { length: e.length, hashes: e.hashes, custom: e.custom };
  const expires = expiresFrom(now, EXPIRY.targets);
  const signed = { _type: "targets", spec_version: SPEC_VERSION, version, expires, targets, custom: { vin } };
  return { version, expires, bytes: serialise(signed, [key].flat()) };
}

function fileMeta(version: number, bytes: string): { version: number; length: number; hashes: { sha256: string } } {
  const buf = Buffer.from(bytes, "utf8");
  return { version, length: buf.length, hashes: { sha256: createHash("sha256").update(buf).digest("hex") } };
}

export function buildSnapshot(targets: SignedDocument, version: number, now: Date, key: SigningKey | SigningKey[]): SignedDocument {
  const expires = expiresFrom(now, EXPIRY.snapshot);
  const signed = { _type: "snapshot", spec_version: SPEC_VERSION, version, expires, meta: { "targets.json": fileMeta(targets.version, targets.bytes) } };
  return { version, expires, bytes: serialise(signed, [key].flat()) };
}

export function buildTimestamp(snapshot: SignedDocument, version: number, now: Date, key: SigningKey | SigningKey[]): SignedDocument {
  const expires = expiresFrom(now, EXPIRY.timestamp);
  const signed = { _type: "timestamp", spec_version: SPEC_VERSION, version, expires, meta: { "snapshot.json": fileMeta(snapshot.version, snapshot.bytes) } };
  return { version, expires, bytes: serialise(signed, [key].flat()) };
}
