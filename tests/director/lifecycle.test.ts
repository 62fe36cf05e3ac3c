// The vehicle lifecycle in the Director (README "Backend: vehicle lifecycle"): a replaced
// ECU's old key stops counting (its reports refused with an alert), an ECU the inventory
// does not know or a known serial signing with another key is alerted and gets no update
// until a workshop records the change, a replaced Primary's manifests are refused, a
// decommissioned vehicle is neither served nor heard; every change is in the history with
// who made it, and a refused change changes nothing.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DirectorFixture, ecuReport, vehicleManifest, type TestEcu, type TestVehicle } from "./fixture.ts";
import { generateSigningKey } from "../../model/keys.ts";
import { Refused } from "../../backend/director/errors.ts";

const test = suite<{ f: DirectorFixture; car: TestVehicle }>("vehicle lifecycle");

test.before.each(async (ctx) => {
  ctx.f = new DirectorFixture();
  ctx.car = ctx.f.addVehicle("LIFE1", 2);
  await ctx.f.listen();
});
test.after.each(async (ctx) => {
  await ctx.f.close();
});

const fitted = (e: TestEcu) => ({ serial: e.serial, hardwareId: e.hardwareId, publicKeyHex: e.key.publicKey.keyval.public });

async function refusedWith(f: DirectorFixture, code: string, fn: () => unknown): Promise<void> {
  const before = f.dump();
  try {
    await fn();
    assert.unreachable(`expected ${code}`);
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    assert.is(e.code, code, e.message);
  }
  assert.is(f.dump(), before, `a refused ${code} changes nothing`);
}

async function targetsOf(f: DirectorFixture, vin: string): Promise<Record<string, { custom: { ecuIdentifiers: Record<string, unknown> } }>> {
  const ts = await (await fetch(`${f.baseUrl}/director/vehicles/${vin}/timestamp.json`)).json();
  const snapVersion = ts.signed.meta["snapshot.json"].version;
  const snap = await (await fetch(`${f.baseUrl}/director/vehicles/${vin}/${snapVersion}.snapshot.json`)).json();
  const t = await (await fetch(`${f.baseUrl}/director/vehicles/${vin}/${snap.signed.meta["targets.json"].version}.targets.json`)).json();
  return t.signed.targets;
}

test("a replaced ECU: the old key's report is refused with an alert, the new ECU is reported and updated; the history names who", async ({ f, car }) => {
  const old = car.ecus[1]!;
  const fresh: TestEcu = { serial: "LIFE1-S1b", hardwareId: "hw-1", key: generateSigningKey(), primary: false };
  f.images.add("fw-1.bin", ["hw-1"], 2);
  const r = f.director.recordVehicleChange(car.vin, { action: "replace-ecu", serial: old.serial, ecu: fitted(fresh) }, "workshop:garage-7");
  assert.is(r.change.actor, "workshop:garage-7");
  const history = f.director.inventory.historyOf(car.vin);
  assert.is(history.length, 1);
  assert.is(history[0]!.action, "replace-ecu");
  assert.is(history[0]!.actor, "workshop:garage-7");
  assert.match(history[0]!.detail, new RegExp(fresh.serial));

  // The old part's report (its own key, its own serial) counts for nothing now.
  const stale = await f.postManifest(car.vin, vehicleManifest(car));
  assert.is(stale.status, 200, JSON.stringify(stale.json));
  assert.equal(stale.json.discarded, [{ ecuSerial: old.serial, reason: "retired-ecu" }]);
  const alert = f.director.inventory.alertsOf(car.vin).find((a) => a.kind === "report-retired-ecu");
  assert.ok(alert, "an alert for the retired ECU's report");
  assert.is(alert!.ecu_serial, old.serial);
  await refusedWith(f, "unknown-ecu", () => f.director.assign(car.vin, old.serial, "fw-1.bin"));

  const now = { vin: car.vin, ecus: [car.ecus[0]!, fresh, car.ecus[2]!] };
  const ok = await f.postManifest(car.vin, vehicleManifest(now));
  assert.is(ok.status, 200, JSON.stringify(ok.json));
  assert.ok(ok.json.accepted.includes(fresh.serial));
  assert.equal(ok.json.discarded, []);
  const a = await f.director.assign(car.vin, fresh.serial, "fw-1.bin");
  assert.is(a.status, "published");
  assert.equal(Object.keys((await targetsOf(f, car.vin))["fw-1.bin"]!.custom.ecuIdentifiers), [fresh.serial]);
});

test("an ECU the inventory does not know is alerted by name and gets nothing until a workshop adds it", async ({ f, car }) => {
  const stranger: TestEcu = { serial: "LIFE1-X", hardwareId: "hw-1", key: generateSigningKey(), primary: false };
  f.images.add("fw-1.bin", ["hw-1"], 2);
  const res = await f.postManifest(car.vin, vehicleManifest(car, { extra: [ecuReport(stranger)] }));
  assert.is(res.status, 200);
  assert.equal(res.json.discarded, [{ ecuSerial: stranger.serial, reason: "unknown-ecu" }]);
  const alert = f.director.inventory.alertsOf(car.vin).find((x) => x.kind === "report-unknown-ecu");
  assert.is(alert?.ecu_serial, stranger.serial);
  await refusedWith(f, "unknown-ecu", () => f.director.assign(car.vin, stranger.serial, "fw-1.bin"));
  f.director.recordVehicleChange(car.vin, { action: "add-ecu", ecu: fitted(stranger) }, "cli:oem");
  const after = await f.postManifest(car.vin, vehicleManifest({ vin: car.vin, ecus: [...car.ecus, stranger] }));
  assert.ok(after.json.accepted.includes(stranger.serial));
  assert.is((await f.director.assign(car.vin, stranger.serial, "fw-1.bin")).status, "published");
});

test("a known serial reporting with another key is alerted and held: no assignment, not in the targets, until a workshop records the new key", async ({ f, car }) => {
  const s1 = car.ecus[1]!;
  f.images.add("fw-1.bin", ["hw-1"], 2);
  await f.director.assign(car.vin, s1.serial, "fw-1.bin");
  const swapped: TestEcu = { ...s1, key: generateSigningKey() };
  const res = await f.postManifest(car.vin, vehicleManifest(car, { reports: { [s1.serial]: ecuReport(swapped) } }));
  assert.is(res.status, 200);
  assert.equal(res.json.discarded, [{ ecuSerial: s1.serial, reason: "bad-signature" }]);
  assert.is(f.director.inventory.alertsOf(car.vin).find((a) => a.kind === "report-bad-signature")?.ecu_serial, s1.serial);
  assert.match(String(f.director.inventory.ecu(s1.serial)!.held), /not signed by its registered key/);
  assert.is((await targetsOf(f, car.vin))["fw-1.bin"], undefined, "a held ECU's target leaves the vehicle's targets");
  f.images.add("fw-2.bin", ["hw-1"], 3);
  await refusedWith(f, "ecu-held", () => f.director.assign(car.vin, s1.serial, "fw-2.bin"));
  const campaign = await f.director.campaign("hw-1", "fw-2.bin");
  assert.equal(campaign.assigned, []);
  assert.match(campaign.skipped[0]!.reason, /no update until a workshop/);

  // The workshop records the part: same serial, its new key. The old key stops counting.
  f.director.recordVehicleChange(car.vin, { action: "replace-ecu", serial: s1.serial, ecu: fitted(swapped) }, "workshop:garage-7");
  assert.is(f.director.inventory.ecu(s1.serial)!.held, null);
  const withOld = await f.postManifest(car.vin, vehicleManifest(car));
  assert.equal(withOld.json.discarded, [{ ecuSerial: s1.serial, reason: "bad-signature" }]);
  f.director.recordVehicleChange(car.vin, { action: "replace-ecu", serial: s1.serial, ecu: fitted({ ...s1, key: (swapped.key = generateSigningKey()) }) }, "workshop:garage-7");
  const good = await f.postManifest(car.vin, vehicleManifest({ vin: car.vin, ecus: [car.ecus[0]!, swapped, car.ecus[2]!] }));
  assert.ok(good.json.accepted.includes(s1.serial), JSON.stringify(good.json));
  assert.is((await f.director.assign(car.vin, s1.serial, "fw-2.bin")).status, "published");
  assert.is(f.director.inventory.historyOf(car.vin).length, 2);
});

test("a removed Secondary's reports are refused with an alert; the Primary cannot be removed", async ({ f, car }) => {
  const s2 = car.ecus[2]!;
  f.director.recordVehicleChange(car.vin, { action: "remove-ecu", serial: s2.serial }, "workshop:garage-7");
  const res = await f.postManifest(car.vin, vehicleManifest(car));
  assert.equal(res.json.discarded, [{ ecuSerial: s2.serial, reason: "retired-ecu" }]);
  await refusedWith(f, "primary-required", () => f.director.recordVehicleChange(car.vin, { action: "remove-ecu", serial: car.ecus[0]!.serial }, "cli:oem"));
  await refusedWith(f, "unknown-ecu", () => f.director.recordVehicleChange(car.vin, { action: "remove-ecu", serial: s2.serial }, "cli:oem"));
  // A retired key never counts again, for any ECU.
  await refusedWith(f, "ecu-key-exists", () => f.director.recordVehicleChange(car.vin, { action: "add-ecu", ecu: { ...fitted(s2), serial: "LIFE1-S9" } }, "cli:oem"));
  await refusedWith(f, "ecu-exists", () => f.director.recordVehicleChange(car.vin, { action: "add-ecu", ecu: { ...fitted(s2), serial: car.ecus[1]!.serial, publicKeyHex: generateSigningKey().publicKey.keyval.public } }, "cli:oem"));
});

test("a replaced Primary: the old Primary's manifests are refused, the new one's recorded", async ({ f, car }) => {
  const oldPrimary = car.ecus[0]!;
  const newPrimary: TestEcu = { serial: "LIFE1-P2", hardwareId: "hw-primary", key: generateSigningKey(), primary: true };
  await refusedWith(f, "primary-required", () => f.director.recordVehicleChange(car.vin, { action: "replace-ecu", serial: oldPrimary.serial, ecu: fitted(newPrimary) }, "cli:oem"));
  f.director.recordVehicleChange(car.vin, { action: "replace-primary", ecu: fitted(newPrimary) }, "workshop:garage-7");
  const before = f.dump();
  const old = await f.postManifest(car.vin, vehicleManifest(car));
  assert.is(old.status, 400);
  assert.is(old.json.error, "unknown-primary");
  assert.match(old.json.detail, /replaced/);
  assert.is(f.dump(), before);
  const now = { vin: car.vin, ecus: [newPrimary, car.ecus[1]!, car.ecus[2]!] };
  const ok = await f.postManifest(car.vin, vehicleManifest(now));
  assert.is(ok.status, 200, JSON.stringify(ok.json));
  assert.is(f.director.inventory.ecusOf(car.vin).filter((e) => e.is_primary === 1).map((e) => e.serial).join(), newPrimary.serial);
});

test("a decommissioned vehicle: metadata not served, manifests refused, nothing assigned, certificates revoked, campaigns pass it by", async ({ f, car }) => {
  f.images.add("fw-1.bin", ["hw-1"], 2);
  const other = f.addVehicle("LIFE2", 1);
  f.director.recordVehicleChange(car.vin, { action: "decommission" }, "workshop:garage-7");
  for (const file of ["timestamp.json", "1.root.json", "1.targets.json"]) {
    const r = await fetch(`${f.baseUrl}/director/vehicles/${car.vin}/${file}`);
    assert.is(r.status, 410, file);
    assert.is((await r.json()).error, "decommissioned");
  }
  const before = f.dump();
  const m = await f.postManifest(car.vin, vehicleManifest(car));
  assert.is(m.status, 410);
  assert.is(m.json.error, "decommissioned");
  assert.is(f.dump(), before);
  await refusedWith(f, "decommissioned", () => f.director.assign(car.vin, car.ecus[1]!.serial, "fw-1.bin"));
  await refusedWith(f, "decommissioned", () => f.director.recordVehicleChange(car.vin, { action: "decommission" }, "cli:oem"));
  const c = await f.director.campaign("hw-1", "fw-1.bin");
  assert.equal(c.assigned.map((a) => a.vin), [other.vin]);
  assert.equal(f.director.refreshAll().includes(car.vin), false);
  assert.is(f.director.inventory.historyOf(car.vin)[0]!.action, "decommission");
});

test.run();
