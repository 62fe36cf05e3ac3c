// `uptane restore OUT DIR2` (README "Backup, audit and garbage collection"): a backend
// folder that serves byte-identical metadata and images, rebuilt from a backup listing.
// Every object is checked against its SHA-256 as it is copied; the folder is built under a
// temporary name and renamed into place, so a refused or failed restore leaves nothing.
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { copyFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { hashFile, objectPath, readListing, BackupStoreError, type ListedFile } from "./listing.ts";
import { BackupError } from "./backup.ts";

export interface RestoreResult {
  dir: string;
  listing: string;
  listingSha256: string;
  files: number;
  inventory: boolean;
  /** What the restored backend lacks to run `serve` (keys not in the backup). */
  warnings: string[];
}

export async function restoreBackend(out: string, target: string, options: { listing?: string; expectSha256?: string } = {}): Promise<RestoreResult> {
  const dir = resolve(target);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new BackupError("exists", `${dir} exists and is not empty: a restore makes a new backend folder`);
  if (!existsSync(dirname(dir))) throw new BackupError("failed", `the folder of ${dir} does not exist`);
  const { name, listing, sha256 } = readListing(out, { name: options.listing, expectSha256: options.expectSha256 });
  const building = `${dir}.restoring-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  try {
    mkdirSync(building, { mode: 0o700 });
    for (const f of listing.files) await place(out, building, f);
    if (listing.inventory) await place(out, building, { ...listing.inventory, mode: 0o600 });
    chmodSync(building, 0o755);
    if (existsSync(dir)) rmSync(dir, { recursive: true }); // empty, checked above
    renameSync(building, dir);
  } catch (e) {
    rmSync(building, { recursive: true, force: true });
    throw e;
  }
  const warnings: string[] = [];
  if (!listing.keys.online) warnings.push(`the backup holds no online keys: copy them into ${join(dir, "keys", "online")} (and keys/api-token) from where they are kept before uptane serve`);
  if (!listing.inventory) warnings.push(listing.inventoryNote ?? "the backup holds no inventory");
  return { dir, listing: name, listingSha256: sha256, files: listing.files.length, inventory: listing.inventory !== null, warnings };
}

async function place(out: string, dir: string, f: ListedFile): Promise<void> {
  const source = objectPath(out, f.sha256);
  if (!existsSync(source)) throw new BackupStoreError(`the backup has no object for ${f.path} (${f.sha256})`);
  const target = join(dir, ...f.path.split("/"));
  mkdirSync(dirname(target), { recursive: true });
  await copyFile(source, target);
  const copied = await hashFile(target);
  if (copied.sha256 !== f.sha256 || copied.length !== f.length) throw new BackupStoreError(`the backup's copy of ${f.path} does not match its SHA-256: the backup folder was changed`);
  chmodSync(target, f.mode & 0o777);
}
