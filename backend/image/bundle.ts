// The supplier delivery bundle: one JSON file holding the supplier's signed delegated targets
// metadata (its own role and any tier-2 roles below it) and the images they list.
//   {"format":"uptane-supplier-bundle/1",
//    "roles":[{"name":ROLE,"metadata":{"signatures":[...],"signed":{...}}}, ...],
//    "images":{SHA256HEX: BASE64, ...}}
// Images are keyed by their SHA-256; the OEM checks every listed hash and length anyway.
import { createHash } from "node:crypto";
import type { Signed, TargetsSigned } from "./metadata.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../model/json-depth.ts";

export const BUNDLE_FORMAT = "uptane-supplier-bundle/1";
/** Largest bundle file read (images are base64 inside JSON). */
export const MAX_BUNDLE_BYTES = 512 * 1024 * 1024;

export interface BundleRole {
  name: string;
  metadata: Signed<TargetsSigned>;
}

export interface Bundle {
  roles: BundleRole[];
  /** Image bytes by lower-case hex SHA-256 (checked to match on parse). */
  images: Map<string, Buffer>;
}

export class BundleError extends Error {}

export function encodeBundle(bundle: Bundle): Buffer {
  const images: Record<string, string> = {};
  for (const [sha, bytes] of [...bundle.images].sort(([a], [b]) => (a < b ? -1 : 1))) images[sha] = bytes.toString("base64");
  return Buffer.from(JSON.stringify({ format: BUNDLE_FORMAT, roles: bundle.roles, images }) + "\n");
}

/** Parses bundle bytes; shape errors are BundleError naming what is wrong. Signatures are checked on import. */
export function decodeBundle(bytes: Buffer): Bundle {
  if (bytes.length > MAX_BUNDLE_BYTES) throw new BundleError(`bundle is larger than ${MAX_BUNDLE_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new BundleError("bundle is not valid JSON");
  }
  // Before anything walks it: import canonicalises the roles' metadata recursively.
  if (nestsDeeperThan(raw)) throw new BundleError(`bundle nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new BundleError("bundle is not a JSON object");
  const obj = raw as Record<string, unknown>;
  if (obj.format !== BUNDLE_FORMAT) throw new BundleError(`bundle format is '${String(obj.format)}', expected '${BUNDLE_FORMAT}'`);
  if (!Array.isArray(obj.roles) || obj.roles.length === 0) throw new BundleError("bundle lists no roles");
  const roles: BundleRole[] = [];
  for (const r of obj.roles as unknown[]) {
    if (typeof r !== "object" || r === null || typeof (r as BundleRole).name !== "string" || typeof (r as BundleRole).metadata !== "object") {
      throw new BundleError("each bundle role needs a name and metadata");
    }
    roles.push(r as BundleRole);
  }
  if (typeof obj.images !== "object" || obj.images === null || Array.isArray(obj.images)) throw new BundleError("bundle images must be an object");
  const images = new Map<string, Buffer>();
  for (const [sha, b64] of Object.entries(obj.images as Record<string, unknown>)) {
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new BundleError(`bundle image key '${sha}' is not a SHA-256 in lower-case hex`);
    if (typeof b64 !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw new BundleError(`bundle image ${sha} is not base64`);
    const data = Buffer.from(b64, "base64");
    if (createHash("sha256").update(data).digest("hex") !== sha) throw new BundleError(`bundle image ${sha} does not hash to its key`);
    images.set(sha, data);
  }
  return { roles, images };
}
