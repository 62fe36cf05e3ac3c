// What the probe found about storage: every accepted manifest's raw body was kept forever,
// unsigned padding included (150 manifests of 1 MiB added 149 MiB), and one manifest could
// add 255 alert rows. Stored now: the verified content only; at most a few alerts per
// manifest; per vehicle a bounded number of manifest bodies, alerts and report rows
// (README "Director, inventory and time server": retention), and the replay guard holds
// after old report rows are gone.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { DirectorFixture, ecuReport, vehicleManifest, type TestVehicle } from "../director/fixture.ts";
import { canonicalJson } from "../../model/canonical-json.ts";
import { generateSigningKey, signMetadata } from "../../model/keys.ts";
import { Refused } from "../../backend/director/errors.ts";
import { MAX_ALERTS_PER_MANIFEST } from "../../backend/director/director.ts";
import type { EcuVersionReportSigned } from "../../model/manifest-format.ts";

const test = suite<{ f: DirectorFixture; car: TestVehicle }>("manifest storage");
const RETENTION = { manifestBodies: 5, alerts: 20, reportsPerEcu: 4 };

test.before.each((ctx) => {
  ctx.f = new DirectorFixture({ retention: RETENTION });
  ctx.car = ctx.f.addVehicle("VINSTORE01", 1);
});
test.after.each(async (ctx) => {
  await ctx.f.close();
});

function bodies(f: DirectorFixture, vin: string): string[] {
  return f.director.inventory.sql.all<{ body: string }>("SELECT body FROM manifests WHERE vin = ? ORDER BY id", [vin]).map((r) => r.body);
}

/** A report of `ecu` with its time and nonce chosen. */
function timedReport(car: TestVehicle, serial: string, reportTime: string, nonce = randomBytes(8).toString("hex")) {
  const ecu = car.ecus.find((e) => e.serial === serial)!;
  const signed: EcuVersionReportSigned = { _type: "ecu-version-report", ecuSerial: serial, installedImage: null, releaseCounter: 0, nonce, attacksDetected: "", reportTime };
  return signMetadata(signed, [ecu.key]);
}

test("unsigned padding beside the signed manifest is not stored: the verified content is", ({ f, car }) => {
  const manifest = vehicleManifest(car);
  const padded = { ...manifest, padding: "x".repeat(200_000), signatures: [...manifest.signatures, { keyid: "00".repeat(32), sig: "11".repeat(64), pad: "y".repeat(200_000) }] };
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(padded)));
  const [stored] = bodies(f, car.vin);
  assert.is(stored, canonicalJson({ signatures: manifest.signatures, signed: manifest.signed }));
  assert.ok(stored!.length < 5000, `${stored!.length} bytes stored`);
});

test("one manifest adds at most MAX_ALERTS_PER_MANIFEST alert rows, the last saying how many more there were", ({ f, car }) => {
  const strangers = Array.from({ length: 200 }, (_, i) => ecuReport({ serial: `STRANGER-${i}`, hardwareId: "hw-x", key: generateSigningKey(), primary: false }));
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { extra: strangers }))));
  const alerts = f.director.inventory.alertsOf(car.vin);
  assert.is(alerts.length, MAX_ALERTS_PER_MANIFEST);
  assert.is(alerts.at(-1)!.kind, "alerts-truncated");
  assert.match(alerts.at(-1)!.detail, `${200 - (MAX_ALERTS_PER_MANIFEST - 1)} more`);
});

test("per vehicle: the newest manifest bodies, alerts and report rows are kept, older ones pruned", ({ f, car }) => {
  for (let i = 0; i < 30; i++) {
    const stranger = ecuReport({ serial: `STRANGER-${i}`, hardwareId: "hw-x", key: generateSigningKey(), primary: false });
    f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { extra: [stranger] }))));
  }
  // Alerts are bounded as they are added; the rest waits for the background prune.
  assert.is(f.director.inventory.alertsOf(car.vin).length, RETENTION.alerts);
  assert.is(bodies(f, car.vin).filter((b) => b !== "").length, 30);
  const pruned = f.director.prune({ batch: 1 });
  assert.is(pruned.vehicles, 1);
  const kept = bodies(f, car.vin);
  // Manifests 11-30 keep their row (an alert points at each), bodies only the newest 5; 1-10 are gone.
  assert.is(kept.length, RETENTION.alerts, "a manifest row an alert points at stays");
  assert.is(pruned.manifests, 30 - RETENTION.alerts);
  assert.is(kept.filter((b) => b !== "").length, RETENTION.manifestBodies);
  assert.ok(kept.at(-1)!.includes('"vehicle-manifest"'), "the newest body is whole");
  assert.is(f.director.inventory.alertsOf(car.vin).length, RETENTION.alerts);
  assert.ok(f.director.inventory.alertsOf(car.vin).some((a) => a.detail.includes("STRANGER-29")), "the newest alert is kept");
  for (const ecu of car.ecus) assert.is(f.director.inventory.count("ecu_reports", "ecu_serial = ?", ecu.serial), RETENTION.reportsPerEcu);
});

test("a report replayed after its row was dropped is still refused: its time is older than the ECU's last report", ({ f, car }) => {
  const primary = car.ecus[0]!.serial;
  const old = signMetadata({ _type: "vehicle-manifest" as const, vin: car.vin, primarySerial: primary, ecuVersionReports: car.ecus.map((e) => timedReport(car, e.serial, "2026-01-01T00:00:00Z")) }, [car.ecus[0]!.key]);
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(old)));
  for (let i = 0; i < 10; i++) {
    const m = signMetadata({ _type: "vehicle-manifest" as const, vin: car.vin, primarySerial: primary, ecuVersionReports: car.ecus.map((e) => timedReport(car, e.serial, `2026-01-02T00:00:${String(i).padStart(2, "0")}Z`)) }, [car.ecus[0]!.key]);
    f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(m)));
  }
  f.director.prune();
  const nonce = old.signed.ecuVersionReports[0]!.signed.nonce;
  assert.is(f.director.inventory.nonceSeen(primary, nonce), false, "the old report's row is gone");
  try {
    f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(old)));
    assert.unreachable("the replay was accepted");
  } catch (e) {
    assert.instance(e, Refused);
    assert.is((e as Refused).status, 409);
    assert.is((e as Refused).code, "stale-report");
  }
});

test.run();
