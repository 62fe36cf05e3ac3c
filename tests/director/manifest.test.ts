import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DirectorFixture, ecuReport, installedOf, vehicleManifest, type TestVehicle } from "./fixture.ts";
import { MAX_MANIFEST_BYTES } from "../../model/manifest-format.ts";
import { generateSigningKey } from "../../model/keys.ts";
import { request } from "node:http";

const test = suite<{ f: DirectorFixture; car: TestVehicle }>("director manifests");

test.before.each(async (ctx) => {
  ctx.f = new DirectorFixture();
  ctx.car = ctx.f.addVehicle("VIN001", 2);
  await ctx.f.listen();
});
test.after.each(async (ctx) => {
  await ctx.f.close();
});

/** Posts `body` and checks the refusal: status, error code, and an unchanged database. */
async function expectRefusal(f: DirectorFixture, vin: string, body: string | object, status: number, code: string): Promise<void> {
  const before = f.dump();
  const res = await f.postManifest(vin, body);
  assert.is(res.status, status, JSON.stringify(res.json));
  assert.is(res.json.ok, false);
  assert.is(res.json.error, code);
  assert.type(res.json.detail, "string");
  assert.ok(res.json.detail.length > 0);
  assert.is(f.dump(), before, "a refused manifest must change nothing in the database");
}

test("a well-signed manifest is recorded with every ECU's report and installed state", async ({ f, car }) => {
  const img = f.images.add("fw-1.bin", ["hw-1"], 4);
  const s1 = car.ecus[1]!;
  const res = await f.postManifest(car.vin, vehicleManifest(car, { reports: { [s1.serial]: ecuReport(s1, { installed: installedOf(img), releaseCounter: 4 }) } }));
  assert.is(res.status, 200, JSON.stringify(res.json));
  assert.equal(res.json.accepted.sort(), car.ecus.map((e) => e.serial).sort());
  assert.equal(res.json.discarded, []);
  const inv = f.director.inventory;
  assert.is(inv.count("manifests"), 1);
  assert.is(inv.count("ecu_reports"), 3);
  assert.is(inv.count("alerts"), 0);
  const row = inv.ecu(s1.serial)!;
  assert.is(row.installed_filename, "fw-1.bin");
  assert.is(row.installed_release_counter, 4);
});

test("a manifest with a forged Primary signature is refused and changes nothing", async ({ f, car }) => {
  await expectRefusal(f, car.vin, vehicleManifest(car, { signWith: generateSigningKey() }), 400, "bad-primary-signature");
});

test("a manifest whose signed content was altered after signing is refused", async ({ f, car }) => {
  const m = vehicleManifest(car);
  (m.signed as { primarySerial: string }).primarySerial = car.ecus[0]!.serial; // unchanged field...
  m.signed.ecuVersionReports.pop(); // ...but a report removed after signing
  await expectRefusal(f, car.vin, m, 400, "bad-primary-signature");
});

test("a forged Secondary report is discarded with an alert and the other reports are processed", async ({ f, car }) => {
  const s2 = car.ecus[2]!;
  const forged = ecuReport(s2, { signWith: generateSigningKey(), releaseCounter: 99 });
  const res = await f.postManifest(car.vin, vehicleManifest(car, { reports: { [s2.serial]: forged } }));
  assert.is(res.status, 200);
  assert.equal(res.json.discarded, [{ ecuSerial: s2.serial, reason: "bad-signature" }]);
  assert.is(res.json.accepted.length, 2);
  const inv = f.director.inventory;
  assert.is(inv.count("ecu_reports"), 2);
  assert.is(inv.count("ecu_reports", "ecu_serial = ?", s2.serial), 0);
  assert.is(inv.ecu(s2.serial)!.installed_release_counter, 0, "the forged report's release counter was not recorded");
  const alerts = inv.alertsOf(car.vin);
  assert.is(alerts.length, 1);
  assert.is(alerts[0]!.kind, "report-bad-signature");
  assert.is(alerts[0]!.ecu_serial, s2.serial);
});

test("a replayed manifest (the Primary's nonce seen before) is refused and changes nothing", async ({ f, car }) => {
  const m = vehicleManifest(car);
  assert.is((await f.postManifest(car.vin, m)).status, 200);
  await expectRefusal(f, car.vin, m, 409, "replayed-nonce");
});

test("a Secondary report with a replayed nonce is discarded with an alert", async ({ f, car }) => {
  const s1 = car.ecus[1]!;
  const old = ecuReport(s1, { nonce: "n-1" });
  assert.is((await f.postManifest(car.vin, vehicleManifest(car, { reports: { [s1.serial]: old } }))).status, 200);
  const res = await f.postManifest(car.vin, vehicleManifest(car, { reports: { [s1.serial]: old } }));
  assert.is(res.status, 200);
  assert.equal(res.json.discarded, [{ ecuSerial: s1.serial, reason: "replayed-nonce" }]);
  assert.is(f.director.inventory.count("ecu_reports", "ecu_serial = ?", s1.serial), 1);
  assert.is(f.director.inventory.alertsOf(car.vin).at(-1)!.kind, "report-replayed-nonce");
});

test("a manifest for an unknown VIN is refused and changes nothing", async ({ f, car }) => {
  await expectRefusal(f, "NOSUCHVIN", vehicleManifest(car, { vin: "NOSUCHVIN" }), 404, "unknown-vin");
});

test("a report from an ECU not registered in the vehicle is discarded with an alert", async ({ f, car }) => {
  const stranger = { serial: "STRANGER-1", hardwareId: "hw-1", key: generateSigningKey(), primary: false };
  const res = await f.postManifest(car.vin, vehicleManifest(car, { extra: [ecuReport(stranger)] }));
  assert.is(res.status, 200);
  assert.equal(res.json.discarded, [{ ecuSerial: "STRANGER-1", reason: "unknown-ecu" }]);
  assert.is(res.json.accepted.length, 3);
  assert.is(f.director.inventory.alertsOf(car.vin)[0]!.kind, "report-unknown-ecu");
});

test("a report from another vehicle's registered ECU is discarded as unknown to this vehicle", async ({ f, car }) => {
  const other = f.addVehicle("VIN002", 1);
  const res = await f.postManifest(car.vin, vehicleManifest(car, { extra: [ecuReport(other.ecus[1]!)] }));
  assert.equal(res.json.discarded, [{ ecuSerial: other.ecus[1]!.serial, reason: "unknown-ecu" }]);
});

test("a manifest signed by an ECU that is not the vehicle's Primary is refused and changes nothing", async ({ f, car }) => {
  const s1 = car.ecus[1]!;
  const m = vehicleManifest(car, { signWith: s1.key });
  (m.signed as { primarySerial: string }).primarySerial = s1.serial;
  const { signMetadata } = await import("../../model/keys.ts");
  await expectRefusal(f, car.vin, signMetadata(m.signed, [s1.key]), 400, "unknown-primary");
});

test("a manifest naming another VIN than the URL's is refused and changes nothing", async ({ f, car }) => {
  f.addVehicle("VIN002", 1);
  await expectRefusal(f, "VIN002", vehicleManifest(car), 400, "vin-mismatch");
});

test("an oversized manifest is cut off at the cap with 413 and changes nothing", async ({ f, car }) => {
  const m = vehicleManifest(car) as unknown as { signed: Record<string, unknown> };
  m.signed.padding = "x".repeat(MAX_MANIFEST_BYTES);
  await expectRefusal(f, car.vin, m, 413, "body-too-large");
});

test("an oversized manifest streamed without a length is cut off at the cap with 413", async ({ f, car }) => {
  const before = f.dump();
  const url = new URL(`${f.baseUrl}/director/vehicles/${car.vin}/manifest`);
  const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", () => {}); // the server may close while we still write
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < 4 * MAX_MANIFEST_BYTES) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
    setTimeout(() => reject(new Error("no answer")), 10_000).unref();
  });
  assert.is(status.status, 413);
  assert.is(JSON.parse(status.body).error, "body-too-large");
  assert.is(f.dump(), before);
});

test("a manifest that is not JSON is refused with 400 and changes nothing", async ({ f, car }) => {
  await expectRefusal(f, car.vin, '{"signatures":[],"signed":', 400, "invalid-json");
});

test("a manifest of the wrong shape is refused with 400 naming the field", async ({ f, car }) => {
  const m = vehicleManifest(car) as unknown as { signed: Record<string, unknown> };
  m.signed.ecuVersionReports = "none";
  await expectRefusal(f, car.vin, m, 400, "invalid-manifest");
  const before = f.dump();
  const res = await f.postManifest(car.vin, m);
  assert.match(res.json.detail, /ecuVersionReports/);
  assert.is(f.dump(), before);
});

test("a manifest without the Primary's own report is refused", async ({ f, car }) => {
  const m = vehicleManifest(car);
  const { signMetadata } = await import("../../model/keys.ts");
  const signed = { ...m.signed, ecuVersionReports: m.signed.ecuVersionReports.slice(1) };
  await expectRefusal(f, car.vin, signMetadata(signed, [car.ecus[0]!.key]), 400, "bad-primary-report");
});

test("a manifest with two reports for one ECU is refused", async ({ f, car }) => {
  await expectRefusal(f, car.vin, vehicleManifest(car, { extra: [ecuReport(car.ecus[1]!)] }), 400, "invalid-manifest");
});

test("an ECU's attacks-detected field is recorded as an alert", async ({ f, car }) => {
  const s1 = car.ecus[1]!;
  const res = await f.postManifest(car.vin, vehicleManifest(car, { reports: { [s1.serial]: ecuReport(s1, { attacksDetected: "rollback attempt: counter 3 < 5" }) } }));
  assert.is(res.status, 200);
  const alerts = f.director.inventory.alertsOf(car.vin);
  assert.is(alerts.length, 1);
  assert.is(alerts[0]!.kind, "attack-detected");
  assert.is(alerts[0]!.detail, "rollback attempt: counter 3 < 5");
});

test("in one group commit a refused manifest changes nothing and the others are recorded, a replay within the batch included", ({ f, car }) => {
  const other = f.addVehicle("VIN002", 1);
  const good = Buffer.from(JSON.stringify(vehicleManifest(car)));
  const forged = Buffer.from(JSON.stringify(vehicleManifest(other, { signWith: generateSigningKey() })));
  const results = f.director.receiveManifests([
    { vin: car.vin, body: good },
    { vin: other.vin, body: forged },
    { vin: car.vin, body: good },
  ]);
  assert.is((results[0] as { ok: boolean }).ok, true);
  assert.is((results[1] as { code: string }).code, "bad-primary-signature");
  assert.is((results[2] as { code: string }).code, "replayed-nonce");
  const inv = f.director.inventory;
  assert.is(inv.count("manifests", "vin = ?", car.vin), 1);
  assert.is(inv.count("manifests", "vin = ?", other.vin), 0);
  assert.is(inv.count("ecu_reports"), 3);
});

test.run();
