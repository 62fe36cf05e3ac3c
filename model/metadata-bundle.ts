// The metadata a Primary passes on to one Secondary for an update cycle (Uptane 5.4.2.6),
// as it crosses the link (in process, or in the UDS container of host/ecu/secondary-protocol.ts).
import type { RepositoryFiles } from "./verification.ts";

/**
 * One repository's metadata. `roots` holds every root the Primary has from the pinned one
 * on; the Secondary applies those newer than its own. A partial verifier needs only the
 * Director's `roots` and `targets`, so the other files are optional on the link: a full
 * verifier refuses a bundle without them.
 */
export interface RepositoryBundle {
  roots: Uint8Array[];
  timestamp?: Uint8Array;
  snapshot?: Uint8Array;
  targets: Uint8Array;
  /** Delegated targets roles by name (Image repository only). */
  delegations?: Map<string, Uint8Array>;
  /**
   * Director only, a PURE-2 offline update (README "Offline updates"): `targets` is then the
   * Offline-update Targets file named `targetsFile`, and `snapshot` here the Offline-update
   * Snapshot; the Image repository's bundle has no timestamp.
   */
  offline?: { snapshot: Uint8Array; targetsFile: string };
}

/** Metadata for one update cycle: the Director's always; the Image repository's for full verifiers. */
export interface MetadataBundle {
  director: RepositoryBundle;
  image?: RepositoryBundle;
}

/**
 * What a full verifier reads from one repository's bundle, with the given root rotations;
 * null when the bundle lacks its timestamp or snapshot.
 */
export function fullVerificationFiles(b: RepositoryBundle | undefined, rootRotations: (roots: Uint8Array[]) => Uint8Array[]): RepositoryFiles | null {
  if (!b || !b.timestamp || !b.snapshot) return null;
  return { rootRotations: rootRotations(b.roots), timestamp: b.timestamp, snapshot: b.snapshot, targets: b.targets, ...(b.delegations ? { delegations: b.delegations } : {}) };
}
