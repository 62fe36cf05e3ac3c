// The probe's unsigned 500: a manifest whose `signed` nests 5,000 arrays overflowed the
// stack in the recursive canonical-JSON writer before any signature was checked, and the
// manifest batcher then failed every manifest of the same batch. Now the nesting is
// refused (400) before anything walks it, the writer itself is depth-checked, and one
// manifest that fails inside the server fails alone.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DirectorFixture, vehicleManifest, type TestVehicle } from "../director/fixture.ts";
import { canonicalJson, CanonicalJsonError } from "../../model/canonical-json.ts";
import { BUNDLE_FORMAT, BundleError, decodeBundle } from "../../backend/image/bundle.ts";
import { ManifestBatcher } from "../../backend/director/manifest-batcher.ts";
import { Refused } from "../../backend/director/errors.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../model/json-depth.ts";

const test = suite<{ f: DirectorFixture; cars: TestVehicle[] }>("deep JSON nesting");

test.before.each(async (ctx) => {
  ctx.f = new DirectorFixture();
  ctx.cars = [];
  for (let i = 0; i < 20; i++) ctx.cars.push(ctx.f.addVehicle(`VIN${String(i).padStart(3, "0")}`, 1));
  await ctx.f.listen();
});
test.after.each(async (ctx) => {
  await ctx.f.close();
});

function nested(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

/** The probe's body: 5,000 nested arrays in `signed`, no signature at all. */
function deepManifestBody(car: TestVehicle): string {
  const primary = car.ecus.find((e) => e.primary)!;
  const x = "[".repeat(5000) + "]".repeat(5000);
  return `{"signatures":[],"signed":{"_type":"vehicle-manifest","vin":"${car.vin}","primarySerial":"${primary.serial}","ecuVersionReports":[],"x":${x}}}`;
}

test("the canonical-JSON writer refuses nesting deeper than the cap instead of overflowing the stack", () => {
  assert.throws(() => canonicalJson(nested(5000)), (e: unknown) => e instanceof CanonicalJsonError && /nest/.test((e as Error).message));
  assert.throws(() => canonicalJson(nested(200_000)), (e: unknown) => e instanceof CanonicalJsonError);
  assert.is(canonicalJson(nested(MAX_JSON_DEPTH)), "[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH));
  assert.throws(() => canonicalJson(nested(MAX_JSON_DEPTH + 1)), (e: unknown) => e instanceof CanonicalJsonError);
});

test("nesting depth is measured without recursion, objects and arrays alike", () => {
  assert.is(nestsDeeperThan(nested(200_000)), true);
  assert.is(nestsDeeperThan(nested(MAX_JSON_DEPTH)), false);
  assert.is(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1)), true);
  let obj: unknown = 1;
  for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) obj = { a: obj, b: [] };
  assert.is(nestsDeeperThan(obj), true);
  assert.is(nestsDeeperThan({ a: 1, b: "x", c: null }), false);
});

test("a supplier bundle nesting 5,000 levels is refused before import walks it", () => {
  const body = Buffer.from(`{"format":"${BUNDLE_FORMAT}","roles":[{"name":"acme","metadata":{"signed":${"[".repeat(5000)}${"]".repeat(5000)}}}],"images":{}}`);
  assert.throws(() => decodeBundle(body), (e: unknown) => e instanceof BundleError && /deeper than 32/.test((e as Error).message));
});

test("a 5,000-deep unsigned manifest is refused with 400 and the 19 valid manifests sent with it all succeed", async ({ f, cars }) => {
  const [attacker, ...others] = cars as [TestVehicle, ...TestVehicle[]];
  const before = f.director.inventory.count("manifests");
  const results = await Promise.all([
    f.postManifest(attacker.vin, deepManifestBody(attacker)),
    ...others.map((car) => f.postManifest(car.vin, vehicleManifest(car))),
    f.postManifest(attacker.vin, deepManifestBody(attacker)),
  ]);
  const [deep, ...rest] = results;
  const deepAgain = rest.pop()!;
  for (const r of [deep!, deepAgain]) {
    assert.is(r.status, 400, JSON.stringify(r.json));
    assert.is(r.json.error, "too-deeply-nested");
    assert.match(r.json.detail, String(MAX_JSON_DEPTH));
  }
  for (const r of rest) assert.is(r.status, 200, JSON.stringify(r.json));
  assert.is(f.director.inventory.count("manifests"), before + others.length);
});

test("in one batch, the deep manifest and a manifest that fails inside the server each fail alone", async ({ f, cars }) => {
  const inventory = f.director.inventory;
  const original = inventory.insertManifest.bind(inventory);
  const [attacker, victim, ...others] = cars as [TestVehicle, TestVehicle, ...TestVehicle[]];
  inventory.insertManifest = (vin, ...rest) => {
    if (vin === victim.vin) throw new Error("simulated failure recording one manifest");
    return original(vin, ...rest);
  };
  try {
    // Submitted in the same tick: one batch, one transaction.
    const batcher = new ManifestBatcher(f.director);
    const body = (car: TestVehicle) => Buffer.from(JSON.stringify(vehicleManifest(car)));
    const settled = await Promise.allSettled([
      batcher.submit(attacker.vin, Buffer.from(deepManifestBody(attacker))),
      batcher.submit(victim.vin, body(victim)),
      ...others.map((car) => batcher.submit(car.vin, body(car))),
    ]);
    const [deep, failed, ...rest] = settled;
    assert.ok(deep!.status === "fulfilled" && deep.value instanceof Refused && deep.value.code === "too-deeply-nested", String(deep));
    assert.is(failed!.status, "rejected");
    for (const r of rest) assert.ok(r.status === "fulfilled" && !(r.value instanceof Refused), JSON.stringify(r));
    assert.is(inventory.count("manifests"), others.length);
    assert.is(inventory.count("manifests", "vin = ?", victim.vin), 0);
  } finally {
    inventory.insertManifest = original;
  }
});

test.run();
