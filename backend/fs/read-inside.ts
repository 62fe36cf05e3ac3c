// Reading a served file without following a symbolic link out of its folder: the file
// itself is opened with O_NOFOLLOW, must be a regular file, and every folder between the
// served root and it must resolve to itself (no symlinked folder on the way).
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

/** A served name that is a symbolic link, not a regular file, or reached through a symlinked folder. */
export class UnsafeServedPath extends Error {
  constructor(
    readonly rel: string,
    /** True when replacing the file by name (an atomic rename) would fix it: the folder itself is sound. */
    readonly replaceable: boolean,
    message: string,
  ) {
    super(message);
  }
}

/** The bytes of `root/rel`, or null when there is no such file; throws UnsafeServedPath. */
export function readFileInside(root: string, rel: string): Buffer | null {
  const path = join(root, rel);
  let rootReal: string;
  let dirReal: string;
  try {
    rootReal = realpathSync(root);
    dirReal = realpathSync(dirname(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const expectedDir = join(rootReal, relative(root, dirname(path)));
  if (dirReal !== expectedDir || !(dirReal + sep).startsWith(rootReal + sep)) {
    throw new UnsafeServedPath(rel, false, `${rel} is reached through a symbolic link out of the served folder`);
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ELOOP") throw new UnsafeServedPath(rel, true, `${rel} is a symbolic link`);
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnsafeServedPath(rel, false, `${rel} is not a regular file`);
    const bytes = Buffer.alloc(st.size);
    let off = 0;
    while (off < bytes.length) {
      const n = readSync(fd, bytes, off, bytes.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === bytes.length ? bytes : bytes.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}
