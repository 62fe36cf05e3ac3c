// What the probe found with a full disk: an assignment and a vehicle registration were
// committed, yet answered 500 "nothing was changed", and vehicles got stale or missing
// metadata until the server restarted. Now the answer says "committed, publication
// pending", the previous complete files are served meanwhile, and the server retries (each
// vehicle's timestamp read, the upkeep) until the files match the database.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Server } from "node:http";
import { DirectorFixture, vehicleManifest, type TestVehicle } from "../director/fixture.ts";
import { directorRoutes } from "../../backend/director/http-routes.ts";
import { close, listen, Router } from "../../backend/http/server.ts";
import { generateSigningKey } from "../../model/keys.ts";

const test = suite<{ f: DirectorFixture; car: TestVehicle; failing: { on: boolean; hits: number } }>("publication pending");

test.before.each((ctx) => {
  const failing = { on: false, hits: 0 };
  ctx.failing = failing;
  // The disk fills up after a vehicle's new targets file: its snapshot and timestamp cannot be written.
  ctx.f = new DirectorFixture({
    faults: {
      afterTargetsFile: () => {
        if (!failing.on) return;
        failing.hits++;
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      },
    },
  });
  ctx.car = ctx.f.addVehicle("VINPEND01", 1);
});
test.after.each(async (ctx) => {
  await ctx.f.close();
});

function servedTimestampVersion(f: DirectorFixture, vin: string): number | null {
  const bytes = f.director.vehicleFile(vin, "timestamp.json");
  return bytes ? JSON.parse(bytes.toString()).signed.version : null;
}

test("an assignment committed while files cannot be written says so; the old files are served, then the new ones without a restart", async ({ f, car, failing }) => {
  f.images.add("fw-2.bin", ["hw-1"], 2);
  const before = servedTimestampVersion(f, car.vin)!;
  failing.on = true;
  const r = await f.director.assign(car.vin, car.ecus[1]!.serial, "fw-2.bin");
  assert.is(r.publication, "pending");
  assert.match(r.publicationDetail!, /^committed, publication pending: .*ENOSPC/);
  assert.is(f.director.inventory.assignmentsOf(car.vin).length, 1, "the assignment is committed");
  assert.is(servedTimestampVersion(f, car.vin), before, "meanwhile the previous complete set is served");
  assert.ok(failing.hits >= 2, "the vehicle's read retried the publication");
  failing.on = false;
  assert.is(servedTimestampVersion(f, car.vin), before + 1, "the next read publishes and serves it");
  const ts = JSON.parse(f.director.vehicleFile(car.vin, "timestamp.json")!.toString());
  const snapshot = JSON.parse(f.director.vehicleFile(car.vin, `${ts.signed.meta["snapshot.json"].version}.snapshot.json`)!.toString());
  const targets = JSON.parse(f.director.vehicleFile(car.vin, `${snapshot.signed.meta["targets.json"].version}.targets.json`)!.toString());
  assert.ok("fw-2.bin" in targets.signed.targets);
  assert.equal(f.director.checkAll(), []);
});

test("a registration committed while files cannot be written is published by the server's upkeep", ({ f, failing }) => {
  failing.on = true;
  const r = f.director.addVehicle("VINPEND02", [{ serial: "P2", hardwareId: "gw", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: true }]);
  assert.is(r.publication, "pending");
  assert.ok(f.director.inventory.vehicleExists("VINPEND02"));
  assert.throws(() => f.director.publishPending(), /publication still pending: VINPEND02: ENOSPC/);
  failing.on = false;
  assert.equal(f.director.publishPending().vins, ["VINPEND02"]);
  assert.is(servedTimestampVersion(f, "VINPEND02"), 1);
  assert.equal(f.director.checkAll(), []);
});

test("a key rotation whose vehicle files cannot be written keeps its new root unserved (404) until they are, then serves it", ({ f, car, failing }) => {
  failing.on = true;
  const r = f.director.rotateKeys("targets");
  assert.is(r.publication, "pending");
  assert.is(r.rootVersion, 2);
  assert.is(f.director.rootFile(2), null, "root 2 is not served before the vehicles' metadata it needs");
  assert.equal(f.director.checkAll(), [], "a pending root is not a mismatch");
  failing.on = false;
  assert.equal(f.director.publishPending(), { vins: [car.vin], roots: [2] });
  assert.ok(f.director.rootFile(2)!.includes('"version":2'));
  assert.equal(f.director.checkAll(), []);
});

test("over HTTP the write API answers 201 with the pending publication, and a manifest 200 with it", async ({ f, car, failing }) => {
  const router = new Router();
  const lines: string[] = [];
  router.mount("director", directorRoutes(f.director, f.apiToken, (l) => lines.push(l)));
  // As a TLS client would be identified (the write API takes its token over TLS only).
  router.identify = (req) => ({ tls: true, vin: req.url?.includes("/vehicles/") ? car.vin : null, refusal: "no certificate" });
  const { server, url } = await listen(router);
  try {
    f.images.add("fw-3.bin", ["hw-1"], 3);
    failing.on = true;
    const res = await fetch(`${url}/director/api/assignments`, { method: "POST", headers: { authorization: `Bearer ${f.apiToken}` }, body: JSON.stringify({ vin: car.vin, ecuSerial: car.ecus[1]!.serial, target: "fw-3.bin" }) });
    assert.is(res.status, 201);
    const body = await res.json();
    assert.is(body.publication, "pending");
    assert.match(body.publicationDetail, /committed, publication pending/);
    assert.ok(lines.some((l) => l.startsWith("WARNING committed, publication pending")), lines.join("\n"));
    // The vehicle reports while the disk is still full: recorded (200), its metadata still pending.
    const manifest = await fetch(`${url}/director/vehicles/${car.vin}/manifest`, { method: "POST", body: JSON.stringify(vehicleManifest(car)) });
    assert.is(manifest.status, 200);
    const m = await manifest.json();
    assert.equal(m.accepted.sort(), car.ecus.map((e) => e.serial).sort());
    assert.is(m.publication, "pending");
    assert.is(f.director.inventory.count("manifests"), 1);
  } finally {
    await close(server as Server);
  }
});

test.run();
