// Writes a simulated repository to a directory in the layout `uptane verify` reads
// (DESIGN.md section 8): the pinned `root.json`, `N.root.json` for each rotation,
// `timestamp.json`, `snapshot.json`, `targets.json` and `ROLE.json` per delegated role,
// optionally with version-prefixed names (`3.snapshot.json`).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RepositoryFiles } from "../../model/verification.ts";

export interface WriteOptions {
  /** Version of the pinned root; rotations are written as version+1, version+2, ... */
  pinnedVersion?: number;
  /** Name snapshot, targets and delegated roles by version (`N.snapshot.json`). */
  versionedNames?: boolean;
}

function versionOf(bytes: Uint8Array): number | null {
  try {
    const v = JSON.parse(Buffer.from(bytes).toString("utf8"))?.signed?.version;
    return Number.isSafeInteger(v) ? v : null;
  } catch {
    return null;
  }
}

export function writeRepository(dir: string, pinnedRoot: Uint8Array, files: RepositoryFiles, opts: WriteOptions = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "root.json"), pinnedRoot);
  const pinned = opts.pinnedVersion ?? 1;
  files.rootRotations.forEach((bytes, i) => writeFileSync(join(dir, `${pinned + i + 1}.root.json`), bytes));
  writeFileSync(join(dir, "timestamp.json"), files.timestamp);
  const name = (role: string, bytes: Uint8Array) => {
    const v = opts.versionedNames ? versionOf(bytes) : null;
    return v === null ? `${role}.json` : `${v}.${role}.json`;
  };
  writeFileSync(join(dir, name("snapshot", files.snapshot)), files.snapshot);
  writeFileSync(join(dir, name("targets", files.targets)), files.targets);
  for (const [role, bytes] of files.delegations ?? []) writeFileSync(join(dir, name(role, bytes)), bytes);
}
