import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DirectorFixture, refusal, ecuReport, installedOf, vehicleManifest, type TestVehicle } from "./fixture.ts";
import { Refused } from "../../backend/director/errors.ts";
import { targetEntriesOf } from "../../backend/director/publisher.ts";

const test = suite<{ f: DirectorFixture; car: TestVehicle }>("director assignments");

test.before.each((ctx) => {
  ctx.f = new DirectorFixture();
  ctx.car = ctx.f.addVehicle("VIN001", 2);
});
test.after.each(async (ctx) => {
  await ctx.f.close();
});

/** Names in the vehicle's current Director targets, with the ECUs each is for. */
function currentTargets(f: DirectorFixture, vin: string): Record<string, string[]> {
  const row = f.director.inventory.latestMetadata(vin, "targets")!;
  return Object.fromEntries(targetEntriesOf(row).map((e) => [e.name, Object.keys(e.custom.ecuIdentifiers)]));
}

test("an assignment of a target the Image repository does not sign is refused", async ({ f, car }) => {
  const before = f.dump();
  const e = await refusal(f.director.assign(car.vin, car.ecus[1]!.serial, "unsigned.bin"));
  assert.is(e.code, "target-not-signed");
  assert.is(f.dump(), before);
});

test("an assignment of an image for another hardware ID is refused", async ({ f, car }) => {
  f.images.add("gateway.bin", ["hw-2"], 1);
  const before = f.dump();
  const e = await refusal(f.director.assign(car.vin, car.ecus[1]!.serial, "gateway.bin"));
  assert.is(e.code, "hardware-id-mismatch");
  assert.is(f.dump(), before);
});

test("an assignment whose release counter is lower than the ECU reports installed is refused", async ({ f, car }) => {
  const s1 = car.ecus[1]!;
  const current = f.images.add("fw-5.bin", ["hw-1"], 5);
  f.images.add("fw-old.bin", ["hw-1"], 4);
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { reports: { [s1.serial]: ecuReport(s1, { installed: installedOf(current), releaseCounter: 5 }) } }))));
  const before = f.dump();
  const e = await refusal(f.director.assign(car.vin, s1.serial, "fw-old.bin"));
  assert.is(e.code, "release-counter-rollback");
  assert.is(f.dump(), before);
  f.images.add("fw-5b.bin", ["hw-1"], 5); // equal counter is allowed
  assert.is((await f.director.assign(car.vin, s1.serial, "fw-5b.bin")).status, "published");
});

test("an assignment to an ECU of another vehicle is refused", async ({ f, car }) => {
  const other = f.addVehicle("VIN002", 1);
  f.images.add("fw.bin", ["hw-1"], 1);
  assert.is((await refusal(f.director.assign(car.vin, other.ecus[1]!.serial, "fw.bin"))).code, "unknown-ecu");
});

test("the next bundle is held back until a manifest confirms the previous one installed", async ({ f, car }) => {
  const [, s1, s2] = car.ecus as [unknown, TestVehicle["ecus"][0], TestVehicle["ecus"][0]];
  const a = f.images.add("a.bin", ["hw-1"], 1);
  f.images.add("b.bin", ["hw-2"], 1);
  assert.is((await f.director.assign(car.vin, s1.serial, "a.bin")).status, "published");
  assert.equal(currentTargets(f, car.vin), { "a.bin": [s1.serial] });
  const held = await f.director.assign(car.vin, s2.serial, "b.bin");
  assert.is(held.status, "queued");
  assert.equal(currentTargets(f, car.vin), { "a.bin": [s1.serial] }, "b.bin held back");

  // A manifest that does not show a.bin installed releases nothing.
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car))));
  assert.equal(currentTargets(f, car.vin), { "a.bin": [s1.serial] });

  const report = ecuReport(s1, { installed: installedOf(a), releaseCounter: 1, lastInstall: { filename: "a.bin", success: true, code: "Ok", detail: "" } });
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { reports: { [s1.serial]: report } }))));
  assert.equal(currentTargets(f, car.vin), { "b.bin": [s2.serial] }, "the next bundle goes out once a.bin is confirmed");
  const inv = f.director.inventory;
  assert.is(inv.count("install_results", "filename = 'a.bin' AND success = 1"), 1);
  assert.is(inv.count("assignments", "status = 'installed'"), 1);
});

test("a reported install failure also releases the next bundle, and the failed target leaves the targets", async ({ f, car }) => {
  const [, s1, s2] = car.ecus as [unknown, TestVehicle["ecus"][0], TestVehicle["ecus"][0]];
  f.images.add("a.bin", ["hw-1"], 1);
  f.images.add("b.bin", ["hw-2"], 1);
  await f.director.assign(car.vin, s1.serial, "a.bin");
  await f.director.assign(car.vin, s2.serial, "b.bin");
  const failed = ecuReport(s1, { lastInstall: { filename: "a.bin", success: false, code: "LengthOrHashMismatch", detail: "image hash differs" } });
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { reports: { [s1.serial]: failed } }))));
  assert.equal(currentTargets(f, car.vin), { "b.bin": [s2.serial] });
  const inv = f.director.inventory;
  assert.is(inv.count("install_results", "filename = 'a.bin' AND success = 0 AND code = 'LengthOrHashMismatch'"), 1);
  assert.is(inv.count("assignments", "status = 'failed'"), 1);
});

test("a report naming the assigned file with other hashes does not confirm the install", async ({ f, car }) => {
  const s1 = car.ecus[1]!;
  const a = f.images.add("a.bin", ["hw-1"], 1);
  await f.director.assign(car.vin, s1.serial, "a.bin");
  const wrong = ecuReport(s1, { installed: { ...installedOf(a), hashes: { sha256: "00".repeat(32) } } });
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { reports: { [s1.serial]: wrong } }))));
  assert.is(f.director.inventory.count("assignments", "status = 'published'"), 1);
});

test("a campaign goes to the reserved group first, then to all the rest, skipping ECUs that have it", async ({ f }) => {
  const cars = ["G1", "G2", "R1", "R2", "R3"].map((vin) => f.addVehicle(vin, 1));
  f.images.add("hw1-v2.bin", ["hw-1"], 2);
  const group = await f.director.campaign("hw-1", "hw1-v2.bin", ["G1", "G2"]);
  assert.is(group.stage, "group");
  assert.equal(group.assigned.map((a) => a.vin).sort(), ["G1", "G2"]);
  const all = await f.director.campaign("hw-1", "hw1-v2.bin");
  assert.is(all.stage, "all");
  assert.equal(all.assigned.map((a) => a.vin).sort(), ["R1", "R2", "R3", "VIN001"]);
  assert.equal(all.skipped.map((s) => s.vin).sort(), ["G1", "G2"]);
  for (const c of cars) assert.equal(currentTargets(f, c.vin), { "hw1-v2.bin": [c.ecus[1]!.serial] });
});

test("a campaign of a target the Image repository does not sign, or for another hardware ID, is refused", async ({ f }) => {
  f.images.add("hw2.bin", ["hw-2"], 1);
  assert.is((await refusal(f.director.campaign("hw-1", "missing.bin"))).code, "target-not-signed");
  assert.is((await refusal(f.director.campaign("hw-1", "hw2.bin"))).code, "hardware-id-mismatch");
  assert.is(f.director.inventory.count("campaigns"), 0);
});

test("registering a vehicle twice, a second Primary or a reused ECU serial is refused", async ({ f, car }) => {
  const key = car.ecus[0]!.key.publicKey.keyval.public;
  assert.throws(() => f.director.addVehicle(car.vin, [{ serial: "X1", hardwareId: "h", publicKeyHex: key, primary: true }]), (e: Refused) => e.code === "vehicle-exists");
  assert.throws(() => f.director.addVehicle("NEW", [{ serial: car.ecus[1]!.serial, hardwareId: "h", publicKeyHex: key, primary: true }]), (e: Refused) => e.code === "ecu-exists");
  assert.throws(
    () => f.director.addVehicle("NEW", [{ serial: "X1", hardwareId: "h", publicKeyHex: key, primary: true }, { serial: "X2", hardwareId: "h", publicKeyHex: key, primary: true }]),
    (e: Refused) => e.code === "primary-count",
  );
  assert.throws(() => f.director.addVehicle("../etc", [{ serial: "X1", hardwareId: "h", publicKeyHex: key, primary: true }]), (e: Refused) => e.code === "invalid-vin");
  assert.not.ok(f.director.inventory.vehicleExists("NEW"));
});

test.run();
