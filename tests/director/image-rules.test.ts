// Dependencies and conflicts between images (README "Dependencies and conflicts"): the
// Director refuses a result that breaks a rule, naming the rule and the ECUs, adds an image
// required by name to the same bundle, holds a bundle the vehicle's reported state would
// break, and alerts on a reported state that breaks a rule.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DirectorFixture, refusal, ecuReport, installedOf, vehicleManifest, type TestVehicle } from "./fixture.ts";
import { Refused } from "../../backend/director/errors.ts";
import { targetEntriesOf } from "../../backend/director/publisher.ts";

const test = suite<{ f: DirectorFixture; car: TestVehicle }>("director image rules");

test.before.each((ctx) => {
  ctx.f = new DirectorFixture();
  ctx.car = ctx.f.addVehicle("RULE1", 2); // RULE1-P (hw-primary), RULE1-S1 (hw-1), RULE1-S2 (hw-2)
});
test.after.each(async (ctx) => {
  await ctx.f.close();
});

/** The vehicle's current Director targets: name -> ECUs, and the targets version. */
function current(f: DirectorFixture, vin: string): { version: number; targets: Record<string, string[]> } {
  const row = f.director.inventory.latestMetadata(vin, "targets")!;
  return { version: row.version, targets: Object.fromEntries(targetEntriesOf(row).map((e) => [e.name, Object.keys(e.custom.ecuIdentifiers)])) };
}

test("a dependency on a hardware ID's release counter is refused naming the rule and the ECUs, then satisfied in one bundle", async ({ f, car }) => {
  f.images.add("brake-3.bin", ["hw-1"], 3);
  f.images.add("abs-2.bin", ["hw-2"], 2);
  const rule = f.director.addImageRule({ image: "brake-3.bin", kind: "requires", hardwareId: "hw-2", minReleaseCounter: 2 });
  const before = f.dump();
  const e = await refusal(f.director.assign(car.vin, "RULE1-S1", "brake-3.bin"));
  assert.is(e.code, "dependency-unmet");
  assert.match(e.message, `rule ${rule.id} (brake-3.bin requires an image for hw-2 at release counter 2 or above)`);
  assert.match(e.message, "ECU RULE1-S1");
  assert.match(e.message, "ECU RULE1-S2 has release counter 0");
  assert.is(f.dump(), before, "a refusal changes nothing");

  const r = await f.director.assign(car.vin, "RULE1-S1", "brake-3.bin", { with: [{ ecuSerial: "RULE1-S2", target: "abs-2.bin" }] });
  assert.is(r.status, "published");
  assert.equal(r.also.map((a) => [a.ecuSerial, a.status]), [["RULE1-S2", "published"]]);
  const bundle = f.director.inventory.assignmentsOf(car.vin).map((a) => a.bundle);
  assert.equal(bundle, [bundle[0], bundle[0]], "one bundle");
  assert.equal(current(f, car.vin).targets, { "brake-3.bin": ["RULE1-S1"], "abs-2.bin": ["RULE1-S2"] });
});

test("an image required by name is added to the same bundle for the one ECU that can take it", async ({ f, car }) => {
  f.images.add("brake-3.bin", ["hw-1"], 3);
  f.images.add("abs-2.bin", ["hw-2"], 2);
  f.director.addImageRule({ image: "brake-3.bin", kind: "requires", name: "abs-2.bin" });
  const r = await f.director.assign(car.vin, "RULE1-S1", "brake-3.bin");
  assert.equal(r.also.map((a) => [a.ecuSerial, a.requiredBy !== undefined]), [["RULE1-S2", true]]);
  assert.equal(current(f, car.vin).targets, { "brake-3.bin": ["RULE1-S1"], "abs-2.bin": ["RULE1-S2"] });
});

test("a requirement no ECU can take is refused with the reason", async ({ f, car }) => {
  f.images.add("brake-3.bin", ["hw-1"], 3);
  f.director.addImageRule({ image: "brake-3.bin", kind: "requires", name: "abs-9.bin" });
  const e = await refusal(f.director.assign(car.vin, "RULE1-S1", "brake-3.bin"));
  assert.is(e.code, "dependency-unmet");
  assert.match(e.message, "the Image repository signs no abs-9.bin");
});

test("a conflict is refused naming the rule and both ECUs, whichever side is assigned", async ({ f, car }) => {
  const abs = f.images.add("abs-2.bin", ["hw-2"], 2);
  f.images.add("brake-3.bin", ["hw-1"], 3);
  const rule = f.director.addImageRule({ image: "brake-3.bin", kind: "conflicts", name: "abs-2.bin" });
  // The vehicle reports abs-2.bin installed on S2.
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { reports: { "RULE1-S2": ecuReport(car.ecus[2]!, { installed: installedOf(abs), releaseCounter: 2 }) } }))));
  const before = f.dump();
  const e = await refusal(f.director.assign(car.vin, "RULE1-S1", "brake-3.bin"));
  assert.is(e.code, "image-conflict");
  assert.match(e.message, `rule ${rule.id} (brake-3.bin conflicts with abs-2.bin): ECU RULE1-S1 has brake-3.bin and ECU RULE1-S2 has abs-2.bin`);
  assert.is(f.dump(), before);
  // Replacing abs-2.bin in the same bundle resolves it.
  f.images.add("abs-3.bin", ["hw-2"], 3);
  assert.is((await f.director.assign(car.vin, "RULE1-S1", "brake-3.bin", { with: [{ ecuSerial: "RULE1-S2", target: "abs-3.bin" }] })).status, "published");
});

test("a campaign that would leave a vehicle in conflict is refused whole, naming the vehicle's ECUs", async ({ f, car }) => {
  const other = f.addVehicle("RULE2", 2);
  const abs = f.images.add("abs-2.bin", ["hw-2"], 2);
  f.images.add("brake-3.bin", ["hw-1"], 3);
  f.director.addImageRule({ image: "brake-3.bin", kind: "conflicts", name: "abs-2.bin" });
  f.director.receiveManifest(other.vin, Buffer.from(JSON.stringify(vehicleManifest(other, { reports: { "RULE2-S2": ecuReport(other.ecus[2]!, { installed: installedOf(abs), releaseCounter: 2 }) } }))));
  const before = f.dump();
  const e = await refusal(f.director.campaign("hw-1", "brake-3.bin"));
  assert.is(e.code, "image-conflict");
  assert.match(e.message, "vehicle RULE2");
  assert.match(e.message, "ECU RULE2-S1 has brake-3.bin and ECU RULE2-S2 has abs-2.bin");
  assert.not.match(e.message, "vehicle RULE1 ");
  assert.is(f.dump(), before, "nothing assigned, not even to RULE1");
  assert.equal(current(f, car.vin).targets, {});
});

test("a vehicle reporting a state that breaks a rule raises an alert naming it", async ({ f, car }) => {
  const abs = f.images.add("abs-2.bin", ["hw-2"], 2);
  const brake = f.images.add("brake-3.bin", ["hw-1"], 3);
  const rule = f.director.addImageRule({ image: "brake-3.bin", kind: "conflicts", name: "abs-2.bin" });
  const reports = { "RULE1-S1": ecuReport(car.ecus[1]!, { installed: installedOf(brake), releaseCounter: 3 }), "RULE1-S2": ecuReport(car.ecus[2]!, { installed: installedOf(abs), releaseCounter: 2 }) };
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { reports }))));
  const alerts = f.director.inventory.alertsOf(car.vin).filter((a) => a.kind === "image-conflict-reported");
  assert.is(alerts.length, 1);
  assert.match(alerts[0]!.detail, `rule ${rule.id}`);
  assert.match(alerts[0]!.detail, "ECU RULE1-S2 has abs-2.bin");
  // The same state reported again is not a new alert.
  const again = { "RULE1-S1": ecuReport(car.ecus[1]!, { installed: installedOf(brake), releaseCounter: 3 }), "RULE1-S2": ecuReport(car.ecus[2]!, { installed: installedOf(abs), releaseCounter: 2 }) };
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { reports: again }))));
  assert.is(f.director.inventory.alertsOf(car.vin).filter((a) => a.kind === "image-conflict-reported").length, 1);
});

test("a queued bundle is held while what the vehicle reports installed would break a rule with it", async ({ f, car }) => {
  const abs = f.images.add("abs-2.bin", ["hw-2"], 2);
  f.images.add("brake-3.bin", ["hw-1"], 3);
  f.director.addImageRule({ image: "brake-3.bin", kind: "requires", name: "abs-2.bin" });
  // abs-2.bin published first; brake-3.bin, which requires it, queued behind it.
  assert.is((await f.director.assign(car.vin, "RULE1-S2", "abs-2.bin")).status, "published");
  assert.is((await f.director.assign(car.vin, "RULE1-S1", "brake-3.bin")).status, "queued");
  // abs-2.bin fails to install: brake-3.bin's bundle would break the rule, so it stays queued.
  const failed = ecuReport(car.ecus[2]!, { lastInstall: { filename: "abs-2.bin", success: false, code: "LengthOrHashMismatch", detail: "image hash differs" } });
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { reports: { "RULE1-S2": failed } }))));
  assert.equal(current(f, car.vin).targets, {});
  const held = f.director.inventory.alertsOf(car.vin).filter((a) => a.kind === "bundle-held-by-rule");
  assert.is(held.length, 1);
  assert.match(held[0]!.detail, "no other ECU has abs-2.bin");
  // Once abs-2.bin is reported installed (e.g. by another assignment), the bundle goes out.
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { reports: { "RULE1-S2": ecuReport(car.ecus[2]!, { installed: installedOf(abs), releaseCounter: 2 }) } }))));
  assert.equal(current(f, car.vin).targets, { "brake-3.bin": ["RULE1-S1"] });
});

test("rules: invalid ones are refused, duplicates refused, removal by number", ({ f }) => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as Refused).code;
    }
    return "ok";
  };
  assert.is(code(() => f.director.addImageRule({ image: "a.bin", kind: "requires", name: "a.bin" })), "invalid-rule");
  assert.is(code(() => f.director.addImageRule({ image: "a.bin", kind: "conflicts", hardwareId: "hw-1", minReleaseCounter: 1 })), "invalid-rule");
  assert.is(code(() => f.director.addImageRule({ image: "", kind: "requires", name: "b.bin" })), "invalid-target-name");
  const r = f.director.addImageRule({ image: "a.bin", kind: "requires", name: "b.bin" });
  assert.is(code(() => f.director.addImageRule({ image: "a.bin", kind: "requires", name: "b.bin" })), "rule-exists");
  assert.equal(f.director.imageRules("a.bin").map((x) => x.id), [r.id]);
  assert.is(f.director.removeImageRule(r.id).id, r.id);
  assert.is(code(() => f.director.removeImageRule(r.id)), "unknown-rule");
  assert.equal(f.director.imageRules(), []);
});

test.run();
