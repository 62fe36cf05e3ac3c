// The read-only questions only the OEM console asks of the inventory (README "Backend: OEM
// console"; the lists the CLI and the API share are backend/director/fleet-view.ts): the
// fleet page's listing with its search and filters, paged by VIN both ways (keyset: each
// page is one indexed range query however deep it is, so 100,000 vehicles page as fast as
// 100) with the total, its counts per installed image and hardware ID, a vehicle's
// manifest history. The same SQL on SQLite and
// PostgreSQL, like inventory.ts.
import type { Inventory } from "./inventory.ts";

export const FLEET_PAGE_SIZE = 50;

export interface FleetFilter {
  /** Part of the VIN, any case. */
  vin?: string;
  hardwareId?: string;
  /** An installed image's target name. */
  image?: string;
  /** recent: a manifest in the last day; silent: none for 7 days (or never); never: none yet. */
  lastSeen?: "recent" | "silent" | "never";
  /** Only vehicles with an alert nobody acknowledged. */
  openAlerts?: boolean;
}

export interface VehicleSummary {
  vin: string;
  profile: string;
  ecus: number;
  hardwareIds: string[];
  images: string[];
  /** When the Director last received a manifest of it. */
  lastManifestAt: string | null;
  openAlerts: number;
}

export interface FleetPage {
  /** Vehicles matching the filter, over all pages. */
  total: number;
  vehicles: VehicleSummary[];
  /** The VIN to page after (a next page exists), or null. */
  next: string | null;
  /** The VIN to page before (a previous page exists), or null. */
  previous: string | null;
}

export interface Count {
  name: string;
  count: number;
}

const DAY_MS = 86_400_000;


/** A LIKE pattern for `text` anywhere, `!` escaping LIKE's own characters. */
function containing(text: string): string {
  return `%${text.toUpperCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

export class ConsoleQueries {
  constructor(
    private readonly inventory: Inventory,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get sql() {
    return this.inventory.sql;
  }

  private fleetWhere(f: FleetFilter): { where: string[]; params: unknown[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.vin) {
      where.push("UPPER(v.vin) LIKE ? ESCAPE '!'");
      params.push(containing(f.vin));
    }
    if (f.hardwareId) {
      // Uncorrelated `IN (...)`: the set is made once (a correlated EXISTS walked the hardware ID's index once per vehicle).
      where.push("v.vin IN (SELECT e.vin FROM ecus e WHERE e.hardware_id = ? AND e.retired_at IS NULL)");
      params.push(f.hardwareId);
    }
    if (f.image) {
      where.push("v.vin IN (SELECT e.vin FROM ecus e WHERE e.installed_filename = ? AND e.retired_at IS NULL)");
      params.push(f.image);
    }
    const lastReport = "v.last_manifest_at";
    if (f.lastSeen === "recent") {
      where.push(`${lastReport} >= ?`);
      params.push(new Date(this.now().getTime() - DAY_MS).toISOString());
    } else if (f.lastSeen === "silent") {
      where.push(`(${lastReport} IS NULL OR ${lastReport} < ?)`);
      params.push(new Date(this.now().getTime() - 7 * DAY_MS).toISOString());
    } else if (f.lastSeen === "never") {
      where.push(`${lastReport} IS NULL`);
    }
    if (f.openAlerts) where.push("v.vin IN (SELECT a.vin FROM alerts a WHERE a.acknowledged_at IS NULL)");
    return { where, params };
  }

  /** One page of vehicles matching `filter`, in VIN order, after or before a VIN (keyset paging). */
  fleet(filter: FleetFilter, at: { after?: string; before?: string } = {}, size = FLEET_PAGE_SIZE): FleetPage {
    const { where, params } = this.fleetWhere(filter);
    const clause = (extra: string[]) => (where.length + extra.length > 0 ? ` WHERE ${[...where, ...extra].join(" AND ")}` : "");
    const total = (this.sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM vehicles v${clause([])}`, params)!).n;
    const backwards = at.before !== undefined && at.after === undefined;
    const bound = backwards ? at.before : at.after;
    const rows = this.sql.all<{ vin: string; profile: string; last: string | null }>(
      `SELECT v.vin, v.client_profile AS profile, v.last_manifest_at AS last FROM vehicles v${clause(bound === undefined ? [] : [backwards ? "v.vin < ?" : "v.vin > ?"])} ORDER BY v.vin ${backwards ? "DESC" : "ASC"} LIMIT ?`,
      [...params, ...(bound === undefined ? [] : [bound]), size + 1],
    );
    const more = rows.length > size;
    const page = rows.slice(0, size);
    if (backwards) page.reverse();
    const first = page[0]?.vin;
    const last = page[page.length - 1]?.vin;
    // The other direction: a page that came from somewhere has a page that way too, if any row is there.
    const exists = (cmp: string, vin: string) => this.sql.get(`SELECT 1 AS x FROM vehicles v${clause([cmp])} LIMIT 1`, [...params, vin]) !== undefined;
    const next = last === undefined ? null : backwards ? (exists("v.vin > ?", last) ? last : null) : more ? last : null;
    const previous = first === undefined ? null : backwards ? (more ? first : null) : bound !== undefined && exists("v.vin < ?", first) ? first : null;
    return { total, vehicles: this.summaries(page), next, previous };
  }

  private summaries(page: Array<{ vin: string; profile: string; last: string | null }>): VehicleSummary[] {
    if (page.length === 0) return [];
    const marks = page.map(() => "?").join(", ");
    const vins = page.map((p) => p.vin);
    const ecus = this.sql.all<{ vin: string; hardware_id: string; installed_filename: string | null }>(
      `SELECT vin, hardware_id, installed_filename FROM ecus WHERE vin IN (${marks}) AND retired_at IS NULL ORDER BY vin, serial`,
      vins,
    );
    const alerts = this.sql.all<{ vin: string; n: number }>(`SELECT vin, COUNT(*) AS n FROM alerts WHERE vin IN (${marks}) AND acknowledged_at IS NULL GROUP BY vin`, vins);
    const open = new Map(alerts.map((a) => [a.vin, a.n]));
    return page.map(({ vin, profile, last }) => {
      const own = ecus.filter((e) => e.vin === vin);
      return {
        vin,
        profile,
        ecus: own.length,
        hardwareIds: [...new Set(own.map((e) => e.hardware_id))],
        images: [...new Set(own.map((e) => e.installed_filename).filter((n): n is string => n !== null))],
        lastManifestAt: last,
        openAlerts: open.get(vin) ?? 0,
      };
    });
  }

  /** ECUs per installed image (name '' when nothing is installed), most first: ECUs in service only (not retired by a workshop, not in a decommissioned vehicle). */
  ecusPerImage(limit = 12): Count[] {
    return this.inServiceCounts("COALESCE(installed_filename, '')", limit);
  }

  /** ECUs per hardware ID, most first: ECUs in service only, as ecusPerImage. */
  ecusPerHardwareId(limit = 12): Count[] {
    return this.inServiceCounts("hardware_id", limit);
  }

  /**
   * Counts per `expr` of the ECUs in service: every row counted from the index alone, less
   * the few out of service (retired ECUs, and the others of decommissioned vehicles), each
   * found through a partial index (migration 15). Filtering every row instead would read the
   * table behind the index: four to twelve times slower at 100,000 vehicles (README).
   */
  private inServiceCounts(expr: string, limit: number): Count[] {
    const counts = new Map<string, number>();
    for (const r of this.sql.all<{ name: string; n: number }>(`SELECT ${expr} AS name, COUNT(*) AS n FROM ecus GROUP BY ${expr}`)) counts.set(r.name, Number(r.n));
    // Rows, not groups: a GROUP BY here would walk a whole index in its order instead of the partial one.
    const gone = [
      ...this.sql.all<{ name: string }>(`SELECT ${expr} AS name FROM ecus WHERE retired_at IS NOT NULL`),
      ...this.sql.all<{ name: string }>(`SELECT ${expr} AS name FROM ecus WHERE vin IN (SELECT d.vin FROM vehicles d WHERE d.decommissioned_at IS NOT NULL) AND retired_at IS NULL`),
    ];
    for (const g of gone) counts.set(g.name, (counts.get(g.name) ?? 0) - 1);
    return [...counts]
      .filter(([, n]) => n > 0)
      .map(([name, count]) => ({ name, count }))
      .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .slice(0, limit);
  }

  // ---- one vehicle

  /** The newest manifests with what each ECU reported in them. */
  manifests(vin: string, limit = 20): Array<{ id: number; receivedAt: string; primarySerial: string; reports: Array<{ serial: string; installed: string | null; releaseCounter: number; attacks: string }> }> {
    const rows = this.sql.all<{ id: number; received_at: string; primary_serial: string }>("SELECT id, received_at, primary_serial FROM manifests WHERE vin = ? ORDER BY id DESC LIMIT ?", [vin, limit]);
    if (rows.length === 0) return [];
    const reports = this.sql.all<{ manifest_id: number; ecu_serial: string; installed_filename: string | null; release_counter: number; attacks_detected: string }>(
      `SELECT manifest_id, ecu_serial, installed_filename, release_counter, attacks_detected FROM ecu_reports WHERE manifest_id IN (${rows.map(() => "?").join(", ")}) ORDER BY ecu_serial`,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      id: r.id,
      receivedAt: r.received_at,
      primarySerial: r.primary_serial,
      reports: reports.filter((p) => p.manifest_id === r.id).map((p) => ({ serial: p.ecu_serial, installed: p.installed_filename, releaseCounter: p.release_counter, attacks: p.attacks_detected })),
    }));
  }

  // ---- alerts

  /** The kinds of alert recorded, for the alerts page's filter. */
  alertKinds(): string[] {
    return this.sql.all<{ kind: string }>("SELECT DISTINCT kind FROM alerts ORDER BY kind LIMIT 100").map((r) => r.kind);
  }
}
