// Director key rotation and compromise recovery (README "Director key rotation and
// compromise recovery"): root and online keys rotated from the CLI while `uptane serve`
// runs; a vehicle offline through the rotations updates through the root chain (its
// partial-verification Secondaries too), every vehicle's next metadata is signed by the new
// keys, and documents signed by the revoked keys count for nothing.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { DemoWorld, RELEASES } from "../../app/vehicle/demo-world.ts";
import { compromisedDirector } from "../../app/vehicle/intercept.ts";
import { openDirector } from "../../backend/director/part.ts";
import { DIRECTOR_ROOT_DIR, DIRECTOR_VEHICLES_DIR } from "../../backend/director/director.ts";
import { loadDirectorOnlineKeys, rootSignedOf, type DirectorRootSigned } from "../../backend/director/director-keys.ts";
import { buildTargets } from "../../backend/director/metadata.ts";
import { countValidSignatures, generateSigningKey } from "../../model/keys.ts";
import { PartialVerifier } from "../../host/wasm/index.ts";
import { uptane } from "../helpers/uptane-in-process.ts";

const BRAKE_3 = { name: "acme-brakes/brake-ctl-3.0.bin", hardwareId: "brake-ctl", releaseCounter: 3, bytes: 12 * 1024 };

function roots(dir: string): Buffer[] {
  const versions = readdirSync(join(dir, DIRECTOR_ROOT_DIR)).map((n) => Number(n.split(".")[0])).sort((a, b) => a - b);
  return versions.map((v) => readFileSync(join(dir, DIRECTOR_ROOT_DIR, `${v}.root.json`)));
}

/** Signatures on a served document that the root's keys for `role` make count. */
function countedBy(root: DirectorRootSigned, role: "targets" | "snapshot" | "timestamp", file: string): number {
  return countValidSignatures(JSON.parse(readFileSync(file, "utf8")), root.keys, root.roles[role].keyids);
}

function servedChain(dir: string, vin: string): Record<"targets" | "snapshot" | "timestamp", string> {
  const base = join(dir, DIRECTOR_VEHICLES_DIR, vin);
  const ts = JSON.parse(readFileSync(join(base, "timestamp.json"), "utf8"));
  const sv = ts.signed.meta["snapshot.json"].version;
  const tv = JSON.parse(readFileSync(join(base, `${sv}.snapshot.json`), "utf8")).signed.meta["targets.json"].version;
  return { timestamp: join(base, "timestamp.json"), snapshot: join(base, `${sv}.snapshot.json`), targets: join(base, `${tv}.targets.json`) };
}

test("a vehicle offline through Director root and online key rotations updates through the root chain; the revoked keys no longer count", async () => {
  const world = await DemoWorld.start();
  try {
    await world.supplierRelease(RELEASES.brake);
    await world.campaign(RELEASES.brake.hardwareId, RELEASES.brake.name);
    await world.cycle();
    await world.cycle(); // the brake controllers confirmed 2.0
    const vin = world.config.vin;
    const other = "OTHER0VIN00000001";
    const director = openDirector(world.dir);
    try {
      director.addVehicle(other, [{ serial: "other-gw", hardwareId: "gateway", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: true }]);
    } finally {
      director.close();
    }
    const revoked = loadDirectorOnlineKeys(world.dir);

    // The vehicle is offline: the root goes to 2 of 3 keys, every online key is replaced
    // (as after a compromise, Deployment Best Practices 4.3), and the root key set again.
    const rotations = [["root", "--threshold", "2", "--keys", "3"], ["targets"], ["snapshot"], ["timestamp"], ["timeserver"], ["root"]];
    for (const [role, ...more] of rotations) {
      const r = await uptane("director", "rotate", world.dir, "--role", role!, ...more, "--json");
      assert.is(r.code, 0, `${role}: ${r.out} ${r.err}`);
      const out = JSON.parse(r.out);
      for (const f of out.keyFiles) assert.is(statSync(f).mode & 0o777, 0o600, `${f} is 0600`);
    }
    const chain = roots(world.dir);
    assert.is(chain.length, 7, "root 1 and six rotations");
    const latest = rootSignedOf(chain.at(-1)!);
    assert.equal(latest.roles.root.threshold, 2);
    for (const role of ["targets", "snapshot", "timestamp", "timeserver"] as const) {
      assert.not.ok(latest.roles[role].keyids.includes(revoked[role].keyid), `${role}: the old key is revoked`);
      assert.ok(latest.keys[loadDirectorOnlineKeys(world.dir)[role].keyid], `${role}: the new key is listed`);
    }
    // Every vehicle's current metadata is signed by the new keys (and verifies under the newest root).
    for (const v of [vin, other]) {
      const files = servedChain(world.dir, v);
      for (const role of ["targets", "snapshot", "timestamp"] as const) assert.is(countedBy(latest, role, files[role]), 1, `${v} ${role}`);
    }

    // A new release for the brake controllers: the vehicle comes back online and goes through roots 2..7.
    await world.supplierRelease(BRAKE_3);
    await world.campaign(BRAKE_3.hardwareId, BRAKE_3.name);
    const back = await world.cycle();
    assert.is(back.refusedBy, null, back.detail);
    const byEcu = Object.fromEntries(back.ecus.map((e) => [e.serial, e]));
    assert.is(byEcu["gateway-1"]!.outcome, "Verified", byEcu["gateway-1"]!.detail);
    for (const partial of ["brake-front", "brake-rear"]) {
      assert.is(byEcu[partial]!.outcome, "Installed", `${partial}: ${byEcu[partial]!.detail}`);
      assert.is(world.vehicle.installed().get(partial)?.filename, BRAKE_3.name);
    }
    assert.is(byEcu["adas-cam"]!.outcome, "NoUpdate", byEcu["adas-cam"]!.detail);

    // An attacker holding every revoked online key: refused at the timestamp, nothing of it trusted.
    const current = loadDirectorOnlineKeys(world.dir);
    world.fetcher.intercept = compromisedDirector(world.dir, world.fetcher.inner, vin, (entries) => entries, revoked);
    const allRevoked = await world.cycle();
    assert.is(allRevoked.refusedBy, "gateway-1");
    assert.is(allRevoked.outcome, "UnmetThreshold", allRevoked.detail);
    assert.match(allRevoked.detail, /timestamp/);
    world.fetcher.intercept = null;
    assert.is((await world.cycle()).refusedBy, null, "the genuine metadata still passes");
    // The revoked targets key with the current snapshot and timestamp keys: refused at the targets.
    world.fetcher.intercept = compromisedDirector(world.dir, world.fetcher.inner, vin, (entries) => entries, { ...current, targets: revoked.targets });
    const forged = await world.cycle();
    assert.is(forged.refusedBy, "gateway-1");
    assert.is(forged.outcome, "UnmetThreshold", forged.detail);
    assert.match(forged.detail, /targets/);
    world.fetcher.intercept = null;

    // A partial-verification ECU pinned to root 1 takes the chain: the revoked targets key counts for nothing, the new one does.
    const partial = () => new PartialVerifier({ directorRoot: chain[0]!, ecu: { serial: "brake-front", hardwareId: "brake-ctl", installedReleaseCounter: 3 } });
    const now = Math.floor(Date.now() / 1000);
    const entries = [{ name: BRAKE_3.name, length: 1, hashes: { sha256: "00".repeat(32) }, custom: { hardwareIds: ["brake-ctl"], releaseCounter: 3, ecuIdentifiers: { "brake-front": { hardwareId: "brake-ctl" } } } }];
    const byOld = Buffer.from(buildTargets(vin, entries, 1000, new Date(), revoked.targets).bytes);
    const refused = partial().update({ rootRotations: chain.slice(1), targets: byOld }, now);
    assert.is(refused.outcome, "UnmetThreshold", refused.detail);
    assert.is(refused.role, "targets");
    const byNew = Buffer.from(buildTargets(vin, entries, 1000, new Date(), current.targets).bytes);
    const accepted = partial().update({ rootRotations: chain.slice(1), targets: byNew }, now);
    assert.is(accepted.outcome, "Ok", accepted.detail);

    // The served state is intact: every file checks against what the Director signed.
    const check = openDirector(world.dir);
    try {
      assert.equal(check.checkAll().map((m) => m.message), []);
    } finally {
      check.close();
    }
  } finally {
    await world.close();
  }
});

test("director rotate refuses bad usage, and without a threshold of root keys on disk changes nothing", async () => {
  const world = await DemoWorld.start();
  try {
    const dir = world.dir;
    assert.is((await uptane("director", "rotate", dir, "--role", "image-root")).code, 2);
    assert.is((await uptane("director", "rotate", dir, "--role", "targets", "--threshold", "2")).code, 2);
    // A key count below the threshold is fixed on the command line: bad usage (README "CLI").
    assert.is((await uptane("director", "rotate", dir, "--role", "root", "--threshold", "3", "--keys", "2")).code, 2);
    assert.is((await uptane("director", "rotate", dir, "--role", "root", "--threshold", "2")).code, 0);
    // One of the two root keys goes missing: root 3 cannot be signed.
    const offline = join(dir, "keys", "offline");
    const rootKeys = readdirSync(offline).filter((n) => /^director-root-[0-9a-f]{64}\.pem$/.test(n));
    assert.is(rootKeys.length, 2);
    rmSync(join(offline, rootKeys[0]!));
    const before = roots(dir).length;
    const r = await uptane("director", "rotate", dir, "--role", "targets");
    assert.is(r.code, 1);
    assert.match(r.err, /only 1 of the 2 Director root key\(s\)/);
    assert.is(roots(dir).length, before);
    assert.not.ok(existsSync(join(dir, DIRECTOR_ROOT_DIR, `${before + 1}.root.json`)));
    // refresh --offline renews the root with the keys now listed (here: not enough of them).
    const renew = await uptane("refresh", dir, "--offline", "--warn-days", "400");
    assert.is(renew.code, 1);
  } finally {
    await world.close();
  }
});

test.run();
