// A lock file so two commands never publish into the same repository at once. The file
// holds the owner's pid; a lock left by a process that no longer runs is taken over.
import { open, readFile, unlink } from "node:fs/promises";

export class LockError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, "wx", 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new LockError(`${path} is held by another running command`);
        throw new LockError(`cannot create lock ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const owner = Number((await readFile(path, "utf8").catch(() => "")).trim());
      if (Number.isSafeInteger(owner) && owner > 0 && alive(owner)) {
        throw new LockError(`${path} is held by running process ${owner}`);
      }
      await unlink(path).catch(() => {}); // stale: its owner is gone
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => {});
  }
}
