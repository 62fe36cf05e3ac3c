// Atomic publishing of a new Image repository state. Order of writes:
//   1. image files (content-addressed, new names)
//   2. delegated roles N.ROLE.json (new versions, not yet referenced)
//   3. N.targets.json (new version, not yet referenced)
//   4. N.snapshot.json (new version, not yet referenced)
//   5. timestamp.json (the pointer clients start from)
//   6. N.root.json when the root changes (clients probe for it)
// with, between 4 and 5, the OTA Connect dialect's view of the same roles (aktualizr/image-view.ts).
// Every file goes through the FileWriter (temp + fsync + rename). A failure before step 5
// leaves only unreferenced files behind; the previous state stays what clients see. During a
// key rotation each role is signed by its keys under both the old and the new root, so the
// state between steps 5 and 6 verifies under either root.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import type { SigningKey } from "../../model/keys.ts";
import type { FileWriter } from "../fs/atomic-write.ts";
import { signMetadata } from "../../model/keys.ts";
import { signersFor } from "./keystore.ts";
import { repositoryDir, targetFilePath, versionedFile } from "./layout.ts";
import {
  expiryAfterDays,
  metadataBytes,
  SPEC_VERSION,
  type ExpiryPolicy,
  type RootSigned,
  type Signed,
  type SnapshotSigned,
  type TargetsSigned,
  type TimestampSigned,
  type TopRole,
} from "./metadata.ts";
import type { PublishedState } from "./published.ts";
import { publishImageDialect } from "../aktualizr/image-view.ts";

export interface ImageBytes {
  name: string;
  /** The image itself, or a file holding it (copied, never read into memory). */
  bytes: Uint8Array | { file: string };
  hashes: Record<string, string>;
  /** Told the bytes read so far while the stored copy of a file is checked. */
  onCheckProgress?: (done: number) => void;
}

/** Length and SHA-256/SHA-512 of a file, streamed; `onBytes` is told the bytes read so far. */
export async function hashFile(path: string, onBytes?: (done: number) => void): Promise<{ length: number; hashes: { sha256: string; sha512: string } }> {
  const sha256 = createHash("sha256");
  const sha512 = createHash("sha512");
  let length = 0;
  for await (const chunk of createReadStream(path)) {
    sha256.update(chunk as Buffer);
    sha512.update(chunk as Buffer);
    length += (chunk as Buffer).length;
    onBytes?.(length);
  }
  return { length, hashes: { sha256: sha256.digest("hex"), sha512: sha512.digest("hex") } };
}

export interface PublishChange {
  /** New top-level targets content (version, expiry and signatures are set here). */
  targets?: Omit<TargetsSigned, "version" | "expires" | "_type" | "spec_version">;
  /** Delegated roles already signed by their owners, by name. */
  delegated?: Map<string, Signed<TargetsSigned>>;
  images?: ImageBytes[];
  /** A new root (rotation or re-signing); version must be the current one plus 1. */
  root?: RootSigned;
  /** Roles whose snapshot entries go (removed suppliers' roles, once the Snapshot rule allows: removed-roles.ts). */
  dropMeta?: string[];
}

export interface PublishContext {
  dir: string;
  writer: FileWriter;
  now: Date;
  expiry: ExpiryPolicy;
}

export function hashesOf(bytes: Uint8Array): { sha256: string; sha512: string } {
  return {
    sha256: createHash("sha256").update(bytes).digest("hex"),
    sha512: createHash("sha512").update(bytes).digest("hex"),
  };
}

/** Keys of `role` under the current root and, during a rotation, the new one. */
async function roleSigners(dir: string, role: TopRole, current: RootSigned, next: RootSigned | undefined): Promise<SigningKey[]> {
  const signers = await signersFor(dir, role, current.roles[role]);
  if (next) {
    for (const key of await signersFor(dir, role, next.roles[role])) if (!signers.some((k) => k.keyid === key.keyid)) signers.push(key);
  }
  return signers;
}

/** Publishes `change` on top of `state`; returns the new published state. */
export async function publish(state: PublishedState, change: PublishChange, ctx: PublishContext): Promise<PublishedState> {
  const { dir, writer, now, expiry } = ctx;
  const repo = repositoryDir(dir);
  const currentRoot = state.root.signed;
  const nextRoot = change.root;
  if (nextRoot && nextRoot.version !== currentRoot.version + 1) throw new Error(`new root must be version ${currentRoot.version + 1}`);

  // Sign everything before the first write, so a missing key changes nothing on disk.
  let targets = state.targets;
  let targetsSigners: SigningKey[] | null = null;
  if (change.targets) {
    const signed: TargetsSigned = {
      _type: "targets",
      spec_version: SPEC_VERSION,
      version: state.targets.signed.version + 1,
      expires: expiryAfterDays(now, expiry.targets),
      targets: change.targets.targets,
      ...(change.targets.delegations ? { delegations: change.targets.delegations } : {}),
    };
    targetsSigners = await roleSigners(dir, "targets", currentRoot, nextRoot);
    targets = signMetadata(signed, targetsSigners);
  } else if (nextRoot) {
    // Re-sign the same content so it verifies under the new targets keys too.
    const signed = { ...state.targets.signed, version: state.targets.signed.version + 1, expires: expiryAfterDays(now, expiry.targets) };
    targetsSigners = await roleSigners(dir, "targets", currentRoot, nextRoot);
    targets = signMetadata(signed, targetsSigners);
  }
  const delegated = new Map(state.delegated);
  for (const [name, doc] of change.delegated ?? []) delegated.set(name, doc);

  const meta: SnapshotSigned["meta"] = { ...state.snapshot.signed.meta };
  meta["targets.json"] = { version: targets.signed.version };
  for (const [name, doc] of change.delegated ?? []) meta[`${name}.json`] = { version: doc.signed.version };
  for (const name of change.dropMeta ?? []) if (!delegated.has(name)) delete meta[`${name}.json`];
  const snapshotSigners = await roleSigners(dir, "snapshot", currentRoot, nextRoot);
  const snapshot = signMetadata<SnapshotSigned>(
    { _type: "snapshot", spec_version: SPEC_VERSION, version: state.snapshot.signed.version + 1, expires: expiryAfterDays(now, expiry.snapshot), meta },
    snapshotSigners,
  );
  const snapshotBytes = metadataBytes(snapshot);
  const timestampSigners = await roleSigners(dir, "timestamp", currentRoot, nextRoot);
  const timestamp = signMetadata<TimestampSigned>(
    {
      _type: "timestamp",
      spec_version: SPEC_VERSION,
      version: state.timestamp.signed.version + 1,
      expires: expiryAfterDays(now, expiry.timestamp),
      meta: {
        "snapshot.json": { version: snapshot.signed.version, length: snapshotBytes.length, hashes: { sha256: createHash("sha256").update(snapshotBytes).digest("hex") } },
      },
    },
    timestampSigners,
  );
  let root = state.root;
  if (nextRoot) {
    // 5.3.4 / TUF 5.3.5: the new root must carry a threshold of the old root keys and of its own.
    root = signMetadata(nextRoot, await roleSigners(dir, "root", currentRoot, nextRoot));
  }

  // 1. images: stored once, under the first hash's name; the other hash names are hard links to it
  for (const image of change.images ?? []) {
    let first: string | null = null;
    for (const hash of Object.values(image.hashes)) {
      const path = targetFilePath(dir, image.name, hash);
      if (first !== null && writer.link) {
        await writer.link(first, path);
        continue;
      }
      if (image.bytes instanceof Uint8Array) {
        await writer.write(path, image.bytes);
      } else {
        await writer.copy(image.bytes.file, path);
        // The copy must be what was hashed and is about to be signed (the source may have changed).
        const copied = await hashFile(path, image.onCheckProgress);
        for (const [alg, want] of Object.entries(image.hashes)) {
          if (copied.hashes[alg as "sha256" | "sha512"] !== want) throw new Error(`${image.bytes.file} changed while it was being added; nothing was published`);
        }
      }
      first = path;
    }
  }
  // 2. delegated roles
  for (const [name, doc] of change.delegated ?? []) await writer.write(join(repo, versionedFile(doc.signed.version, name)), metadataBytes(doc));
  // 3. top-level targets
  if (targets !== state.targets) await writer.write(join(repo, versionedFile(targets.signed.version, "targets")), metadataBytes(targets));
  // 4. snapshot
  await writer.write(join(repo, versionedFile(snapshot.signed.version, "snapshot")), snapshotBytes);
  // 4b. the same roles in aktualizr's dialect (README "Serving aktualizr")
  await publishImageDialect(dir, writer, { targets, targetsSigners, snapshot, snapshotSigners, timestamp, timestampSigners });
  // 5. timestamp: from here on clients see the new state
  await writer.write(join(repo, "timestamp.json"), metadataBytes(timestamp));
  // 6. root
  if (root !== state.root) await writer.write(join(repo, versionedFile(root.signed.version, "root")), metadataBytes(root));

  return { root, timestamp, snapshot, targets, delegated };
}

/** A fresh repository's first root. */
export function initialRoot(keys: Record<TopRole, SigningKey[]>, thresholds: Record<TopRole, number>, now: Date, expiry: ExpiryPolicy): RootSigned {
  const root: RootSigned = {
    _type: "root",
    spec_version: SPEC_VERSION,
    version: 1,
    expires: expiryAfterDays(now, expiry.root),
    consistent_snapshot: true,
    keys: {},
    roles: {} as RootSigned["roles"],
  };
  for (const role of Object.keys(keys) as TopRole[]) {
    for (const k of keys[role]) root.keys[k.keyid] = k.publicKey;
    root.roles[role] = { keyids: keys[role].map((k) => k.keyid), threshold: thresholds[role] };
  }
  return root;
}
