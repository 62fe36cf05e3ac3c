// Reading a PURE-2 offline-update bundle from its folder (README "Offline updates"): the
// content listing names every file; each is read up to its listed length plus one byte and
// must have the listed length and SHA-256 (a damaged medium is refused before anything is
// verified). The listing is not signed: what decides is the verifier, on the metadata.
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, constants } from "node:fs";
import { join } from "node:path";
import type { OfflineUpdateFiles } from "../../model/verification.ts";

export const BUNDLE_LISTING = "listing.json";
const MAX_LISTING_BYTES = 1 << 20;
/** Largest metadata file read from a bundle (the full verifier's targets cap). */
const MAX_METADATA_BYTES = 5 << 20;
const MAX_FILES = 4096;

export class OfflineBundleError extends Error {}

export interface OfflineBundle {
  folder: string;
  /** Root files by version (from their names, `N.root.json`). */
  directorRoots: Map<number, Uint8Array>;
  offlineSnapshot: Uint8Array;
  /** The one Offline-update Targets file (PURE-2: exactly one per bundle). */
  offlineTargets: { file: string; bytes: Uint8Array };
  imageRoots: Map<number, Uint8Array>;
  imageSnapshot: Uint8Array;
  imageTargets: Uint8Array;
  delegations: Map<string, Uint8Array>;
  /** Listed images by target name: their listed length and SHA-256 (read with `image`). */
  images: Map<string, { length: number; sha256: string }>;
}

interface Listed {
  length: number;
  sha256: string;
}

// At most `max` bytes of a regular file (no symbolic link followed), plus one to see more.
function readCapped(path: string, max: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    throw new OfflineBundleError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new OfflineBundleError(`${path} is not a regular file`);
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, n);
  } finally {
    closeSync(fd);
  }
}

function safePath(rel: string): boolean {
  const parts = rel.split("/");
  return parts.length > 0 && parts.every((p) => p !== "" && p !== "." && p !== ".." && !p.includes("\\") && !p.includes("\0"));
}

/** Reads the bundle's listing and its metadata files; images are read on use (`readBundleImage`). */
export function readOfflineBundle(folder: string): OfflineBundle {
  let listing: { files?: Record<string, Listed> };
  try {
    listing = JSON.parse(Buffer.from(readCapped(join(folder, BUNDLE_LISTING), MAX_LISTING_BYTES)).toString("utf8"));
  } catch (e) {
    throw e instanceof OfflineBundleError ? e : new OfflineBundleError(`${BUNDLE_LISTING} is not JSON: ${(e as Error).message}`);
  }
  const files = listing.files;
  if (typeof files !== "object" || files === null || Array.isArray(files)) throw new OfflineBundleError(`${BUNDLE_LISTING} lists no files`);
  const entries = Object.entries(files);
  if (entries.length > MAX_FILES) throw new OfflineBundleError(`${BUNDLE_LISTING} lists more than ${MAX_FILES} files`);
  for (const [path, e] of entries) {
    if (!safePath(path)) throw new OfflineBundleError(`${BUNDLE_LISTING} names an unsafe path ${JSON.stringify(path)}`);
    if (!e || !Number.isSafeInteger(e.length) || e.length < 0 || typeof e.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(e.sha256)) throw new OfflineBundleError(`${BUNDLE_LISTING}: bad entry for ${path}`);
  }
  const read = (path: string): Uint8Array => {
    const e = files[path]!;
    if (e.length > MAX_METADATA_BYTES) throw new OfflineBundleError(`${path}: ${e.length} bytes is over the ${MAX_METADATA_BYTES}-byte metadata cap`);
    return checked(folder, path, e, readCapped(join(folder, path), e.length));
  };
  const directorRoots = new Map<number, Uint8Array>();
  const imageRoots = new Map<number, Uint8Array>();
  const delegations = new Map<string, Uint8Array>();
  const images = new Map<string, Listed>();
  const offlineTargets: Array<{ file: string; bytes: Uint8Array }> = [];
  let offlineSnapshot: Uint8Array | null = null;
  let imageSnapshot: Uint8Array | null = null;
  let imageTargets: Uint8Array | null = null;
  for (const [path, e] of entries) {
    let m: RegExpExecArray | null;
    if ((m = /^metadata\/director\/([1-9]\d{0,8})\.root\.json$/.exec(path))) directorRoots.set(Number(m[1]), read(path));
    else if (path === "metadata/director/offline-update-snapshot.json") offlineSnapshot = read(path);
    else if ((m = /^metadata\/director\/([^/]+\.json)$/.exec(path))) offlineTargets.push({ file: m[1]!, bytes: read(path) });
    else if ((m = /^metadata\/image-repo\/([1-9]\d{0,8})\.root\.json$/.exec(path))) imageRoots.set(Number(m[1]), read(path));
    else if (path === "metadata/image-repo/snapshot.json") imageSnapshot = read(path);
    else if (path === "metadata/image-repo/targets.json") imageTargets = read(path);
    else if ((m = /^metadata\/image-repo\/delegated\/(.+)\.json$/.exec(path))) delegations.set(m[1]!, read(path));
    else if ((m = /^images\/(.+)$/.exec(path))) images.set(m[1]!, e);
    else throw new OfflineBundleError(`${BUNDLE_LISTING} names ${path}, which has no place in an offline-update bundle`);
  }
  if (!offlineSnapshot) throw new OfflineBundleError("the bundle holds no metadata/director/offline-update-snapshot.json");
  if (offlineTargets.length !== 1) throw new OfflineBundleError(`the bundle must hold exactly one offline-update targets file in metadata/director/, it holds ${offlineTargets.length}`);
  if (!imageSnapshot || !imageTargets) throw new OfflineBundleError("the bundle lacks the Image repository's snapshot.json or targets.json");
  return { folder, directorRoots, offlineSnapshot, offlineTargets: offlineTargets[0]!, imageRoots, imageSnapshot, imageTargets, delegations, images };
}

function checked(folder: string, path: string, e: Listed, bytes: Uint8Array): Uint8Array {
  if (bytes.length !== e.length) throw new OfflineBundleError(`${join(folder, path)} is not the ${e.length} bytes ${BUNDLE_LISTING} lists`);
  if (createHash("sha256").update(bytes).digest("hex") !== e.sha256) throw new OfflineBundleError(`${join(folder, path)} does not have the SHA-256 ${BUNDLE_LISTING} lists`);
  return bytes;
}

/** Image `name` from the bundle, at most `maxBytes` + 1 read; checked against the listing. */
export function readBundleImage(bundle: OfflineBundle, name: string, maxBytes: number): Uint8Array {
  const e = bundle.images.get(name);
  if (!e) throw new OfflineBundleError(`the bundle holds no image ${name}`);
  if (e.length > maxBytes) throw new OfflineBundleError(`image ${name}: listed with ${e.length} bytes, the verified target has ${maxBytes}`);
  return checked(bundle.folder, `images/${name}`, e, readCapped(join(bundle.folder, "images", ...name.split("/")), maxBytes));
}

/** What a verifier takes from the bundle, given the root versions it trusts now. */
export function offlineUpdateFiles(bundle: OfflineBundle, trusted: { director: number; image: number }): OfflineUpdateFiles {
  return {
    director: { rootRotations: rotationVersionsAfter(bundle.directorRoots, trusted.director).map((r) => r.bytes), offlineSnapshot: bundle.offlineSnapshot, offlineTargets: bundle.offlineTargets },
    image: { rootRotations: rotationVersionsAfter(bundle.imageRoots, trusted.image).map((r) => r.bytes), snapshot: bundle.imageSnapshot, targets: bundle.imageTargets, delegations: bundle.delegations },
  };
}

/** Roots newer than `trusted`, in version order, with their versions (a missing version is the verifier's to refuse). */
export function rotationVersionsAfter(roots: Map<number, Uint8Array>, trusted: number): Array<{ version: number; bytes: Uint8Array }> {
  return [...roots.entries()].filter(([v]) => v > trusted).sort(([a], [b]) => a - b).map(([version, bytes]) => ({ version, bytes }));
}
