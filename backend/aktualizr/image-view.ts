// The Image repository as aktualizr reads it (README "Serving aktualizr"), written beside
// the repository each time its roles are signed, by the same keys: DIR/image/aktualizr/
// holds `N.targets.json`, `N.snapshot.json` and `timestamp.json` with `_type` "Targets",
// "Snapshot", "Timestamp" and signatures with `method` and a base64 `sig` (aktualizr
// fetches `snapshot.json` and `targets.json` unversioned: the versions the timestamp and
// the snapshot name are served under those names, so the view changes atomically with
// the timestamp, written last); each in
// canonical form, so the timestamp's hash of the snapshot holds both over the served bytes
// and over their canonical form (aktualizr hashes the latter). Targets are signed only when
// the offline targets keys sign ours (publish with targets, rotation, renewal): the server
// never signs with an offline key to make a view. Roots are served from ours, re-encoded.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { canonicalBytes } from "../../model/canonical-json.ts";
import type { SigningKey } from "../../model/keys.ts";
import type { FileWriter } from "../fs/atomic-write.ts";
import type { Signed, SnapshotSigned, TargetsSigned, TimestampSigned } from "../image/metadata.ts";

/** The dialect's current `timestamp.json`, `snapshot.json` or `targets.json` (what the timestamp and snapshot name), or null. */
export async function imageDialectFile(dir: string, name: "timestamp.json" | "snapshot.json" | "targets.json"): Promise<Buffer | null> {
  const folder = imageDialectDir(dir);
  const timestamp = await readFile(join(folder, "timestamp.json")).catch(() => null);
  if (!timestamp || name === "timestamp.json") return timestamp;
  const snapshotVersion = (JSON.parse(timestamp.toString("utf8")) as Signed<TimestampSigned>).signed.meta["snapshot.json"].version;
  const snapshot = await readFile(join(folder, `${snapshotVersion}.snapshot.json`)).catch(() => null);
  if (!snapshot || name === "snapshot.json") return snapshot;
  const targetsVersion = (JSON.parse(snapshot.toString("utf8")) as Signed<SnapshotSigned>).signed.meta["targets.json"]!.version;
  return readFile(join(folder, `${targetsVersion}.targets.json`)).catch(() => null);
}
import { signDialect } from "./dialect-signatures.ts";

export const imageDialectDir = (dir: string) => join(dir, "image", "aktualizr");

export interface SignedRoles {
  targets: Signed<TargetsSigned>;
  /** The targets keys when they signed `targets` just now; null when targets were not re-signed. */
  targetsSigners: SigningKey[] | null;
  snapshot: Signed<SnapshotSigned>;
  snapshotSigners: SigningKey[];
  timestamp: Signed<TimestampSigned>;
  timestampSigners: SigningKey[];
}

function fileMeta(version: number, bytes: Buffer) {
  return { version, length: bytes.length, hashes: { sha256: createHash("sha256").update(bytes).digest("hex") } };
}

/**
 * Writes the dialect's view of the roles just signed, before our timestamp is written (a
 * failure here leaves our repository as it was, and the operation is retried whole; the
 * view's own timestamp goes last, so it never names a file not yet written). Without the
 * targets keys and without a dialect targets of the same version (a backend made before
 * this view), it writes nothing: the view appears at the next publication of targets.
 */
export async function publishImageDialect(dir: string, writer: FileWriter, roles: SignedRoles): Promise<void> {
  const folder = imageDialectDir(dir);
  const targetsFile = join(folder, `${roles.targets.signed.version}.targets.json`);
  let targetsBytes: Buffer;
  if (roles.targetsSigners) {
    targetsBytes = canonicalBytes(signDialect({ ...roles.targets.signed, _type: "Targets" }, roles.targetsSigners));
    await writer.write(targetsFile, targetsBytes);
  } else {
    const existing = await readFile(targetsFile).catch(() => null);
    if (!existing) return;
    targetsBytes = existing;
  }
  const snapshotBytes = canonicalBytes(
    signDialect({ ...roles.snapshot.signed, _type: "Snapshot", meta: { ...roles.snapshot.signed.meta, "targets.json": fileMeta(roles.targets.signed.version, targetsBytes) } }, roles.snapshotSigners),
  );
  await writer.write(join(folder, `${roles.snapshot.signed.version}.snapshot.json`), snapshotBytes);
  const timestampBytes = canonicalBytes(
    signDialect({ ...roles.timestamp.signed, _type: "Timestamp", meta: { "snapshot.json": fileMeta(roles.snapshot.signed.version, snapshotBytes) } }, roles.timestampSigners),
  );
  await writer.write(join(folder, "timestamp.json"), timestampBytes);
}
