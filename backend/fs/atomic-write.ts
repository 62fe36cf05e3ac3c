// Crash-safe file writes: every file is written to a hidden temporary name in the same
// folder, fsynced, renamed over the final name, and the folder fsynced. A crash at any
// point leaves either the old file or the new one, never a torn one. The writer is an
// interface so tests can inject a failure at every step of a publish.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { copyFile, chmod, link, mkdir, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface FileWriter {
  /** Replaces `path` with `bytes` atomically; `mode` applies to a new file (default 0644). */
  write(path: string, bytes: Uint8Array, mode?: number): Promise<void>;
  /** Replaces `path` with a copy of the file `source` atomically (large images never held in memory). */
  copy(source: string, path: string): Promise<void>;
  /** Replaces `path` with a hard link to `existing` atomically (one copy on disk under two names). */
  link?(existing: string, path: string): Promise<void>;
}

/** A hidden temporary name beside `path`; removeStaleTempFiles recognises it. */
function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
}

const TEMP_NAME = /^\..+\.[0-9a-f]{12}\.tmp$/;

/** Removes temporary files a crash left behind in `dir`. */
export function removeStaleTempFiles(dir: string): void {
  for (const name of readdirSync(dir)) if (TEMP_NAME.test(name)) rmSync(join(dir, name), { force: true });
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeFileAtomic(path: string, bytes: Uint8Array, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = tempNameFor(path);
  const handle = await open(temp, "wx", mode);
  try {
    await handle.writeFile(bytes);
    await handle.chmod(mode); // the umask must not loosen or tighten what was asked
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => {});
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
  await fsyncDir(dir);
}

export async function copyFileAtomic(source: string, path: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = tempNameFor(path);
  try {
    await copyFile(source, temp);
    await chmod(temp, 0o644);
    const handle = await open(temp, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
  await fsyncDir(dir);
}

export async function linkFileAtomic(existing: string, path: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = tempNameFor(path);
  try {
    await link(existing, temp);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
  // rename() between two names of one file does nothing (POSIX): `path` already was that link.
  await unlink(temp).catch(() => {});
  await fsyncDir(dir);
}

/** writeFileAtomic, synchronously: for writes that must finish inside a SQLite transaction's scope. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = 0o644): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = tempNameFor(path);
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const fd = openSync(temp, "wx", mode);
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  const dirFd = openSync(dir, "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** The writer used outside tests. */
export const diskWriter: FileWriter = { write: writeFileAtomic, copy: copyFileAtomic, link: linkFileAtomic };
