// `uptane backup DIR OUT` (README "Backup, audit and garbage collection"): "store every
// file on the image repository, as well as its cryptographic hash on a separate, offline
// system" and "a copy of the inventory database" (Deployment Best Practices). OUT is a
// content-addressed store: objects/AA/SHA256, each file once whatever its name or backup
// (incremental: a file already there by hash is not copied again), and one listing per
// backup under listings/, whose SHA-256 the operator keeps offline.
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { copyFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createHash } from "node:crypto";
import { canonicalBytes } from "../../model/canonical-json.ts";
import { isoTime } from "../../model/iso-time.ts";
import { writeFileAtomicSync } from "../fs/atomic-write.ts";
import { openInventory } from "../inventory/location.ts";
import { BACKUP_FORMAT, BACKUP_MARKER, coveredFiles, hashFile, LISTINGS_DIR, objectPath, OBJECTS_DIR, type ListedFile, type Listing, type Scope } from "./listing.ts";

export class BackupError extends Error {
  constructor(
    readonly code: "exists" | "failed",
    detail: string,
  ) {
    super(detail);
  }
}

export interface BackupResult {
  listing: string;
  /** SHA-256 of the listing's bytes: keep it on a separate, offline system. */
  listingSha256: string;
  files: number;
  copied: number;
  bytesCopied: number;
  inventory: boolean;
  inventoryNote?: string;
}

/** Checks OUT before anything is written: a new or empty folder, or a backup store. */
export function checkBackupTarget(out: string): void {
  if (!existsSync(out)) {
    if (!existsSync(dirname(out))) throw new BackupError("failed", `the folder of ${out} does not exist`);
    return;
  }
  if (!statSync(out).isDirectory()) throw new BackupError("exists", `${out} is a file, not a backup folder`);
  if (readdirSync(out).length > 0 && !existsSync(join(out, BACKUP_MARKER))) throw new BackupError("exists", `${out} holds files that are not a backup (no ${BACKUP_MARKER})`);
}

export async function backupBackend(dir: string, out: string, scope: Scope, progress: (done: number, total: number) => void = () => {}): Promise<BackupResult> {
  checkBackupTarget(out);
  const created = !existsSync(out);
  try {
    return await writeBackup(dir, out, scope, progress);
  } catch (e) {
    if (created) rmSync(out, { recursive: true, force: true }); // a refused or failed first backup leaves nothing behind
    throw e;
  }
}

async function writeBackup(dir: string, out: string, scope: Scope, progress: (done: number, total: number) => void): Promise<BackupResult> {
  mkdirSync(join(out, OBJECTS_DIR), { recursive: true, mode: 0o700 });
  mkdirSync(join(out, LISTINGS_DIR), { recursive: true, mode: 0o700 });
  chmodSync(out, 0o700); // keys and the inventory's ECU keys and reports are inside
  writeFileAtomicSync(join(out, BACKUP_MARKER), JSON.stringify({ format: BACKUP_FORMAT }) + "\n");
  const now = new Date();
  const paths = coveredFiles(dir, scope);
  const files: ListedFile[] = [];
  let copied = 0;
  let bytesCopied = 0;
  const store = async (source: string, sha256: string, length: number) => {
    const target = objectPath(out, sha256);
    if (existsSync(target) && statSync(target).size === length) return;
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    const temp = join(dirname(target), `.tmp-${process.pid}-${sha256}`);
    await copyFile(source, temp);
    chmodSync(temp, 0o600);
    // Re-hashed: the file may have changed while it was copied (serve keeps writing).
    if ((await hashFile(temp)).sha256 !== sha256) {
      rmSync(temp, { force: true });
      throw new BackupError("failed", `${source} changed while it was backed up: run the backup again`);
    }
    renameSync(temp, target);
    copied++;
    bytesCopied += length;
  };
  for (const [i, path] of paths.entries()) {
    const source = join(dir, ...path.split("/"));
    const { sha256, length } = await hashFile(source);
    await store(source, sha256, length);
    files.push({ path, sha256, length, mode: statSync(source).mode & 0o777 });
    progress(i + 1, paths.length);
  }
  // The inventory: SQLite's online backup, consistent while `serve` writes.
  let inventory: ListedFile | null = null;
  let inventoryNote: string | undefined;
  const db = openInventory(dir);
  try {
    if (db.sql.kind === "sqlite") {
      const temp = join(out, OBJECTS_DIR, `.tmp-${process.pid}-inventory`);
      rmSync(temp, { force: true });
      await db.backupTo(temp);
      const { sha256, length } = await hashFile(temp);
      await store(temp, sha256, length);
      rmSync(temp, { force: true });
      inventory = { path: "inventory.sqlite", sha256, length, mode: 0o600 };
    } else inventoryNote = "the inventory is on PostgreSQL: back it up with pg_dump";
  } finally {
    db.close();
  }
  const listing: Listing = { format: BACKUP_FORMAT, created: isoTime(now), keys: { online: scope.onlineKeys, offline: scope.offlineKeys }, files, inventory, ...(inventoryNote ? { inventoryNote } : {}) };
  const bytes = canonicalBytes(listing);
  const listingSha256 = createHash("sha256").update(bytes).digest("hex");
  const name = listingName(out, now);
  writeFileAtomicSync(join(out, LISTINGS_DIR, name), bytes, 0o600);
  writeFileAtomicSync(join(out, LISTINGS_DIR, `${name}.sha256`), `${listingSha256}  ${name}\n`, 0o600);
  return { listing: join(out, LISTINGS_DIR, name), listingSha256, files: files.length, copied, bytesCopied, inventory: inventory !== null, ...(inventoryNote ? { inventoryNote } : {}) };
}

/** `backup-YYYYMMDDTHHMMSSZ[-N].json`: listings sort by time. */
function listingName(out: string, now: Date): string {
  const stamp = isoTime(now).replace(/[-:]/g, "");
  for (let n = 1; ; n++) {
    const name = `backup-${stamp}${n === 1 ? "" : `-${String(n).padStart(3, "0")}`}.json`;
    if (!existsSync(join(out, LISTINGS_DIR, name))) return name;
  }
}
