// The Image repository's operations: create, add an image, delegate to a supplier, rotate
// keys, refresh online roles, and the read API the Director uses (current metadata, target
// lookup through delegations). Each changing operation takes the repository lock, reads
// the published state, and publishes atomically (publish.ts).
import { mkdir, readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { keyIdOf, keyTypeOf, type KeyType, type RsaBits, type SigningKey, type TufKey } from "../../model/keys.ts";
import { currentRsaBits, makeKey, type KeySpec } from "../keys/key-files.ts";
import type { TokenConfig } from "../keys/pkcs11-uri.ts";
import { diskWriter, type FileWriter } from "../fs/atomic-write.ts";
import { withLock } from "../fs/lock.ts";
import { writeRoleKey } from "./keystore.ts";
import { configPath, lockPath, repositoryDir, versionedFile } from "./layout.ts";
import { findTarget, type FoundTarget, type LookupOptions } from "./lookup.ts";
import { afterKeyRotation, readRemovedRoles, writeRemovedRoles } from "./removed-roles.ts";
import {
  DEFAULT_EXPIRY_DAYS,
  expiryAfterDays,
  metadataBytes,
  SPEC_VERSION,
  TOP_ROLES,
  type DelegatedRole,
  type ExpiryPolicy,
  type RootSigned,
  type Signed,
  type SnapshotSigned,
  type TargetsSigned,
  type TimestampSigned,
  type TopRole,
} from "./metadata.ts";
import { checkHardwareId, checkTargetName } from "./names.ts";
import { buildDelegatedRole, type DelegationSpec } from "./delegation.ts";
import { hashesOf, hashFile, initialRoot, publish, type PublishChange } from "./publish.ts";
import { loadPublished, RepositoryError, type PublishedState } from "./published.ts";
import { signMetadata } from "../../model/keys.ts";
import { readBundleFile, verifyBundle } from "./import.ts";
import type { Bundle } from "./bundle.ts";
import { offlineRoleWarning, type OfflineRole } from "../offline-expiry.ts";

import { publishImageDialect } from "../aktualizr/image-view.ts";
export { loadPublished, RepositoryError, type PublishedState } from "./published.ts";

export interface OperationOptions {
  writer?: FileWriter;
  now?: Date;
}

export interface ImageConfig {
  expiryDays: ExpiryPolicy;
}

export async function readConfig(dir: string): Promise<ImageConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(configPath(dir), "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RepositoryError(code === "ENOENT" ? `${dir} holds no Image repository (no ${configPath(dir)}); run uptane init first` : `cannot read ${configPath(dir)}: ${code ?? "not valid JSON"}`, code === "ENOENT" ? "not-a-backend" : "repository-corrupt");
  }
  const days = (raw as { expiryDays?: Record<string, unknown> })?.expiryDays;
  const expiryDays = { ...DEFAULT_EXPIRY_DAYS };
  for (const role of TOP_ROLES) {
    const v = days?.[role];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw new RepositoryError(`${configPath(dir)}: expiryDays.${role} must be a positive integer`, "repository-corrupt");
    expiryDays[role] = v;
  }
  return { expiryDays };
}

/** Runs a change of the repository under its lock, on the published state read afresh. */
export async function changing<T>(dir: string, opts: OperationOptions, fn: (state: PublishedState, ctx: { dir: string; writer: FileWriter; now: Date; expiry: ExpiryPolicy }) => Promise<T>): Promise<T> {
  const config = await readConfig(dir);
  return withLock(lockPath(dir), async () => {
    const state = await loadPublished(dir);
    return fn(state, { dir, writer: opts.writer ?? diskWriter, now: opts.now ?? new Date(), expiry: config.expiryDays });
  });
}

/** The Image repository's offline-keyed roles as published (file names relative to DIR). */
export function imageOfflineRoles(state: PublishedState): OfflineRole[] {
  return [
    { repository: "image", role: "root", file: `image/repository/${versionedFile(state.root.signed.version, "root")}`, expires: state.root.signed.expires },
    { repository: "image", role: "targets", file: `image/repository/${versionedFile(state.targets.signed.version, "targets")}`, expires: state.targets.signed.expires },
  ];
}

/** Refuses to publish under an expired root or targets: vehicles would refuse what comes out. */
export function requireOfflineRolesValid(state: PublishedState, dir: string, now: Date): void {
  for (const role of imageOfflineRoles(state)) {
    const w = offlineRoleWarning(dir, role, now, 0);
    if (w?.state === "expired") throw new RepositoryError(`nothing published: ${w.message}`, "role-expired");
  }
}

// ---------------------------------------------------------------- create

export interface CreateOptions extends OperationOptions {
  /** Number of keys (and signatures required) per top-level role; default 1 each. */
  thresholds?: Partial<Record<TopRole, number>>;
  expiryDays?: Partial<ExpiryPolicy>;
  /** Key type per top-level role; default ed25519 (README "Backend: key types"). */
  keyTypes?: Partial<Record<TopRole, KeyType>>;
  /** How each role's keys are made (type, RSA size, token: README "Backend: keys in a PKCS#11 token"); over `keyTypes`. */
  keySpecs?: Partial<Record<TopRole, KeySpec>>;
}

export interface CreateResult {
  rootKeyIds: string[];
  keyFiles: string[];
}

/** Creates the Image repository inside backend folder `dir` (which must not hold one). */
export async function createImageRepository(dir: string, opts: CreateOptions = {}): Promise<CreateResult> {
  const writer = opts.writer ?? diskWriter;
  const now = opts.now ?? new Date();
  const expiry: ExpiryPolicy = { ...DEFAULT_EXPIRY_DAYS, ...opts.expiryDays };
  for (const role of TOP_ROLES) {
    if (!Number.isSafeInteger(expiry[role]) || expiry[role] < 1) throw new RepositoryError(`expiry for ${role} must be a positive number of days`);
  }
  const thresholds = {} as Record<TopRole, number>;
  const keys = {} as Record<TopRole, SigningKey[]>;
  const keyFiles: string[] = [];
  for (const role of TOP_ROLES) {
    const t = opts.thresholds?.[role] ?? 1;
    if (!Number.isSafeInteger(t) || t < 1 || t > 16) throw new RepositoryError(`threshold for ${role} must be 1..16`, "invalid-threshold");
    thresholds[role] = t;
    const spec = opts.keySpecs?.[role] ?? { type: opts.keyTypes?.[role] ?? "ed25519" };
    keys[role] = Array.from({ length: t }, () => makeKey(spec, `uptane image ${role}`));
  }
  await mkdir(repositoryDir(dir), { recursive: true });
  for (const role of TOP_ROLES) for (const k of keys[role]) keyFiles.push(await writeRoleKey(dir, role, k, writer));
  await writer.write(configPath(dir), Buffer.from(JSON.stringify({ expiryDays: expiry }, null, 2) + "\n"));

  const root = signMetadata(initialRoot(keys, thresholds, now, expiry), keys.root);
  const targets = signMetadata<TargetsSigned>(
    { _type: "targets", spec_version: SPEC_VERSION, version: 1, expires: expiryAfterDays(now, expiry.targets), targets: {} },
    keys.targets,
  );
  const snapshot = signMetadata<SnapshotSigned>(
    { _type: "snapshot", spec_version: SPEC_VERSION, version: 1, expires: expiryAfterDays(now, expiry.snapshot), meta: { "targets.json": { version: 1 } } },
    keys.snapshot,
  );
  const snapshotBytes = metadataBytes(snapshot);
  const timestamp = signMetadata<TimestampSigned>(
    {
      _type: "timestamp",
      spec_version: SPEC_VERSION,
      version: 1,
      expires: expiryAfterDays(now, expiry.timestamp),
      meta: { "snapshot.json": { version: 1, length: snapshotBytes.length, hashes: { sha256: hashesOf(snapshotBytes).sha256 } } },
    },
    keys.timestamp,
  );
  const repo = repositoryDir(dir);
  await writer.write(join(repo, versionedFile(1, "targets")), metadataBytes(targets));
  await writer.write(join(repo, versionedFile(1, "snapshot")), snapshotBytes);
  await writer.write(join(repo, "timestamp.json"), metadataBytes(timestamp));
  await writer.write(join(repo, versionedFile(1, "root")), metadataBytes(root));
  await publishImageDialect(dir, writer, { targets, targetsSigners: keys.targets, snapshot, snapshotSigners: keys.snapshot, timestamp, timestampSigners: keys.timestamp });
  return { rootKeyIds: root.signed.roles.root.keyids, keyFiles };
}

// ---------------------------------------------------------------- images

export interface AddImageOptions extends OperationOptions {
  name: string;
  hardwareIds: string[];
  /** Default: 0 for a new name, the current counter when the name is replaced. */
  releaseCounter?: number;
  /** Progress of the two passes over the file: hashing it, then checking the stored copy. */
  onProgress?: (e: { phase: "hash" | "check"; done: number; total: number }) => void;
}

export interface AddImageResult {
  name: string;
  length: number;
  hashes: Record<string, string>;
  custom: { hardwareIds: string[]; releaseCounter: number };
  targetsVersion: number;
}

export async function addImage(dir: string, file: string, opts: AddImageOptions): Promise<AddImageResult> {
  checkTargetName(opts.name);
  if (opts.hardwareIds.length === 0) throw new RepositoryError("at least one --hardware-id is needed");
  const hardwareIds = [...new Set(opts.hardwareIds.map(checkHardwareId))];
  let measured: Awaited<ReturnType<typeof hashFile>>;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new RepositoryError(`${file} is not a regular file`);
    measured = await hashFile(file, opts.onProgress && ((done) => opts.onProgress!({ phase: "hash", done, total: st.size })));
  } catch (err) {
    if (err instanceof RepositoryError) throw err;
    throw new RepositoryError(`cannot read image ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const { length, hashes } = measured;
  return changing(dir, opts, async (state, ctx) => {
    requireOfflineRolesValid(state, dir, ctx.now);
    const previous = state.targets.signed.targets[opts.name];
    const previousCounter = previous?.custom?.releaseCounter;
    const releaseCounter = opts.releaseCounter ?? previousCounter ?? 0;
    if (!Number.isSafeInteger(releaseCounter) || releaseCounter < 0) throw new RepositoryError("release counter must be a non-negative integer");
    // Uptane: a release counter never decreases for a target.
    if (previousCounter !== undefined && releaseCounter < previousCounter) {
      throw new RepositoryError(`release counter ${releaseCounter} for '${opts.name}' is below the published ${previousCounter} (rollback refused)`, "release-counter-rollback");
    }
    const custom = { hardwareIds, releaseCounter };
    const targets = { ...state.targets.signed.targets, [opts.name]: { length, hashes, custom } };
    const next = await publish(
      state,
      { targets: { targets, delegations: state.targets.signed.delegations }, images: [{ name: opts.name, bytes: { file }, hashes, onCheckProgress: opts.onProgress && ((done) => opts.onProgress!({ phase: "check", done, total: length })) }] },
      ctx,
    );
    return { name: opts.name, length, hashes, custom, targetsVersion: next.targets.signed.version };
  });
}

// ---------------------------------------------------------------- delegations

export interface DelegateOptions extends OperationOptions, DelegationSpec {}

/** Adds (or replaces) a supplier's delegation in the top-level targets (offline targets key). */
export async function delegate(dir: string, opts: DelegateOptions): Promise<DelegatedRole> {
  const role = buildDelegatedRole(opts, (m) => new RepositoryError(m, "invalid-threshold"));
  return changing(dir, opts, async (state, ctx) => {
    requireOfflineRolesValid(state, dir, ctx.now);
    const current = state.targets.signed.delegations ?? { keys: {}, roles: [] };
    const roles = current.roles.filter((r) => r.name !== role.name);
    const replaced = roles.length !== current.roles.length;
    if (replaced) roles.splice(current.roles.findIndex((r) => r.name === role.name), 0, role);
    else roles.push(role);
    // Keep only keys some role still uses.
    const allKeys: Record<string, TufKey> = { ...current.keys };
    for (const k of opts.keys) allKeys[keyIdOf(k)] = k;
    const used = new Set(roles.flatMap((r) => r.keyids));
    const keys = Object.fromEntries(Object.entries(allKeys).filter(([id]) => used.has(id)));
    await publish(state, { targets: { targets: state.targets.signed.targets, delegations: { keys, roles } } }, ctx);
    return role;
  });
}

// ---------------------------------------------------------------- supplier bundles

export interface ImportResult {
  roles: { name: string; version: number; targets: string[] }[];
  images: number;
  snapshotVersion: number;
}

/** Verifies a supplier's bundle completely, then publishes its roles and images (or throws BundleError, writing nothing). */
export async function importBundle(dir: string, bundlePath: string, opts: OperationOptions = {}): Promise<ImportResult> {
  return importDecodedBundle(dir, await readBundleFile(bundlePath), opts);
}

/** `importBundle` for a bundle already decoded (the supplier portal hashes the bytes it imports). */
export async function importDecodedBundle(dir: string, bundle: Bundle, opts: OperationOptions = {}): Promise<ImportResult> {
  return changing(dir, opts, async (state, ctx) => {
    requireOfflineRolesValid(state, dir, ctx.now);
    const verified = verifyBundle(state, bundle, ctx.now);
    const next = await publish(state, { delegated: verified.delegated, images: verified.images }, ctx);
    return {
      roles: [...verified.delegated].map(([name, doc]) => ({ name, version: doc.signed.version, targets: Object.keys(doc.signed.targets) })),
      images: verified.images.length,
      snapshotVersion: next.snapshot.signed.version,
    };
  });
}

// ---------------------------------------------------------------- rotation and refresh

export interface RotateResult {
  role: TopRole;
  oldKeyIds: string[];
  newKeyIds: string[];
  rootVersion: number;
}

/** Replaces the keys of `role` with new ones and publishes root N+1 signed by old and new root keys. */
export async function rotate(dir: string, role: TopRole, opts: OperationOptions & { threshold?: number; keyType?: KeyType; rsaBits?: RsaBits; token?: TokenConfig | null } = {}): Promise<RotateResult> {
  if (!TOP_ROLES.includes(role)) throw new RepositoryError(`unknown role '${role}' (root, targets, snapshot or timestamp)`);
  return changing(dir, opts, async (state, ctx) => {
    const current = state.root.signed;
    const threshold = opts.threshold ?? current.roles[role].threshold;
    if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > 16) throw new RepositoryError("threshold must be 1..16", "invalid-threshold");
    // the new keys' type (and RSA size): the one asked for, else that of the role's current first key
    const first = current.keys[current.roles[role].keyids[0]!]!;
    const keyType = opts.keyType ?? keyTypeOf(first);
    const rsaBits = opts.rsaBits ?? (keyType === "rsa-pss" ? currentRsaBits(first) : undefined);
    const newKeys = Array.from({ length: threshold }, () => makeKey({ type: keyType, rsaBits, token: opts.token }, `uptane image ${role}`));
    const next: RootSigned = structuredClone(current);
    next.version = current.version + 1;
    next.expires = expiryAfterDays(ctx.now, ctx.expiry.root);
    next.roles[role] = { keyids: newKeys.map((k) => k.keyid), threshold };
    for (const k of newKeys) next.keys[k.keyid] = k.publicKey;
    const used = new Set(TOP_ROLES.flatMap((r) => next.roles[r].keyids));
    next.keys = Object.fromEntries(Object.entries(next.keys).filter(([id]) => used.has(id)));
    // New key files first: without them nothing can be signed, and unused keys harm nothing.
    for (const k of newKeys) await writeRoleKey(dir, role, k, ctx.writer);
    // A removed supplier's role leaves the snapshot once both the Snapshot and Timestamp keys were rotated since.
    const pending = role === "snapshot" || role === "timestamp" ? await readRemovedRoles(dir) : [];
    const removed = pending.length > 0 ? afterKeyRotation(pending, role as "snapshot" | "timestamp") : null;
    const published = await publish(state, { root: next, dropMeta: removed?.drop }, ctx);
    if (removed) await writeRemovedRoles(dir, removed.waiting, ctx.writer);
    return { role, oldKeyIds: current.roles[role].keyids, newKeyIds: next.roles[role].keyids, rootVersion: published.root.signed.version };
  });
}

export interface RefreshResult {
  resigned: ("snapshot" | "timestamp")[];
  timestampVersion: number;
  expires: Record<TopRole, string>;
  /** Offline roles that expire within a quarter of their period: re-sign them with the offline keys. */
  offlineExpiringSoon: TopRole[];
  /** Supplier roles expired or expiring within 7 days: ask the supplier for a new bundle. */
  delegatedExpiringSoon: { role: string; expires: string }[];
}

/**
 * Re-signs the online roles (snapshot and timestamp) when less than half of their validity
 * period is left, or always with `force`. Offline roles are reported, not touched.
 */
export async function refresh(dir: string, opts: OperationOptions & { force?: boolean } = {}): Promise<RefreshResult> {
  return changing(dir, opts, async (state, ctx) => {
    const left = (expires: string) => Date.parse(expires) - ctx.now.getTime();
    const period = (role: TopRole) => ctx.expiry[role] * 86_400_000;
    const due = (role: "snapshot" | "timestamp") => opts.force || left(state[role].signed.expires) < period(role) / 2;
    let next = state;
    const resigned: ("snapshot" | "timestamp")[] = [];
    if (due("snapshot") || due("timestamp")) {
      next = await publish(state, {}, ctx); // a publish always writes a new snapshot and timestamp
      resigned.push("snapshot", "timestamp");
    }
    const expires = { root: next.root.signed.expires, targets: next.targets.signed.expires, snapshot: next.snapshot.signed.expires, timestamp: next.timestamp.signed.expires };
    const offlineExpiringSoon = (["root", "targets"] as const).filter((r) => left(expires[r]) < period(r) / 4);
    const delegatedExpiringSoon = [...next.delegated]
      .filter(([, doc]) => left(doc.signed.expires) < 7 * 86_400_000)
      .map(([role, doc]) => ({ role, expires: doc.signed.expires }));
    return { resigned, timestampVersion: next.timestamp.signed.version, expires, offlineExpiringSoon, delegatedExpiringSoon };
  });
}

/**
 * Renews offline-keyed roles with the offline keys in DIR/keys/offline/: root as version
 * N+1 with the same keys (which re-signs targets too), or targets alone as version N+1 with
 * the same content. Each with a new expiry from the repository's policy.
 */
export async function renewOffline(dir: string, roles: ("root" | "targets")[], opts: OperationOptions = {}): Promise<{ role: "root" | "targets"; version: number; expires: string }[]> {
  if (roles.length === 0) return [];
  return changing(dir, opts, async (state, ctx) => {
    let next: PublishedState;
    if (roles.includes("root")) {
      const root: RootSigned = { ...structuredClone(state.root.signed), version: state.root.signed.version + 1, expires: expiryAfterDays(ctx.now, ctx.expiry.root) };
      next = await publish(state, { root }, ctx);
    } else {
      next = await publish(state, { targets: { targets: state.targets.signed.targets, delegations: state.targets.signed.delegations } }, ctx);
    }
    const renewed: { role: "root" | "targets"; version: number; expires: string }[] = [];
    if (roles.includes("root")) renewed.push({ role: "root", version: next.root.signed.version, expires: next.root.signed.expires });
    renewed.push({ role: "targets", version: next.targets.signed.version, expires: next.targets.signed.expires });
    return renewed;
  });
}

// ---------------------------------------------------------------- read API (used by the Director)

/** Every targets role by name ("targets" included), for findTarget. */
export function targetsRoles(state: PublishedState): Map<string, Signed<TargetsSigned>> {
  return new Map([["targets", state.targets], ...state.delegated]);
}

/**
 * Read-only view of a backend folder's Image repository. Each call reads the published state
 * afresh, so a long-running server sees what other commands publish.
 */
export class ImageRepository {
  constructor(readonly dir: string) {}

  /** The currently published metadata, each document verified. */
  published(): Promise<PublishedState> {
    return loadPublished(this.dir);
  }

  /** A target as a TUF client finds it through the delegations now (expired roles end the search), or null. */
  async findTarget(name: string, options?: LookupOptions): Promise<FoundTarget | null> {
    return findTarget(targetsRoles(await this.published()), name, { now: new Date(), ...options });
  }

  /** Names of the published metadata files (what `/image/` serves besides targets/). */
  async metadataFiles(): Promise<string[]> {
    return (await readdir(repositoryDir(this.dir))).filter((n) => n.endsWith(".json") && !n.startsWith(".")).sort();
  }
}

export type { FoundTarget, LookupOptions } from "./lookup.ts";
export type { PublishChange };
