// Vehicles and alerts from the inventory (README "Vehicles and alerts"): filtered lists a
// page at a time, one vehicle in full, alerts acknowledged once.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DirectorFixture, ecuReport, installedOf, vehicleManifest, type TestVehicle } from "./fixture.ts";
import { acknowledgeAlert, listAlerts, listVehicles, showVehicle } from "../../backend/director/fleet-view.ts";
import { Refused } from "../../backend/director/errors.ts";

const test = suite<{ f: DirectorFixture; cars: TestVehicle[] }>("director fleet view");

test.before.each((ctx) => {
  ctx.f = new DirectorFixture();
  ctx.cars = ["V1", "V2", "V3"].map((vin, i) => ctx.f.addVehicle(vin, i + 1)); // V1: hw-1; V2: hw-1, hw-2; V3: hw-1..hw-3
});
test.after.each(async (ctx) => {
  await ctx.f.close();
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Refused).code;
  }
  return "ok";
}

test("vehicles: filtered by hardware ID, installed image and last manifest, a page at a time", async ({ f, cars }) => {
  const fw = f.images.add("fw-2.bin", ["hw-2"], 2);
  const v2 = cars[1]!;
  f.director.receiveManifest(v2.vin, Buffer.from(JSON.stringify(vehicleManifest(v2, { reports: { "V2-S2": ecuReport(v2.ecus[2]!, { installed: installedOf(fw), releaseCounter: 2 }) } }))));
  const inv = f.director.inventory;
  assert.equal(listVehicles(inv, { limit: 10, hardwareId: "hw-2" }).vehicles.map((v) => v.vin), ["V2", "V3"]);
  assert.equal(listVehicles(inv, { limit: 10, image: "fw-2.bin" }).vehicles.map((v) => v.vin), ["V2"]);
  assert.equal(listVehicles(inv, { limit: 10, lastSeenBefore: "2999-01-01T00:00:00Z" }).vehicles.map((v) => v.vin), ["V1", "V2", "V3"]);
  assert.equal(listVehicles(inv, { limit: 10, lastSeenAfter: "2000-01-01T00:00:00Z" }).vehicles.map((v) => v.vin), ["V2"], "only V2 ever reported");
  const page1 = listVehicles(inv, { limit: 2 });
  assert.equal([page1.vehicles.map((v) => v.vin), page1.nextAfter], [["V1", "V2"], "V2"]);
  const page2 = listVehicles(inv, { limit: 2, after: page1.nextAfter! });
  assert.equal([page2.vehicles.map((v) => [v.vin, v.ecus]), page2.nextAfter], [[["V3", 4]], null]);
  assert.is(codeOf(() => listVehicles(inv, { limit: 2, lastSeenBefore: "yesterday" })), "invalid-time");
});

test("vehicle show: each ECU's installed image and counter, pending assignments, install history", async ({ f, cars }) => {
  const v1 = cars[0]!;
  const ok = f.images.add("fw-1.bin", ["hw-1"], 1);
  f.images.add("fw-3.bin", ["hw-1"], 3);
  await f.director.assign(v1.vin, "V1-S1", "fw-1.bin");
  f.director.receiveManifest(v1.vin, Buffer.from(JSON.stringify(vehicleManifest(v1, { reports: { "V1-S1": ecuReport(v1.ecus[1]!, { installed: installedOf(ok), releaseCounter: 1 }) } }))));
  await f.director.assign(v1.vin, "V1-S1", "fw-3.bin");
  const s = showVehicle(f.director.inventory, "V1");
  assert.equal(s.ecus.map((e) => [e.serial, e.installed, e.releaseCounter]), [["V1-P", null, 0], ["V1-S1", "fw-1.bin", 1]]);
  assert.ok(s.lastManifestAt !== null);
  assert.equal(s.pending.map((p) => [p.ecuSerial, p.target, p.status]), [["V1-S1", "fw-3.bin", "published"]]);
  assert.equal(s.history.map((h) => [h.ecuSerial, h.target, h.success, h.code]), [["V1-S1", "fw-1.bin", true, "Ok"]]);
  assert.is(codeOf(() => showVehicle(f.director.inventory, "NOPE")), "unknown-vin");
});

test("alerts: newest first, filtered, acknowledged once, then left out of the open ones", ({ f, cars }) => {
  const v1 = cars[0]!;
  for (const text of ["first", "second"]) {
    f.director.receiveManifest(v1.vin, Buffer.from(JSON.stringify(vehicleManifest(v1, { reports: { "V1-S1": ecuReport(v1.ecus[1]!, { attacksDetected: text }) } }))));
  }
  const inv = f.director.inventory;
  const all = listAlerts(inv, { limit: 10, vin: "V1", kind: "attack-detected" });
  assert.equal(all.alerts.map((a) => a.detail), ["second", "first"]);
  const page = listAlerts(inv, { limit: 1, vin: "V1" });
  assert.equal(listAlerts(inv, { limit: 1, vin: "V1", before: page.nextBefore! }).alerts.map((a) => a.detail), ["first"]);
  const acked = acknowledgeAlert(inv, all.alerts[0]!.id, "2026-01-01T00:00:00Z");
  assert.is(acked.acknowledgedAt, "2026-01-01T00:00:00Z");
  assert.equal(listAlerts(inv, { limit: 10, vin: "V1", open: true }).alerts.map((a) => a.detail), ["first"]);
  assert.is(codeOf(() => acknowledgeAlert(inv, all.alerts[0]!.id, "2026-01-01T00:00:01Z")), "alert-acknowledged");
  assert.is(codeOf(() => acknowledgeAlert(inv, 999999, "2026-01-01T00:00:01Z")), "unknown-alert");
});

test.run();
