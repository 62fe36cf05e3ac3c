// The console's fleet listing on SQLite and (UPTANE_TEST_INVENTORY=postgres) PostgreSQL:
// keyset pages forward and back visit every matching vehicle exactly once in VIN order,
// with the filters (VIN part in any case, hardware ID, installed image, last manifest,
// open alerts), LIKE's own characters taken literally; counts per image and hardware ID;
// an acknowledged alert leaves the open-alerts filter; retired ECUs and decommissioned
// vehicles count for nothing in the counts.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Inventory } from "../../backend/inventory/inventory.ts";
import { ConsoleQueries, type FleetFilter } from "../../backend/inventory/console-queries.ts";
import { INVENTORY_FILE } from "../../backend/inventory/location.ts";
import { acknowledgeAlert } from "../../backend/director/fleet-view.ts";
import { freshTestDatabase, inventoryEngineUnderTest } from "../helpers/postgres.ts";

const engine = inventoryEngineUnderTest();
const folders: string[] = [];
let inventory: Inventory;
const NOW = new Date("2026-06-01T12:00:00Z");
const N = 130;

function vin(i: number): string {
  return `Vx${String(i).padStart(4, "0")}`;
}

test.before(() => {
  let location: string;
  if (engine === "postgres") location = freshTestDatabase();
  else {
    const dir = mkdtempSync(join(tmpdir(), "fleet-view-test-"));
    folders.push(dir);
    location = join(dir, INVENTORY_FILE);
  }
  inventory = Inventory.open(location);
  inventory.transaction(() => {
    for (let i = 1; i <= N; i++) {
      inventory.insertVehicle(vin(i), "2026-01-01T00:00:00Z");
      inventory.insertEcu({ serial: `${vin(i)}-gw`, vin: vin(i), hardwareId: "gateway", publicKey: `k${i}a`, keyid: `k${i}a`, primary: true });
      inventory.insertEcu({ serial: `${vin(i)}-br`, vin: vin(i), hardwareId: i % 3 === 0 ? "brake_ctl" : "brake-ctl", publicKey: `k${i}b`, keyid: `k${i}b`, primary: false });
      // Every 4th reported yesterday, every 5th (not 4th) a month ago, the rest never.
      const reported = i % 4 === 0 ? "2026-05-31T18:00:00Z" : i % 5 === 0 ? "2026-05-01T00:00:00Z" : null;
      if (reported) {
        inventory.recordInstalled(`${vin(i)}-br`, { filename: i % 2 === 0 ? "oem/brake-2.bin" : "oem/brake-1.bin", length: 1, hashes: "{}", releaseCounter: 1, reportTime: reported });
        inventory.setLastManifestAt(vin(i), reported);
      }
    }
    for (const i of [7, 8, 9]) inventory.insertAlert({ vin: vin(i), serial: null, manifestId: null, kind: i === 9 ? "file-mismatch" : "attack", detail: `alert of ${vin(i)}`, now: "2026-05-02T00:00:00Z" });
  });
});

test.after(() => {
  inventory.close();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** Every VIN matching `filter`, by walking next pages of `size`, then back with previous pages. */
function walk(view: ConsoleQueries, filter: FleetFilter, size: number): { forward: string[]; backward: string[]; total: number } {
  const forward: string[] = [];
  let page = view.fleet(filter, {}, size);
  const total = page.total;
  forward.push(...page.vehicles.map((v) => v.vin));
  assert.is(page.previous, null, "the first page has no previous one");
  let guard = 0;
  while (page.next !== null && guard++ < 100) {
    page = view.fleet(filter, { after: page.next }, size);
    forward.push(...page.vehicles.map((v) => v.vin));
  }
  const backward: string[] = [...page.vehicles.map((v) => v.vin)];
  while (page.previous !== null && guard++ < 200) {
    page = view.fleet(filter, { before: page.previous }, size);
    backward.unshift(...page.vehicles.map((v) => v.vin));
  }
  return { forward, backward, total };
}

test(`${engine}: pages of 50 walk all ${N} vehicles once in VIN order, forward and back`, () => {
  const view = new ConsoleQueries(inventory, () => NOW);
  const all = Array.from({ length: N }, (_, i) => vin(i + 1));
  const { forward, backward, total } = walk(view, {}, 50);
  assert.is(total, N);
  assert.equal(forward, all);
  assert.equal(backward, all);
});

test(`${engine}: each filter, alone and together, pages exactly the matching vehicles`, () => {
  const view = new ConsoleQueries(inventory, () => NOW);
  const ids = (pred: (i: number) => boolean) => Array.from({ length: N }, (_, k) => k + 1).filter(pred).map(vin);
  const cases: Array<[FleetFilter, string[]]> = [
    [{ vin: "vX01" }, ids((i) => String(i).padStart(4, "0").startsWith("01"))],
    [{ vin: "%" }, []],
    [{ vin: "_" }, []],
    [{ hardwareId: "brake_ctl" }, ids((i) => i % 3 === 0)],
    [{ image: "oem/brake-2.bin" }, ids((i) => (i % 4 === 0 || i % 5 === 0) && i % 2 === 0)],
    [{ lastSeen: "recent" }, ids((i) => i % 4 === 0)],
    [{ lastSeen: "silent" }, ids((i) => i % 4 !== 0)],
    [{ lastSeen: "never" }, ids((i) => i % 4 !== 0 && i % 5 !== 0)],
    [{ openAlerts: true }, [vin(7), vin(8), vin(9)]],
    [{ hardwareId: "brake_ctl", lastSeen: "recent" }, ids((i) => i % 3 === 0 && i % 4 === 0)],
  ];
  for (const [filter, expected] of cases) {
    const { forward, backward, total } = walk(view, filter, 7);
    assert.equal(forward, expected, JSON.stringify(filter));
    assert.equal(backward, expected, `${JSON.stringify(filter)} backward`);
    assert.is(total, expected.length, JSON.stringify(filter));
  }
});

test(`${engine}: a page's vehicles carry their ECUs, images, last report and open alerts`, () => {
  const view = new ConsoleQueries(inventory, () => NOW);
  const v8 = view.fleet({ vin: vin(8) }).vehicles[0]!;
  assert.equal(v8, { vin: vin(8), profile: "uptane", ecus: 2, hardwareIds: ["brake-ctl", "gateway"], images: ["oem/brake-2.bin"], lastManifestAt: "2026-05-31T18:00:00Z", openAlerts: 1 });
  const images = view.ecusPerImage();
  assert.equal(images[0], { name: "", count: 2 * N - (Math.floor(N / 4) + Math.floor(N / 5) - Math.floor(N / 20)) });
  assert.equal(view.ecusPerHardwareId()[0], { name: "gateway", count: N });
});

test(`${engine}: an alert acknowledged (by a console user) leaves the open-alerts filter`, () => {
  const view = new ConsoleQueries(inventory, () => NOW);
  assert.equal(view.alertKinds(), ["attack", "file-mismatch"]);
  assert.equal(walk(view, { openAlerts: true }, 2).forward, [vin(7), vin(8), vin(9)]);
  const id = inventory.alertsOf(vin(9))[0]!.id;
  const acked = acknowledgeAlert(inventory, id, NOW.toISOString(), "maria");
  assert.is(acked.acknowledgedBy, "maria");
  assert.throws(() => acknowledgeAlert(inventory, id, NOW.toISOString(), "other"), /acknowledged at .* by maria/);
  assert.is(inventory.alert(id)!.acknowledged_by, "maria", "the first acknowledgement stays");
  assert.equal(walk(view, { openAlerts: true }, 2).forward, [vin(7), vin(8)]);
});

test(`${engine}: an ECU a workshop retired, and a decommissioned vehicle's ECUs, leave the counts per image and hardware ID`, () => {
  const view = new ConsoleQueries(inventory, () => NOW);
  const count = (list: Array<{ name: string; count: number }>, name: string) => list.find((c) => c.name === name)?.count ?? 0;
  const before = { images: view.ecusPerImage(), hardware: view.ecusPerHardwareId() };
  assert.ok(walk(view, { hardwareId: "brake-ctl" }, 50).forward.includes(vin(1)));
  inventory.transaction(() => {
    inventory.retireEcu(`${vin(1)}-br`, NOW.toISOString()); // brake-ctl, nothing installed
    inventory.decommissionVehicle(vin(8), NOW.toISOString()); // gateway, and brake-ctl with oem/brake-2.bin
  });
  const images = view.ecusPerImage();
  const hardware = view.ecusPerHardwareId();
  assert.is(count(images, ""), count(before.images, "") - 2, "vehicle 1's retired brake ECU and vehicle 8's gateway had nothing installed");
  assert.is(count(images, "oem/brake-2.bin"), count(before.images, "oem/brake-2.bin") - 1);
  assert.is(count(hardware, "gateway"), N - 1);
  assert.is(count(hardware, "brake-ctl"), count(before.hardware, "brake-ctl") - 2);
  // The listing: vehicle 1 has one ECU in service, and no longer matches its retired ECU's hardware ID.
  assert.equal(view.fleet({ vin: vin(1) }).vehicles.find((v) => v.vin === vin(1))!.hardwareIds, ["gateway"]);
  assert.not.ok(walk(view, { hardwareId: "brake-ctl" }, 50).forward.includes(vin(1)));
});

test.run();
