// `uptane gc DIR` (README "Backup, audit and garbage collection"): "remove expired metadata
// from the image repository, in order to reclaim storage space" (Deployment Best
// Practices). Kept: every root (the chain a client walks from its pinned root), the
// timestamp and every version it reaches (its snapshot, each targets role that snapshot
// lists); images by default ("SHOULD NOT remove images associated with expired metadata"
// when delta updates are wanted); with `images`, an image is removed only when no current
// target names it and no vehicle has it installed or assigned. Only files nothing current
// reaches are removed, one unlink at a time under the repository's lock, so a gc stopped
// at any point leaves a repository that serves and clients that update.
import { readdirSync, statSync, unlinkSync } from "node:fs";
import { join, posix } from "node:path";
import { withLock } from "../fs/lock.ts";
import { lockPath, repositoryDir, targetFileRelative } from "./layout.ts";
import { loadPublished } from "./published.ts";

export interface GcOptions {
  dryRun?: boolean;
  /** Remove images no current target names and `imagesInUse` does not hold. */
  images?: boolean;
  /** Target names vehicles have installed or assigned (from the inventory). */
  imagesInUse?: Set<string>;
  /** Called after each removal (tests stop the process here). */
  onRemoved?: (path: string) => void;
}

export interface GcResult {
  removed: Array<{ path: string; bytes: number }>;
  bytesFreed: number;
  dryRun: boolean;
}

export async function gcImageRepository(dir: string, options: GcOptions = {}): Promise<GcResult> {
  return withLock(lockPath(dir), async () => {
    const state = await loadPublished(dir); // verified: nothing is removed from a repository that does not
    const repo = repositoryDir(dir);
    const keep = new Set<string>(["timestamp.json", `${state.timestamp.signed.meta["snapshot.json"].version}.snapshot.json`]);
    for (const [file, meta] of Object.entries(state.snapshot.signed.meta)) keep.add(`${meta.version}.${file}`);
    const doomed: string[] = [];
    for (const name of readdirSync(repo)) {
      const m = /^[1-9]\d*\.(.+)\.json$/.exec(name);
      if (!m || m[1] === "root" || keep.has(name)) continue;
      doomed.push(name);
    }
    // Oldest versions first, so a stopped gc leaves the newer history.
    doomed.sort((a, b) => parseInt(a) - parseInt(b));
    if (options.images) {
      const current = new Set<string>();
      const roles = [state.targets, ...state.delegated.values()];
      for (const role of roles) {
        for (const [name, t] of Object.entries(role.signed.targets)) for (const hash of Object.values(t.hashes)) current.add(targetFileRelative(name, hash));
      }
      for (const rel of imageFiles(repo)) {
        if (current.has(rel)) continue;
        const name = targetNameOf(rel);
        if (name !== null && options.imagesInUse?.has(name)) continue;
        doomed.push(rel);
      }
    }
    // An image's SHA-512 name is a hard link to its SHA-256 name: its bytes are freed only when every name goes.
    const stats = doomed.map((rel) => ({ rel, st: statSync(join(repo, ...rel.split("/"))) }));
    const doomedNames = new Map<number, number>();
    for (const { st } of stats) doomedNames.set(st.ino, (doomedNames.get(st.ino) ?? 0) + 1);
    const removed: GcResult["removed"] = [];
    let bytesFreed = 0;
    const counted = new Set<number>();
    for (const { rel, st } of stats) {
      if (!options.dryRun) {
        unlinkSync(join(repo, ...rel.split("/")));
        options.onRemoved?.(rel);
      }
      removed.push({ path: rel, bytes: st.size });
      if (doomedNames.get(st.ino)! >= st.nlink && !counted.has(st.ino)) {
        counted.add(st.ino);
        bytesFreed += st.size;
      }
    }
    return { removed, bytesFreed, dryRun: options.dryRun === true };
  });
}

/** Image files under targets/, relative to the repository (`targets/a/HASH.b.bin`). */
function imageFiles(repo: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(repo, ...rel.split("/")), { withFileTypes: true })) {
      if (e.name.startsWith(".")) continue;
      const path = posix.join(rel, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.isFile()) out.push(path);
    }
  };
  try {
    walk("targets");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  return out;
}

/** `targets/a/HASH.b.bin` -> `a/b.bin`, or null for a file not named so. */
function targetNameOf(rel: string): string | null {
  const parts = rel.split("/").slice(1);
  const base = parts.pop()!;
  const m = /^(?:[0-9a-f]{64}|[0-9a-f]{128})\.(.+)$/.exec(base);
  return m ? [...parts, m[1]!].join("/") : null;
}
