// Per-vehicle Director metadata: signs new versions into the inventory database (inside
// the caller's transaction), then publishes them as files. The database is the source
// of truth; files follow it. Order on disk: N.targets.json, N.snapshot.json, then
// timestamp.json (the one file that is replaced), each written atomically, so a client
// that reads timestamp.json always finds the snapshot and targets it names. A crash
// between commit and files leaves the previous complete set served; `publishPending`
// (run when the Director opens) finishes the job.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson } from "../../model/canonical-json.ts";
import type { Inventory, MetadataRow } from "../inventory/inventory.ts";
import { writeFileAtomicSync, removeStaleTempFiles } from "../fs/atomic-write.ts";
import type { DirectorOnlineKeys, OnlineRole } from "./director-keys.ts";
import type { SigningKey } from "../../model/keys.ts";
import { isoTime } from "../../model/iso-time.ts";
import { EXPIRY, buildSnapshot, buildTargets, buildTimestamp, type DirectorTargetEntry, type SignedDocument } from "./metadata.ts";

/** Test hooks that simulate a crash at a given point of a publication. */
export interface PublishFaults {
  /** Inside the transaction, after the new versions are inserted, before commit. */
  beforeCommit?: () => void;
  /** After `N.targets.json` is on disk, before the snapshot. */
  afterTargetsFile?: () => void;
  /** After `N.snapshot.json` is on disk, before `timestamp.json`. */
  afterSnapshotFile?: () => void;
}

/**
 * A key rotation's demands on a vehicle's next versions: the roles to re-sign whatever
 * their age, and the rotated role's old key, which signs them too so they verify under
 * the old root as well as the new one until the new root is published.
 */
export interface Resign {
  roles: ReadonlySet<"targets" | "snapshot" | "timestamp">;
  alsoSignedBy?: { role: OnlineRole; key: SigningKey };
}

export class VehicleMetadataPublisher {
  constructor(
    private readonly inventory: Inventory,
    /** The online keys of the newest root (read inside the caller's transaction). */
    private readonly keys: () => DirectorOnlineKeys,
    /** Where the files go; null when the database serves the documents (PostgreSQL: several processes, no files). */
    private readonly vehiclesDir: string | null,
    private readonly faults: PublishFaults = {},
  ) {}

  vehicleDir(vin: string): string {
    if (this.vehiclesDir === null) throw new Error("the Director serves vehicles' metadata from the database: no per-vehicle folder");
    return join(this.vehiclesDir, vin);
  }

  /**
   * True when `stage(vin, null, now)` would sign something: a role missing or past half its
   * life. Read without the write lock, so a fetch of a fresh timestamp takes no lock.
   */
  isStale(vin: string, now: Date): boolean {
    const expiries = this.inventory.latestExpiries(vin);
    return (["targets", "snapshot", "timestamp"] as const).some((role) => expiries[role] === undefined || staleExpiry(expiries[role], EXPIRY[role], now));
  }

  /** Vehicles with a role past half its life (or within a second of it): the candidates for `stage(vin, null, now)`. */
  staleVins(now: Date): string[] {
    const threshold = (role: keyof typeof EXPIRY) => isoTime(new Date(now.getTime() + (EXPIRY[role] * 1000) / 2 + 1000));
    return this.inventory.vinsWithMetadataExpiringBefore({ targets: threshold("targets"), snapshot: threshold("snapshot"), timestamp: threshold("timestamp") });
  }

  /**
   * Signs what changed, in the caller's transaction: new targets when `entries` differ
   * from the current ones (or are stale), then snapshot and timestamp as needed.
   * Versions only move forward. Returns true when anything new was signed.
   */
  stage(vin: string, entries: DirectorTargetEntry[] | null, now: Date, resign?: Resign): boolean {
    const keys = this.keys();
    const signers = (role: "targets" | "snapshot" | "timestamp") => (resign?.alsoSignedBy?.role === role ? [keys[role], resign.alsoSignedBy.key] : keys[role]);
    const forced = (role: "targets" | "snapshot" | "timestamp") => resign?.roles.has(role) ?? false;
    const { targets: t, snapshot: s, timestamp: ts } = this.inventory.latestChain(vin);
    const current = t ? targetEntriesOf(t) : [];
    const wanted = entries ?? current;

    let targets = t ? docOf(t) : null;
    const targetsChanged = !t || !sameEntries(current, wanted) || stale(t, EXPIRY.targets, now) || forced("targets");
    if (targetsChanged) {
      targets = buildTargets(vin, wanted, (t?.version ?? 0) + 1, now, signers("targets"));
      this.insert(vin, "targets", targets);
    }
    let snapshot = s ? docOf(s) : null;
    const snapshotChanged = targetsChanged || !s || stale(s, EXPIRY.snapshot, now) || forced("snapshot");
    if (snapshotChanged) {
      snapshot = buildSnapshot(targets!, (s?.version ?? 0) + 1, now, signers("snapshot"));
      this.insert(vin, "snapshot", snapshot);
    }
    const timestampChanged = snapshotChanged || !ts || stale(ts, EXPIRY.timestamp, now) || forced("timestamp");
    if (timestampChanged) this.insert(vin, "timestamp", buildTimestamp(snapshot!, (ts?.version ?? 0) + 1, now, signers("timestamp")));
    if (timestampChanged) this.faults.beforeCommit?.();
    return timestampChanged;
  }

  /** After commit: writes the newest signed versions of `vin` to disk (idempotent). */
  writeFiles(vin: string): void {
    if (this.vehiclesDir === null) return;
    const t = this.inventory.latestMetadata(vin, "targets");
    const s = this.inventory.latestMetadata(vin, "snapshot");
    const ts = this.inventory.latestMetadata(vin, "timestamp");
    if (!t || !s || !ts) return;
    if (this.inventory.publishedTimestampVersion(vin) >= ts.version) return;
    const dir = this.vehicleDir(vin);
    mkdirSync(dir, { recursive: true });
    // Versioned files never change once written, and the atomic write means one that
    // exists is complete.
    const targetsFile = join(dir, `${t.version}.targets.json`);
    if (!existsSync(targetsFile)) writeFileAtomicSync(targetsFile, t.json);
    this.faults.afterTargetsFile?.();
    const snapshotFile = join(dir, `${s.version}.snapshot.json`);
    if (!existsSync(snapshotFile)) writeFileAtomicSync(snapshotFile, s.json);
    this.faults.afterSnapshotFile?.();
    writeFileAtomicSync(join(dir, "timestamp.json"), ts.json);
    this.inventory.setPublishedTimestampVersion(vin, ts.version);
  }

  /** Finishes publications a crash or a failed write left (database ahead of files); one vehicle's failure does not stop the others. */
  publishPending(): { published: string[]; failed: string[] } {
    const published: string[] = [];
    const failed: string[] = [];
    if (this.vehiclesDir === null) return { published, failed };
    for (const vin of this.inventory.vinsWithUnpublishedMetadata()) {
      try {
        const dir = this.vehicleDir(vin);
        if (existsSync(dir)) removeStaleTempFiles(dir);
        this.writeFiles(vin);
        published.push(vin);
      } catch (e) {
        failed.push(`${vin}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    return { published, failed };
  }

  /** The served bytes of a vehicle's file, or null (`name` already validated by the router). */
  readFile(vin: string, name: string): Buffer | null {
    const path = join(this.vehicleDir(vin), name);
    try {
      return readFileSync(path);
    } catch {
      return null;
    }
  }

  private insert(vin: string, role: MetadataRow["role"], doc: SignedDocument): void {
    this.inventory.insertMetadata({ vin, role, version: doc.version, expires: doc.expires, json: doc.bytes });
  }
}

function docOf(row: MetadataRow): SignedDocument {
  return { version: row.version, expires: row.expires, bytes: row.json };
}

/** Re-sign when less than half the lifetime is left. */
function stale(row: MetadataRow, lifetimeSeconds: number, now: Date): boolean {
  return staleExpiry(row.expires, lifetimeSeconds, now);
}

function staleExpiry(expires: string, lifetimeSeconds: number, now: Date): boolean {
  return Date.parse(expires) - now.getTime() < (lifetimeSeconds * 1000) / 2;
}

export function targetEntriesOf(row: MetadataRow): DirectorTargetEntry[] {
  const targets = (JSON.parse(row.json) as { signed: { targets: Record<string, Omit<DirectorTargetEntry, "name">> } }).signed.targets;
  return Object.entries(targets).map(([name, t]) => ({ name, ...t }));
}

function sameEntries(a: DirectorTargetEntry[], b: DirectorTargetEntry[]): boolean {
  const key = (list: DirectorTargetEntry[]) => canonicalJson([...list].sort((x, y) => (x.name < y.name ? -1 : 1)).map((e) => [e.name, e.length, e.hashes, e.custom]));
  return key(a) === key(b);
}
