// The console's fleet listing on SQLite and (UPTANE_TEST_INVENTORY=postgres) PostgreSQL:
// keyset pages forward and back visit every matching vehicle exactly once in VIN order,
// with the filters (VIN part in any case, hardware ID, installed image, last report, open
// alerts), LIKE's own characters taken literally; counts per image and hardware ID;
// alerts paged newest first and acknowledged once.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Inventory } from "../../backend/inventory/inventory.ts";
import { FleetView, type FleetFilter } from "../../backend/inventory/fleet-view.ts";
import { INVENTORY_FILE } from "../../backend/inventory/location.ts";
import { acknowledgeAlert, AlertError } from "../../backend/director/alerts.ts";
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
      if (reported) inventory.recordInstalled(`${vin(i)}-br`, { filename: i % 2 === 0 ? "oem/brake-2.bin" : "oem/brake-1.bin", length: 1, hashes: "{}", releaseCounter: 1, reportTime: reported });
    }
    for (const i of [7, 8, 9]) inventory.insertAlert({ vin: vin(i), serial: null, manifestId: null, kind: i === 9 ? "file-mismatch" : "attack", detail: `alert of ${vin(i)}`, now: "2026-05-02T00:00:00Z" });
  });
});

test.after(() => {
  inventory.close();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** Every VIN matching `filter`, by walking next pages of `size`, then back with previous pages. */
function walk(view: FleetView, filter: FleetFilter, size: number): { forward: string[]; backward: string[]; total: number } {
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
  const view = new FleetView(inventory, () => NOW);
  const all = Array.from({ length: N }, (_, i) => vin(i + 1));
  const { forward, backward, total } = walk(view, {}, 50);
  assert.is(total, N);
  assert.equal(forward, all);
  assert.equal(backward, all);
});

test(`${engine}: each filter, alone and together, pages exactly the matching vehicles`, () => {
  const view = new FleetView(inventory, () => NOW);
  const ids = (pred: (i: number) => boolean) => Array.from({ length: N }, (_, k) => k + 1).filter(pred).map(vin);
  const cases: Array<[FleetFilter, string[]]> = [
    [{ vin: "x01" }, ids((i) => String(i).padStart(4, "0").startsWith("01"))],
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
  const view = new FleetView(inventory, () => NOW);
  const v8 = view.fleet({ vin: vin(8) }).vehicles[0]!;
  assert.equal(v8, { vin: vin(8), profile: "uptane", ecus: 2, hardwareIds: ["brake-ctl", "gateway"], images: ["oem/brake-2.bin"], lastReport: "2026-05-31T18:00:00Z", openAlerts: 1 });
  const images = view.ecusPerImage();
  assert.equal(images[0], { name: "", count: 2 * N - (Math.floor(N / 4) + Math.floor(N / 5) - Math.floor(N / 20)) });
  assert.equal(view.ecusPerHardwareId()[0], { name: "gateway", count: N });
});

test(`${engine}: alerts are listed newest first by state and kind, and acknowledged once`, () => {
  const view = new FleetView(inventory, () => NOW);
  assert.equal(view.alerts({ state: "open" }).alerts.map((a) => a.vin), [vin(9), vin(8), vin(7)]);
  assert.equal(view.alerts({ kind: "attack", state: "all" }).alerts.map((a) => a.vin), [vin(8), vin(7)]);
  const first = view.alerts({ state: "open" }, undefined, 2);
  assert.is(first.total, 3);
  assert.equal(view.alerts({ state: "open" }, first.next!, 2).alerts.map((a) => a.vin), [vin(7)]);
  const id = first.alerts[0]!.id;
  const acked = acknowledgeAlert(inventory, id, "maria", NOW);
  assert.is(acked.acknowledged_by, "maria");
  try {
    acknowledgeAlert(inventory, id, "other", NOW);
    assert.unreachable("a second acknowledgement is refused");
  } catch (e) {
    assert.instance(e, AlertError);
    assert.is((e as AlertError).code, "alert-acknowledged");
  }
  assert.is(inventory.alert(id)!.acknowledged_by, "maria", "the first acknowledgement stays");
  assert.equal(view.alerts({ state: "open" }).alerts.map((a) => a.vin), [vin(8), vin(7)]);
  assert.equal(view.alerts({ state: "acknowledged" }).alerts.map((a) => a.vin), [vin(9)]);
  assert.is(view.fleet({ openAlerts: true }).total, 2);
});

test.run();
