// `uptane supplier import`: the OEM verifies a supplier's bundle completely before anything
// is published — every role's signatures against the delegation that names it, versions not
// rolled back, expiry, target names within the delegated paths (and every ancestor's), the
// Uptane hardware-ID restriction, release counters, and every image's length and hashes.
// Only then does one atomic publish add the roles and images. A refused bundle writes nothing.
import { isHardwareId } from "../../model/identifiers.ts";
import { createHash } from "node:crypto";
import { canonicalJson } from "../../model/canonical-json.ts";
import { readFile, stat } from "node:fs/promises";
import { decodeBundle, BundleError, MAX_BUNDLE_BYTES, type Bundle } from "./bundle.ts";
import { roleCoversPath, hardwareAllowed } from "./lookup.ts";
import { checkTargets, isExpired, metadataBytes, MetadataError, type DelegatedRole, type Delegations, type Signed, type TargetsSigned } from "./metadata.ts";
import { checkRoleName } from "./names.ts";
import type { ImageBytes } from "./publish.ts";
import type { PublishedState } from "./published.ts";
import { countValidSignatures } from "../../model/keys.ts";

export { BundleError } from "./bundle.ts";

/** Client caps (DESIGN.md section 5 defaults). */
export const MAX_DELEGATION_DEPTH = 32;
export const MAX_TARGETS_BYTES = 5 * 1024 * 1024;

export interface VerifiedBundle {
  delegated: Map<string, Signed<TargetsSigned>>;
  images: ImageBytes[];
}

interface Visit {
  parent: string;
  doc: Signed<TargetsSigned>;
  /** Delegation path chain from the top-level targets to this role (each must match). */
  chain: DelegatedRole[];
  /** True when `doc` comes from the bundle (its delegations are new). */
  fromBundle: boolean;
}

export async function readBundleFile(path: string): Promise<Bundle> {
  let bytes: Buffer;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new BundleError(`${path} is not a regular file`);
    if (st.size > MAX_BUNDLE_BYTES) throw new BundleError(`bundle is larger than ${MAX_BUNDLE_BYTES} bytes`);
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError(`cannot read bundle ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return decodeBundle(bytes);
}

function sameDocument(a: Signed<TargetsSigned>, b: Signed<TargetsSigned>): boolean {
  return canonicalJson(a.signed) === canonicalJson(b.signed);
}

function restrictionOf(chain: DelegatedRole[]): string[] | undefined {
  let r: string[] | undefined;
  for (const role of chain) if (role.hardwareIds) r = r ? r.filter((x) => role.hardwareIds!.includes(x)) : [...role.hardwareIds];
  return r;
}

/** Checks `bundle` against the published state; throws BundleError with the exact reason. */
export function verifyBundle(state: PublishedState, bundle: Bundle, now: Date): VerifiedBundle {
  const byName = new Map<string, Signed<TargetsSigned>>();
  for (const { name, metadata } of bundle.roles) {
    try {
      checkRoleName(name);
    } catch (err) {
      throw new BundleError(`bundle role: ${(err as Error).message}`);
    }
    if (byName.has(name)) throw new BundleError(`bundle holds role '${name}' twice`);
    try {
      byName.set(name, checkTargets(metadata, `role '${name}'`, true));
    } catch (err) {
      if (err instanceof MetadataError) throw new BundleError(err.message);
      throw err;
    }
  }

  const verified = new Map<string, Signed<TargetsSigned>>();
  const images: ImageBytes[] = [];
  const usedImages = new Set<string>();
  const unchanged = new Set<string>();
  const visited = new Set<string>(["targets"]);
  const queue: Visit[] = [{ parent: "root", doc: state.targets, chain: [], fromBundle: false }];

  while (queue.length > 0) {
    const { doc: parentDoc, chain, fromBundle } = queue.shift()!;
    const delegations: Delegations | undefined = parentDoc.signed.delegations;
    if (!delegations) continue;
    for (const role of delegations.roles) {
      if (visited.has(role.name)) continue;
      const incoming = byName.get(role.name);
      const published = state.delegated.get(role.name);
      const roleChain = [...chain, role];
      const redelivered = incoming !== undefined && published !== undefined && sameDocument(incoming, published);
      if (incoming && !redelivered) {
        visited.add(role.name);
        verifyRole(role, delegations, incoming, published, roleChain, bundle, now, images, usedImages);
        verified.set(role.name, incoming);
        queue.push({ parent: role.name, doc: incoming, chain: roleChain, fromBundle: true });
      } else if (published) {
        // Published already (and maybe re-delivered unchanged, e.g. a tier-2 bundle included
        // again: then its images may come along again).
        visited.add(role.name);
        if (redelivered) {
          unchanged.add(role.name);
          for (const info of Object.values(published.signed.targets)) usedImages.add(info.hashes.sha256!);
        }
        // A new delegation from a bundled role must still accept the published child.
        if (fromBundle && countValidSignatures(published, delegations.keys, role.keyids) < role.threshold) {
          throw new BundleError(`published role '${role.name}' would no longer verify under the new delegation; include it in the bundle`);
        }
        queue.push({ parent: role.name, doc: published, chain: roleChain, fromBundle: false });
      }
    }
  }
  for (const name of byName.keys()) {
    if (!verified.has(name) && !unchanged.has(name)) throw new BundleError(`role '${name}' is not delegated by the top-level targets or any role below it`);
  }
  if (verified.size === 0) throw new BundleError("bundle holds nothing new: every role in it is published already");
  for (const sha of bundle.images.keys()) {
    if (!usedImages.has(sha)) throw new BundleError(`image ${sha} in the bundle is not listed by any of its roles`);
  }
  return { delegated: verified, images };
}

function verifyRole(
  role: DelegatedRole,
  delegations: Delegations,
  doc: Signed<TargetsSigned>,
  published: Signed<TargetsSigned> | undefined,
  chain: DelegatedRole[],
  bundle: Bundle,
  now: Date,
  images: ImageBytes[],
  usedImages: Set<string>,
): void {
  const name = role.name;
  // Clients stop at these caps (DESIGN.md section 5), so such a role would be unusable.
  if (chain.length > MAX_DELEGATION_DEPTH) throw new BundleError(`role '${name}' is ${chain.length} delegations deep; clients stop at ${MAX_DELEGATION_DEPTH}`);
  const size = metadataBytes(doc).length;
  if (size > MAX_TARGETS_BYTES) throw new BundleError(`role '${name}' is ${size} bytes; clients accept at most ${MAX_TARGETS_BYTES} per targets document`);
  // TUF 5.6.3: a threshold of the delegation's keys
  const valid = countValidSignatures(doc, delegations.keys, role.keyids);
  if (valid < role.threshold) throw new BundleError(`role '${name}': ${valid} valid signature(s) from its delegated keys, needs ${role.threshold}`);
  // TUF 5.6.4 / Uptane: versions never go back
  if (published && doc.signed.version <= published.signed.version) {
    throw new BundleError(`role '${name}': version ${doc.signed.version} is not newer than the published version ${published.signed.version} (rollback refused)`);
  }
  // TUF 5.6.5: expiry
  if (isExpired(doc.signed.expires, now)) throw new BundleError(`role '${name}': expired at ${doc.signed.expires}`);
  const restriction = restrictionOf(chain);
  for (const [target, info] of Object.entries(doc.signed.targets)) {
    // A client reaches this role only through every delegation on the chain: each must cover the name.
    const outside = chain.find((r) => !roleCoversPath(r, target));
    if (outside) throw new BundleError(`role '${name}': target '${target}' is outside the paths delegated to '${outside.name}' (${outside.paths.join(", ")})`);
    const unassignable = info.custom?.hardwareIds.find((id) => !isHardwareId(id));
    if (unassignable !== undefined) throw new BundleError(`role '${name}': target '${target}' is for hardware ID '${unassignable}', which no ECU can be registered with (1-64 of letters, digits and ._-)`);
    if (!hardwareAllowed(info, restriction)) {
      throw new BundleError(`role '${name}': target '${target}' is for hardware ${info.custom?.hardwareIds.join(", ")}, outside the delegation's hardwareIds (${restriction!.join(", ")})`);
    }
    const before = published?.signed.targets[target]?.custom?.releaseCounter;
    if (before !== undefined && info.custom!.releaseCounter < before) {
      throw new BundleError(`role '${name}': target '${target}' release counter ${info.custom!.releaseCounter} is below the published ${before} (rollback refused)`);
    }
    const bytes = bundle.images.get(info.hashes.sha256!);
    if (!bytes) throw new BundleError(`role '${name}': image for target '${target}' (sha256 ${info.hashes.sha256}) is not in the bundle`);
    if (bytes.length !== info.length) throw new BundleError(`role '${name}': target '${target}' length is ${info.length} but the image has ${bytes.length} bytes`);
    for (const [alg, expected] of Object.entries(info.hashes)) {
      const got = createHash(alg).update(bytes).digest("hex");
      if (got !== expected) throw new BundleError(`role '${name}': target '${target}' ${alg} is ${expected} but the image hashes to ${got}`);
    }
    usedImages.add(info.hashes.sha256!);
    images.push({ name: target, bytes, hashes: { ...info.hashes } });
  }
}
