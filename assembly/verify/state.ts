// Trusted state export/import: the numbers the host persists next to the trusted root
// files (versions, the last completed snapshot, the last verified time, the installed
// release counter), closed by a SHA-256 over the blob. On import the roots have already
// been re-verified (trustRoot) and must have the versions the blob records; any
// mismatch or corruption is refused, so a damaged store fails closed.
import { sha256 } from "../crypto/sha256";
import { rootVersion } from "../meta/root";
import { RS_P, RS_P_SIZE, directorState } from "../meta/repo";
import { imageState } from "./cycle";
import { lastTime, setLastTime } from "./time";
import { installedReleaseCounter, setInstalledReleaseCounter } from "./config";
import { bytesEqual } from "../util/bytes";

const MAGIC: u32 = 0x31545055; // "UPT1"
const HEADER: usize = 32; // magic, repo count, last time, release counter, reserved
const PER_REPO: usize = 8 + RS_P_SIZE;
const digest = memory.data(32);

function repoCount(): u32 {
  return imageState != 0 ? 2 : 1;
}

export function stateSize(): u32 {
  return <u32>(HEADER + <usize>repoCount() * PER_REPO + 32);
}

function repoAt(i: u32): usize {
  return i == 0 ? directorState : imageState;
}

export function stateExport(out: usize): u32 {
  const n = repoCount();
  memory.fill(out, 0, HEADER);
  store<u32>(out, MAGIC);
  store<u32>(out, n, 4);
  store<i64>(out, lastTime, 8);
  store<i64>(out, installedReleaseCounter, 16);
  for (let i: u32 = 0; i < n; i++) {
    const p = out + HEADER + <usize>i * PER_REPO;
    store<i64>(p, rootVersion(repoAt(i)));
    memory.copy(p + 8, repoAt(i) + RS_P, RS_P_SIZE);
  }
  const body = HEADER + <usize>n * PER_REPO;
  sha256(out, <u32>body, out + body);
  return <u32>(body + 32);
}

/** Returns true when the blob is intact, of this module kind, and matches the trusted roots. */
export function stateImport(ptr: usize, len: u32): bool {
  const n = repoCount();
  if (len != stateSize()) return false;
  const body = HEADER + <usize>n * PER_REPO;
  sha256(ptr, <u32>body, digest);
  if (!bytesEqual(digest, ptr + body, 32)) return false;
  if (load<u32>(ptr) != MAGIC || load<u32>(ptr, 4) != n) return false;
  for (let i: u32 = 0; i < n; i++) {
    if (load<i64>(ptr + HEADER + <usize>i * PER_REPO) != rootVersion(repoAt(i))) return false;
  }
  for (let i: u32 = 0; i < n; i++) memory.copy(repoAt(i) + RS_P, ptr + HEADER + <usize>i * PER_REPO + 8, RS_P_SIZE);
  setLastTime(load<i64>(ptr, 8));
  setInstalledReleaseCounter(load<i64>(ptr, 16));
  return true;
}
