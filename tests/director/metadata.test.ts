import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Metadata, MetadataKind } from "@tufjs/models";
import { DirectorFixture } from "./fixture.ts";
import { canonicalBytes } from "../../model/canonical-json.ts";
import { verifyBytes, type TufKey } from "../../model/keys.ts";

const test = suite("director metadata");

async function get(f: DirectorFixture, path: string): Promise<any> {
  const res = await fetch(`${f.baseUrl}${path}`);
  assert.is(res.status, 200, `${path}: ${res.status}`);
  return res.json();
}

/** Fetches a vehicle's Director metadata over HTTP and verifies the chain with @tufjs/models. */
async function fetchVerified(f: DirectorFixture, vin: string) {
  const base = `/director/vehicles/${vin}`;
  const rootJson = await get(f, `${base}/1.root.json`);
  const root = Metadata.fromJSON(MetadataKind.Root, rootJson);
  root.verifyDelegate("root", root);
  const tsRes = await fetch(`${f.baseUrl}${base}/timestamp.json`);
  const tsBytes = Buffer.from(await tsRes.arrayBuffer());
  const timestamp = Metadata.fromJSON(MetadataKind.Timestamp, JSON.parse(tsBytes.toString()));
  root.verifyDelegate("timestamp", timestamp);
  const snapMeta = timestamp.signed.snapshotMeta;
  const snapRes = await fetch(`${f.baseUrl}${base}/${snapMeta.version}.snapshot.json`);
  const snapBytes = Buffer.from(await snapRes.arrayBuffer());
  snapMeta.verify(snapBytes); // length and hashes the timestamp lists
  const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, JSON.parse(snapBytes.toString()));
  root.verifyDelegate("snapshot", snapshot);
  const targetsMeta = snapshot.signed.meta["targets.json"]!;
  const targetsRes = await fetch(`${f.baseUrl}${base}/${targetsMeta.version}.targets.json`);
  const targetsBytes = Buffer.from(await targetsRes.arrayBuffer());
  targetsMeta.verify(targetsBytes);
  const targetsJson = JSON.parse(targetsBytes.toString());
  const targets = Metadata.fromJSON(MetadataKind.Targets, targetsJson);
  root.verifyDelegate("targets", targets);
  return { rootJson, root, timestamp, snapshot, targets, targetsJson };
}

test("a new vehicle's Director metadata verifies with @tufjs/models and its empty targets carry the VIN", async () => {
  const f = new DirectorFixture();
  f.addVehicle("VIN-A", 1);
  await f.listen();
  try {
    const m = await fetchVerified(f, "VIN-A");
    assert.equal(m.targetsJson.signed.custom, { vin: "VIN-A" });
    assert.equal(m.targetsJson.signed.targets, {});
    assert.ok(m.rootJson.signed.roles.timeserver.keyids.length === 1, "root lists the timeserver role");
    assert.is(m.targets.signed.version, 1);
  } finally {
    await f.close();
  }
});

test("an assigned target appears with ecuIdentifiers and the Image repository's length, hashes and custom, at a higher version", async () => {
  const f = new DirectorFixture();
  const car = f.addVehicle("VIN-A", 2);
  const img = f.images.add("brakes-2.bin", ["hw-1"], 7);
  await f.director.assign("VIN-A", car.ecus[1]!.serial, "brakes-2.bin");
  await f.listen();
  try {
    const m = await fetchVerified(f, "VIN-A");
    assert.is(m.targets.signed.version, 2);
    assert.is(m.snapshot.signed.version, 2);
    assert.is(m.timestamp.signed.version, 2);
    const t = m.targetsJson.signed.targets["brakes-2.bin"];
    assert.is(t.length, img.length);
    assert.equal(t.hashes, img.hashes);
    assert.equal(t.custom.hardwareIds, ["hw-1"]);
    assert.is(t.custom.releaseCounter, 7);
    assert.equal(t.custom.ecuIdentifiers, { [car.ecus[1]!.serial]: { hardwareId: "hw-1" } });
    assert.equal(m.targetsJson.signed.custom, { vin: "VIN-A" });
  } finally {
    await f.close();
  }
});

test("expiries are short (timestamp one day, targets and snapshot a week) and stale ones are re-signed at higher versions", async () => {
  let now = new Date("2030-01-01T00:00:00Z");
  const f = new DirectorFixture({ clock: () => now });
  f.addVehicle("VIN-A", 1);
  await f.listen();
  try {
    let m = await fetchVerified(f, "VIN-A");
    assert.is(m.timestamp.signed.expires, "2030-01-02T00:00:00Z");
    assert.is(m.snapshot.signed.expires, "2030-01-08T00:00:00Z");
    assert.is(m.targets.signed.expires, "2030-01-08T00:00:00Z");
    now = new Date("2030-01-01T13:00:00Z"); // past half the timestamp's life
    m = await fetchVerified(f, "VIN-A");
    assert.is(m.timestamp.signed.version, 2);
    assert.is(m.snapshot.signed.version, 1, "snapshot still fresh: unchanged");
    now = new Date("2030-01-05T00:00:00Z"); // past half the week
    m = await fetchVerified(f, "VIN-A");
    assert.is(m.targets.signed.version, 2);
    assert.is(m.snapshot.signed.version, 2);
    assert.is(m.timestamp.signed.version, 3);
    assert.is(m.targets.signed.expires, "2030-01-12T00:00:00Z");
  } finally {
    await f.close();
  }
});

test("metadata for an unknown vehicle, an unknown file or a traversal path is a 4xx JSON error", async () => {
  const f = new DirectorFixture();
  f.addVehicle("VIN-A", 1);
  await f.listen();
  try {
    for (const path of ["/director/vehicles/NOPE/timestamp.json", "/director/vehicles/VIN-A/9.targets.json", "/director/vehicles/VIN-A/secret.pem", "/director/vehicles/VIN-A/..%2F..%2Fkeys"]) {
      const res = await fetch(`${f.baseUrl}${path}`);
      assert.ok(res.status === 404 || (path.includes("%2F") && res.status === 400), `${path}: ${res.status}`);
      assert.type((await res.json()).error, "string");
    }
  } finally {
    await f.close();
  }
});

test("the time server signs the ECUs' nonces and the time with the key the Director root lists as timeserver", async () => {
  const f = new DirectorFixture();
  f.addVehicle("VIN-A", 1);
  await f.listen();
  try {
    const root = await get(f, "/director/vehicles/VIN-A/1.root.json");
    const res = await fetch(`${f.baseUrl}/time/attestation`, { method: "POST", body: JSON.stringify({ nonces: ["n1", "n2"] }) });
    assert.is(res.status, 200);
    const att = await res.json();
    assert.equal(Object.keys(att.signed).sort(), ["nonces", "time"]);
    assert.equal(att.signed.nonces, ["n1", "n2"]);
    assert.match(att.signed.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const keyid = root.signed.roles.timeserver.keyids[0];
    assert.is(att.signatures[0].keyid, keyid);
    const key = root.signed.keys[keyid] as TufKey;
    assert.ok(verifyBytes(key, canonicalBytes(att.signed), att.signatures[0].sig));
    assert.not.ok(verifyBytes(key, canonicalBytes({ ...att.signed, nonces: ["n1"] }), att.signatures[0].sig));
  } finally {
    await f.close();
  }
});

test("the time server refuses bodies without a list of string nonces", async () => {
  const f = new DirectorFixture();
  await f.listen();
  try {
    for (const [body, code] of [["not json", "invalid-json"], ['{"nonces":[]}', "invalid-request"], ['{"nonces":[1]}', "invalid-nonce"], ['{"nonce":"a"}', "invalid-request"]] as const) {
      const res = await fetch(`${f.baseUrl}/time/attestation`, { method: "POST", body });
      assert.is(res.status, 400, body);
      assert.is((await res.json()).error, code);
    }
  } finally {
    await f.close();
  }
});

test.run();
