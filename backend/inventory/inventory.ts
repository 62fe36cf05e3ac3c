// The inventory database (SQLite through better-sqlite3): vehicles, their ECUs and keys,
// manifests received, assignments, install results, alerts, and the Director's signed
// metadata. Every method is one query; callers group writes with `transaction` so a
// crash leaves either all or none of them.
import { chmodSync, closeSync, openSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import type Database from "better-sqlite3";
import { MIGRATIONS } from "./migrations.ts";

export const INVENTORY_FILE = "inventory.sqlite";

export interface EcuRow {
  serial: string;
  vin: string;
  hardware_id: string;
  public_key: string;
  keyid: string;
  is_primary: number;
  installed_filename: string | null;
  installed_length: number | null;
  installed_hashes: string | null;
  installed_release_counter: number;
  last_report_time: string | null;
  /** aktualizr ECUs: the last accepted report counter (null: none yet). */
  report_counter: number | null;
}

/** The client a vehicle runs: our Primary (Uptane 2.1) or aktualizr (README "Serving aktualizr"). */
export type ClientProfile = "uptane" | "aktualizr";

export type TelemetryKind = "system_info" | "network" | "config" | "installed" | "events";

export interface AssignmentRow {
  id: number;
  vin: string;
  ecu_serial: string;
  target_name: string;
  length: number;
  hashes: string;
  custom: string;
  release_counter: number;
  campaign_id: number | null;
  status: "queued" | "published" | "installed" | "failed" | "superseded";
  bundle: number | null;
  created_at: string;
}

export interface MetadataRow {
  vin: string;
  role: "targets" | "snapshot" | "timestamp";
  version: number;
  expires: string;
  json: string;
}

export interface AlertRow {
  id: number;
  vin: string;
  ecu_serial: string | null;
  manifest_id: number | null;
  kind: string;
  detail: string;
  created_at: string;
}

export interface SupplierAccountRow {
  name: string;
  /** JSON array of role names. */
  roles: string;
  password_hash: string;
  created_at: string;
  disabled_at: string | null;
}

export interface SubmissionRow {
  id: number;
  account: string;
  sha256: string;
  bytes: number;
  /** JSON [{name, version, targets}]. */
  roles: string;
  status: "pending" | "approved" | "rejected" | "refused";
  reason: string | null;
  received_at: string;
  decided_at: string | null;
  snapshot_version: number | null;
}

/** The install hint when better-sqlite3 is missing (it is an optional peer dependency: the vehicle side never needs it). */
export const SQLITE_MISSING = "the backend's inventory database needs better-sqlite3, which is not installed: npm install better-sqlite3";

/** better-sqlite3, loaded when a backend first needs it: nothing else in the package does. */
function sqlite(): typeof Database {
  try {
    return createRequire(import.meta.url)("better-sqlite3") as typeof Database;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") throw new Error(SQLITE_MISSING);
    throw err;
  }
}

/** Throws SQLITE_MISSING when better-sqlite3 is not installed. */
export function checkSqliteInstalled(): void {
  sqlite();
}

/**
 * The database holds every vehicle's keys and reports: readable by its owner only. It is
 * created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the database
 * file's mode), and an existing one readable by others is narrowed to 0600.
 */
function createPrivately(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
}

export class Inventory {
  /** @internal the connection (tests reach into it) */
  readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  /** Opens (creating if needed) the database at `path` and applies missing migrations. */
  static open(path: string): Inventory {
    const Sqlite = sqlite();
    createPrivately(path);
    const db = new Sqlite(path);
    db.pragma("journal_mode = WAL"); // readers never block the writer (CLI next to `serve`)
    db.pragma("synchronous = FULL"); // a committed transaction survives a power cut
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    const inventory = new Inventory(db);
    inventory.migrate();
    return inventory;
  }

  get schemaVersion(): number {
    return this.db.pragma("user_version", { simple: true }) as number;
  }

  private migrate(): void {
    const current = this.schemaVersion;
    if (current > MIGRATIONS.length) {
      throw new Error(`inventory schema version ${current} is newer than this program knows (${MIGRATIONS.length})`);
    }
    this.transaction(() => {
      for (let v = current; v < MIGRATIONS.length; v++) {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      }
    });
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, prepared once per SQL text. */
  private q(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  close(): void {
    this.db.close();
  }

  // ---- vehicles and ECUs

  vehicleExists(vin: string): boolean {
    return this.q("SELECT 1 FROM vehicles WHERE vin = ?").get(vin) !== undefined;
  }

  listVins(): string[] {
    return (this.q("SELECT vin FROM vehicles ORDER BY vin").all() as { vin: string }[]).map((r) => r.vin);
  }

  insertVehicle(vin: string, now: string, profile: ClientProfile = "uptane"): void {
    this.q("INSERT INTO vehicles (vin, created_at, client_profile) VALUES (?, ?, ?)").run(vin, now, profile);
  }

  /** The vehicle's client profile, or undefined when no such vehicle is registered. */
  clientProfile(vin: string): ClientProfile | undefined {
    return (this.q("SELECT client_profile AS p FROM vehicles WHERE vin = ?").get(vin) as { p: ClientProfile } | undefined)?.p;
  }

  setReportCounter(serial: string, counter: number): void {
    this.q("UPDATE ecus SET report_counter = ? WHERE serial = ?").run(counter, serial);
  }

  /** Keeps the latest telemetry document of one kind for a vehicle (replacing the previous one). */
  putTelemetry(vin: string, kind: TelemetryKind, now: string, body: string): void {
    this.q("INSERT INTO vehicle_telemetry (vin, kind, received_at, body) VALUES (?, ?, ?, ?) ON CONFLICT (vin, kind) DO UPDATE SET received_at = excluded.received_at, body = excluded.body").run(vin, kind, now, body);
  }

  telemetryOf(vin: string): Array<{ kind: TelemetryKind; received_at: string; body: string }> {
    return this.q("SELECT kind, received_at, body FROM vehicle_telemetry WHERE vin = ? ORDER BY kind").all(vin) as Array<{ kind: TelemetryKind; received_at: string; body: string }>;
  }

  insertEcu(e: { serial: string; vin: string; hardwareId: string; publicKey: string; keyid: string; primary: boolean }): void {
    this.q("INSERT INTO ecus (serial, vin, hardware_id, public_key, keyid, is_primary) VALUES (?, ?, ?, ?, ?, ?)")
      .run(e.serial, e.vin, e.hardwareId, e.publicKey, e.keyid, e.primary ? 1 : 0);
  }

  ecu(serial: string): EcuRow | undefined {
    return this.q("SELECT * FROM ecus WHERE serial = ?").get(serial) as EcuRow | undefined;
  }

  ecusOf(vin: string): EcuRow[] {
    return this.q("SELECT * FROM ecus WHERE vin = ? ORDER BY serial").all(vin) as EcuRow[];
  }

  ecusWithHardware(hardwareId: string, vins?: string[]): EcuRow[] {
    const all = this.q("SELECT * FROM ecus WHERE hardware_id = ? ORDER BY vin, serial").all(hardwareId) as EcuRow[];
    if (!vins) return all;
    const wanted = new Set(vins);
    return all.filter((e) => wanted.has(e.vin));
  }

  recordInstalled(serial: string, r: { filename: string | null; length: number | null; hashes: string | null; releaseCounter: number; reportTime: string }): void {
    this.q(
        "UPDATE ecus SET installed_filename = ?, installed_length = ?, installed_hashes = ?, installed_release_counter = ?, last_report_time = ? WHERE serial = ?",
      )
      .run(r.filename, r.length, r.hashes, r.releaseCounter, r.reportTime, serial);
  }

  // ---- vehicles' TLS client certificates

  insertVehicleCertificate(c: { serial: string; vin: string; issuedAt: string; notAfter: string }): void {
    this.q("INSERT INTO vehicle_certificates (serial, vin, issued_at, not_after) VALUES (?, ?, ?, ?)").run(c.serial, c.vin, c.issuedAt, c.notAfter);
  }

  vehicleCertificate(serial: string): { vin: string; revoked_at: string | null } | undefined {
    return this.q("SELECT vin, revoked_at FROM vehicle_certificates WHERE serial = ?").get(serial) as { vin: string; revoked_at: string | null } | undefined;
  }

  /** Revokes every certificate of `vin` not revoked yet; returns how many. */
  revokeVehicleCertificates(vin: string, now: string): number {
    return this.q("UPDATE vehicle_certificates SET revoked_at = ? WHERE vin = ? AND revoked_at IS NULL").run(now, vin).changes;
  }

  // ---- supplier portal: accounts and submissions

  insertSupplierAccount(a: { name: string; roles: string[]; passwordHash: string; now: string }): void {
    this.q("INSERT INTO supplier_accounts (name, roles, password_hash, created_at) VALUES (?, ?, ?, ?)").run(a.name, JSON.stringify(a.roles), a.passwordHash, a.now);
  }

  supplierAccount(name: string): SupplierAccountRow | undefined {
    return this.q("SELECT * FROM supplier_accounts WHERE name = ?").get(name) as SupplierAccountRow | undefined;
  }

  /** Disables an enabled account; false when there is none (or it is disabled already). */
  disableSupplierAccount(name: string, now: string): boolean {
    return this.q("UPDATE supplier_accounts SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL").run(now, name).changes === 1;
  }

  supplierAccounts(): SupplierAccountRow[] {
    return this.q("SELECT * FROM supplier_accounts ORDER BY name").all() as SupplierAccountRow[];
  }

  insertSubmission(s: { account: string; sha256: string; bytes: number; roles: string; now: string }): number {
    return Number(
      this.q("INSERT INTO supplier_submissions (account, sha256, bytes, roles, status, received_at) VALUES (?, ?, ?, ?, 'pending', ?)")
        .run(s.account, s.sha256, s.bytes, s.roles, s.now).lastInsertRowid,
    );
  }

  submission(id: number): SubmissionRow | undefined {
    return this.q("SELECT * FROM supplier_submissions WHERE id = ?").get(id) as SubmissionRow | undefined;
  }

  /** Submissions, newest first: one account's, or everyone's; optionally of one status. */
  submissions(filter: { account?: string; status?: SubmissionRow["status"]; limit?: number } = {}): SubmissionRow[] {
    return this.q(
      "SELECT * FROM supplier_submissions WHERE (@account IS NULL OR account = @account) AND (@status IS NULL OR status = @status) ORDER BY id DESC LIMIT @limit",
    ).all({ account: filter.account ?? null, status: filter.status ?? null, limit: filter.limit ?? -1 }) as SubmissionRow[];
  }

  /** Decides a pending submission; false when it is not pending (any more). */
  decideSubmission(id: number, d: { status: Exclude<SubmissionRow["status"], "pending">; reason: string | null; now: string; snapshotVersion?: number }): boolean {
    return this.q("UPDATE supplier_submissions SET status = ?, reason = ?, decided_at = ?, snapshot_version = ? WHERE id = ? AND status = 'pending'")
      .run(d.status, d.reason, d.now, d.snapshotVersion ?? null, id).changes === 1;
  }

  // ---- manifests and reports

  insertManifest(vin: string, primarySerial: string, now: string, body: string): number {
    return Number(this.q("INSERT INTO manifests (vin, primary_serial, received_at, body) VALUES (?, ?, ?, ?)").run(vin, primarySerial, now, body).lastInsertRowid);
  }

  nonceSeen(serial: string, nonce: string): boolean {
    return this.q("SELECT 1 FROM ecu_reports WHERE ecu_serial = ? AND nonce = ?").get(serial, nonce) !== undefined;
  }

  insertReport(r: { manifestId: number; serial: string; nonce: string; installedFilename: string | null; releaseCounter: number; reportTime: string; attacksDetected: string }): void {
    this.q("INSERT INTO ecu_reports (manifest_id, ecu_serial, nonce, installed_filename, release_counter, report_time, attacks_detected) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(r.manifestId, r.serial, r.nonce, r.installedFilename, r.releaseCounter, r.reportTime, r.attacksDetected);
  }

  count(table: "vehicles" | "ecus" | "manifests" | "ecu_reports" | "assignments" | "install_results" | "alerts" | "campaigns" | "director_metadata", where = "1", ...params: unknown[]): number {
    return (this.q(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`).get(...params) as { n: number }).n;
  }

  // ---- alerts and install results

  insertAlert(a: { vin: string; serial: string | null; manifestId: number | null; kind: string; detail: string; now: string }): void {
    this.q("INSERT INTO alerts (vin, ecu_serial, manifest_id, kind, detail, created_at) VALUES (?, ?, ?, ?, ?, ?)").run(a.vin, a.serial, a.manifestId, a.kind, a.detail, a.now);
  }

  alertsOf(vin: string): AlertRow[] {
    return this.q("SELECT * FROM alerts WHERE vin = ? ORDER BY id").all(vin) as AlertRow[];
  }

  insertInstallResult(r: { manifestId: number; vin: string; serial: string; assignmentId: number | null; filename: string; success: boolean; code: string; detail: string }): void {
    this.q("INSERT INTO install_results (manifest_id, vin, ecu_serial, assignment_id, filename, success, code, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(r.manifestId, r.vin, r.serial, r.assignmentId, r.filename, r.success ? 1 : 0, r.code, r.detail);
  }

  // ---- campaigns and assignments

  insertCampaign(hardwareId: string, target: string, stage: "group" | "all", now: string): number {
    return Number(this.q("INSERT INTO campaigns (hardware_id, target_name, stage, created_at) VALUES (?, ?, ?, ?)").run(hardwareId, target, stage, now).lastInsertRowid);
  }

  insertAssignment(a: { vin: string; serial: string; target: string; length: number; hashes: string; custom: string; releaseCounter: number; campaignId: number | null; now: string }): number {
    return Number(
      this.q("INSERT INTO assignments (vin, ecu_serial, target_name, length, hashes, custom, release_counter, campaign_id, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)")
        .run(a.vin, a.serial, a.target, a.length, a.hashes, a.custom, a.releaseCounter, a.campaignId, a.now).lastInsertRowid,
    );
  }

  assignmentsOf(vin: string, status?: AssignmentRow["status"]): AssignmentRow[] {
    if (status) return this.q("SELECT * FROM assignments WHERE vin = ? AND status = ? ORDER BY id").all(vin, status) as AssignmentRow[];
    return this.q("SELECT * FROM assignments WHERE vin = ? ORDER BY id").all(vin) as AssignmentRow[];
  }

  /** Queued or published assignments of this ECU (not yet confirmed either way). */
  openAssignmentsOfEcu(serial: string): AssignmentRow[] {
    return this.q("SELECT * FROM assignments WHERE ecu_serial = ? AND status IN ('queued', 'published') ORDER BY id").all(serial) as AssignmentRow[];
  }

  setAssignmentStatus(id: number, status: AssignmentRow["status"], bundle?: number): void {
    if (bundle === undefined) this.q("UPDATE assignments SET status = ? WHERE id = ?").run(status, id);
    else this.q("UPDATE assignments SET status = ?, bundle = ? WHERE id = ?").run(status, bundle, id);
  }

  // ---- Director metadata

  latestMetadata(vin: string, role: MetadataRow["role"]): MetadataRow | undefined {
    return this.q("SELECT * FROM director_metadata WHERE vin = ? AND role = ? ORDER BY version DESC LIMIT 1").get(vin, role) as MetadataRow | undefined;
  }

  insertMetadata(m: MetadataRow): void {
    this.q("INSERT INTO director_metadata (vin, role, version, expires, json) VALUES (?, ?, ?, ?, ?)").run(m.vin, m.role, m.version, m.expires, m.json);
  }

  metadataVersion(vin: string, role: MetadataRow["role"], version: number): MetadataRow | undefined {
    return this.q("SELECT * FROM director_metadata WHERE vin = ? AND role = ? AND version = ?").get(vin, role, version) as MetadataRow | undefined;
  }

  /** The Director root of `version` as signed (its served bytes), or undefined. */
  directorRoot(version: number): string | undefined {
    return (this.q("SELECT json FROM director_roots WHERE version = ?").get(version) as { json: string } | undefined)?.json;
  }

  directorRootVersions(): number[] {
    return (this.q("SELECT version FROM director_roots ORDER BY version").all() as { version: number }[]).map((r) => r.version);
  }

  /** `published`: false while its file is not written yet (a rotation publishes it after every vehicle's metadata). */
  insertDirectorRoot(version: number, json: string, published = true): void {
    this.q("INSERT INTO director_roots (version, json, published) VALUES (?, ?, ?)").run(version, json, published ? 1 : 0);
  }

  latestDirectorRootVersion(): number {
    return (this.q("SELECT MAX(version) AS v FROM director_roots").get() as { v: number | null }).v ?? 0;
  }

  directorRootPublished(version: number): boolean {
    return (this.q("SELECT published FROM director_roots WHERE version = ?").get(version) as { published: number } | undefined)?.published !== 0;
  }

  unpublishedDirectorRoots(): number[] {
    return (this.q("SELECT version FROM director_roots WHERE published = 0 ORDER BY version").all() as { version: number }[]).map((r) => r.version);
  }

  setDirectorRootPublished(version: number): void {
    this.q("UPDATE director_roots SET published = 1 WHERE version = ?").run(version);
  }

  /** Alerts about the backend as a whole (files not tied to one vehicle), stored with vin ''. */
  backendAlerts(): AlertRow[] {
    return this.alertsOf("");
  }

  publishedTimestampVersion(vin: string): number {
    return (this.q("SELECT published_timestamp_version AS v FROM vehicles WHERE vin = ?").get(vin) as { v: number } | undefined)?.v ?? 0;
  }

  setPublishedTimestampVersion(vin: string, version: number): void {
    this.q("UPDATE vehicles SET published_timestamp_version = ? WHERE vin = ? AND published_timestamp_version < ?").run(version, vin, version);
  }

  /** Vehicles whose newest signed metadata has not reached the disk yet (a crash between commit and file write). */
  vinsWithUnpublishedMetadata(): string[] {
    return (
      this.q(
          "SELECT v.vin FROM vehicles v JOIN director_metadata m ON m.vin = v.vin AND m.role = 'timestamp' GROUP BY v.vin HAVING MAX(m.version) > v.published_timestamp_version",
        )
        .all() as { vin: string }[]
    ).map((r) => r.vin);
  }
}
