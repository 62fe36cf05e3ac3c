// What a Primary keeps between cycles, and how it lies in its Store. The verifier's
// trusted state and the Primary's own record go in one document written atomically, so a
// power cut between two steps never leaves them disagreeing; root files and held images
// are written before the record that refers to them.
import type { ImageFileInfo, InstallResult, UndeliveredImage } from "../../model/manifest-format.ts";
import type { RepoName } from "../../model/outcome.ts";
import type { RepositoryFiles, VerifiedTarget } from "../../model/verification.ts";
import { readJson, writeJson, type Store } from "./store.ts";
import { fullVerificationFiles, type MetadataBundle, type RepositoryBundle } from "../../model/metadata-bundle.ts";
import { sameImage } from "../../model/same-image.ts";

export interface RootVersions {
  /** The root provisioned at manufacture. */
  pinned: number;
  /** The newest root the verifier has accepted; rotations are fetched from the next one. */
  trusted: number;
}

export interface HeldMetadata {
  generation: number;
  /** The trusted root versions the held documents were verified under. */
  roots: Record<RepoName, number>;
  /** Delegated role names in the held Image metadata. */
  delegations: string[];
}

export interface PrimaryRecord {
  /** The Primary's own installed image (null: none yet). */
  installed: { image: ImageFileInfo | null; releaseCounter: number };
  lastInstall?: InstallResult;
  /** Attacks and aborted downloads not yet carried by a manifest the Director accepted. */
  unreported: string[];
  /** Images of a bundle withheld from an ECU, not yet carried by a manifest the Director accepted (absent in older states). */
  undelivered?: UndeliveredImage[];
  /** The nonce of the Primary's latest version report (5.4.2.1), kept so the next one differs. */
  nonce: string | null;
  /** Latest verified time, unix seconds (null before the first attestation). */
  time: number | null;
  roots: Record<RepoName, RootVersions>;
  /**
   * The verified metadata held for the Secondaries: a generation of store keys written
   * whole before this record points at it (null before the first verified cycle).
   */
  held: HeldMetadata | null;
  /**
   * The Director's targets for every ECU from the last full verification that reached
   * them. A cycle whose Director snapshot is unchanged stops before them (NoUpdate), and
   * the images still due (an aborted download, a Secondary that was off the bus) are taken
   * from here; each is still checked by the verifier's image check.
   */
  vehicleTargets: Array<{ ecuSerial: string; target: VerifiedTarget }>;
}

interface StoredState {
  record: PrimaryRecord;
  verifier: string; // base64 of the verifier's exported state ("" before its first export)
}

const STATE_KEY = "primary-state.json";
const ATTESTATION_KEY = "time-attestation.json";

export const rootKey = (repo: RepoName, version: number) => `${repo}.${version}.root.json`;
const heldKey = (generation: number, repo: RepoName, file: string) => `held.${generation}.${repo}.${file}`;
const roleKey = (generation: number, role: string) => `held.${generation}.image.role.${Buffer.from(role, "utf8").toString("hex")}.json`;
const HELD_FILES = ["timestamp", "snapshot", "targets"] as const;
const imageKey = (serial: string) => `held-image.${Buffer.from(serial, "utf8").toString("hex")}`;

export async function loadState(store: Store): Promise<{ record: PrimaryRecord; verifierState: Uint8Array | null } | null> {
  const stored = await readJson<StoredState>(store, STATE_KEY);
  if (!stored) return null;
  return { record: stored.record, verifierState: stored.verifier ? new Uint8Array(Buffer.from(stored.verifier, "base64")) : null };
}

export function saveState(store: Store, record: PrimaryRecord, verifierState: Uint8Array | null): Promise<void> {
  const stored: StoredState = { record, verifier: verifierState ? Buffer.from(verifierState).toString("base64") : "" };
  return writeJson(store, STATE_KEY, stored);
}

export async function readRoot(store: Store, repo: RepoName, version: number): Promise<Uint8Array> {
  const bytes = await store.read(rootKey(repo, version));
  if (!bytes) throw new Error(`store has no ${rootKey(repo, version)}`);
  return bytes;
}

/** The latest verified time attestation (sent on to the Secondaries, 5.4.2.5). */
export const readAttestation = (store: Store) => store.read(ATTESTATION_KEY);
export const writeAttestation = (store: Store, bytes: Uint8Array) => store.write(ATTESTATION_KEY, bytes);

/** Writes a verified cycle's metadata for the Secondaries (5.4.2.6) as a new generation. */
export async function writeHeldMetadata(store: Store, generation: number, roots: Record<RepoName, number>, director: RepositoryFiles, image: RepositoryFiles): Promise<HeldMetadata> {
  for (const [repo, files] of [["director", director], ["image", image]] as const) {
    for (const f of HELD_FILES) await store.write(heldKey(generation, repo, `${f}.json`), files[f]);
  }
  for (const [role, bytes] of image.delegations ?? []) await store.write(roleKey(generation, role), bytes);
  return { generation, roots: { ...roots }, delegations: [...(image.delegations?.keys() ?? [])] };
}

export async function dropHeldMetadata(store: Store, held: HeldMetadata): Promise<void> {
  for (const repo of ["director", "image"] as const) for (const f of HELD_FILES) await store.remove(heldKey(held.generation, repo, `${f}.json`));
  for (const role of held.delegations) await store.remove(roleKey(held.generation, role));
}

export async function heldBundle(store: Store, record: PrimaryRecord): Promise<MetadataBundle | null> {
  const held = record.held;
  if (!held) return null;
  const repo = async (name: RepoName): Promise<RepositoryBundle | null> => {
    const roots: Uint8Array[] = [];
    for (let v = record.roots[name].pinned; v <= record.roots[name].trusted; v++) {
      const bytes = await store.read(rootKey(name, v));
      if (!bytes) break; // a chain is only useful without gaps
      roots.push(bytes);
    }
    const [timestamp, snapshot, targets] = await Promise.all(HELD_FILES.map((f) => store.read(heldKey(held.generation, name, `${f}.json`))));
    if (!timestamp || !snapshot || !targets) return null;
    if (name === "director") return { roots, timestamp, snapshot, targets };
    const delegations = new Map<string, Uint8Array>();
    for (const role of held.delegations) {
      const bytes = await store.read(roleKey(held.generation, role));
      if (bytes) delegations.set(role, bytes);
    }
    return { roots, timestamp, snapshot, targets, delegations };
  };
  const director = await repo("director");
  const image = await repo("image");
  return director && image ? { director, image } : null;
}

/**
 * The held documents as the verifier read them, with the root rotations from the pinned
 * root to the one they were verified under (for verifying them again from scratch).
 */
export async function heldFiles(store: Store, record: PrimaryRecord): Promise<{ director: RepositoryFiles; image: RepositoryFiles } | null> {
  const bundle = await heldBundle(store, record);
  const held = record.held;
  if (!bundle || !held) return null;
  const files = (name: RepoName, b: RepositoryBundle): RepositoryFiles | null => {
    const count = held.roots[name] - record.roots[name].pinned;
    if (b.roots.length < count + 1) return null;
    return fullVerificationFiles(b, (roots) => roots.slice(1, count + 1));
  };
  const director = files("director", bundle.director);
  const image = files("image", bundle.image!);
  return director && image ? { director, image } : null;
}

/** An image the Primary downloaded and checked for an ECU, held until that ECU has it. */
export async function holdImage(store: Store, serial: string, target: VerifiedTarget, bytes: Uint8Array): Promise<void> {
  await store.write(`${imageKey(serial)}.bin`, bytes);
  await writeJson(store, `${imageKey(serial)}.target.json`, target);
}

export async function heldImage(store: Store, serial: string, target: VerifiedTarget): Promise<Uint8Array | null> {
  const held = await readJson<VerifiedTarget>(store, `${imageKey(serial)}.target.json`).catch(() => null);
  if (!held || held.name !== target.name || !sameImage(held, target)) return null;
  return store.read(`${imageKey(serial)}.bin`);
}

export async function dropImage(store: Store, serial: string): Promise<void> {
  await store.remove(`${imageKey(serial)}.target.json`);
  await store.remove(`${imageKey(serial)}.bin`);
}
