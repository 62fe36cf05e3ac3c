// PURE-2 offline updates on the backend (README "Offline updates"): `uptane offline create`
// signs an Offline-update Targets file (images eligible for installation together, one per
// hardware ID) and a new Offline-update Snapshot listing it, keeps both under
// DIR/director/offline/, and writes the bundle a vehicle installs without the Director:
// every Director and Image repository root, the Image repository's snapshot, targets and
// delegations, the two offline documents, every image, and a content listing. The served
// Offline-update Snapshot (`/director/vehicles/VIN/offline-update-snapshot.json`) is the
// file kept here.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { isHardwareId, isTargetName } from "../../model/identifiers.ts";
import { signersFor, rootSignedOf, type DirectorRootSigned } from "./director-keys.ts";
import { buildOfflineSnapshot, buildOfflineTargets, expiresFrom, fileMetaOf, type FileMeta } from "./metadata.ts";
import { writeFileAtomicSync } from "../fs/atomic-write.ts";
import { readFileInside } from "../fs/read-inside.ts";
import { withLock } from "../fs/lock.ts";
import { loadPublished, latestRootVersion } from "../image/published.ts";
import { repositoryDir, targetFilePath, versionedFile } from "../image/layout.ts";
import { PublishedImageTargets } from "./image-repo-source.ts";
import { Refused } from "./errors.ts";

/** Where the backend keeps the offline-update documents (relative to DIR). */
export const OFFLINE_DIR = "director/offline";
export const OFFLINE_SNAPSHOT_FILE = "offline-update-snapshot.json";
/** The bundle's content listing (names, lengths and SHA-256 of every file in it). */
export const BUNDLE_LISTING = "listing.json";
/** Default lifetime of an offline update's documents (days); PURE-2 leaves it to the OEM. */
export const DEFAULT_OFFLINE_DAYS = 30;
const MAX_OFFLINE_DAYS = 3650;

/** An offline update's name: its targets file is NAME.json. */
export function isOfflineUpdateName(v: unknown): v is string {
  return typeof v === "string" && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(v) && v !== "offline-update-snapshot" && !v.endsWith(".json");
}

export interface OfflineTargetRequest {
  hardwareId: string;
  /** An Image repository target name. */
  image: string;
}

export interface OfflineCreateResult {
  name: string;
  targetsVersion: number;
  snapshotVersion: number;
  expires: string;
  directorRootVersion: number;
  imageRootVersion: number;
  images: Array<{ hardwareId: string; name: string; length: number; releaseCounter: number }>;
  bundle: string;
  files: number;
  bytes: number;
}

interface Listed {
  length: number;
  sha256: string;
}

/** The current Offline-update Snapshot's bytes, or null (none signed yet). */
export function offlineSnapshotBytes(dir: string): Buffer | null {
  return readFileInside(dir, `${OFFLINE_DIR}/${OFFLINE_SNAPSHOT_FILE}`);
}

function versionOf(bytes: Buffer | null): number {
  if (!bytes) return 0;
  const v = (JSON.parse(bytes.toString("utf8")) as { signed?: { version?: unknown } }).signed?.version;
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new Error(`stored offline-update document has no valid version`);
  return v as number;
}

/**
 * Signs offline update NAME (targets version N+1, snapshot version M+1) and writes its
 * bundle to `out` (a new folder). `roots` are the Director root files 1..latest.
 */
export async function createOfflineUpdate(
  dir: string,
  opts: { name: string; targets: OfflineTargetRequest[]; out: string; days?: number; now?: Date; directorRoots: Buffer[] },
): Promise<OfflineCreateResult> {
  const now = opts.now ?? new Date();
  const days = opts.days ?? DEFAULT_OFFLINE_DAYS;
  if (!isOfflineUpdateName(opts.name)) throw new Refused(400, "invalid-role-name", `offline update name ${JSON.stringify(opts.name)} must be 1-64 of A-Z a-z 0-9 . _ - (not ending in .json)`);
  if (!Number.isSafeInteger(days) || days < 1 || days > MAX_OFFLINE_DAYS) throw new Refused(400, "usage", `--days must be 1..${MAX_OFFLINE_DAYS}`);
  if (opts.targets.length === 0) throw new Refused(400, "usage", "an offline update needs at least one --target HW=IMAGE");
  if (existsSync(opts.out)) throw new Refused(409, "exists", `${opts.out} exists already`);
  const root: DirectorRootSigned = rootSignedOf(opts.directorRoots.at(-1)!);
  // Before anything is signed: the keys of both roles are here.
  const targetsKeys = signersFor(dir, "offline-update-targets", root);
  const snapshotKeys = signersFor(dir, "offline-update-snapshot", root);

  // Each image as the Image repository signs it; PURE-2: at most one target per ECU, so
  // no hardware ID is named by two targets.
  const source = new PublishedImageTargets(dir, () => now);
  const entries: Array<{ name: string; length: number; hashes: Record<string, string>; custom: Record<string, unknown> }> = [];
  const byHardware = new Map<string, string>();
  for (const t of opts.targets) {
    if (!isHardwareId(t.hardwareId)) throw new Refused(400, "invalid-hardware-id", `hardware ID ${JSON.stringify(t.hardwareId)} must be 1-64 of A-Z a-z 0-9 . _ -`);
    if (!isTargetName(t.image)) throw new Refused(400, "invalid-target-name", `target name ${JSON.stringify(t.image)} is not valid`);
    const image = await source.findTarget(t.image);
    if (!image) throw new Refused(400, "target-not-signed", `the Image repository signs no target ${t.image}`);
    if (!image.custom.hardwareIds.includes(t.hardwareId)) throw new Refused(400, "hardware-id-mismatch", `${t.image} is for ${image.custom.hardwareIds.join(", ")}, not ${t.hardwareId}`);
    for (const hw of image.custom.hardwareIds) {
      const other = byHardware.get(hw);
      if (other !== undefined && other !== image.name) throw new Refused(400, "hardware-id-mismatch", `hardware ID ${hw} would get two targets (${other} and ${image.name}); PURE-2 allows one per ECU`);
      byHardware.set(hw, image.name);
    }
    if (!entries.some((e) => e.name === image.name)) entries.push({ name: image.name, length: image.length, hashes: image.hashes, custom: image.custom });
  }

  const offlineDir = join(dir, OFFLINE_DIR);
  return withLock(join(dir, "director", ".offline.lock"), async () => {
    const expires = expiresFrom(now, days * 24 * 3600);
    const targetsFile = `${opts.name}.json`;
    const previousSnapshot = offlineSnapshotBytes(dir);
    const previousMeta = previousSnapshot ? ((JSON.parse(previousSnapshot.toString("utf8")) as { signed: { meta: Record<string, FileMeta> } }).signed.meta ?? {}) : {};
    const targets = buildOfflineTargets(entries, versionOf(readFileInside(dir, `${OFFLINE_DIR}/${targetsFile}`)) + 1, expires, targetsKeys);
    const snapshot = buildOfflineSnapshot({ ...previousMeta, [targetsFile]: fileMetaOf(targets) }, versionOf(previousSnapshot) + 1, expires, snapshotKeys);

    // The bundle first: a failure removes it and leaves the backend's offline documents as they were.
    const files = new Map<string, Buffer>();
    opts.directorRoots.forEach((bytes, i) => files.set(`metadata/director/${i + 1}.root.json`, bytes));
    files.set(`metadata/director/${OFFLINE_SNAPSHOT_FILE}`, Buffer.from(snapshot.bytes));
    files.set(`metadata/director/${targetsFile}`, Buffer.from(targets.bytes));
    const state = await loadPublished(dir);
    const imageRoots = await latestRootVersion(dir);
    const repo = repositoryDir(dir);
    for (let v = 1; v <= imageRoots; v++) files.set(`metadata/image-repo/${v}.root.json`, readFileSync(join(repo, versionedFile(v, "root"))));
    files.set("metadata/image-repo/snapshot.json", readFileSync(join(repo, versionedFile(state.snapshot.signed.version, "snapshot"))));
    files.set("metadata/image-repo/targets.json", readFileSync(join(repo, versionedFile(state.targets.signed.version, "targets"))));
    for (const [role, doc] of state.delegated) files.set(`metadata/image-repo/delegated/${role}.json`, readFileSync(join(repo, versionedFile(doc.signed.version, role))));
    for (const e of entries) files.set(`images/${e.name}`, readFileSync(targetFilePath(dir, e.name, e.hashes.sha256!)));
    const listing: Record<string, Listed> = {};
    for (const [path, bytes] of files) listing[path] = { length: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
    mkdirSync(opts.out, { recursive: false });
    try {
      for (const [path, bytes] of files) {
        mkdirSync(dirname(join(opts.out, path)), { recursive: true });
        writeFileSync(join(opts.out, path), bytes, { flag: "wx" });
      }
      writeFileSync(join(opts.out, BUNDLE_LISTING), JSON.stringify({ offlineUpdate: opts.name, files: listing }, null, 1) + "\n", { flag: "wx" });
    } catch (e) {
      rmSync(opts.out, { recursive: true, force: true });
      throw e;
    }

    // Then the backend's copies: the targets file before the snapshot that lists it.
    mkdirSync(offlineDir, { recursive: true });
    writeFileAtomicSync(join(offlineDir, targetsFile), targets.bytes);
    writeFileAtomicSync(join(offlineDir, OFFLINE_SNAPSHOT_FILE), snapshot.bytes);
    return {
      name: opts.name,
      targetsVersion: targets.version,
      snapshotVersion: snapshot.version,
      expires,
      directorRootVersion: opts.directorRoots.length,
      imageRootVersion: imageRoots,
      images: opts.targets.map((t) => {
        const e = entries.find((x) => x.name === t.image)!;
        return { hardwareId: t.hardwareId, name: e.name, length: e.length, releaseCounter: e.custom.releaseCounter as number };
      }),
      bundle: opts.out,
      files: files.size + 1,
      bytes: [...files.values()].reduce((s, b) => s + b.length, 0),
    };
  });
}

