// What the factory loads into an ECU (Uptane 2.1 "Build-time prerequisite requirements
// for ECUs"): a recent copy of the metadata (for full verification all four roles of both
// repositories; for a partial ECU the Director's root and targets), a time attestation
// from the time server, and the repository mapping. `uptane provision` writes it from the
// live repositories; `uptane primary init` and a Secondary's provisioning read it. The
// bytes are checked here for shape only: every signature, version and expiry is the
// verification module's to judge when the ECU loads it.
import type { MetadataBundle, RepositoryBundle } from "./metadata-bundle.ts";
import type { RepositoryMap } from "./repository-map.ts";

export const FACTORY_BUNDLE_TYPE = "uptane-factory-bundle";
/** Largest factory bundle read (base64 of the metadata caps of host/primary/repository-download.ts, with room). */
export const MAX_FACTORY_BUNDLE_BYTES = 64 * 1024 * 1024;
const MAX_ROOTS = 257;
const MAX_DELEGATIONS = 256;
const MAX_NONCE = 128;

export interface FactoryBundle {
  vin: string;
  /** The Director's files; the Image repository's too unless the bundle is for a partial ECU. */
  metadata: MetadataBundle;
  /** A time attestation over `nonce`, signed by the time server when the bundle was made. */
  time: { nonce: string; attestation: Uint8Array } | null;
  /** TAP 4 map.json (checked by model/repository-map.ts when the ECU loads it). */
  map: RepositoryMap;
  /** Where the ECU asks for time attestations (POST {url}attestation). */
  timeServer: string;
}

export class FactoryBundleError extends Error {}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64");

function encodeRepo(r: RepositoryBundle): Record<string, unknown> {
  return {
    roots: r.roots.map(b64),
    ...(r.timestamp ? { timestamp: b64(r.timestamp) } : {}),
    ...(r.snapshot ? { snapshot: b64(r.snapshot) } : {}),
    targets: b64(r.targets),
    ...(r.delegations ? { delegations: Object.fromEntries([...r.delegations].map(([name, bytes]) => [name, b64(bytes)])) } : {}),
  };
}

export function encodeFactoryBundle(b: FactoryBundle): Uint8Array {
  const doc = {
    _type: FACTORY_BUNDLE_TYPE,
    format: 1,
    vin: b.vin,
    director: encodeRepo(b.metadata.director),
    ...(b.metadata.image ? { image: encodeRepo(b.metadata.image) } : {}),
    time: b.time ? { nonce: b.time.nonce, attestation: b64(b.time.attestation) } : null,
    map: b.map,
    timeServer: b.timeServer,
  };
  return Buffer.from(JSON.stringify(doc, null, 1) + "\n", "utf8");
}

/** The part of a bundle a partial-verification ECU takes: the Director's roots and targets. */
export function partialFactoryBundle(b: FactoryBundle): FactoryBundle {
  return { ...b, metadata: { director: { roots: b.metadata.director.roots, targets: b.metadata.director.targets } } };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Parses a factory bundle; throws FactoryBundleError naming the field that is wrong. */
export function parseFactoryBundle(bytes: Uint8Array): FactoryBundle {
  const fail = (why: string): never => {
    throw new FactoryBundleError(`not a factory bundle: ${why}`);
  };
  if (bytes.length > MAX_FACTORY_BUNDLE_BYTES) fail(`${bytes.length} bytes, more than the ${MAX_FACTORY_BUNDLE_BYTES} accepted`);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8"));
  } catch (e) {
    fail(`not JSON (${(e as Error).message})`);
  }
  if (!isObject(doc) || doc._type !== FACTORY_BUNDLE_TYPE) fail(`_type is not "${FACTORY_BUNDLE_TYPE}"`);
  const d = doc as Record<string, unknown>;
  if (d.format !== 1) fail(`format ${JSON.stringify(d.format)} (this version reads format 1)`);
  if (typeof d.vin !== "string") fail("vin is not a string");
  const bin = (v: unknown, what: string): Uint8Array => {
    if (typeof v !== "string" || v.length % 4 !== 0 || !BASE64.test(v)) fail(`${what} is not base64`);
    return new Uint8Array(Buffer.from(v as string, "base64"));
  };
  const repo = (v: unknown, name: string, delegations: boolean): RepositoryBundle => {
    if (!isObject(v)) fail(`${name} is not an object`);
    const r = v as Record<string, unknown>;
    if (!Array.isArray(r.roots) || r.roots.length === 0 || r.roots.length > MAX_ROOTS) fail(`${name}.roots is not a list of 1 to ${MAX_ROOTS} roots`);
    const out: RepositoryBundle = { roots: (r.roots as unknown[]).map((x, i) => bin(x, `${name}.roots[${i}]`)), targets: bin(r.targets, `${name}.targets`) };
    if (r.timestamp !== undefined) out.timestamp = bin(r.timestamp, `${name}.timestamp`);
    if (r.snapshot !== undefined) out.snapshot = bin(r.snapshot, `${name}.snapshot`);
    if (r.delegations !== undefined) {
      if (!delegations) fail(`${name} has delegations (only the Image repository delegates)`);
      if (!isObject(r.delegations) || Object.keys(r.delegations).length > MAX_DELEGATIONS) fail(`${name}.delegations is not an object of at most ${MAX_DELEGATIONS} roles`);
      out.delegations = new Map(Object.entries(r.delegations as Record<string, unknown>).map(([role, x]) => [role, bin(x, `${name}.delegations.${role}`)]));
    }
    return out;
  };
  const metadata: MetadataBundle = { director: repo(d.director, "director", false) };
  if (d.image !== undefined) metadata.image = repo(d.image, "image", true);
  let time: FactoryBundle["time"] = null;
  if (d.time !== null) {
    if (!isObject(d.time)) fail("time is neither null nor an object");
    const t = d.time as Record<string, unknown>;
    if (typeof t.nonce !== "string" || t.nonce.length === 0 || t.nonce.length > MAX_NONCE) fail(`time.nonce is not a string of 1 to ${MAX_NONCE} characters`);
    time = { nonce: t.nonce as string, attestation: bin(t.attestation, "time.attestation") };
  }
  if (!isObject(d.map)) fail("map is not an object");
  if (typeof d.timeServer !== "string" || !/^https?:\/\/[^\s?#]+\/$/.test(d.timeServer)) fail("timeServer is not an http:// or https:// URL ending in /");
  return { vin: d.vin as string, metadata, time, map: d.map as unknown as RepositoryMap, timeServer: d.timeServer as string };
}
