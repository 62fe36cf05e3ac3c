// Removing a supplier from the Image repository (Deployment Best Practices "Adding or
// removing a supplier"): its delegation leaves the OEM's top-level targets (offline key), with
// the roles delegated below it; their metadata files and the images only they listed are
// deleted. The snapshot keeps listing the removed roles until both the Timestamp and the
// Snapshot keys are rotated (removed-roles.ts), so a Primary that cached them still updates.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { readdir } from "node:fs/promises";
import { publish } from "./publish.ts";
import { RepositoryError, type PublishedState } from "./published.ts";
import { checkRoleName } from "./names.ts";
import { repositoryDir, targetFilePath } from "./layout.ts";
import { changing, requireOfflineRolesValid, type OperationOptions } from "./repository.ts";
import { readRemovedRoles, writeRemovedRoles } from "./removed-roles.ts";

export interface SupplierRemoval {
  role: string;
  /** The role and the roles delegated only below it. */
  removedRoles: string[];
  /** Target names the removed roles listed. */
  targets: string[];
  /** Image files deleted (no remaining role lists their bytes). */
  imagesDeleted: number;
  targetsVersion: number;
}

/** `role` and every role reachable only through it (tier-2 and below). */
function rolesUnder(state: PublishedState, role: string): string[] {
  const reachable = (skip: string): Set<string> => {
    const seen = new Set<string>();
    const queue = [state.targets];
    while (queue.length > 0) {
      for (const r of queue.shift()!.signed.delegations?.roles ?? []) {
        if (r.name === skip || seen.has(r.name)) continue;
        seen.add(r.name);
        const doc = state.delegated.get(r.name);
        if (doc) queue.push(doc);
      }
    }
    return seen;
  };
  const kept = reachable(role);
  return [role, ...[...state.delegated.keys()].filter((r) => r !== role && !kept.has(r))];
}

export async function removeSupplier(dir: string, role: string, opts: OperationOptions = {}): Promise<SupplierRemoval> {
  checkRoleName(role);
  return changing(dir, opts, async (state, ctx) => {
    const delegations = state.targets.signed.delegations;
    if (!delegations?.roles.some((r) => r.name === role)) throw new RepositoryError(`the OEM's targets delegate no role ${role} (a supplier below another is removed by the supplier above it)`, "role-not-delegated");
    requireOfflineRolesValid(state, dir, ctx.now);
    const removedRoles = rolesUnder(state, role);
    const roles = delegations.roles.filter((r) => r.name !== role);
    const used = new Set(roles.flatMap((r) => r.keyids));
    const keys = Object.fromEntries(Object.entries(delegations.keys).filter(([id]) => used.has(id)));
    const next = await publish(state, { targets: { targets: state.targets.signed.targets, delegations: { keys, roles } } }, ctx);
    // Recorded before anything is deleted: the snapshot entries wait for the key rotations.
    const pending = (await readRemovedRoles(dir)).filter((r) => !removedRoles.includes(r.role));
    await writeRemovedRoles(dir, [...pending, ...removedRoles.map((r) => ({ role: r, removedAt: ctx.now.toISOString(), rotated: [] }))], ctx.writer);

    // Images the removed roles listed whose bytes no remaining role lists.
    const listed = (names: Iterable<string>) => [...names].flatMap((r) => Object.entries((r === "targets" ? state.targets : state.delegated.get(r))?.signed.targets ?? {}));
    const keptHashes = new Set(listed(["targets", ...[...state.delegated.keys()].filter((r) => !removedRoles.includes(r))]).map(([, t]) => t.hashes.sha256));
    const gone = listed(removedRoles);
    let imagesDeleted = 0;
    for (const [name, t] of gone) {
      if (keptHashes.has(t.hashes.sha256)) continue;
      for (const hash of Object.values(t.hashes)) await rm(targetFilePath(dir, name, hash), { force: true });
      imagesDeleted++;
    }
    // Every version of the removed roles' metadata.
    const repo = repositoryDir(dir);
    for (const file of await readdir(repo)) {
      const m = /^[1-9]\d*\.(.+)\.json$/.exec(file);
      if (m && removedRoles.includes(m[1]!)) await rm(join(repo, file), { force: true });
    }
    return { role, removedRoles, targets: [...new Set(gone.map(([name]) => name))], imagesDeleted, targetsVersion: next.targets.signed.version };
  });
}
