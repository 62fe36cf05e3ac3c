// An ECU's persistent flash, as files in one folder: atomic whole-file writes
// (temp + fsync + rename + fsync of the folder), streamed writes that only become
// visible when committed, and a fault injector that cuts the power at any chosen
// mutating operation (optionally tearing the write in progress) so tests can prove
// that every step of an install survives it.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export class PowerCutError extends Error {
  constructor(at: number, what: string) {
    super(`power cut at flash operation ${at} (${what})`);
    this.name = "PowerCutError";
  }
}

export interface FlashFaults {
  /** Cut the power at this mutating operation (0-based): it does not happen, or half of it does. */
  cutAt?: number;
  /** At the cut, a write leaves its first half on flash (a torn write). Default true. */
  torn?: boolean;
}

const TEMP_SUFFIX = ".tmp";

function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.endsWith(TEMP_SUFFIX))
    throw new Error(`flash file name "${name}" is not a plain name`);
}

/** A file being written in pieces: invisible under its final name until commit. */
export interface StreamWriter {
  append(chunk: Uint8Array): void;
  /** fsync, rename into place, fsync the folder. */
  commit(): void;
  /** Drops what was written. */
  discard(): void;
}

export class FlashStore {
  readonly dir: string;
  /** Mutating operations so far (writes, fsyncs, renames, removes). */
  operations = 0;
  private readonly faults: FlashFaults;
  private dead = false;

  constructor(dir: string, faults: FlashFaults = {}) {
    this.dir = dir;
    this.faults = faults;
    fs.mkdirSync(dir, { recursive: true });
  }

  /** True once the injected power cut happened: every later operation throws. */
  get poweredOff(): boolean {
    return this.dead;
  }

  /** Removes temp files left by an interrupted write (run at power-up). */
  removeTemporaries(): void {
    for (const name of fs.readdirSync(this.dir)) {
      if (name.endsWith(TEMP_SUFFIX)) this.op(`remove ${name}`, () => fs.rmSync(path.join(this.dir, name), { force: true }));
    }
  }

  read(name: string): Uint8Array | null {
    checkName(name);
    this.checkAlive();
    try {
      return new Uint8Array(fs.readFileSync(path.join(this.dir, name)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  exists(name: string): boolean {
    checkName(name);
    return fs.existsSync(path.join(this.dir, name));
  }

  /** Hashes a file in 4 KiB reads (never the whole file in memory); null if absent. */
  hash(name: string, algorithms: string[]): Record<string, string> | null {
    checkName(name);
    this.checkAlive();
    const file = path.join(this.dir, name);
    if (!fs.existsSync(file)) return null;
    const hashes = algorithms.map((a) => createHash(a));
    const fd = fs.openSync(file, "r");
    try {
      const buf = new Uint8Array(4096);
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        for (const h of hashes) h.update(buf.subarray(0, n));
      }
    } finally {
      fs.closeSync(fd);
    }
    return Object.fromEntries(algorithms.map((a, i) => [a, hashes[i]!.digest("hex")]));
  }

  size(name: string): number | null {
    checkName(name);
    try {
      return fs.statSync(path.join(this.dir, name)).size;
    } catch {
      return null;
    }
  }

  /** Replaces `name` atomically: after a power cut it holds the old bytes or the new, never a mix. */
  writeAtomic(name: string, bytes: Uint8Array): void {
    checkName(name);
    const tmp = path.join(this.dir, name + TEMP_SUFFIX);
    this.op(`write ${name}${TEMP_SUFFIX}`, () => fs.writeFileSync(tmp, bytes), () => fs.writeFileSync(tmp, bytes.subarray(0, bytes.length >> 1)));
    this.op(`fsync ${name}${TEMP_SUFFIX}`, () => fsyncFile(tmp));
    this.op(`rename to ${name}`, () => fs.renameSync(tmp, path.join(this.dir, name)));
    this.op("fsync folder", () => fsyncFile(this.dir));
  }

  remove(name: string): void {
    checkName(name);
    if (!this.exists(name)) return;
    this.op(`remove ${name}`, () => fs.rmSync(path.join(this.dir, name)));
    this.op("fsync folder", () => fsyncFile(this.dir));
  }

  /** Starts writing `name` in pieces (to a temp file). */
  stream(name: string): StreamWriter {
    checkName(name);
    const tmp = path.join(this.dir, name + TEMP_SUFFIX);
    this.op(`create ${name}${TEMP_SUFFIX}`, () => fs.writeFileSync(tmp, new Uint8Array(0)));
    let open = true;
    const ensureOpen = () => {
      if (!open) throw new Error(`stream ${name} is closed`);
    };
    return {
      append: (chunk) => {
        ensureOpen();
        this.op(`append to ${name}${TEMP_SUFFIX}`, () => fs.appendFileSync(tmp, chunk), () => fs.appendFileSync(tmp, chunk.subarray(0, chunk.length >> 1)));
      },
      commit: () => {
        ensureOpen();
        open = false;
        this.op(`fsync ${name}${TEMP_SUFFIX}`, () => fsyncFile(tmp));
        this.op(`rename to ${name}`, () => fs.renameSync(tmp, path.join(this.dir, name)));
        this.op("fsync folder", () => fsyncFile(this.dir));
      },
      discard: () => {
        if (!open) return;
        open = false;
        if (!this.dead) this.op(`remove ${name}${TEMP_SUFFIX}`, () => fs.rmSync(tmp, { force: true }));
      },
    };
  }

  private checkAlive(): void {
    if (this.dead) throw new PowerCutError(this.operations, "flash is powered off");
  }

  private op(what: string, effect: () => void, tornEffect?: () => void): void {
    this.checkAlive();
    const index = this.operations++;
    if (this.faults.cutAt === index) {
      this.dead = true;
      if ((this.faults.torn ?? true) && tornEffect) tornEffect();
      throw new PowerCutError(index, what);
    }
    effect();
  }
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
