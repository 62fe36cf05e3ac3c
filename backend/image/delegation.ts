// A delegated role as the OEM (top-level targets) or a tier-1 supplier (its own role)
// writes it: names, paths and hardware IDs checked as they come in, keys deduplicated,
// threshold within the keys given.
import { keyIdOf, type TufKey } from "../../model/keys.ts";
import type { DelegatedRole } from "./metadata.ts";
import { checkHardwareId, checkPathPattern, checkRoleName, NameError } from "./names.ts";

export interface DelegationSpec {
  role: string;
  keys: TufKey[];
  threshold?: number;
  paths: string[];
  hardwareIds?: string[];
  terminating?: boolean;
}

/** The role entry for `spec`; a refusal of its keys or threshold is raised through `fail` (each caller's error class). */
export function buildDelegatedRole(spec: DelegationSpec, fail: (message: string) => Error): DelegatedRole {
  checkRoleName(spec.role);
  if (spec.keys.length === 0) throw fail("a delegation needs at least one key");
  if (spec.paths.length === 0) throw new NameError("invalid-path-pattern", "a delegation needs at least one --paths pattern");
  spec.paths.forEach(checkPathPattern);
  spec.hardwareIds?.forEach(checkHardwareId);
  const keyids = [...new Set(spec.keys.map(keyIdOf))];
  const threshold = spec.threshold ?? 1;
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw fail(`threshold must be at least 1, got ${threshold}`);
  if (threshold > keyids.length) throw fail(`threshold ${threshold} needs at least ${threshold} distinct keys; ${keyids.length} given`);
  return {
    name: spec.role,
    keyids,
    threshold,
    terminating: spec.terminating ?? false,
    paths: [...spec.paths],
    ...(spec.hardwareIds?.length ? { hardwareIds: [...new Set(spec.hardwareIds)] } : {}),
  };
}
