// Retention (README "Backend: the inventory on PostgreSQL": retention), on the engine under
// test: the background prune removes manifests, reports and superseded metadata versions
// beyond the policy, and never what a client may still fetch: the newest chain stays byte
// for byte, a version superseded within the window stays, and nothing served is alerted.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DirectorFixture, vehicleManifest, type TestVehicle } from "./fixture.ts";

const HOUR = 3_600_000;
const test = suite<{ f: DirectorFixture; car: TestVehicle; now: { t: number } }>("director retention");

test.before.each((ctx) => {
  ctx.now = { t: Date.parse("2026-03-01T00:00:00Z") };
  const now = ctx.now;
  ctx.f = new DirectorFixture({ clock: () => new Date(now.t), retention: { manifestBodies: 3, reportsPerEcu: 3, metadataWindowSeconds: 3600 } });
  ctx.car = ctx.f.addVehicle("VINRETAIN1", 2);
});
test.after.each(async (ctx) => {
  await ctx.f.close();
});

/** The chain a client fetches now: the timestamp, the snapshot it names, the targets that names. */
function chain(f: DirectorFixture, vin: string): Buffer[] {
  const ts = f.director.vehicleFile(vin, "timestamp.json")!;
  const sv = JSON.parse(ts.toString()).signed.meta["snapshot.json"].version;
  const sn = f.director.vehicleFile(vin, `${sv}.snapshot.json`)!;
  const tv = JSON.parse(sn.toString()).signed.meta["targets.json"].version;
  return [ts, sn, f.director.vehicleFile(vin, `${tv}.targets.json`)!];
}

test("superseded metadata versions go once the window has passed; the served chain stays byte for byte and nothing is alerted", ({ f, car, now }) => {
  const first = chain(f, car.vin);
  now.t += 4 * 24 * HOUR; // past half of the targets' 7 days: everything is signed again
  const second = chain(f, car.vin);
  assert.is(f.director.inventory.count("director_metadata", "vin = ?", car.vin), 6);
  assert.ok(!second[2]!.equals(first[2]!));

  // Superseded just now: a client that read the first timestamp may still be fetching its chain.
  assert.is(f.director.prune().metadata, 0);
  assert.ok(f.director.vehicleFile(car.vin, "1.snapshot.json")!.equals(first[1]!));
  assert.ok(f.director.vehicleFile(car.vin, "1.targets.json")!.equals(first[2]!));

  now.t += 2 * HOUR;
  const pruned = f.director.prune();
  assert.is(pruned.metadata, 3, "targets, snapshot and timestamp version 1");
  assert.is(f.director.vehicleFile(car.vin, "1.snapshot.json"), null);
  assert.is(f.director.vehicleFile(car.vin, "1.targets.json"), null);
  const third = chain(f, car.vin);
  for (let i = 0; i < 3; i++) assert.ok(third[i]!.equals(second[i]!), "the newest chain is served as before");
  assert.equal(f.director.checkAll(), []);
  assert.equal(f.director.inventory.alertsOf(car.vin), []);
  assert.equal(f.director.inventory.backendAlerts(), []);
  // Versions go on counting up from the newest.
  now.t += 4 * 24 * HOUR;
  assert.is(JSON.parse(chain(f, car.vin)[2]!.toString()).signed.version, 3);
  assert.is(f.director.prune().metadata, 0, "version 2 was superseded less than the window ago");
});

test("per vehicle the newest manifests and reports stay; the walk covers every vehicle and starts again", ({ f, car }) => {
  const other = f.addVehicle("VINRETAIN2", 1);
  for (let i = 0; i < 6; i++) {
    f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car))));
    f.director.receiveManifest(other.vin, Buffer.from(JSON.stringify(vehicleManifest(other))));
  }
  const pruned = f.director.prune({ batch: 1 });
  assert.is(pruned.vehicles, 2);
  assert.is(pruned.manifests, 6);
  for (const v of [car, other]) {
    assert.is(f.director.inventory.count("manifests", "vin = ?", v.vin), 3);
    for (const e of v.ecus) assert.is(f.director.inventory.count("ecu_reports", "ecu_serial = ?", e.serial), 3);
  }
  assert.is(f.director.prune().manifests, 0, "nothing more to prune");
  // A manifest after the prune is recorded as before.
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car))));
  assert.is(f.director.inventory.count("manifests", "vin = ?", car.vin), 4);
});

test.run();
