// Roles a supplier removal took out of the delegations that the snapshot still lists (Deployment
// Best Practices "Adding or removing a supplier"): a client that cached the role keeps
// checking that the snapshot lists it, so the entry stays until both the Timestamp and the
// Snapshot keys have been rotated (each rotation makes clients drop their trusted snapshot,
// TUF's fast-forward recovery). Kept in DIR/image/removed-roles.json.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { FileWriter } from "../fs/atomic-write.ts";
import { imageDir } from "./layout.ts";
import { RepositoryError } from "./published.ts";

export interface RemovedRole {
  role: string;
  removedAt: string;
  /** Which of the two keys were rotated since. */
  rotated: Array<"snapshot" | "timestamp">;
}

export const removedRolesPath = (dir: string) => join(imageDir(dir), "removed-roles.json");

export async function readRemovedRoles(dir: string): Promise<RemovedRole[]> {
  let text: string;
  try {
    text = await readFile(removedRolesPath(dir), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  try {
    const doc = JSON.parse(text) as { removed?: RemovedRole[] };
    if (!Array.isArray(doc.removed)) throw new Error("no removed list");
    return doc.removed;
  } catch (e) {
    throw new RepositoryError(`${removedRolesPath(dir)} is not readable: ${(e as Error).message}`, "repository-corrupt");
  }
}

export async function writeRemovedRoles(dir: string, removed: RemovedRole[], writer: FileWriter): Promise<void> {
  await writer.write(removedRolesPath(dir), Buffer.from(JSON.stringify({ removed }, null, 2) + "\n"));
}

/** After a rotation of `key`: the roles whose snapshot entries may go now, and the ones still waiting. */
export function afterKeyRotation(removed: RemovedRole[], key: "snapshot" | "timestamp"): { drop: string[]; waiting: RemovedRole[] } {
  const marked = removed.map((r) => ({ ...r, rotated: r.rotated.includes(key) ? r.rotated : [...r.rotated, key] }));
  return { drop: marked.filter((r) => r.rotated.length === 2).map((r) => r.role), waiting: marked.filter((r) => r.rotated.length < 2) };
}
