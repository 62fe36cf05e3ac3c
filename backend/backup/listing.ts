// What a backup holds (README "Backup, audit and garbage collection"): every file of the
// backend folder by its relative path, SHA-256 and length; keys only where asked; and the
// inventory's consistent copy. The listing is canonical JSON, and its own SHA-256 is what
// the operator stores on a separate, offline system (Deployment Best Practices).
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync, lstatSync } from "node:fs";
import { join, posix } from "node:path";
import { INVENTORY_FILE } from "../inventory/location.ts";

export const BACKUP_FORMAT = "uptane-backup/1";
/** The file that marks a folder as a backup store (so `backup` never writes into another folder). */
export const BACKUP_MARKER = "uptane-backup.json";
export const LISTINGS_DIR = "listings";
export const OBJECTS_DIR = "objects";

export interface ListedFile {
  /** Relative to the backend folder, `/`-separated. */
  path: string;
  sha256: string;
  length: number;
  /** Permission bits (0600 for keys and the inventory). */
  mode: number;
}

export interface Listing {
  format: typeof BACKUP_FORMAT;
  created: string;
  keys: { online: boolean; offline: boolean };
  files: ListedFile[];
  /** The inventory's consistent copy (SQLite), or null with the reason (PostgreSQL: pg_dump). */
  inventory: ListedFile | null;
  inventoryNote?: string;
}

export interface Scope {
  onlineKeys: boolean;
  offlineKeys: boolean;
}

/**
 * The files a backup or an audit covers, as sorted relative paths: everything in the
 * backend folder but the live database files (copied consistently on their own), lock
 * and temporary files (hidden names), and key folders not asked for. The database URL
 * names credentials: it goes with the online keys.
 */
export function coveredFiles(dir: string, scope: Scope): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      if (name.startsWith(".")) continue; // temporary files of atomic writes, locks
      const path = rel === "" ? name : posix.join(rel, name);
      if (!covers(path, scope)) continue;
      const st = lstatSync(join(dir, path));
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) out.push(path);
    }
  };
  walk("");
  return out;
}

function covers(path: string, scope: Scope): boolean {
  if (path === INVENTORY_FILE || path.startsWith(`${INVENTORY_FILE}-`)) return false; // -wal, -shm: the online backup copies them consistently
  if (path === "database.url" || path === "keys/api-token" || path.startsWith("keys/online")) return scope.onlineKeys || path === "keys";
  if (path.startsWith("keys/offline")) return scope.offlineKeys;
  // The key service's ECU encryption keys (README "Per-ECU image encryption") are online secrets too.
  if (path === "keyservice" || path.startsWith("keyservice/")) return scope.onlineKeys;
  return true;
}

/** SHA-256 and length of a file, streamed. */
export async function hashFile(path: string): Promise<{ sha256: string; length: number }> {
  const hash = createHash("sha256");
  let length = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), length };
}

/** Where an object of this hash lives in the store. */
export function objectPath(out: string, sha256: string): string {
  return join(out, OBJECTS_DIR, sha256.slice(0, 2), sha256);
}

/**
 * The newest listing of the store at `out` (or the one named), checked against the SHA-256
 * beside it and, when given, the one the operator kept offline.
 */
export function readListing(out: string, options: { name?: string; expectSha256?: string } = {}): { name: string; listing: Listing; sha256: string } {
  const dir = join(out, LISTINGS_DIR);
  if (!existsSync(join(out, BACKUP_MARKER)) || !existsSync(dir)) throw new BackupStoreError(`${out} is not a backup folder (uptane backup makes one)`);
  const names = readdirSync(dir).filter((n) => /^backup-\d{8}T\d{6}Z(-\d{3})?\.json$/.test(n)).sort((a, b) => (a.slice(0, -5) < b.slice(0, -5) ? -1 : 1)); // "-002" after its second's first
  const name = options.name ?? names.at(-1);
  if (!name || !names.includes(name)) throw new BackupStoreError(options.name ? `${out} holds no listing ${options.name}` : `${out} holds no backup yet`);
  const bytes = readFileSync(join(dir, name));
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const beside = existsSync(join(dir, `${name}.sha256`)) ? readFileSync(join(dir, `${name}.sha256`), "utf8").split(/\s/)[0] : undefined;
  if (beside !== sha256) throw new BackupStoreError(`listing ${name} does not match its SHA-256 (${beside ?? "missing"}): the backup folder was changed`);
  if (options.expectSha256 !== undefined && options.expectSha256.toLowerCase() !== sha256) throw new BackupStoreError(`listing ${name} has SHA-256 ${sha256}, not the ${options.expectSha256} kept offline`);
  let listing: Listing;
  try {
    listing = JSON.parse(bytes.toString("utf8")) as Listing;
  } catch (e) {
    throw new BackupStoreError(`listing ${name} does not parse: ${(e as Error).message}`);
  }
  if (listing.format !== BACKUP_FORMAT || !Array.isArray(listing.files)) throw new BackupStoreError(`listing ${name} is not ${BACKUP_FORMAT}`);
  for (const f of listing.files) {
    if (typeof f.path !== "string" || f.path.split("/").some((s) => s === "" || s === "." || s === "..") || !/^[0-9a-f]{64}$/.test(f.sha256)) throw new BackupStoreError(`listing ${name} names a file outside the backend or without a SHA-256`);
  }
  return { name, listing, sha256 };
}

/** A backup folder that is missing, not one, or changed. */
export class BackupStoreError extends Error {}
