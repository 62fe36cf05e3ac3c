// Reads the currently published Image repository from disk, the way a client would find it
// (highest N.root.json; timestamp.json -> N.snapshot.json -> N.targets.json and every
// delegated role), and checks every document's shape and signatures, so that corrupt
// metadata on disk is reported by name instead of being built upon.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { checkRoot, checkSnapshot, checkTargets, checkTimestamp, MetadataError, type RootSigned, type Signed, type SnapshotSigned, type TargetsSigned, type TimestampSigned } from "./metadata.ts";
import { repositoryDir, versionedFile } from "./layout.ts";
import { countValidSignatures, type TufKey } from "../../model/keys.ts";

type TufKeyMap = Record<string, TufKey>;

export interface PublishedState {
  root: Signed<RootSigned>;
  timestamp: Signed<TimestampSigned>;
  snapshot: Signed<SnapshotSigned>;
  targets: Signed<TargetsSigned>;
  /** Delegated targets roles listed in the snapshot, by role name. */
  delegated: Map<string, Signed<TargetsSigned>>;
}

/** A refusal of the Image repository; `code` is its error code for the CLI and the HTTP API. */
export class RepositoryError extends Error {
  constructor(
    message: string,
    readonly code: "repository-refused" | "repository-corrupt" | "release-counter-rollback" | "role-expired" | "invalid-threshold" | "not-a-backend" | "target-not-signed" | "role-not-delegated" = "repository-refused",
  ) {
    super(message);
  }
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new RepositoryError(`cannot read ${what} (${path}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, "repository-corrupt");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new RepositoryError(`${what} (${path}) is not valid JSON`, "repository-corrupt");
  }
}

function checked<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof MetadataError) throw new RepositoryError(`corrupt metadata on disk: ${err.message}`, "repository-corrupt");
    throw err;
  }
}

function requireSigned(doc: Signed<unknown>, keys: TufKeyMap, role: { keyids: string[]; threshold: number }, what: string): void {
  const n = countValidSignatures(doc, keys, role.keyids);
  if (n < role.threshold) throw new RepositoryError(`corrupt metadata on disk: ${what} has ${n} valid signature(s), needs ${role.threshold}`, "repository-corrupt");
}

/** The highest root version published. */
export async function latestRootVersion(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(repositoryDir(dir));
  } catch {
    throw new RepositoryError(`${dir} holds no Image repository (no ${repositoryDir(dir)}); run uptane init first`, "not-a-backend");
  }
  let latest = 0;
  for (const n of names) {
    const m = /^([1-9]\d*)\.root\.json$/.exec(n);
    if (m) latest = Math.max(latest, Number(m[1]));
  }
  if (latest === 0) throw new RepositoryError(`no N.root.json in ${repositoryDir(dir)}`, "repository-corrupt");
  return latest;
}

export async function loadPublished(dir: string): Promise<PublishedState> {
  const repo = repositoryDir(dir);
  const rootVersion = await latestRootVersion(dir);
  const rootFile = versionedFile(rootVersion, "root");
  const rootDoc = await readJson(join(repo, rootFile), rootFile);
  const root = checked(() => checkRoot(rootDoc, rootFile));
  if (root.signed.version !== rootVersion) throw new RepositoryError(`corrupt metadata on disk: ${rootFile} says version ${root.signed.version}`, "repository-corrupt");
  const keys = root.signed.keys;
  const roles = root.signed.roles;
  requireSigned(root, keys, roles.root, rootFile);

  const tsDoc = await readJson(join(repo, "timestamp.json"), "timestamp.json");
  const timestamp = checked(() => checkTimestamp(tsDoc, "timestamp.json"));
  requireSigned(timestamp, keys, roles.timestamp, "timestamp.json");

  const snapshotFile = versionedFile(timestamp.signed.meta["snapshot.json"].version, "snapshot");
  const snapshotDoc = await readJson(join(repo, snapshotFile), snapshotFile);
  const snapshot = checked(() => checkSnapshot(snapshotDoc, snapshotFile));
  requireSigned(snapshot, keys, roles.snapshot, snapshotFile);
  if (snapshot.signed.version !== timestamp.signed.meta["snapshot.json"].version) {
    throw new RepositoryError(`corrupt metadata on disk: ${snapshotFile} says version ${snapshot.signed.version}`, "repository-corrupt");
  }

  const loadTargetsRole = async (role: string): Promise<Signed<TargetsSigned>> => {
    const version = snapshot.signed.meta[`${role}.json`]!.version;
    const file = versionedFile(version, role);
    const doc = await readJson(join(repo, file), file);
    const targets = checked(() => checkTargets(doc, file, role !== "targets"));
    if (targets.signed.version !== version) throw new RepositoryError(`corrupt metadata on disk: ${file} says version ${targets.signed.version}`, "repository-corrupt");
    return targets;
  };
  const targets = await loadTargetsRole("targets");
  requireSigned(targets, keys, roles.targets, versionedFile(targets.signed.version, "targets"));

  // Delegated roles: load each one the snapshot lists and that a loaded role delegates to,
  // verified against the delegating role's keys (breadth first from the top-level targets).
  const delegated = new Map<string, Signed<TargetsSigned>>();
  const queue: Signed<TargetsSigned>[] = [targets];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    const d = parent.signed.delegations;
    if (!d) continue;
    for (const role of d.roles) {
      if (delegated.has(role.name) || !snapshot.signed.meta[`${role.name}.json`]) continue;
      const doc = await loadTargetsRole(role.name);
      requireSigned(doc, d.keys, role, versionedFile(doc.signed.version, role.name));
      delegated.set(role.name, doc);
      queue.push(doc);
    }
  }
  return { root, timestamp, snapshot, targets, delegated };
}
