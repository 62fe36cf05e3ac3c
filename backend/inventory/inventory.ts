// The inventory database (SQLite by default, PostgreSQL for several processes): vehicles,
// their ECUs and keys, manifests received, assignments, install results, alerts, and the
// Director's signed metadata. Every method is one query, the same SQL on both engines;
// callers group writes with `transaction` so a crash leaves either all or none of them.
import { MIGRATIONS } from "./migrations.ts";
import type { SqlEngine, TransactionScope } from "./sql-engine.ts";
import { SqliteEngine } from "./sqlite-engine.ts";
import { isPostgresUrl, PostgresEngine } from "./postgres-engine.ts";

export { INVENTORY_FILE } from "./location.ts";
export { checkSqliteInstalled, SQLITE_MISSING } from "./sqlite-engine.ts";

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
  /** When a workshop replaced or removed it: from then on its key counts for nothing. */
  retired_at: string | null;
  /** Why it gets no update (a report signed by another key) until a workshop records a change, or null. */
  held: string | null;
  /** Its image encryption method when the key service holds a key for it (README "Per-ECU image encryption"), or null. */
  encryption: string | null;
}

/** An encrypted image's Director entry (README "Per-ECU image encryption"); its bytes are fetched apart. */
export interface EncryptedImageRow {
  assignment_id: number;
  vin: string;
  name: string;
  length: number;
  /** JSON {sha256, sha512} of the ciphertext. */
  hashes: string;
  /** JSON custom.encryption. */
  encryption: string;
}

export interface VehicleHistoryRow {
  id: number;
  vin: string;
  action: "replace-ecu" | "add-ecu" | "remove-ecu" | "replace-primary" | "decommission";
  ecu_serial: string | null;
  /** JSON: what changed. */
  detail: string;
  actor: string;
  at: string;
}

export interface WorkshopAccountRow {
  name: string;
  password_hash: string;
  created_at: string;
  disabled_at: string | null;
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
  /** A campaign's assignment: the stage that made it. */
  stage: "group" | "all" | null;
  status: "queued" | "published" | "installed" | "failed" | "superseded";
  bundle: number | null;
  created_at: string;
}

/** A dependency or conflict between images (README "Dependencies and conflicts"). */
export interface ImageRuleRow {
  id: number;
  image: string;
  kind: "requires" | "conflicts";
  other_name: string | null;
  other_hardware_id: string | null;
  min_release_counter: number | null;
  created_at: string;
}

export interface CampaignRow {
  id: number;
  hardware_id: string;
  target_name: string;
  /** "group": the reserved vehicles only so far; "all": promoted (or created) for every vehicle. */
  stage: "group" | "all";
  created_at: string;
  /** paused: by an operator; halted: at its failure threshold; cancelled: for good. */
  state: "active" | "paused" | "halted" | "cancelled";
  state_detail: string | null;
  state_changed_at: string | null;
  max_failures: number | null;
  max_failure_percent: number | null;
  /** JSON list of the reserved group's VINs. */
  group_vins: string | null;
}

export interface CampaignVehicleRow {
  id: number;
  vin: string;
  ecu_serial: string;
  stage: CampaignRow["stage"];
  status: AssignmentRow["status"];
  last_manifest_at: string | null;
  code: string | null;
  detail: string | null;
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
  /** Set when someone acknowledged it (the OEM console, `uptane alerts ack`, the API); by whom, when known. */
  acknowledged_at: string | null;
  acknowledged_by: string | null;
}

export interface VehicleRow {
  vin: string;
  created_at: string;
  client_profile: ClientProfile;
  last_manifest_at: string | null;
  ecus: number;
}

/** A campaign stage's counts at a time (README "Backend: OEM console", the progress chart). */
export interface CampaignProgressRow {
  campaign_id: number;
  stage: CampaignRow["stage"];
  at: string;
  queued: number;
  published: number;
  installed: number;
  failed: number;
  withdrawn: number;
  not_reporting: number;
}

/** Numbers as numbers (PostgreSQL returns BIGINT columns as text). */
function progressRow(r: CampaignProgressRow): CampaignProgressRow {
  return { campaign_id: Number(r.campaign_id), stage: r.stage, at: r.at, queued: Number(r.queued), published: Number(r.published), installed: Number(r.installed), failed: Number(r.failed), withdrawn: Number(r.withdrawn), not_reporting: Number(r.not_reporting) };
}

export type ConsoleRole = "viewer" | "release-manager" | "admin";

export interface ConsoleUserRow {
  name: string;
  role: ConsoleRole;
  password_hash: string;
  created_at: string;
  disabled_at: string | null;
}

export interface ConsoleSessionRow {
  token_sha256: string;
  user_name: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
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

/** What the manifest path needs of a vehicle's row. */
export interface VehicleState {
  decommissioned_at: string | null;
  client_profile: ClientProfile;
}

interface Prefetched {
  states: Map<string, VehicleState | null>;
  ecus: Map<string, EcuRow[]>;
  assignments: Map<string, AssignmentRow[]>;
  chains: Map<string, Partial<Record<MetadataRow["role"], MetadataRow>>>;
  nonces: Map<string, Set<string>>;
  /** Ids for the batch's manifest rows, where the engine reserves them (PostgreSQL). */
  manifestIds?: number[];
  /** The newest Director root's version, for the whole batch. */
  rootVersion?: number;
}

const NOT_PREFETCHED = Symbol("not prefetched");

export class Inventory {
  /** @internal the engine (tests reach into it) */
  readonly sql: SqlEngine;
  /** Rows read ahead for a batch of manifests (`prefetch`), each handed out once. */
  private prefetched: Prefetched | null = null;

  private constructor(sql: SqlEngine) {
    this.sql = sql;
  }

  /** Opens (creating if needed) the database at `location` (a SQLite file or a postgres:// URL) and applies missing migrations. */
  static open(location: string): Inventory {
    const engine = isPostgresUrl(location) ? new PostgresEngine(location) : new SqliteEngine(location);
    try {
      engine.migrate(MIGRATIONS);
    } catch (e) {
      engine.close();
      throw e;
    }
    return new Inventory(engine);
  }

  get schemaVersion(): number {
    return this.sql.schemaVersion();
  }

  /** A transaction; with `scope` one that writes only those vehicles' rows (sql-engine.ts: per-vehicle locks on PostgreSQL). */
  transaction<T>(fn: () => T, scope?: TransactionScope): T {
    return this.sql.transaction(fn, scope);
  }

  close(): void {
    this.sql.close();
  }

  /**
   * A consistent copy of the database at `path`, created 0600 and never over an existing
   * file (SQLite's online backup: `serve` may keep writing meanwhile). PostgreSQL's is
   * `pg_dump`'s job.
   */
  async backupTo(path: string): Promise<void> {
    if (!(this.sql instanceof SqliteEngine)) throw new Error("the inventory is on PostgreSQL: back it up with pg_dump");
    await this.sql.backup(path);
  }

  // ---- reading ahead for a batch of manifests

  /**
   * Inside a transaction that holds these vehicles' locks: reads what recording one manifest
   * of each of `vehicles` reads first (its row, current ECUs, assignments, newest metadata,
   * and which of its reports' nonces are known) in five queries for all of them, instead of
   * five round trips per manifest. Each is handed out once, to the first read of it (the
   * manifest's first, before anything of that vehicle is written); later reads query. A
   * VIN named twice is not read ahead. `endPrefetch` drops what was not taken.
   */
  prefetch(vehicles: Array<{ vin: string; reports: Array<{ serial: string; nonce: string }> }>): void {
    const counts = new Map<string, number>();
    for (const v of vehicles) counts.set(v.vin, (counts.get(v.vin) ?? 0) + 1);
    const once = vehicles.filter((v) => counts.get(v.vin) === 1);
    if (once.length === 0) return;
    const vins = once.map((v) => v.vin);
    const list = vins.map(() => "?").join(", ");
    const p: Prefetched = { states: new Map(vins.map((v) => [v, null])), ecus: new Map(vins.map((v) => [v, []])), assignments: new Map(vins.map((v) => [v, []])), chains: new Map(vins.map((v) => [v, {}])), nonces: new Map() };
    // With the newest Director root's version: no root is signed while these vehicles' locks are held.
    for (const r of this.sql.all<VehicleState & { vin: string; root_version: number | null }>(`SELECT vin, decommissioned_at, client_profile, (SELECT MAX(version) FROM director_roots) AS root_version FROM vehicles WHERE vin IN (${list})`, vins)) {
      p.states.set(r.vin, { decommissioned_at: r.decommissioned_at, client_profile: r.client_profile });
      p.rootVersion = r.root_version ?? 0;
    }
    for (const e of this.sql.all<EcuRow>(`SELECT * FROM ecus WHERE vin IN (${list}) AND retired_at IS NULL ORDER BY serial`, vins)) p.ecus.get(e.vin)?.push(e);
    for (const a of this.sql.all<AssignmentRow>(`SELECT * FROM assignments WHERE vin IN (${list}) ORDER BY id`, vins)) p.assignments.get(a.vin)?.push(a);
    for (const m of this.sql.all<MetadataRow>(`SELECT * FROM director_metadata m WHERE vin IN (${list}) AND version = (SELECT MAX(version) FROM director_metadata WHERE vin = m.vin AND role = m.role)`, vins)) {
      const chain = p.chains.get(m.vin);
      if (chain) chain[m.role] = m;
    }
    // The nonces: every pair asked about later is one of the manifest's own (serial, nonce) pairs.
    const pairs = once.flatMap((v) => v.reports.map((r) => ({ ...r, vin: v.vin })));
    const serialVins = new Map<string, Set<string>>();
    for (const r of pairs) serialVins.set(r.serial, (serialVins.get(r.serial) ?? new Set()).add(r.vin));
    for (const v of vins) p.nonces.set(v, new Set());
    if (pairs.length > 0) {
      const serials = [...serialVins.keys()];
      const nonces = [...new Set(pairs.map((r) => r.nonce))];
      const rows = this.sql.all<{ ecu_serial: string; nonce: string }>(
        `SELECT ecu_serial, nonce FROM ecu_reports WHERE ecu_serial IN (${serials.map(() => "?").join(", ")}) AND nonce IN (${nonces.map(() => "?").join(", ")})`,
        [...serials, ...nonces],
      );
      for (const r of rows) for (const vin of serialVins.get(r.ecu_serial) ?? []) p.nonces.get(vin)!.add(`${r.ecu_serial}\n${r.nonce}`);
    }
    p.manifestIds = this.sql.reserveIds("manifests", once.length) ?? undefined;
    this.prefetched = p;
  }

  endPrefetch(): void {
    this.prefetched = null;
  }

  private takePrefetched<K extends keyof Prefetched>(kind: K, vin: string): (Prefetched[K] extends Map<string, infer V> ? V : never) | typeof NOT_PREFETCHED {
    const map = this.prefetched?.[kind] as Map<string, unknown> | undefined;
    if (!map || !map.has(vin)) return NOT_PREFETCHED;
    const value = map.get(vin);
    map.delete(vin);
    return value as never;
  }

  // ---- vehicles and ECUs

  /** What the manifest path and metadata reads need of a vehicle, in one query; undefined when none is registered. */
  vehicleState(vin: string): VehicleState | undefined {
    const p = this.takePrefetched("states", vin);
    if (p !== NOT_PREFETCHED) return p ?? undefined;
    return this.sql.get("SELECT decommissioned_at, client_profile FROM vehicles WHERE vin = ?", [vin]);
  }

  vehicleExists(vin: string): boolean {
    return this.sql.get("SELECT 1 FROM vehicles WHERE vin = ?", [vin]) !== undefined;
  }

  /** Vehicles by VIN after `after`, `limit` of them, filtered by an ECU's hardware ID or installed image, or by their last manifest. */
  vehicles(q: { after?: string; limit: number; hardwareId?: string; image?: string; lastSeenBefore?: string; lastSeenAfter?: string }): VehicleRow[] {
    const where = ["v.vin > ?"];
    const params: unknown[] = [q.after ?? ""];
    if (q.hardwareId !== undefined) {
      where.push("EXISTS (SELECT 1 FROM ecus e WHERE e.vin = v.vin AND e.hardware_id = ?)");
      params.push(q.hardwareId);
    }
    if (q.image !== undefined) {
      where.push("EXISTS (SELECT 1 FROM ecus e WHERE e.vin = v.vin AND e.installed_filename = ?)");
      params.push(q.image);
    }
    if (q.lastSeenBefore !== undefined) {
      where.push("(v.last_manifest_at IS NULL OR v.last_manifest_at < ?)");
      params.push(q.lastSeenBefore);
    }
    if (q.lastSeenAfter !== undefined) {
      where.push("v.last_manifest_at >= ?");
      params.push(q.lastSeenAfter);
    }
    return this.sql.all(
      `SELECT v.vin, v.created_at, v.client_profile, v.last_manifest_at, (SELECT COUNT(*) FROM ecus e WHERE e.vin = v.vin) AS ecus FROM vehicles v WHERE ${where.join(" AND ")} ORDER BY v.vin LIMIT ?`,
      [...params, q.limit],
    ) as VehicleRow[];
  }

  /** Target names some ECU reports installed or has assigned and not yet confirmed (gc keeps their images). */
  targetNamesInUse(): Set<string> {
    const rows = this.sql.all("SELECT installed_filename AS name FROM ecus WHERE installed_filename IS NOT NULL UNION SELECT target_name AS name FROM assignments WHERE status IN ('queued', 'published')") as { name: string }[];
    return new Set(rows.map((r) => r.name));
  }

  vehicle(vin: string): VehicleRow | undefined {
    return this.sql.get("SELECT v.vin, v.created_at, v.client_profile, v.last_manifest_at, (SELECT COUNT(*) FROM ecus e WHERE e.vin = v.vin) AS ecus FROM vehicles v WHERE v.vin = ?", [vin]) as VehicleRow | undefined;
  }

  listVins(): string[] {
    return (this.sql.all("SELECT vin FROM vehicles ORDER BY vin") as { vin: string }[]).map((r) => r.vin);
  }

  insertVehicle(vin: string, now: string, profile: ClientProfile = "uptane"): void {
    this.sql.run("INSERT INTO vehicles (vin, created_at, client_profile) VALUES (?, ?, ?)", [vin, now, profile]);
  }

  /** The vehicle's client profile, or undefined when no such vehicle is registered. */
  clientProfile(vin: string): ClientProfile | undefined {
    return (this.sql.get("SELECT client_profile AS p FROM vehicles WHERE vin = ?", [vin]) as { p: ClientProfile } | undefined)?.p;
  }

  setReportCounter(serial: string, counter: number): void {
    this.sql.exec("UPDATE ecus SET report_counter = ? WHERE serial = ?", [counter, serial]);
  }

  /** Keeps the latest telemetry document of one kind for a vehicle (replacing the previous one). */
  putTelemetry(vin: string, kind: TelemetryKind, now: string, body: string): void {
    this.sql.run("INSERT INTO vehicle_telemetry (vin, kind, received_at, body) VALUES (?, ?, ?, ?) ON CONFLICT (vin, kind) DO UPDATE SET received_at = excluded.received_at, body = excluded.body", [vin, kind, now, body]);
  }

  telemetryOf(vin: string): Array<{ kind: TelemetryKind; received_at: string; body: string }> {
    return this.sql.all("SELECT kind, received_at, body FROM vehicle_telemetry WHERE vin = ? ORDER BY kind", [vin]) as Array<{ kind: TelemetryKind; received_at: string; body: string }>;
  }

  insertEcu(e: { serial: string; vin: string; hardwareId: string; publicKey: string; keyid: string; primary: boolean }): void {
    this.sql.run("INSERT INTO ecus (serial, vin, hardware_id, public_key, keyid, is_primary) VALUES (?, ?, ?, ?, ?, ?)", [e.serial, e.vin, e.hardwareId, e.publicKey, e.keyid, e.primary ? 1 : 0]);
  }

  /** Records that ECU `serial` takes images encrypted with `method` (the key is the key service's). */
  setEcuEncryption(serial: string, method: string | null): void {
    this.sql.run("UPDATE ecus SET encryption = ? WHERE serial = ?", [method, serial]);
  }

  ecu(serial: string): EcuRow | undefined {
    return this.sql.get("SELECT * FROM ecus WHERE serial = ?", [serial]) as EcuRow | undefined;
  }

  /** Any ECU that ever held this key, retired ones included: a key once used never counts for another ECU. */
  ecuWithPublicKey(publicKeyHex: string): EcuRow | undefined {
    return this.sql.get("SELECT * FROM ecus WHERE public_key = ? LIMIT 1", [publicKeyHex]) as EcuRow | undefined;
  }

  /** The vehicle's ECUs now (not those a workshop replaced or removed). */
  ecusOf(vin: string): EcuRow[] {
    const p = this.takePrefetched("ecus", vin);
    if (p !== NOT_PREFETCHED) return p;
    return this.sql.all("SELECT * FROM ecus WHERE vin = ? AND retired_at IS NULL ORDER BY serial", [vin]) as EcuRow[];
  }

  /** Current ECUs of `hardwareId` in vehicles still in service. */
  ecusWithHardware(hardwareId: string, vins?: string[]): EcuRow[] {
    const all = this.sql.all("SELECT e.* FROM ecus e JOIN vehicles v ON v.vin = e.vin WHERE e.hardware_id = ? AND e.retired_at IS NULL AND v.decommissioned_at IS NULL ORDER BY e.vin, e.serial", [hardwareId]) as EcuRow[];
    if (!vins) return all;
    const wanted = new Set(vins);
    return all.filter((e) => wanted.has(e.vin));
  }

  retireEcu(serial: string, now: string): void {
    this.sql.run("UPDATE ecus SET retired_at = ?, held = NULL WHERE serial = ?", [now, serial]);
  }

  /** A replacement under the same serial: the new key, hardware ID and nothing known installed yet. */
  rekeyEcu(serial: string, e: { hardwareId: string; publicKey: string; keyid: string }): void {
    this.sql.run(
      "UPDATE ecus SET hardware_id = ?, public_key = ?, keyid = ?, held = NULL, installed_filename = NULL, installed_length = NULL, installed_hashes = NULL, installed_release_counter = 0, last_report_time = NULL, report_counter = NULL WHERE serial = ?",
      [e.hardwareId, e.publicKey, e.keyid, serial],
    );
  }

  holdEcu(serial: string, why: string): void {
    this.sql.exec("UPDATE ecus SET held = ? WHERE serial = ? AND held IS NULL", [why, serial]);
  }

  decommissionVehicle(vin: string, now: string): void {
    this.sql.run("UPDATE vehicles SET decommissioned_at = ? WHERE vin = ?", [now, vin]);
  }

  /** When the vehicle was decommissioned, or null (also null for an unknown VIN). */
  decommissionedAt(vin: string): string | null {
    return (this.sql.get("SELECT decommissioned_at FROM vehicles WHERE vin = ?", [vin]) as { decommissioned_at: string | null } | undefined)?.decommissioned_at ?? null;
  }

  insertHistory(h: { vin: string; action: VehicleHistoryRow["action"]; serial: string | null; detail: string; actor: string; now: string }): void {
    this.sql.run("INSERT INTO vehicle_history (vin, action, ecu_serial, detail, actor, at) VALUES (?, ?, ?, ?, ?, ?)", [h.vin, h.action, h.serial, h.detail, h.actor, h.now]);
  }

  historyOf(vin: string): VehicleHistoryRow[] {
    return this.sql.all("SELECT * FROM vehicle_history WHERE vin = ? ORDER BY id", [vin]) as VehicleHistoryRow[];
  }

  insertWorkshopAccount(a: { name: string; passwordHash: string; now: string }): void {
    this.sql.run("INSERT INTO workshop_accounts (name, password_hash, created_at) VALUES (?, ?, ?)", [a.name, a.passwordHash, a.now]);
  }

  workshopAccount(name: string): WorkshopAccountRow | undefined {
    return this.sql.get("SELECT * FROM workshop_accounts WHERE name = ?", [name]) as WorkshopAccountRow | undefined;
  }

  workshopAccounts(): WorkshopAccountRow[] {
    return this.sql.all("SELECT * FROM workshop_accounts ORDER BY name", []) as WorkshopAccountRow[];
  }

  disableWorkshopAccount(name: string, now: string): boolean {
    return this.sql.run("UPDATE workshop_accounts SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL", [now, name]) > 0;
  }

  insertWithdrawnImage(w: { name: string; role: string; reason: "withdrawn" | "supplier-removed"; actor: string; now: string }): void {
    this.sql.run("INSERT INTO withdrawn_images (name, role, reason, actor, withdrawn_at) VALUES (?, ?, ?, ?, ?)", [w.name, w.role, w.reason, w.actor, w.now]);
  }

  withdrawnImage(name: string): { name: string; role: string; reason: string; actor: string; withdrawn_at: string } | undefined {
    return this.sql.get("SELECT * FROM withdrawn_images WHERE name = ?", [name]) as never;
  }

  /** Whether the Director ever assigned `name` or an ECU reported it installed. */
  targetKnown(name: string): boolean {
    return this.sql.get("SELECT 1 FROM assignments WHERE target_name = ? UNION SELECT 1 FROM ecus WHERE installed_filename = ?", [name, name]) !== undefined;
  }

  /** Open (queued or published) assignments of a target, every vehicle. */
  openAssignmentsOfTarget(name: string): AssignmentRow[] {
    return this.sql.all("SELECT * FROM assignments WHERE target_name = ? AND status IN ('queued', 'published') ORDER BY id", [name]) as AssignmentRow[];
  }

  /** Current ECUs, of vehicles in service, that last reported `filename` installed. */
  ecusRunning(filename: string): EcuRow[] {
    return this.sql.all("SELECT e.* FROM ecus e JOIN vehicles v ON v.vin = e.vin WHERE e.installed_filename = ? AND e.retired_at IS NULL AND v.decommissioned_at IS NULL ORDER BY e.vin, e.serial", [filename]) as EcuRow[];
  }

  /** recordInstalled for several ECUs in one statement. */
  recordInstalledMany(rows: Array<{ serial: string; filename: string | null; length: number | null; hashes: string | null; releaseCounter: number; reportTime: string }>): void {
    if (rows.length === 0) return;
    const params: unknown[] = [];
    const column = (name: string, cast: string | null, value: (r: (typeof rows)[number]) => unknown) => {
      const cases = rows.map((r) => {
        params.push(r.serial, value(r));
        return cast ? `WHEN ? THEN CAST(? AS ${cast})` : "WHEN ? THEN ?";
      });
      return `${name} = CASE serial ${cases.join(" ")} END`;
    };
    const sets = [
      column("installed_filename", "TEXT", (r) => r.filename),
      column("installed_length", "BIGINT", (r) => r.length),
      column("installed_hashes", "TEXT", (r) => r.hashes),
      column("installed_release_counter", "BIGINT", (r) => r.releaseCounter),
      column("last_report_time", "TEXT", (r) => r.reportTime),
    ];
    params.push(...rows.map((r) => r.serial));
    this.sql.exec(`UPDATE ecus SET ${sets.join(", ")} WHERE serial IN (${rows.map(() => "?").join(", ")})`, params);
  }

  recordInstalled(serial: string, r: { filename: string | null; length: number | null; hashes: string | null; releaseCounter: number; reportTime: string }): void {
    this.sql.run("UPDATE ecus SET installed_filename = ?, installed_length = ?, installed_hashes = ?, installed_release_counter = ?, last_report_time = ? WHERE serial = ?", [r.filename, r.length, r.hashes, r.releaseCounter, r.reportTime, serial]);
  }

  // ---- vehicles' TLS client certificates

  insertVehicleCertificate(c: { serial: string; vin: string; issuedAt: string; notAfter: string }): void {
    this.sql.run("INSERT INTO vehicle_certificates (serial, vin, issued_at, not_after) VALUES (?, ?, ?, ?)", [c.serial, c.vin, c.issuedAt, c.notAfter]);
  }

  vehicleCertificate(serial: string): { vin: string; revoked_at: string | null } | undefined {
    return this.sql.get("SELECT vin, revoked_at FROM vehicle_certificates WHERE serial = ?", [serial]) as { vin: string; revoked_at: string | null } | undefined;
  }

  /** Revokes every certificate of `vin` not revoked yet; returns how many. */
  revokeVehicleCertificates(vin: string, now: string): number {
    return this.sql.run("UPDATE vehicle_certificates SET revoked_at = ? WHERE vin = ? AND revoked_at IS NULL", [now, vin]);
  }

  // ---- supplier portal: accounts and submissions

  insertSupplierAccount(a: { name: string; roles: string[]; passwordHash: string; now: string }): void {
    this.sql.run("INSERT INTO supplier_accounts (name, roles, password_hash, created_at) VALUES (?, ?, ?, ?)", [a.name, JSON.stringify(a.roles), a.passwordHash, a.now]);
  }

  supplierAccount(name: string): SupplierAccountRow | undefined {
    return this.sql.get("SELECT * FROM supplier_accounts WHERE name = ?", [name]) as SupplierAccountRow | undefined;
  }

  /** Disables an enabled account; false when there is none (or it is disabled already). */
  disableSupplierAccount(name: string, now: string): boolean {
    return this.sql.run("UPDATE supplier_accounts SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL", [now, name]) === 1;
  }

  supplierAccounts(): SupplierAccountRow[] {
    return this.sql.all("SELECT * FROM supplier_accounts ORDER BY name") as SupplierAccountRow[];
  }

  insertSubmission(s: { account: string; sha256: string; bytes: number; roles: string; now: string }): number {
    return this.sql.insert("INSERT INTO supplier_submissions (account, sha256, bytes, roles, status, received_at) VALUES (?, ?, ?, ?, 'pending', ?)", [s.account, s.sha256, s.bytes, s.roles, s.now]);
  }

  submission(id: number): SubmissionRow | undefined {
    return this.sql.get("SELECT * FROM supplier_submissions WHERE id = ?", [id]) as SubmissionRow | undefined;
  }

  /** Submissions, newest first: one account's, or everyone's; optionally of one status. */
  submissions(filter: { account?: string; status?: SubmissionRow["status"]; limit?: number } = {}): SubmissionRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.account !== undefined) {
      where.push("account = ?");
      params.push(filter.account);
    }
    if (filter.status !== undefined) {
      where.push("status = ?");
      params.push(filter.status);
    }
    if (filter.limit !== undefined) params.push(filter.limit);
    const sql = `SELECT * FROM supplier_submissions${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC${filter.limit !== undefined ? " LIMIT ?" : ""}`;
    return this.sql.all(sql, params) as SubmissionRow[];
  }

  /** Decides a pending submission; false when it is not pending (any more). */
  decideSubmission(id: number, d: { status: Exclude<SubmissionRow["status"], "pending">; reason: string | null; now: string; snapshotVersion?: number }): boolean {
    return this.sql.run("UPDATE supplier_submissions SET status = ?, reason = ?, decided_at = ?, snapshot_version = ? WHERE id = ? AND status = 'pending'", [d.status, d.reason, d.now, d.snapshotVersion ?? null, id]) === 1;
  }

  // ---- the OEM console: users and sessions

  insertConsoleUser(u: { name: string; role: ConsoleRole; passwordHash: string; now: string }): void {
    this.sql.run("INSERT INTO console_users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)", [u.name, u.role, u.passwordHash, u.now]);
  }

  consoleUser(name: string): ConsoleUserRow | undefined {
    return this.sql.get("SELECT * FROM console_users WHERE name = ?", [name]) as ConsoleUserRow | undefined;
  }

  consoleUsers(): ConsoleUserRow[] {
    return this.sql.all("SELECT * FROM console_users ORDER BY name") as ConsoleUserRow[];
  }

  /** Disables an enabled user; false when there is none (or it is disabled already). */
  disableConsoleUser(name: string, now: string): boolean {
    return this.sql.run("UPDATE console_users SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL", [now, name]) === 1;
  }

  setConsolePassword(name: string, passwordHash: string): void {
    this.sql.run("UPDATE console_users SET password_hash = ? WHERE name = ?", [passwordHash, name]);
  }

  insertConsoleSession(s: ConsoleSessionRow): void {
    this.sql.run("INSERT INTO console_sessions (token_sha256, user_name, csrf_token, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)", [s.token_sha256, s.user_name, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at]);
  }

  consoleSession(tokenSha256: string): ConsoleSessionRow | undefined {
    return this.sql.get("SELECT * FROM console_sessions WHERE token_sha256 = ?", [tokenSha256]) as ConsoleSessionRow | undefined;
  }

  touchConsoleSession(tokenSha256: string, now: string): void {
    this.sql.run("UPDATE console_sessions SET last_seen_at = ? WHERE token_sha256 = ?", [now, tokenSha256]);
  }

  deleteConsoleSession(tokenSha256: string): void {
    this.sql.run("DELETE FROM console_sessions WHERE token_sha256 = ?", [tokenSha256]);
  }

  /** Ends every session of `user` (disabled), and every session past `expiredBefore`. */
  deleteConsoleSessions(filter: { user?: string; expiredBefore?: string }): number {
    if (filter.user !== undefined) return this.sql.run("DELETE FROM console_sessions WHERE user_name = ?", [filter.user]);
    return this.sql.run("DELETE FROM console_sessions WHERE expires_at < ?", [filter.expiredBefore ?? ""]);
  }

  // ---- fleet credentials (aktualizr's shared-credential provisioning)

  insertFleetCredential(c: { serial: string; name: string; issuedAt: string; notAfter: string }): void {
    this.sql.run("INSERT INTO fleet_credentials (serial, name, issued_at, not_after) VALUES (?, ?, ?, ?)", [c.serial, c.name, c.issuedAt, c.notAfter]);
  }

  fleetCredential(serial: string): { name: string; revoked_at: string | null } | undefined {
    return this.sql.get("SELECT name, revoked_at FROM fleet_credentials WHERE serial = ?", [serial]) as { name: string; revoked_at: string | null } | undefined;
  }

  fleetCredentialExists(name: string): boolean {
    return this.fleetCredentialNamed(name) !== undefined;
  }

  fleetCredentialNamed(name: string): { revoked_at: string | null } | undefined {
    return this.sql.get("SELECT revoked_at FROM fleet_credentials WHERE name = ?", [name]) as { revoked_at: string | null } | undefined;
  }

  /** Revokes the fleet credential `name`; returns whether one was revoked now. */
  revokeFleetCredential(name: string, now: string): boolean {
    return this.sql.run("UPDATE fleet_credentials SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", [now, name]) > 0;
  }

  countFleetProvisioning(serial: string): void {
    this.sql.run("UPDATE fleet_credentials SET devices = devices + 1 WHERE serial = ?", [serial]);
  }

  // ---- manifests and reports

  setLastManifestAt(vin: string, now: string): void {
    this.sql.exec("UPDATE vehicles SET last_manifest_at = ? WHERE vin = ?", [now, vin]);
  }

  insertManifest(vin: string, primarySerial: string, now: string, body: string): number {
    const id = this.prefetched?.manifestIds?.shift();
    if (id !== undefined) {
      this.sql.exec("INSERT INTO manifests (id, vin, primary_serial, received_at, body) VALUES (?, ?, ?, ?, ?)", [id, vin, primarySerial, now, body]);
      return id;
    }
    return this.sql.insert("INSERT INTO manifests (vin, primary_serial, received_at, body) VALUES (?, ?, ?, ?)", [vin, primarySerial, now, body]);
  }

  /** Up to `limit` VINs after `after`, in order (the pruner's walk over the fleet). */
  vinsAfter(after: string, limit: number): string[] {
    return this.sql.all<{ vin: string }>("SELECT vin FROM vehicles WHERE vin > ? ORDER BY vin LIMIT ?", [after, limit]).map((r) => r.vin);
  }

  /** Where the pruner's walk stands ('' at the start). */
  retentionCursor(): string {
    return this.sql.get<{ vin: string }>("SELECT vin FROM retention_cursor WHERE name = 'fleet'")?.vin ?? "";
  }

  setRetentionCursor(vin: string): void {
    this.sql.run("INSERT INTO retention_cursor (name, vin) VALUES ('fleet', ?) ON CONFLICT (name) DO UPDATE SET vin = excluded.vin", [vin]);
  }

  /**
   * Retention of `vins`' history (README "retention"): per vehicle the newest `manifests`
   * manifests stay whole; older ones are deleted, or keep their row without the body while
   * a report, install result or alert points at them; the newest `alerts` alerts and, per
   * ECU, the newest `reportsPerEcu` report rows stay. Returns how many rows went.
   */
  pruneHistory(vins: string[], keep: { manifests: number; alerts: number; reportsPerEcu: number }): { reports: number; alerts: number; manifests: number; bodies: number } {
    if (vins.length === 0) return { reports: 0, alerts: 0, manifests: 0, bodies: 0 };
    const list = vins.map(() => "?").join(", ");
    const reports = this.sql.run(
      `DELETE FROM ecu_reports WHERE ecu_serial IN (SELECT serial FROM ecus WHERE vin IN (${list})) AND id <= (SELECT r.id FROM ecu_reports r WHERE r.ecu_serial = ecu_reports.ecu_serial ORDER BY r.id DESC LIMIT 1 OFFSET ?)`,
      [...vins, keep.reportsPerEcu],
    );
    const alerts = this.sql.run(`DELETE FROM alerts WHERE vin IN (${list}) AND id <= (SELECT a.id FROM alerts a WHERE a.vin = alerts.vin ORDER BY a.id DESC LIMIT 1 OFFSET ?)`, [...vins, keep.alerts]);
    const old = `vin IN (${list}) AND id <= (SELECT m.id FROM manifests m WHERE m.vin = manifests.vin ORDER BY m.id DESC LIMIT 1 OFFSET ?)`;
    const manifests = this.sql.run(
      `DELETE FROM manifests WHERE ${old} AND NOT EXISTS (SELECT 1 FROM ecu_reports r WHERE r.manifest_id = manifests.id) AND NOT EXISTS (SELECT 1 FROM install_results i WHERE i.manifest_id = manifests.id) AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.manifest_id = manifests.id)`,
      [...vins, keep.manifests],
    );
    const bodies = this.sql.run(`UPDATE manifests SET body = '' WHERE ${old} AND body != ''`, [...vins, keep.manifests]);
    return { reports, alerts, manifests, bodies };
  }

  /**
   * Metadata versions of `vins` no client can still be fetching: a version whose next
   * version (same vehicle and role) expires before that role's bound (the caller's "signed
   * longer ago than the window": expiry minus lifetime is the signing time). The newest
   * version of each role never has a next one, so the chain served stays.
   */
  supersededMetadata(vins: string[], bounds: Record<MetadataRow["role"], string>): Array<{ vin: string; role: MetadataRow["role"]; version: number }> {
    if (vins.length === 0) return [];
    return this.sql.all(
      `SELECT m.vin, m.role, m.version FROM director_metadata m JOIN director_metadata n ON n.vin = m.vin AND n.role = m.role AND n.version = m.version + 1 WHERE m.vin IN (${vins.map(() => "?").join(", ")}) AND ((m.role = 'targets' AND n.expires < ?) OR (m.role = 'snapshot' AND n.expires < ?) OR (m.role = 'timestamp' AND n.expires < ?)) ORDER BY m.vin, m.role, m.version`,
      [...vins, bounds.targets, bounds.snapshot, bounds.timestamp],
    );
  }

  deleteMetadata(rows: Array<{ vin: string; role: MetadataRow["role"]; version: number }>): number {
    let n = 0;
    for (const r of rows) n += this.sql.run("DELETE FROM director_metadata WHERE vin = ? AND role = ? AND version = ?", [r.vin, r.role, r.version]);
    return n;
  }

  /** Keeps the newest `keep` alerts of `vin`. */
  pruneAlerts(vin: string, keep: number): void {
    this.sql.exec("DELETE FROM alerts WHERE vin = ? AND id <= (SELECT id FROM alerts WHERE vin = ? ORDER BY id DESC LIMIT 1 OFFSET ?)", [vin, vin, keep]);
  }

  /** Of `vins`, those whose newest timestamp is not on disk yet (SQLite: a publication pending). */
  unpublishedAmong(vins: string[]): Set<string> {
    if (vins.length === 0) return new Set();
    const rows = this.sql.all<{ vin: string }>(
      `SELECT v.vin FROM vehicles v JOIN director_metadata m ON m.vin = v.vin AND m.role = 'timestamp' WHERE v.vin IN (${vins.map(() => "?").join(", ")}) GROUP BY v.vin, v.published_timestamp_version HAVING MAX(m.version) > v.published_timestamp_version`,
      vins,
    );
    return new Set(rows.map((r) => r.vin));
  }

  /** Of `reports`, the (serial, nonce) pairs the inventory holds already, as `serial + "\n" + nonce` (one query). */
  noncesSeen(vin: string, reports: Array<{ serial: string; nonce: string }>): Set<string> {
    if (reports.length === 0) return new Set();
    const p = this.takePrefetched("nonces", vin);
    if (p !== NOT_PREFETCHED) return p;
    const serials = [...new Set(reports.map((r) => r.serial))];
    const nonces = [...new Set(reports.map((r) => r.nonce))];
    const rows = this.sql.all<{ ecu_serial: string; nonce: string }>(
      `SELECT ecu_serial, nonce FROM ecu_reports WHERE ecu_serial IN (${serials.map(() => "?").join(", ")}) AND nonce IN (${nonces.map(() => "?").join(", ")})`,
      [...serials, ...nonces],
    );
    return new Set(rows.map((r) => `${r.ecu_serial}\n${r.nonce}`));
  }

  /** insertReport for several reports in one statement. */
  insertReports(rows: Array<{ manifestId: number; serial: string; nonce: string; installedFilename: string | null; releaseCounter: number; reportTime: string; attacksDetected: string }>): void {
    if (rows.length === 0) return;
    this.sql.exec(
      `INSERT INTO ecu_reports (manifest_id, ecu_serial, nonce, installed_filename, release_counter, report_time, attacks_detected) VALUES ${rows.map(() => "(?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
      rows.flatMap((r) => [r.manifestId, r.serial, r.nonce, r.installedFilename, r.releaseCounter, r.reportTime, r.attacksDetected]),
    );
  }

  nonceSeen(serial: string, nonce: string): boolean {
    return this.sql.get("SELECT 1 FROM ecu_reports WHERE ecu_serial = ? AND nonce = ?", [serial, nonce]) !== undefined;
  }

  insertReport(r: { manifestId: number; serial: string; nonce: string; installedFilename: string | null; releaseCounter: number; reportTime: string; attacksDetected: string }): void {
    this.sql.run("INSERT INTO ecu_reports (manifest_id, ecu_serial, nonce, installed_filename, release_counter, report_time, attacks_detected) VALUES (?, ?, ?, ?, ?, ?, ?)", [r.manifestId, r.serial, r.nonce, r.installedFilename, r.releaseCounter, r.reportTime, r.attacksDetected]);
  }

  count(table: "vehicles" | "ecus" | "manifests" | "ecu_reports" | "assignments" | "install_results" | "alerts" | "campaigns" | "director_metadata", where = "TRUE", ...params: unknown[]): number {
    return (this.sql.get(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, params) as { n: number }).n;
  }

  // ---- alerts and install results

  insertAlert(a: { vin: string; serial: string | null; manifestId: number | null; kind: string; detail: string; now: string }): void {
    this.sql.exec("INSERT INTO alerts (vin, ecu_serial, manifest_id, kind, detail, created_at) VALUES (?, ?, ?, ?, ?, ?)", [a.vin, a.serial, a.manifestId, a.kind, a.detail, a.now]);
  }

  alertsOf(vin: string): AlertRow[] {
    return this.sql.all("SELECT * FROM alerts WHERE vin = ? ORDER BY id", [vin]) as AlertRow[];
  }

  /** The vehicle's newest alert, or undefined. */
  lastAlert(vin: string): AlertRow | undefined {
    return this.sql.get("SELECT * FROM alerts WHERE vin = ? ORDER BY id DESC LIMIT 1", [vin]) as AlertRow | undefined;
  }

  /** Alerts newest first, `limit` of them with ids below `before`, optionally of one vehicle or kind, or not acknowledged only. */
  alerts(q: { before?: number; limit: number; vin?: string; kind?: string; open?: boolean }): AlertRow[] {
    const where = ["id < ?"];
    const params: unknown[] = [q.before ?? Number.MAX_SAFE_INTEGER];
    if (q.vin !== undefined) {
      where.push("vin = ?");
      params.push(q.vin);
    }
    if (q.kind !== undefined) {
      where.push("kind = ?");
      params.push(q.kind);
    }
    if (q.open) where.push("acknowledged_at IS NULL");
    return this.sql.all(`SELECT * FROM alerts WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ?`, [...params, q.limit]) as AlertRow[];
  }

  /** Acknowledges alert `id` (by whom, when known: a console user); false when there is none or it is acknowledged already. */
  acknowledgeAlert(id: number, now: string, by: string | null = null): boolean {
    return this.sql.run("UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL", [now, by, id]) === 1;
  }

  alert(id: number): AlertRow | undefined {
    return this.sql.get("SELECT * FROM alerts WHERE id = ?", [id]) as AlertRow | undefined;
  }

  /** The vehicle's newest install results. */
  installHistory(vin: string, limit: number): Array<{ id: number; ecu_serial: string; filename: string; success: number; code: string; detail: string; received_at: string }> {
    return this.sql.all("SELECT r.id, r.ecu_serial, r.filename, r.success, r.code, r.detail, m.received_at FROM install_results r JOIN manifests m ON m.id = r.manifest_id WHERE r.vin = ? ORDER BY r.id DESC LIMIT ?", [vin, limit]) as Array<{ id: number; ecu_serial: string; filename: string; success: number; code: string; detail: string; received_at: string }>;
  }

  insertInstallResult(r: { manifestId: number; vin: string; serial: string; assignmentId: number | null; filename: string; success: boolean; code: string; detail: string }): void {
    this.sql.exec("INSERT INTO install_results (manifest_id, vin, ecu_serial, assignment_id, filename, success, code, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [r.manifestId, r.vin, r.serial, r.assignmentId, r.filename, r.success ? 1 : 0, r.code, r.detail]);
  }

  // ---- campaigns and assignments

  insertCampaign(c: { hardwareId: string; target: string; stage: "group" | "all"; now: string; maxFailures?: number | null; maxFailurePercent?: number | null; groupVins?: string[] | null }): number {
    return this.sql.insert("INSERT INTO campaigns (hardware_id, target_name, stage, created_at, state, state_changed_at, max_failures, max_failure_percent, group_vins) VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?)", [
      c.hardwareId,
      c.target,
      c.stage,
      c.now,
      c.now,
      c.maxFailures ?? null,
      c.maxFailurePercent ?? null,
      c.groupVins ? JSON.stringify(c.groupVins) : null,
    ]);
  }

  campaign(id: number): CampaignRow | undefined {
    return this.sql.get("SELECT * FROM campaigns WHERE id = ?", [id]) as CampaignRow | undefined;
  }

  /** Campaigns, newest first, `limit` of them with ids below `before`. */
  campaigns(page: { before?: number; limit: number }): CampaignRow[] {
    return this.sql.all("SELECT * FROM campaigns WHERE id < ? ORDER BY id DESC LIMIT ?", [page.before ?? Number.MAX_SAFE_INTEGER, page.limit]) as CampaignRow[];
  }

  /** Campaigns of target `name` that are not cancelled (e.g. to pause those of a withdrawn image). */
  campaignsNaming(name: string): CampaignRow[] {
    return this.sql.all("SELECT * FROM campaigns WHERE target_name = ? AND state != 'cancelled' ORDER BY id", [name]) as CampaignRow[];
  }

  setCampaignState(id: number, state: CampaignRow["state"], detail: string | null, now: string): void {
    this.sql.run("UPDATE campaigns SET state = ?, state_detail = ?, state_changed_at = ? WHERE id = ?", [state, detail, now, id]);
  }

  setCampaignStage(id: number, stage: CampaignRow["stage"]): void {
    this.sql.run("UPDATE campaigns SET stage = ? WHERE id = ?", [stage, id]);
  }

  /** The campaign's assignments of some statuses (all when none given). */
  campaignAssignments(id: number, statuses?: AssignmentRow["status"][]): AssignmentRow[] {
    if (!statuses) return this.sql.all("SELECT * FROM assignments WHERE campaign_id = ? ORDER BY id", [id]) as AssignmentRow[];
    return this.sql.all(`SELECT * FROM assignments WHERE campaign_id = ? AND status IN (${statuses.map(() => "?").join(", ")}) ORDER BY id`, [id, ...statuses]) as AssignmentRow[];
  }

  /** How many of the campaign's assignments are in each stage and status. */
  campaignCounts(id: number): Array<{ stage: CampaignRow["stage"]; status: AssignmentRow["status"]; n: number }> {
    return this.sql.all("SELECT stage, status, COUNT(*) AS n FROM assignments WHERE campaign_id = ? GROUP BY stage, status", [id]) as Array<{ stage: CampaignRow["stage"]; status: AssignmentRow["status"]; n: number }>;
  }

  /** Per stage, the campaign's published assignments whose vehicle sent no manifest since `since`. */
  campaignSilent(id: number, since: string): Array<{ stage: CampaignRow["stage"]; n: number }> {
    return this.sql.all(
      "SELECT a.stage, COUNT(*) AS n FROM assignments a JOIN vehicles v ON v.vin = a.vin WHERE a.campaign_id = ? AND a.status = 'published' AND (v.last_manifest_at IS NULL OR v.last_manifest_at < ?) GROUP BY a.stage",
      [id, since],
    ) as Array<{ stage: CampaignRow["stage"]; n: number }>;
  }

  // ---- a campaign's progress over time (migration 15)

  insertCampaignProgress(r: CampaignProgressRow): void {
    this.sql.run("INSERT INTO campaign_progress (campaign_id, stage, at, queued, published, installed, failed, withdrawn, not_reporting) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
      r.campaign_id, r.stage, r.at, r.queued, r.published, r.installed, r.failed, r.withdrawn, r.not_reporting,
    ]);
  }

  /** The newest recorded counts of a campaign's stage. */
  latestCampaignProgress(id: number, stage: CampaignRow["stage"]): CampaignProgressRow | undefined {
    const row = this.sql.get("SELECT * FROM campaign_progress WHERE campaign_id = ? AND stage = ? ORDER BY id DESC LIMIT 1", [id, stage]) as CampaignProgressRow | undefined;
    return row && progressRow(row);
  }

  /** The newest `limit` rows of a campaign's progress, oldest first. */
  campaignProgressRows(id: number, limit: number): CampaignProgressRow[] {
    const rows = this.sql.all("SELECT * FROM campaign_progress WHERE campaign_id = ? ORDER BY id DESC LIMIT ?", [id, limit]) as CampaignProgressRow[];
    return rows.reverse().map(progressRow);
  }

  /** Campaigns whose counts may still change (not cancelled), newest first, at most `limit`. */
  openCampaignIds(limit: number): number[] {
    return (this.sql.all("SELECT id FROM campaigns WHERE state != 'cancelled' ORDER BY id DESC LIMIT ?", [limit]) as { id: number }[]).map((r) => Number(r.id));
  }

  /** A page of the campaign's assignments (ids above `after`), with the vehicle's last manifest time and the ECU's last install code. */
  campaignVehicles(id: number, page: { after?: number; limit: number }): CampaignVehicleRow[] {
    return this.sql.all(
      "SELECT a.id, a.vin, a.ecu_serial, a.stage, a.status, v.last_manifest_at, (SELECT r.code FROM install_results r WHERE r.assignment_id = a.id ORDER BY r.id DESC LIMIT 1) AS code, (SELECT r.detail FROM install_results r WHERE r.assignment_id = a.id ORDER BY r.id DESC LIMIT 1) AS detail FROM assignments a JOIN vehicles v ON v.vin = a.vin WHERE a.campaign_id = ? AND a.id > ? ORDER BY a.id LIMIT ?",
      [id, page.after ?? 0, page.limit],
    ) as CampaignVehicleRow[];
  }

  /** Of `ids`, the campaigns that are not active (their queued assignments are held). */
  inactiveCampaigns(ids: number[]): Set<number> {
    if (ids.length === 0) return new Set();
    const rows = this.sql.all(`SELECT id FROM campaigns WHERE state != 'active' AND id IN (${ids.map(() => "?").join(", ")})`, ids) as { id: number }[];
    return new Set(rows.map((r) => r.id));
  }

  insertAssignment(a: { vin: string; serial: string; target: string; length: number; hashes: string; custom: string; releaseCounter: number; campaignId: number | null; stage?: CampaignRow["stage"] | null; now: string }): number {
    return this.sql.insert("INSERT INTO assignments (vin, ecu_serial, target_name, length, hashes, custom, release_counter, campaign_id, stage, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)", [a.vin, a.serial, a.target, a.length, a.hashes, a.custom, a.releaseCounter, a.campaignId, a.stage ?? null, a.now]);
  }

  assignmentsOf(vin: string, status?: AssignmentRow["status"]): AssignmentRow[] {
    if (!status) {
      const p = this.takePrefetched("assignments", vin);
      if (p !== NOT_PREFETCHED) return p;
    }
    if (status) return this.sql.all("SELECT * FROM assignments WHERE vin = ? AND status = ? ORDER BY id", [vin, status]) as AssignmentRow[];
    return this.sql.all("SELECT * FROM assignments WHERE vin = ? ORDER BY id", [vin]) as AssignmentRow[];
  }

  /** Queued or published assignments of the vehicle's ECUs (one query). */
  openAssignmentsOfVehicle(vin: string): AssignmentRow[] {
    return this.sql.all("SELECT * FROM assignments WHERE vin = ? AND status IN ('queued', 'published') ORDER BY id", [vin]) as AssignmentRow[];
  }

  /** Every ECU the vehicle ever had, retired ones included (one query). */
  allEcusOf(vin: string): EcuRow[] {
    return this.sql.all("SELECT * FROM ecus WHERE vin = ? ORDER BY serial", [vin]) as EcuRow[];
  }

  /** Queued or published assignments of this ECU (not yet confirmed either way). */
  openAssignmentsOfEcu(serial: string): AssignmentRow[] {
    return this.sql.all("SELECT * FROM assignments WHERE ecu_serial = ? AND status IN ('queued', 'published') ORDER BY id", [serial]) as AssignmentRow[];
  }

  setAssignmentStatus(id: number, status: AssignmentRow["status"], bundle?: number): void {
    if (bundle === undefined) this.sql.exec("UPDATE assignments SET status = ? WHERE id = ?", [status, id]);
    else this.sql.exec("UPDATE assignments SET status = ?, bundle = ? WHERE id = ?", [status, bundle, id]);
  }

  // ---- encrypted images (README "Per-ECU image encryption")

  insertEncryptedImage(e: { assignmentId: number; vin: string; name: string; length: number; hashes: string; encryption: string; bytes: Uint8Array }): void {
    this.sql.run("INSERT INTO encrypted_images (assignment_id, vin, name, length, hashes, encryption, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)", [e.assignmentId, e.vin, e.name, e.length, e.hashes, e.encryption, e.bytes]);
  }

  /** The encrypted entries of a vehicle's assignments, by assignment id (bytes not read). */
  encryptedEntriesOf(vin: string): Map<number, EncryptedImageRow> {
    const rows = this.sql.all("SELECT assignment_id, vin, name, length, hashes, encryption FROM encrypted_images WHERE vin = ?", [vin]) as EncryptedImageRow[];
    return new Map(rows.map((r) => [Number(r.assignment_id), r]));
  }

  /** The ciphertext the vehicle's open assignment named `name` is served, or null (none, or removed). */
  encryptedImageBytes(vin: string, name: string): Buffer | null {
    const row = this.sql.get(
      "SELECT e.bytes AS bytes FROM encrypted_images e JOIN assignments a ON a.id = e.assignment_id WHERE e.vin = ? AND e.name = ? AND e.bytes IS NOT NULL AND a.status = 'published' ORDER BY e.assignment_id DESC LIMIT 1",
      [vin, name],
    ) as { bytes: Uint8Array } | undefined;
    return row ? Buffer.from(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength) : null;
  }

  /**
   * Removes the ciphertext of every assignment no longer open (installed, failed,
   * superseded), of one vehicle or of all; returns how many and their bytes (with `dryRun`,
   * what it would remove).
   */
  /** dropClosedEncryptedImages for one vehicle, as a statement nobody waits for (each `advance` runs it). */
  dropClosedEncryptedImagesOf(vin: string): void {
    this.sql.exec("UPDATE encrypted_images SET bytes = NULL WHERE bytes IS NOT NULL AND assignment_id IN (SELECT id FROM assignments WHERE status NOT IN ('queued', 'published')) AND vin = ?", [vin]);
  }

  dropClosedEncryptedImages(vin?: string, dryRun = false): { images: number; bytes: number } {
    const where = "bytes IS NOT NULL AND assignment_id IN (SELECT id FROM assignments WHERE status NOT IN ('queued', 'published'))" + (vin === undefined ? "" : " AND vin = ?");
    const params = vin === undefined ? [] : [vin];
    const r = this.sql.get(`SELECT COUNT(*) AS n, COALESCE(SUM(length), 0) AS b FROM encrypted_images WHERE ${where}`, params) as { n: number; b: number };
    if (Number(r.n) > 0 && !dryRun) this.sql.run(`UPDATE encrypted_images SET bytes = NULL WHERE ${where}`, params);
    return { images: Number(r.n), bytes: Number(r.b) };
  }

  // ---- dependencies and conflicts between images

  insertImageRule(r: { image: string; kind: ImageRuleRow["kind"]; otherName: string | null; otherHardwareId: string | null; minReleaseCounter: number | null; now: string }): number {
    return this.sql.insert("INSERT INTO image_rules (image, kind, other_name, other_hardware_id, min_release_counter, created_at) VALUES (?, ?, ?, ?, ?, ?)", [r.image, r.kind, r.otherName, r.otherHardwareId, r.minReleaseCounter, r.now]);
  }

  /** Removes a rule; false when there is none with that id. */
  deleteImageRule(id: number): boolean {
    return this.sql.run("DELETE FROM image_rules WHERE id = ?", [id]) === 1;
  }

  /** Every rule, or those about one image, oldest first. */
  imageRules(image?: string): ImageRuleRow[] {
    const rows = image === undefined ? this.sql.all("SELECT * FROM image_rules ORDER BY id") : this.sql.all("SELECT * FROM image_rules WHERE image = ? ORDER BY id", [image]);
    return (rows as ImageRuleRow[]);
  }

  /** The rules about any of `images` (one query; none when the list is empty). */
  rulesForImages(images: string[]): ImageRuleRow[] {
    if (images.length === 0) return [];
    return (this.sql.all(`SELECT * FROM image_rules WHERE image IN (${images.map(() => "?").join(", ")}) ORDER BY id`, images) as ImageRuleRow[]);
  }

  // ---- Director metadata

  latestMetadata(vin: string, role: MetadataRow["role"]): MetadataRow | undefined {
    return this.sql.get("SELECT * FROM director_metadata WHERE vin = ? AND role = ? ORDER BY version DESC LIMIT 1", [vin, role]) as MetadataRow | undefined;
  }

  /** The newest version of each of the vehicle's roles (one query). */
  latestChain(vin: string): Partial<Record<MetadataRow["role"], MetadataRow>> {
    const p = this.takePrefetched("chains", vin);
    if (p !== NOT_PREFETCHED) return p;
    const rows = this.sql.all<MetadataRow>("SELECT * FROM director_metadata m WHERE vin = ? AND version = (SELECT MAX(version) FROM director_metadata WHERE vin = m.vin AND role = m.role)", [vin]);
    return Object.fromEntries(rows.map((r) => [r.role, r]));
  }

  /** The expiry of the newest version of each of the vehicle's roles (one query). */
  latestExpiries(vin: string): Partial<Record<MetadataRow["role"], string>> {
    const rows = this.sql.all<{ role: MetadataRow["role"]; expires: string }>(
      "SELECT role, expires FROM director_metadata m WHERE vin = ? AND version = (SELECT MAX(version) FROM director_metadata WHERE vin = m.vin AND role = m.role)",
      [vin],
    );
    return Object.fromEntries(rows.map((r) => [r.role, r.expires]));
  }

  /** Vehicles in service whose newest version of some role expires before that role's bound (ISO times compare as text). */
  vinsWithMetadataExpiringBefore(bounds: Record<MetadataRow["role"], string>): string[] {
    return this.sql
      .all<{ vin: string }>(
        "SELECT DISTINCT m.vin FROM director_metadata m JOIN vehicles v ON v.vin = m.vin WHERE v.decommissioned_at IS NULL AND m.version = (SELECT MAX(version) FROM director_metadata WHERE vin = m.vin AND role = m.role) AND ((m.role = 'targets' AND m.expires < ?) OR (m.role = 'snapshot' AND m.expires < ?) OR (m.role = 'timestamp' AND m.expires < ?)) ORDER BY m.vin",
        [bounds.targets, bounds.snapshot, bounds.timestamp],
      )
      .map((r) => r.vin);
  }

  insertMetadata(m: MetadataRow): void {
    this.sql.exec("INSERT INTO director_metadata (vin, role, version, expires, json) VALUES (?, ?, ?, ?, ?)", [m.vin, m.role, m.version, m.expires, m.json]);
  }

  metadataVersion(vin: string, role: MetadataRow["role"], version: number): MetadataRow | undefined {
    return this.sql.get("SELECT * FROM director_metadata WHERE vin = ? AND role = ? AND version = ?", [vin, role, version]) as MetadataRow | undefined;
  }

  /** The Director root of `version` as signed (its served bytes), or undefined. */
  directorRoot(version: number): string | undefined {
    return (this.sql.get("SELECT json FROM director_roots WHERE version = ?", [version]) as { json: string } | undefined)?.json;
  }

  directorRootVersions(): number[] {
    return (this.sql.all("SELECT version FROM director_roots ORDER BY version") as { version: number }[]).map((r) => r.version);
  }

  /** `published`: false while its file is not written yet (a rotation publishes it after every vehicle's metadata). */
  insertDirectorRoot(version: number, json: string, published = true): void {
    this.sql.run("INSERT INTO director_roots (version, json, published) VALUES (?, ?, ?)", [version, json, published ? 1 : 0]);
  }

  latestDirectorRootVersion(): number {
    if (this.prefetched?.rootVersion !== undefined) return this.prefetched.rootVersion;
    return (this.sql.get("SELECT MAX(version) AS v FROM director_roots") as { v: number | null }).v ?? 0;
  }

  directorRootPublished(version: number): boolean {
    return (this.sql.get("SELECT published FROM director_roots WHERE version = ?", [version]) as { published: number } | undefined)?.published !== 0;
  }

  unpublishedDirectorRoots(): number[] {
    return (this.sql.all("SELECT version FROM director_roots WHERE published = 0 ORDER BY version") as { version: number }[]).map((r) => r.version);
  }

  setDirectorRootPublished(version: number): void {
    this.sql.run("UPDATE director_roots SET published = 1 WHERE version = ?", [version]);
  }

  /** Alerts about the backend as a whole (files not tied to one vehicle), stored with vin ''. */
  backendAlerts(): AlertRow[] {
    return this.alertsOf("");
  }

  publishedTimestampVersion(vin: string): number {
    return (this.sql.get("SELECT published_timestamp_version AS v FROM vehicles WHERE vin = ?", [vin]) as { v: number } | undefined)?.v ?? 0;
  }

  setPublishedTimestampVersion(vin: string, version: number): void {
    this.sql.run("UPDATE vehicles SET published_timestamp_version = ? WHERE vin = ? AND published_timestamp_version < ?", [version, vin, version]);
  }

  /** Vehicles whose newest signed metadata has not reached the disk yet (a crash between commit and file write). */
  vinsWithUnpublishedMetadata(): string[] {
    return (
      this.sql.all("SELECT v.vin FROM vehicles v JOIN director_metadata m ON m.vin = v.vin AND m.role = 'timestamp' GROUP BY v.vin HAVING MAX(m.version) > v.published_timestamp_version", []) as { vin: string }[]
    ).map((r) => r.vin);
  }
}

