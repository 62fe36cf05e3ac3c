// Withdrawing an image from the Image repository (README "Backend: withdrawing an image and
// removing a supplier"): the target leaves the role that lists it, so vehicles can no longer
// verify it (a Director that still names it gets MissingTarget from every ECU). The OEM signs
// its own top-level targets here (offline key); a supplier's role is the supplier's to sign
// (`uptane supplier sign --withdraw NAME`, then `supplier import`). The image's bytes stay
// until garbage collection: a target name is never reused for other bytes meanwhile.
import { checkTargetName } from "./names.ts";
import { findTarget } from "./lookup.ts";
import { publish } from "./publish.ts";
import { loadPublished, RepositoryError } from "./published.ts";
import { changing, requireOfflineRolesValid, targetsRoles, type OperationOptions } from "./repository.ts";

export interface WithdrawResult {
  name: string;
  /** The role that listed it: "targets" (the OEM's) or a supplier's delegated role. */
  role: string;
  /** True when it left the repository now (the OEM's role); false when the supplier must sign its role without it. */
  removed: boolean;
  targetsVersion?: number;
}

/** Which role lists `name` now (expired roles too: a withdrawal is not a download), or a refusal. */
export async function listingRole(dir: string, name: string): Promise<string> {
  checkTargetName(name);
  const found = findTarget(targetsRoles(await loadPublished(dir)), name);
  if (!found) throw new RepositoryError(`the Image repository signs no target ${name}`, "target-not-signed");
  return found.role;
}

export async function withdrawTarget(dir: string, name: string, opts: OperationOptions = {}): Promise<WithdrawResult> {
  checkTargetName(name);
  return changing(dir, opts, async (state, ctx) => {
    const found = findTarget(targetsRoles(state), name);
    if (!found) throw new RepositoryError(`the Image repository signs no target ${name}`, "target-not-signed");
    if (found.role !== "targets") return { name, role: found.role, removed: false };
    requireOfflineRolesValid(state, dir, ctx.now);
    const targets = { ...state.targets.signed.targets };
    delete targets[name];
    const next = await publish(state, { targets: { targets, delegations: state.targets.signed.delegations } }, ctx);
    return { name, role: "targets", removed: true, targetsVersion: next.targets.signed.version };
  });
}
