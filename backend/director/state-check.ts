// Checks the Director's files against what the Director signed before they are served or
// built upon (README "Backend": state checks). The inventory database holds the exact bytes
// of every document the Director signed (per-vehicle targets, snapshot and timestamp, and
// each root version); a file on disk is intact when it is byte for byte the database row of
// the version it claims and that row's signature verifies. A file that differs is refused
// with its name, an alert row is written, and the file is rebuilt from the database when
// the row itself verifies. The backend marker is checked against the bytes `init` writes.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { countValidSignatures, type TufKey } from "../../model/keys.ts";
import { writeFileAtomicSync } from "../fs/atomic-write.ts";
import { readFileInside, UnsafeServedPath } from "../fs/read-inside.ts";
import type { Inventory, MetadataRow } from "../inventory/inventory.ts";
import { BACKEND_MARKER, markerBytes, markerState } from "../marker.ts";
import { loadDirectorKeys, ONLINE_ROLES, type DirectorKeyring } from "./director-keys.ts";
import { Refused } from "./errors.ts";
import { isoTime } from "../../model/iso-time.ts";

export const DIRECTOR_ROOT_DIR = "director/root";
export const DIRECTOR_VEHICLES_DIR = "director/vehicles";

/** Alert kind written for every file found to differ from what was signed. */
export const FILE_MISMATCH_ALERT = "director-file-mismatch";

/** A Director file that differs from what the Director signed (HTTP 503: retry once rebuilt). */
export class StateMismatch extends Refused {
  constructor(
    readonly file: string,
    /** True when the file was rewritten from what was signed (the next read finds it intact). */
    readonly rebuilt: boolean,
    detail: string,
  ) {
    super(503, "director-state-mismatch", detail);
  }
}

interface SignedDoc {
  signatures: { keyid: string; sig: string }[];
  signed: { _type?: unknown; version?: unknown; meta?: Record<string, { version?: unknown }>; keys?: Record<string, TufKey>; roles?: Record<string, { keyids: string[]; threshold: number }> };
}

function parse(bytes: string | Buffer): SignedDoc | null {
  try {
    const doc = JSON.parse(bytes.toString()) as SignedDoc;
    return typeof doc === "object" && doc !== null && Array.isArray(doc.signatures) && typeof doc.signed === "object" && doc.signed !== null ? doc : null;
  } catch {
    return null;
  }
}

/** Rows remembered as verified, at most (then forgotten and verified again): memory stays bounded with the fleet. */
const VERIFIED_ROWS_LIMIT = 1_000_000;

/** Stands for a symbolic link where a file should be: equal to no signed document, so it is replaced. */
const UNSAFE_FILE = Buffer.from("\0symbolic link\0");

export class DirectorStateCheck {
  /** Rows whose signature was verified once (rows never change once written). */
  private readonly verifiedRows = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly inventory: Inventory,
    private readonly keyring: DirectorKeyring,
    private readonly clock: () => Date,
    /** False when the database serves each vehicle's documents (PostgreSQL): no per-vehicle files to check. */
    private readonly vehicleFiles = true,
  ) {}

  // ---- roots and the marker

  /** Checks the marker and every root version; throws StateMismatch on the first that differs. */
  checkBackend(): void {
    this.adoptRoots();
    if (markerState(this.dir) === "changed") {
      this.mismatch("", BACKEND_MARKER, join(this.dir, BACKEND_MARKER), markerBytes(), "not the bytes uptane init writes", "the bytes uptane init writes");
    }
    const onDisk = this.rootVersionsOnDisk();
    for (const v of new Set([...onDisk, ...this.inventory.directorRootVersions()])) this.rootBytes(v);
  }

  /** Highest Director root version signed. */
  latestRootVersion(): number {
    return Math.max(0, ...this.inventory.directorRootVersions(), ...this.rootVersionsOnDisk());
  }

  /** Checked bytes of `N.root.json`, or null when neither the file nor a database row exists. */
  rootBytes(version: number): Buffer | null {
    this.adoptRoots();
    const rel = `${DIRECTOR_ROOT_DIR}/${version}.root.json`;
    const path = join(this.dir, rel);
    const row = this.inventory.directorRoot(version);
    if (!this.vehicleFiles) return this.rootRowBytes(version, row, rel, path);
    const file = this.readServed("", rel, path);
    if (row === undefined) {
      if (file === null) return null;
      this.mismatch("", rel, path, null, "the database holds no root of this version");
    }
    const rowIntact = this.rootRowVerifies(version, row);
    if (file !== null && file.equals(Buffer.from(row, "utf8")) && rowIntact) return file;
    // Committed by a rotation, written once every vehicle's metadata is (Director.publishPending).
    if (file === null && rowIntact && !this.inventory.directorRootPublished(version)) return null;
    if (file === null && !rowIntact) this.mismatch("", rel, path, null, "missing, and its database row does not verify");
    if (file === null) {
      this.mismatch("", rel, path, row, "missing");
    }
    return this.mismatch("", rel, path, rowIntact ? row : null, rowIntact ? "its bytes differ from the signed root in the database" : "its database row does not verify");
  }

  /**
   * Served from the database (PostgreSQL: processes on several folders serve the same
   * roots, a rotation by one at once by all): the row as signed, once it verifies. The
   * file is written from it where it is missing, for the tools that read the folder.
   */
  private rootRowBytes(version: number, row: string | undefined, rel: string, path: string): Buffer | null {
    if (row === undefined) return null;
    if (!this.rootRowVerifies(version, row)) this.mismatch("", rel, path, null, "its database row does not verify");
    if (!existsSync(path)) writeFileAtomicSync(path, row);
    return Buffer.from(row, "utf8");
  }

  /** A root row verifies: its version, and a threshold of its own root keys sign it. */
  private rootRowVerifies(version: number, json: string): boolean {
    const id = `root/${version}`;
    if (this.verifiedRows.has(id)) return true;
    const doc = parse(json);
    const s = doc?.signed;
    const role = s?.roles?.root;
    if (!doc || s!._type !== "root" || s!.version !== version || !s!.keys || !role || !Array.isArray(role.keyids)) return false;
    if (countValidSignatures(doc, s!.keys, role.keyids) < role.threshold || role.threshold < 1) return false;
    this.verifiedRows.add(id);
    return true;
  }

  /**
   * A backend made before the database kept roots: each root file that verifies by its own
   * keys and lists this Director's online keys becomes the database's record of it.
   */
  private adoptRoots(): void {
    if (this.inventory.directorRootVersions().length > 0) return;
    const online = new Set(ONLINE_ROLES.flatMap((r) => [...loadDirectorKeys(this.dir, r).keys()]));
    this.inventory.transaction(() => {
      for (const v of this.rootVersionsOnDisk()) {
        let json: string;
        try {
          json = readFileInside(this.dir, `${DIRECTOR_ROOT_DIR}/${v}.root.json`)?.toString("utf8") ?? "";
        } catch (e) {
          if (e instanceof UnsafeServedPath) continue;
          throw e;
        }
        const roles = parse(json)?.signed.roles ?? {};
        if (this.rootRowVerifies(v, json) && ONLINE_ROLES.every((r) => (roles[r]?.keyids ?? []).some((id) => online.has(id)))) this.inventory.insertDirectorRoot(v, json);
      }
    });
  }

  private rootVersionsOnDisk(): number[] {
    const folder = join(this.dir, DIRECTOR_ROOT_DIR);
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .map((n) => /^([1-9]\d{0,8})\.root\.json$/.exec(n)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  // ---- per-vehicle files

  /** Checks the vehicle's published timestamp and the snapshot and targets it names. */
  checkVehicle(vin: string): void {
    const ts = this.vehicleBytes(vin, "timestamp.json");
    if (!ts) return;
    const snapshotVersion = parse(ts)?.signed.meta?.["snapshot.json"]?.version;
    const snapshot = this.vehicleBytes(vin, `${snapshotVersion}.snapshot.json`);
    const targetsVersion = snapshot ? parse(snapshot)?.signed.meta?.["targets.json"]?.version : undefined;
    this.vehicleBytes(vin, `${targetsVersion}.targets.json`);
  }

  /** Checked bytes of a vehicle's `timestamp.json`, `N.snapshot.json` or `N.targets.json`, or null when none was published. */
  vehicleBytes(vin: string, name: string): Buffer | null {
    if (!this.vehicleFiles) return this.vehicleRowBytes(vin, name);
    const rel = `${DIRECTOR_VEHICLES_DIR}/${vin}/${name}`;
    const path = join(this.dir, rel);
    const file = this.readServed(vin, rel, path);
    const published = this.inventory.publishedTimestampVersion(vin);
    let role: MetadataRow["role"];
    let version: number;
    if (name === "timestamp.json") {
      if (published === 0) {
        if (file === null) return null;
        return this.mismatch(vin, rel, path, null, "no timestamp of this vehicle was published");
      }
      role = "timestamp";
      // A newer version than the one recorded as published is a publication in progress.
      const claimed = file ? parse(file)?.signed.version : undefined;
      version = typeof claimed === "number" && Number.isSafeInteger(claimed) && claimed >= published ? claimed : published;
    } else {
      const m = /^([1-9]\d{0,8})\.(snapshot|targets)\.json$/.exec(name);
      if (!m) return null;
      role = m[2] as "snapshot" | "targets";
      version = Number(m[1]);
    }
    let row = this.inventory.metadataVersion(vin, role, version);
    if (!row && role === "timestamp") row = this.inventory.metadataVersion(vin, role, (version = published));
    if (!row) {
      if (file === null) return null;
      return this.mismatch(vin, rel, path, null, "the database holds no such version");
    }
    const rowIntact = this.metadataRowVerifies(row);
    if (file !== null && rowIntact && file.equals(Buffer.from(row.json, "utf8"))) return file;
    const why = !rowIntact ? "its database row does not verify" : file === null ? "missing" : "its bytes differ from the signed document in the database";
    if (file === null && role !== "timestamp" && rowIntact && version > this.currentVersion(vin, role)) return null; // not written yet
    return this.mismatch(vin, rel, path, rowIntact ? row.json : null, why);
  }

  /**
   * Served from the database: the newest timestamp, or the snapshot or targets version
   * asked for, as signed. Every committed version is published (no files to wait for); a
   * row whose signature does not verify is refused and alerted, as a differing file is.
   */
  private vehicleRowBytes(vin: string, name: string): Buffer | null {
    let row: MetadataRow | undefined;
    if (name === "timestamp.json") row = this.inventory.latestMetadata(vin, "timestamp");
    else {
      const m = /^([1-9]\d{0,8})\.(snapshot|targets)\.json$/.exec(name);
      if (!m) return null;
      row = this.inventory.metadataVersion(vin, m[2] as "snapshot" | "targets", Number(m[1]));
    }
    if (!row) return null;
    if (!this.metadataRowVerifies(row)) this.mismatch(vin, `${DIRECTOR_VEHICLES_DIR}/${vin}/${name}`, "", null, "its database row does not verify");
    return Buffer.from(row.json, "utf8");
  }

  /** The version of `role` the published timestamp leads to (files above it may not be written yet). */
  private currentVersion(vin: string, role: "snapshot" | "targets" | "timestamp"): number {
    const ts = this.inventory.metadataVersion(vin, "timestamp", this.inventory.publishedTimestampVersion(vin));
    const snapshotVersion = ts ? Number(parse(ts.json)?.signed.meta?.["snapshot.json"]?.version ?? 0) : 0;
    if (role === "snapshot") return snapshotVersion;
    const s = this.inventory.metadataVersion(vin, "snapshot", snapshotVersion);
    return s ? Number(parse(s.json)?.signed.meta?.["targets.json"]?.version ?? 0) : 0;
  }

  /** A metadata row verifies: its type and version, and an online key some root listed for the role signs it. */
  private metadataRowVerifies(row: MetadataRow): boolean {
    const id = `${row.vin}/${row.role}/${row.version}`;
    if (this.verifiedRows.has(id)) return true;
    const doc = parse(row.json);
    if (!doc || doc.signed._type !== row.role || doc.signed.version !== row.version) return false;
    const signedByListed = (recheck: boolean) => {
      const keys = this.keyring.everListed(row.role, recheck);
      return countValidSignatures(doc, keys, Object.keys(keys)) >= 1;
    };
    // The keys known first (no query); the database's listing again only when they do not do.
    if (!signedByListed(false) && !signedByListed(true)) return false;
    if (this.verifiedRows.size >= VERIFIED_ROWS_LIMIT) this.verifiedRows.clear();
    this.verifiedRows.add(id);
    return true;
  }

  // ---- reading

  /**
   * The bytes of a served file, never through a symbolic link (README "Backend": state
   * checks): a link or a non-file is a mismatch, replaced from the database only when
   * its folder is sound (an atomic rename replaces the link itself, never its target).
   */
  private readServed(vin: string, rel: string, path: string): Buffer | null {
    try {
      return readFileInside(this.dir, rel);
    } catch (e) {
      if (!(e instanceof UnsafeServedPath)) throw e;
      if (e.replaceable) return UNSAFE_FILE;
      return this.mismatch(vin, rel, path, null, e.message.replace(`${rel} `, ""));
    }
  }

  // ---- refusal

  /** Records an alert, rebuilds the file from `expected` when given, and refuses. */
  private mismatch(vin: string, rel: string, path: string, expected: string | Buffer | null, why: string, source = "the inventory database"): never {
    if (expected !== null) writeFileAtomicSync(path, expected);
    const detail = `${rel} is not what the Director signed (${why}); ${expected !== null ? `rebuilt from ${source}` : "not rebuilt: nothing intact to rebuild it from"}`;
    this.inventory.insertAlert({ vin, serial: null, manifestId: null, kind: FILE_MISMATCH_ALERT, detail, now: isoTime(this.clock()) });
    throw new StateMismatch(rel, expected !== null, detail);
  }
}
