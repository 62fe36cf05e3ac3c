// The read-only questions only the OEM console asks of the inventory (README "Backend: OEM
// console"; the lists the CLI and the API share are backend/director/fleet-view.ts): the
// fleet page's listing with its search and filters, paged by VIN both ways (keyset: each
// page is one indexed range query however deep it is, so 100,000 vehicles page as fast as
// 100) with the total, its counts per installed image and hardware ID, a vehicle's
// manifest history, and a campaign's progress over time. The same SQL on SQLite and
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
      where.push("v.vin IN (SELECT e.vin FROM ecus e WHERE e.hardware_id = ?)");
      params.push(f.hardwareId);
    }
    if (f.image) {
      where.push("v.vin IN (SELECT e.vin FROM ecus e WHERE e.installed_filename = ?)");
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
      `SELECT vin, hardware_id, installed_filename FROM ecus WHERE vin IN (${marks}) ORDER BY vin, serial`,
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

  /** ECUs per installed image (name '' when nothing is installed), most first. */
  ecusPerImage(limit = 12): Count[] {
    return this.sql.all<{ name: string; n: number }>("SELECT COALESCE(installed_filename, '') AS name, COUNT(*) AS n FROM ecus GROUP BY COALESCE(installed_filename, '') ORDER BY n DESC, name LIMIT ?", [limit]).map((r) => ({ name: r.name, count: r.n }));
  }

  /** ECUs per hardware ID, most first. */
  ecusPerHardwareId(limit = 12): Count[] {
    return this.sql.all<{ name: string; n: number }>("SELECT hardware_id AS name, COUNT(*) AS n FROM ecus GROUP BY hardware_id ORDER BY n DESC, name LIMIT ?", [limit]).map((r) => ({ name: r.name, count: r.n }));
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

  // ---- campaigns

  /**
   * A campaign's progress over time, from what is recorded: each assignment counts as
   * published from its creation, installed or failed from the manifest that reported it;
   * silent is published with no answer yet. At most `points` times (evenly picked, the last kept).
   */
  campaignProgress(id: number, points = 60): { times: string[]; published: number[]; installed: number[]; failed: number[]; silent: number[] } {
    const assigned = this.sql.all<{ at: string }>("SELECT created_at AS at FROM assignments WHERE campaign_id = ? ORDER BY created_at", [id]);
    const results = this.sql.all<{ at: string; success: number }>(
      "SELECT m.received_at AS at, r.success FROM install_results r JOIN manifests m ON m.id = r.manifest_id JOIN assignments a ON a.id = r.assignment_id WHERE a.campaign_id = ? ORDER BY m.received_at",
      [id],
    );
    const events = [...assigned.map((a) => ({ at: a.at, kind: "published" as const })), ...results.map((r) => ({ at: r.at, kind: r.success === 1 ? ("installed" as const) : ("failed" as const) }))].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const out = { times: [] as string[], published: [] as number[], installed: [] as number[], failed: [] as number[], silent: [] as number[] };
    const c = { published: 0, installed: 0, failed: 0 };
    events.forEach((e, i) => {
      c[e.kind]++;
      if (i + 1 < events.length && events[i + 1]!.at === e.at) return; // one point per time
      out.times.push(e.at);
      out.published.push(c.published);
      out.installed.push(c.installed);
      out.failed.push(c.failed);
      out.silent.push(Math.max(0, c.published - c.installed - c.failed));
    });
    if (out.times.length <= points) return out;
    const keep = (_: unknown, i: number) => i === out.times.length - 1 || i % Math.ceil(out.times.length / points) === 0;
    return { times: out.times.filter(keep), published: out.published.filter(keep), installed: out.installed.filter(keep), failed: out.failed.filter(keep), silent: out.silent.filter(keep) };
  }
}
