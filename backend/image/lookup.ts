// Finds a target through the delegations as a TUF 1.0 client does (5.6.7: pre-order
// depth-first walk in the order roles are listed, stopping at a terminating role), plus the
// Uptane hardware-ID restriction: a role restricted to some hardware types vouches only for
// targets whose hardwareIds all lie within them (and every ancestor's restriction).
import type { DelegatedRole, TargetFile, TargetsSigned, Signed } from "./metadata.ts";
import { matchesPathPattern } from "./names.ts";

export interface FoundTarget {
  name: string;
  length: number;
  hashes: Record<string, string>;
  custom: Record<string, unknown> | undefined;
  /** The role that signs it: "targets" or a delegated role's name. */
  role: string;
}

export interface LookupOptions {
  /** When given, a found target must list this hardware type (else null). */
  hardwareId?: string;
  maxDelegations?: number;
  /** When given, reaching an expired role ends the search with null, as a TUF client fails (TUF 5.6.5). */
  now?: Date;
}

export function roleCoversPath(role: DelegatedRole, name: string): boolean {
  return role.paths.some((p) => matchesPathPattern(name, p));
}

/** True when `restriction` (undefined = none) allows every hardware ID of the target. */
export function hardwareAllowed(info: TargetFile, restriction: string[] | undefined): boolean {
  if (!restriction) return true;
  const ids = info.custom?.hardwareIds;
  return Array.isArray(ids) && ids.length > 0 && ids.every((id) => restriction.includes(id));
}

function intersect(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.filter((x) => b.includes(x));
}

/**
 * `roles` maps each role name to its metadata ("targets" included). A delegated role with no
 * metadata published yet vouches for nothing.
 */
export function findTarget(roles: Map<string, Signed<TargetsSigned>>, name: string, options: LookupOptions = {}): FoundTarget | null {
  const maxDelegations = options.maxDelegations ?? 32;
  interface Visit {
    role: string;
    restriction: string[] | undefined;
  }
  const stack: Visit[] = [{ role: "targets", restriction: undefined }];
  const visited = new Set<string>();
  while (stack.length > 0 && visited.size <= maxDelegations) {
    const { role, restriction } = stack.pop()!;
    if (visited.has(role)) continue; // 5.6.7.1: skip roles already visited (cycles)
    visited.add(role);
    const doc = roles.get(role);
    if (!doc) continue;
    if (options.now && Date.parse(doc.signed.expires) <= options.now.getTime()) return null;
    const info = Object.prototype.hasOwnProperty.call(doc.signed.targets, name) ? doc.signed.targets[name] : undefined;
    if (info) {
      if (!hardwareAllowed(info, restriction)) return null; // fail closed: the most trusted match is not allowed
      if (options.hardwareId !== undefined && !(info.custom?.hardwareIds ?? []).includes(options.hardwareId)) return null;
      return { name, length: info.length, hashes: { ...info.hashes }, custom: info.custom ? { ...info.custom } : undefined, role };
    }
    const children: Visit[] = [];
    for (const child of doc.signed.delegations?.roles ?? []) {
      if (!roleCoversPath(child, name)) continue;
      children.push({ role: child.name, restriction: intersect(restriction, child.hardwareIds) });
      // 5.6.7.2.1: a terminating role ends the search below its parent
      if (child.terminating) {
        stack.length = 0;
        break;
      }
    }
    stack.push(...children.reverse());
  }
  return null;
}
