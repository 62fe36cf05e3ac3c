// The TUF 1.0 metadata of the Image repository (DESIGN.md section 4): types of the four
// top-level roles and delegated targets roles, expiry policy, signature threshold checks,
// and strict shape checks for metadata read from disk or from a supplier's bundle.
import { canonicalBytes } from "../../model/canonical-json.ts";
import { countValidSignatures, isTufKey, keyIdOf, type Signature, type TufKey } from "../../model/keys.ts";
import { checkPathPattern, checkPublishedHardwareId, checkRoleName, checkTargetName } from "./names.ts";
import { isIsoTime, isoTime } from "../../model/iso-time.ts";

export const SPEC_VERSION = "1.0.31";
export type TopRole = "root" | "targets" | "snapshot" | "timestamp";
export const TOP_ROLES: TopRole[] = ["root", "targets", "snapshot", "timestamp"];
/** Root and targets keys are offline keys; snapshot and timestamp keys are online. */
export const OFFLINE_ROLES: TopRole[] = ["root", "targets"];

export interface Signed<T> {
  signatures: Signature[];
  signed: T;
}

export interface RoleKeys {
  keyids: string[];
  threshold: number;
}

export interface RootSigned {
  _type: "root";
  spec_version: string;
  version: number;
  expires: string;
  consistent_snapshot: true;
  keys: Record<string, TufKey>;
  roles: Record<TopRole, RoleKeys>;
}

export interface ImageCustom {
  hardwareIds: string[];
  releaseCounter: number;
  [key: string]: unknown;
}

export interface TargetFile {
  length: number;
  hashes: Record<string, string>;
  custom?: ImageCustom;
}

export interface DelegatedRole extends RoleKeys {
  name: string;
  terminating: boolean;
  paths: string[];
  /** Uptane: the role applies only to targets for these hardware types. */
  hardwareIds?: string[];
}

export interface Delegations {
  keys: Record<string, TufKey>;
  roles: DelegatedRole[];
}

export interface TargetsSigned {
  _type: "targets";
  spec_version: string;
  version: number;
  expires: string;
  targets: Record<string, TargetFile>;
  delegations?: Delegations;
}

export interface MetaFile {
  version: number;
  length?: number;
  hashes?: Record<string, string>;
}

export interface SnapshotSigned {
  _type: "snapshot";
  spec_version: string;
  version: number;
  expires: string;
  meta: Record<string, MetaFile>;
}

export interface TimestampSigned {
  _type: "timestamp";
  spec_version: string;
  version: number;
  expires: string;
  meta: { "snapshot.json": MetaFile };
}

/** Days each role's metadata stays valid (Uptane deployment guidance defaults). */
export interface ExpiryPolicy {
  root: number;
  targets: number;
  snapshot: number;
  timestamp: number;
}

export const DEFAULT_EXPIRY_DAYS: ExpiryPolicy = { root: 365, targets: 90, snapshot: 1, timestamp: 1 };

/** TUF's expiry format: ISO 8601 in UTC, whole seconds. */
export function expiryAfterDays(now: Date, days: number): string {
  return isoTime(new Date(now.getTime() + days * 86_400_000));
}

/** The metadata file bytes as the repository writes and serves them. */
export function metadataBytes(doc: Signed<unknown>): Buffer {
  return Buffer.from(JSON.stringify(doc), "utf8");
}

export class MetadataError extends Error {}

export function meetsThreshold(doc: Signed<unknown>, keys: Record<string, TufKey>, role: RoleKeys): boolean {
  return countValidSignatures(doc, keys, role.keyids) >= role.threshold;
}

// ---- strict shape checks (throw MetadataError naming the field) ----

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(where: string, what: string): never {
  throw new MetadataError(`${where}: ${what}`);
}

function checkInt(v: unknown, where: string, min = 0): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) fail(where, `must be an integer >= ${min}`);
  return v;
}

function checkStringArray(v: unknown, where: string, nonEmpty: boolean): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) fail(where, "must be an array of strings");
  if (nonEmpty && v.length === 0) fail(where, "must not be empty");
  return v as string[];
}

/** Checks the envelope and the common header; `type` is the `_type` expected. */
export function checkEnvelope(doc: unknown, type: string, where: string): Signed<Record<string, unknown>> {
  if (!isObject(doc)) fail(where, "not a JSON object");
  if (!Array.isArray(doc.signatures)) fail(where, "signatures must be an array");
  for (const s of doc.signatures) {
    if (!isObject(s) || typeof s.keyid !== "string" || typeof s.sig !== "string") fail(where, "each signature needs string keyid and sig");
  }
  const signed = doc.signed;
  if (!isObject(signed)) fail(where, "signed must be an object");
  if (signed._type !== type) fail(where, `_type is '${String(signed._type)}', expected '${type}'`);
  if (typeof signed.spec_version !== "string" || !signed.spec_version.startsWith("1.")) fail(where, "spec_version must start with '1.'");
  checkInt(signed.version, `${where} version`, 1);
  if (!isIsoTime(signed.expires)) {
    fail(where, "expires must be YYYY-MM-DDTHH:MM:SSZ");
  }
  try {
    canonicalBytes(signed);
  } catch (err) {
    fail(where, `not canonical-encodable (${(err as Error).message})`);
  }
  return doc as unknown as Signed<Record<string, unknown>>;
}

export function isExpired(expires: string, now: Date): boolean {
  return Date.parse(expires) <= now.getTime();
}

function checkKeys(v: unknown, where: string): Record<string, TufKey> {
  if (!isObject(v)) fail(where, "keys must be an object");
  for (const [keyid, key] of Object.entries(v)) {
    if (!isTufKey(key)) fail(where, `key ${keyid} is not an ed25519 key (64-hex public value), an ecdsa P-256 key or an rsa key of 2048 to 4096 bits (PEM)`);
    if (keyIdOf(key as unknown as TufKey) !== keyid) fail(where, `key id ${keyid} is not the SHA-256 of the key`);
  }
  return v as unknown as Record<string, TufKey>;
}

function checkRoleKeys(v: unknown, keys: Record<string, TufKey>, where: string): RoleKeys {
  if (!isObject(v)) fail(where, "must be an object");
  const keyids = checkStringArray(v.keyids, `${where} keyids`, true);
  if (new Set(keyids).size !== keyids.length) fail(where, "keyids has duplicates");
  for (const k of keyids) if (!keys[k]) fail(where, `keyid ${k} is not among the keys`);
  const threshold = checkInt(v.threshold, `${where} threshold`, 1);
  if (threshold > keyids.length) fail(where, `threshold ${threshold} exceeds its ${keyids.length} keys`);
  return v as unknown as RoleKeys;
}

export function checkRoot(doc: unknown, where = "root"): Signed<RootSigned> {
  const env = checkEnvelope(doc, "root", where);
  const s = env.signed;
  const keys = checkKeys(s.keys, `${where} keys`);
  if (!isObject(s.roles)) fail(where, "roles must be an object");
  for (const role of TOP_ROLES) checkRoleKeys(s.roles[role], keys, `${where} roles.${role}`);
  if (s.consistent_snapshot !== true) fail(where, "consistent_snapshot must be true");
  return env as unknown as Signed<RootSigned>;
}

export function checkTargetFile(v: unknown, where: string, requireUptane: boolean): TargetFile {
  if (!isObject(v)) fail(where, "must be an object");
  checkInt(v.length, `${where} length`);
  if (!isObject(v.hashes)) fail(where, "hashes must be an object");
  const hashes = v.hashes as Record<string, unknown>;
  if (typeof hashes.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(hashes.sha256)) fail(where, "hashes.sha256 must be 64 lower-case hex digits");
  if (hashes.sha512 !== undefined && (typeof hashes.sha512 !== "string" || !/^[0-9a-f]{128}$/.test(hashes.sha512))) fail(where, "hashes.sha512 must be 128 lower-case hex digits");
  for (const alg of Object.keys(hashes)) if (alg !== "sha256" && alg !== "sha512") fail(where, `hash algorithm '${alg}' is not supported`);
  if (v.custom !== undefined || requireUptane) {
    if (!isObject(v.custom)) fail(where, "custom must be an object with hardwareIds and releaseCounter");
    const ids = checkStringArray(v.custom.hardwareIds, `${where} custom.hardwareIds`, true);
    for (const id of ids) checkPublishedHardwareId(id);
    checkInt(v.custom.releaseCounter, `${where} custom.releaseCounter`);
  }
  return v as unknown as TargetFile;
}

export function checkDelegations(v: unknown, where: string): Delegations {
  if (!isObject(v)) fail(where, "delegations must be an object");
  const keys = checkKeys(v.keys, `${where} keys`);
  if (!Array.isArray(v.roles)) fail(where, "roles must be an array");
  const names = new Set<string>();
  for (const role of v.roles as unknown[]) {
    if (!isObject(role) || typeof role.name !== "string") fail(where, "each delegated role needs a name");
    const rw = `${where} role '${role.name}'`;
    try {
      checkRoleName(role.name);
    } catch (err) {
      fail(rw, (err as Error).message);
    }
    if (names.has(role.name)) fail(rw, "delegated twice");
    names.add(role.name);
    checkRoleKeys(role, keys, rw);
    if (typeof role.terminating !== "boolean") fail(rw, "terminating must be a boolean");
    if (role.path_hash_prefixes !== undefined) fail(rw, "path_hash_prefixes is not supported by this repository");
    for (const p of checkStringArray(role.paths, `${rw} paths`, true)) {
      try {
        checkPathPattern(p);
      } catch (err) {
        fail(rw, (err as Error).message);
      }
    }
    if (role.hardwareIds !== undefined) for (const id of checkStringArray(role.hardwareIds, `${rw} hardwareIds`, true)) checkPublishedHardwareId(id);
  }
  return v as unknown as Delegations;
}

export function checkTargets(doc: unknown, where = "targets", requireUptane = true): Signed<TargetsSigned> {
  const env = checkEnvelope(doc, "targets", where);
  const s = env.signed;
  if (!isObject(s.targets)) fail(where, "targets must be an object");
  for (const [name, info] of Object.entries(s.targets)) {
    try {
      checkTargetName(name);
    } catch (err) {
      fail(where, (err as Error).message);
    }
    checkTargetFile(info, `${where} target '${name}'`, requireUptane);
  }
  if (s.delegations !== undefined) checkDelegations(s.delegations, `${where} delegations`);
  return env as unknown as Signed<TargetsSigned>;
}

function checkMetaFile(v: unknown, where: string): MetaFile {
  if (!isObject(v)) fail(where, "must be an object");
  checkInt(v.version, `${where} version`, 1);
  if (v.length !== undefined) checkInt(v.length, `${where} length`);
  return v as unknown as MetaFile;
}

export function checkSnapshot(doc: unknown, where = "snapshot"): Signed<SnapshotSigned> {
  const env = checkEnvelope(doc, "snapshot", where);
  if (!isObject(env.signed.meta)) fail(where, "meta must be an object");
  for (const [file, info] of Object.entries(env.signed.meta)) checkMetaFile(info, `${where} meta '${file}'`);
  if (!isObject(env.signed.meta["targets.json"])) fail(where, "meta lacks targets.json");
  return env as unknown as Signed<SnapshotSigned>;
}

export function checkTimestamp(doc: unknown, where = "timestamp"): Signed<TimestampSigned> {
  const env = checkEnvelope(doc, "timestamp", where);
  if (!isObject(env.signed.meta) || !isObject(env.signed.meta["snapshot.json"])) fail(where, "meta lacks snapshot.json");
  checkMetaFile(env.signed.meta["snapshot.json"], `${where} meta 'snapshot.json'`);
  return env as unknown as Signed<TimestampSigned>;
}
