import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Metadata, MetadataKind } from "@tufjs/models";
import { DirectorFixture, type TestVehicle } from "./fixture.ts";
import { inventoryEngineUnderTest } from "../helpers/postgres.ts";
import { DIRECTOR_ROOT_DIR, DIRECTOR_VEHICLES_DIR } from "../../backend/director/director.ts";

// On SQLite the Director publishes files after each commit (the crash points between them
// are tested here); on PostgreSQL the database serves the documents, so a commit is the
// whole publication.
const engine = inventoryEngineUnderTest();

/**
 * What is served for `vin` forms a complete, signed chain: timestamp.json names a
 * snapshot that exists with the listed hash, which names targets that exist with the
 * listed hash, all signed by the root's keys. Returns the served versions. On SQLite it
 * reads the files on disk; on PostgreSQL what the Director serves from the database.
 */
function servedChain(f: DirectorFixture, vin: string): { timestamp: number; snapshot: number; targets: number; targetNames: string[]; timestampBytes: string } {
  const read = (name: string): Buffer => (engine === "sqlite" ? readFileSync(join(f.dir, DIRECTOR_VEHICLES_DIR, vin, name)) : f.director.vehicleFile(vin, name)!);
  const root = Metadata.fromJSON(MetadataKind.Root, JSON.parse(readFileSync(join(f.dir, DIRECTOR_ROOT_DIR, "1.root.json"), "utf8")));
  const timestampBytes = read("timestamp.json").toString();
  const timestamp = Metadata.fromJSON(MetadataKind.Timestamp, JSON.parse(timestampBytes));
  root.verifyDelegate("timestamp", timestamp);
  const snapBytes = read(`${timestamp.signed.snapshotMeta.version}.snapshot.json`);
  timestamp.signed.snapshotMeta.verify(snapBytes);
  const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, JSON.parse(snapBytes.toString()));
  root.verifyDelegate("snapshot", snapshot);
  const tmeta = snapshot.signed.meta["targets.json"]!;
  const targetsBytes = read(`${tmeta.version}.targets.json`);
  tmeta.verify(targetsBytes);
  const targets = Metadata.fromJSON(MetadataKind.Targets, JSON.parse(targetsBytes.toString()));
  root.verifyDelegate("targets", targets);
  return { timestamp: timestamp.signed.version, snapshot: snapshot.signed.version, targets: targets.signed.version, targetNames: Object.keys(targets.signed.targets), timestampBytes };
}

async function rejectsWith(p: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p();
  } catch (e) {
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable("expected the injected failure");
}

function dbVersions(f: DirectorFixture, vin: string) {
  const inv = f.director.inventory;
  return { timestamp: inv.latestMetadata(vin, "timestamp")!.version, snapshot: inv.latestMetadata(vin, "snapshot")!.version, targets: inv.latestMetadata(vin, "targets")!.version };
}

function setup(): { f: DirectorFixture; car: TestVehicle } {
  const f = new DirectorFixture();
  const car = f.addVehicle("VIN001", 1);
  f.images.add("fw.bin", ["hw-1"], 1);
  return { f, car };
}

test("a failure inside the database transaction leaves database and served files unchanged", async () => {
  const { f, car } = setup();
  try {
    f.reopen({ faults: { beforeCommit: () => { throw new Error("injected crash before commit"); } } });
    const before = f.dump();
    const tsBefore = servedChain(f, car.vin);
    await rejectsWith(() => f.director.assign(car.vin, car.ecus[1]!.serial, "fw.bin"), /injected crash/);
    assert.is(f.dump(), before);
    assert.equal(servedChain(f, car.vin), tsBefore);
    assert.equal(tsBefore.targetNames, []);
  } finally {
    await f.close();
  }
});

for (const point of engine === "sqlite" ? (["afterTargetsFile", "afterSnapshotFile"] as const) : []) {
  test(`a failure between metadata files (${point}) keeps serving the previous complete chain, and reopening publishes the committed one`, async () => {
    const { f, car } = setup();
    try {
      f.reopen({ faults: { [point]: () => { throw new Error("injected crash while writing files"); } } });
      // Committed: the answer says so, and that the files are pending (tests/hardening/publication-pending.test.ts).
      const r = await f.director.assign(car.vin, car.ecus[1]!.serial, "fw.bin");
      assert.is(r.publication, "pending");
      assert.match(r.publicationDetail!, /injected crash/);
      const served = servedChain(f, car.vin);
      assert.equal([served.timestamp, served.targetNames], [1, []], "clients still get the old, complete chain");
      assert.is(dbVersions(f, car.vin).timestamp, 2, "the database committed the new version");
      f.reopen(); // what a restarted server does
      const after = servedChain(f, car.vin);
      assert.equal(after.targetNames, ["fw.bin"]);
      assert.equal({ timestamp: after.timestamp, snapshot: after.snapshot, targets: after.targets }, dbVersions(f, car.vin));
    } finally {
      await f.close();
    }
  });
}

for (const point of engine === "sqlite" ? (["beforeCommit", "afterTargetsFile", "afterSnapshotFile"] as const) : (["beforeCommit"] as const)) {
  test(`a Director process killed with SIGKILL (${point}) leaves database and served metadata consistent after restart`, async () => {
    const { f, car } = setup();
    try {
      f.director.close();
      const child = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "crash-child.ts"), f.dir, car.vin, car.ecus[1]!.serial, "fw.bin", "hw-1", point], { encoding: "utf8" });
      assert.is(child.signal, "SIGKILL", child.stderr + child.stdout);
      f.reopen();
      const db = dbVersions(f, car.vin);
      const served = servedChain(f, car.vin);
      assert.equal({ timestamp: served.timestamp, snapshot: served.snapshot, targets: served.targets }, db);
      const assigned = f.director.inventory.count("assignments");
      assert.equal(served.targetNames, assigned === 1 ? ["fw.bin"] : [], "served targets match the committed assignments");
      assert.is(assigned, point === "beforeCommit" ? 0 : 1);
      if (engine === "sqlite") assert.equal(readdirSync(join(f.dir, DIRECTOR_VEHICLES_DIR, car.vin)).filter((n) => n.endsWith(".tmp")), []);
    } finally {
      await f.close();
    }
  });
}

if (engine === "sqlite") test("a temp file left by a write cut short is never served and is cleaned up on restart", async () => {
  const { f, car } = setup();
  try {
    const vdir = join(f.dir, DIRECTOR_VEHICLES_DIR, car.vin);
    const before = readFileSync(join(vdir, "timestamp.json"));
    writeFileSync(join(vdir, ".timestamp.json.deadbeef0000.tmp"), before.subarray(0, 10)); // half a file
    // Make the database ahead of the files, as a crash after commit would.
    f.director.inventory.sql.run("UPDATE vehicles SET published_timestamp_version = 0");
    f.reopen();
    assert.equal(readdirSync(vdir).filter((n) => n.endsWith(".tmp")), []);
    assert.is(createHash("sha256").update(readFileSync(join(vdir, "timestamp.json"))).digest("hex"), createHash("sha256").update(before).digest("hex"));
    servedChain(f, car.vin);
  } finally {
    await f.close();
  }
});

test.run();
