// Where an ECU keeps what it trusts (STYLE.md item 11). A Store maps short keys to
// bytes; every write is atomic: after a power cut a key reads as its old bytes or its
// new bytes, never as a torn mix. FileStore does it the POSIX way (temp file, fsync,
// rename, fsync of the folder); MemoryStore is for tests and simulations.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

export interface Store {
  /** The bytes last written under `key`, or null if none. */
  read(key: string): Promise<Uint8Array | null>;
  /** Replaces `key` atomically. */
  write(key: string, bytes: Uint8Array): Promise<void>;
  remove(key: string): Promise<void>;
}

/** Keys are plain file names: no separators, no "..", no leading dot (temp files start with one). */
const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function checkKey(key: string): void {
  if (!KEY.test(key) || key.includes("..")) throw new TypeError(`invalid store key ${JSON.stringify(key)}`);
}

export async function readJson<T>(store: Store, key: string): Promise<T | null> {
  const bytes = await store.read(key);
  return bytes === null ? null : (JSON.parse(Buffer.from(bytes).toString("utf8")) as T);
}

export function writeJson(store: Store, key: string, value: unknown): Promise<void> {
  return store.write(key, Buffer.from(JSON.stringify(value), "utf8"));
}

export class FileStore implements Store {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Temp files left by a write that never reached its rename hold nothing committed.
    for (const name of readdirSync(dir)) if (name.startsWith(".tmp-")) rmSync(join(dir, name), { force: true });
  }

  async read(key: string): Promise<Uint8Array | null> {
    checkKey(key);
    try {
      return new Uint8Array(readFileSync(join(this.dir, key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw e;
    }
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    checkKey(key);
    const temp = join(this.dir, `.tmp-${key}-${randomBytes(6).toString("hex")}`);
    const fd = openSync(temp, "wx", 0o600);
    try {
      let at = 0;
      while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd); // the new bytes are on disk before the name points at them
    } finally {
      closeSync(fd);
    }
    try {
      this.commit(temp, join(this.dir, key));
    } catch (e) {
      rmSync(temp, { force: true });
      throw e;
    }
    this.syncDir(); // the rename itself survives a power cut
  }

  async remove(key: string): Promise<void> {
    checkKey(key);
    try {
      unlinkSync(join(this.dir, key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    this.syncDir();
  }

  /** The one step that makes a write visible: an atomic rename over the old file. */
  protected commit(temp: string, final: string): void {
    renameSync(temp, final);
  }

  private syncDir(): void {
    const fd = openSync(this.dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

export class MemoryStore implements Store {
  private readonly entries = new Map<string, Uint8Array>();

  async read(key: string): Promise<Uint8Array | null> {
    checkKey(key);
    const v = this.entries.get(key);
    return v ? v.slice() : null;
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    checkKey(key);
    this.entries.set(key, bytes.slice());
  }

  async remove(key: string): Promise<void> {
    checkKey(key);
    this.entries.delete(key);
  }

  keys(): string[] {
    return [...this.entries.keys()].sort();
  }
}
