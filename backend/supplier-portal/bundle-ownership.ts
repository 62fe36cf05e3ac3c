// Which roles a supplier account may deliver through the portal (README "Backend: supplier
// portal"): its own delegated roles, and roles delegated below them (a tier-1 supplier
// passes its tier-2 suppliers' roles along), but never a role that another supplier's tree
// delegates. Role names are global in the Image repository (`N.ROLE.json`), so a name some
// other supplier's role delegates is that supplier's, even if ours delegates it as well.
import type { PublishedState } from "../image/published.ts";
import type { Bundle } from "../image/bundle.ts";

/** Names a targets document delegates to; [] for anything not shaped like one (the bundle is not verified yet). */
function delegatesTo(doc: unknown): string[] {
  const roles = (doc as { signed?: { delegations?: { roles?: unknown } } } | undefined)?.signed?.delegations?.roles;
  if (!Array.isArray(roles)) return [];
  return roles.map((r) => (r as { name?: unknown })?.name).filter((n): n is string => typeof n === "string");
}

/** Every role name the published Image repository delegates to, at any depth. */
export function delegatedRoleNames(state: PublishedState): Set<string> {
  const names = new Set<string>();
  const queue = delegatesTo(state.targets);
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (names.has(name)) continue;
    names.add(name);
    queue.push(...delegatesTo(state.delegated.get(name)));
  }
  return names;
}

/** The roles in `bundle` that the account delivering `own` may not deliver (empty: all are its). */
export function rolesNotOwned(state: PublishedState, bundle: Bundle, own: readonly string[]): string[] {
  const ours = new Set(own);
  const inBundle = new Map(bundle.roles.map((r) => [r.name, r.metadata as unknown]));
  const tier1 = new Set(delegatesTo(state.targets));
  // Everything other suppliers' published trees reach without passing through ours.
  const foreign = new Set<string>();
  const queue = [...tier1].filter((n) => !ours.has(n));
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (foreign.has(name) || ours.has(name)) continue;
    foreign.add(name);
    queue.push(...delegatesTo(state.delegated.get(name)));
  }
  // Everything ours reach, through the bundle's documents where it brings new ones.
  const reached = new Set<string>();
  const walk = [...ours];
  while (walk.length > 0) {
    const name = walk.shift()!;
    if (reached.has(name)) continue;
    reached.add(name);
    walk.push(...delegatesTo(inBundle.get(name) ?? state.delegated.get(name)));
  }
  return [...inBundle.keys()].filter((n) => !ours.has(n) && (!reached.has(n) || foreign.has(n) || tier1.has(n)));
}
