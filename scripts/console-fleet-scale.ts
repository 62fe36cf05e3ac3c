// How the console's fleet page holds at scale (README "Backend: OEM console"): an inventory
// of N vehicles (default 100,000; two ECUs each, a quarter reporting an installed image,
// one in 500 with an open alert, one ECU in 1,000 retired by a workshop and one vehicle in
// 2,000 decommissioned), then the page queries the fleet page runs, each timed
// as the median of 5 runs. Usage: node --import tsx scripts/console-fleet-scale.ts [N] [--postgres]
// (--postgres: a throw-away cluster, as the tests use). Prints one line per query.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Inventory } from "../backend/inventory/inventory.ts";
import { ConsoleQueries, type FleetFilter } from "../backend/inventory/console-queries.ts";

const args = process.argv.slice(2);
const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const postgres = args.includes("--postgres");
const folder = mkdtempSync(join(tmpdir(), "console-scale-"));
let location = join(folder, "inventory.sqlite");
let stopCluster = () => {};
if (postgres) {
  const { startCluster } = await import("../tests/helpers/postgres.ts");
  const cluster = startCluster({ fsync: false });
  stopCluster = () => cluster.stop();
  location = cluster.url("postgres");
}
const vin = (i: number) => `WSCALE${String(i).padStart(7, "0")}`;
const inventory = Inventory.open(location);
try {
  const started = performance.now();
  for (let from = 0; from < n; from += 5000) {
    inventory.transaction(() => {
      for (let i = from; i < Math.min(n, from + 5000); i++) {
        inventory.insertVehicle(vin(i), "2026-01-01T00:00:00Z");
        inventory.insertEcu({ serial: `${vin(i)}-gw`, vin: vin(i), hardwareId: "gateway", publicKey: `a${i}`, keyid: `a${i}`, primary: true });
        inventory.insertEcu({ serial: `${vin(i)}-br`, vin: vin(i), hardwareId: i % 50 === 0 ? "brake-ctl-b" : "brake-ctl", publicKey: `b${i}`, keyid: `b${i}`, primary: false });
        if (i % 4 === 0) {
          inventory.recordInstalled(`${vin(i)}-br`, { filename: i % 8 === 0 ? "oem/brake-2.bin" : "oem/brake-1.bin", length: 1, hashes: "{}", releaseCounter: 1, reportTime: "2026-05-31T18:00:00Z" });
          inventory.setLastManifestAt(vin(i), "2026-05-31T18:00:00Z");
        }
        if (i % 1000 === 1) inventory.retireEcu(`${vin(i)}-br`, "2026-05-01T00:00:00Z");
        if (i % 2000 === 3) inventory.decommissionVehicle(vin(i), "2026-05-01T00:00:00Z");
        if (i % 500 === 0) inventory.insertAlert({ vin: vin(i), serial: null, manifestId: null, kind: "attack", detail: "refused", now: "2026-05-31T18:00:00Z" });
      }
    });
  }
  console.log(`${postgres ? "PostgreSQL" : "SQLite"}: ${n} vehicles, ${2 * n} ECUs inserted in ${Math.round(performance.now() - started)} ms`);
  const view = new ConsoleQueries(inventory, () => new Date("2026-06-01T00:00:00Z"));
  const time = (label: string, fn: () => unknown) => {
    const runs: number[] = [];
    let result: unknown;
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      result = fn();
      runs.push(performance.now() - t);
    }
    runs.sort((a, b) => a - b);
    console.log(`${label.padEnd(58)} ${runs[2]!.toFixed(1).padStart(8)} ms  ${JSON.stringify(result).slice(0, 60)}`);
  };
  const page = (filter: FleetFilter, at: { after?: string; before?: string } = {}) => () => {
    const p = view.fleet(filter, at);
    return { total: p.total, first: p.vehicles[0]?.vin, rows: p.vehicles.length };
  };
  time("first page, no filter", page({}));
  time(`page after ${vin(Math.floor(n * 0.99))} (99% deep)`, page({}, { after: vin(Math.floor(n * 0.99)) }));
  time(`page before ${vin(Math.floor(n / 2))}`, page({}, { before: vin(Math.floor(n / 2)) }));
  time("VIN contains '00123'", page({ vin: "00123" }));
  time("hardware ID brake-ctl-b (2%)", page({ hardwareId: "brake-ctl-b" }));
  time("installed image oem/brake-2.bin (12.5%)", page({ image: "oem/brake-2.bin" }));
  time("open alerts (0.2%)", page({ openAlerts: true }));
  time("a manifest in the last day (25%)", page({ lastSeen: "recent" }));
  time("ECUs per installed image (chart)", () => view.ecusPerImage().length);
  time("ECUs per hardware ID (chart)", () => view.ecusPerHardwareId().length);
  // The baseline in the same run: the charts' counts over every ECU row, retired ones and decommissioned vehicles' included.
  time("baseline: per installed image, every ECU row", () => inventory.sql.all("SELECT COALESCE(installed_filename, '') AS name, COUNT(*) AS n FROM ecus GROUP BY COALESCE(installed_filename, '') ORDER BY n DESC, name LIMIT 12").length);
  time("baseline: per hardware ID, every ECU row", () => inventory.sql.all("SELECT hardware_id AS name, COUNT(*) AS n FROM ecus GROUP BY hardware_id ORDER BY n DESC, name LIMIT 12").length);
} finally {
  inventory.close();
  stopCluster();
  rmSync(folder, { recursive: true, force: true });
}
