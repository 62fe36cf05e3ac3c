// Downloads one repository's metadata for a cycle in the TUF 1.0 client order (root
// rotations, timestamp, snapshot, targets, delegations), in the agreed HTTP layout. The
// host reads version numbers out of the untrusted timestamp and snapshot only to name
// the next file; the verifier checks every one of them again. When a document cannot
// be read that far, the files after it are left empty and the verifier's verdict on the
// first bad document is what the cycle reports.
import type { RepoName } from "../../model/outcome.ts";
import type { RepositoryFiles } from "../../model/verification.ts";
import { NotFoundError, TransportError } from "./errors.ts";

/** Caps per document (DESIGN.md section 5 defaults); each download stops one byte past its cap so the verifier sees it is oversized. */
export interface MetadataCaps {
  root: number;
  timestamp: number;
  snapshot: number;
  targets: number;
  rootRotations: number;
  delegatedRoles: number;
}

export const DEFAULT_METADATA_CAPS: MetadataCaps = {
  root: 512 * 1024,
  timestamp: 16 * 1024,
  snapshot: 2 * 1024 * 1024,
  targets: 5 * 1024 * 1024,
  rootRotations: 256,
  delegatedRoles: 256,
};

/** GETs one document, at most maxBytes (then `oversized`); throws NotFoundError or TransportError. */
export type DocumentGetter = (path: string, maxBytes: number) => Promise<{ bytes: Uint8Array; oversized: boolean }>;

export interface RepositoryLocation {
  repo: RepoName;
  /** Path prefix ending in "/": "/image/" or "/director/vehicles/VIN/". */
  base: string;
  /** The Image repository has delegated targets roles; the Director has none. */
  delegations: boolean;
}

export interface DownloadedRepository {
  files: RepositoryFiles;
  /** The rotation files fetched, with the version each was fetched as. */
  newRoots: Array<{ version: number; bytes: Uint8Array }>;
}

const EMPTY = new Uint8Array();

export async function downloadRepository(get: DocumentGetter, where: RepositoryLocation, trustedRootVersion: number, caps: MetadataCaps): Promise<DownloadedRepository> {
  const path = (file: string) => where.base + file;
  const required = async (file: string, cap: number) => {
    try {
      return (await get(path(file), cap + 1)).bytes;
    } catch (e) {
      if (e instanceof NotFoundError) throw new TransportError(`${where.repo} repository has no ${file}`, 404);
      throw e;
    }
  };

  // 5.4.4.3 step 1 (TUF 5.3): root N+1, N+2, ... until one is not found, at most the rotation cap.
  const newRoots: DownloadedRepository["newRoots"] = [];
  for (let v = trustedRootVersion + 1; newRoots.length < caps.rootRotations + 1; v++) {
    let doc: { bytes: Uint8Array; oversized: boolean };
    try {
      doc = await get(path(`${v}.root.json`), caps.root + 1);
    } catch (e) {
      if (e instanceof NotFoundError) break;
      throw e;
    }
    newRoots.push({ version: v, bytes: doc.bytes });
    if (doc.oversized) break; // the verifier refuses it; nothing after it can be trusted
  }

  // 5.4.4.3 steps 2-4: timestamp, then the snapshot and targets it leads to.
  const timestamp = await required("timestamp.json", caps.timestamp);
  const snapshotVersion = metaVersion(timestamp, "snapshot.json");
  const snapshot = snapshotVersion === null ? EMPTY : await required(`${snapshotVersion}.snapshot.json`, caps.snapshot);
  const targetsVersion = snapshotVersion === null ? null : metaVersion(snapshot, "targets.json");
  const targets = targetsVersion === null ? EMPTY : await required(`${targetsVersion}.targets.json`, caps.targets);

  // 5.4.4.4 (Image repository): every delegated targets role the snapshot lists.
  const delegations = new Map<string, Uint8Array>();
  if (where.delegations && targetsVersion !== null) {
    for (const [role, version] of delegatedRoles(snapshot).slice(0, caps.delegatedRoles)) {
      try {
        delegations.set(role, (await get(path(`${version}.${encodeURIComponent(role)}.json`), caps.targets + 1)).bytes);
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e; // a missing role is the verifier's to judge
      }
    }
  }

  const files: RepositoryFiles = { rootRotations: newRoots.map((r) => r.bytes), timestamp, snapshot, targets };
  if (where.delegations) files.delegations = delegations;
  return { files, newRoots };
}

function parseSigned(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const doc = JSON.parse(Buffer.from(bytes).toString("utf8")) as { signed?: unknown };
    return typeof doc?.signed === "object" && doc.signed !== null ? (doc.signed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function versionOf(entry: unknown): number | null {
  const v = (entry as { version?: unknown } | null)?.version;
  return Number.isSafeInteger(v) && (v as number) >= 1 ? (v as number) : null;
}

/** `signed.meta[file].version` of a timestamp or snapshot, or null when it cannot be read. */
export function metaVersion(bytes: Uint8Array, file: string): number | null {
  const meta = parseSigned(bytes)?.meta as Record<string, unknown> | undefined;
  if (typeof meta !== "object" || meta === null || !Object.hasOwn(meta, file)) return null;
  return versionOf(meta[file]);
}

/** The delegated roles a snapshot lists, with their versions, in the snapshot's order. */
function delegatedRoles(snapshot: Uint8Array): Array<[string, number]> {
  const meta = parseSigned(snapshot)?.meta as Record<string, unknown> | undefined;
  if (typeof meta !== "object" || meta === null) return [];
  const out: Array<[string, number]> = [];
  for (const [file, entry] of Object.entries(meta)) {
    if (!file.endsWith(".json") || file === "targets.json" || file === "root.json") continue;
    const version = versionOf(entry);
    const role = file.slice(0, -".json".length);
    if (version !== null && role.length > 0) out.push([role, version]);
  }
  return out;
}

/** `signed.version` of a document, or null (names root files the Primary keeps for its Secondaries). */
export function signedVersion(bytes: Uint8Array): number | null {
  return versionOf(parseSigned(bytes));
}
