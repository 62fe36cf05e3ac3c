// The repository simulator produces what it claims: metadata that an independent TUF
// implementation (@tufjs/models) accepts, and breakage exactly where it was asked for.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Metadata, MetadataKind } from "@tufjs/models";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { VehicleSim, hashesOf } from "./sim/vehicle.ts";
import { writeRepository } from "./sim/write.ts";
import type { RepositoryFiles } from "../model/verification.ts";

const json = (b: Uint8Array) => JSON.parse(Buffer.from(b).toString("utf8"));
const md = {
  root: (b: Uint8Array) => Metadata.fromJSON(MetadataKind.Root, json(b)),
  timestamp: (b: Uint8Array) => Metadata.fromJSON(MetadataKind.Timestamp, json(b)),
  snapshot: (b: Uint8Array) => Metadata.fromJSON(MetadataKind.Snapshot, json(b)),
  targets: (b: Uint8Array) => Metadata.fromJSON(MetadataKind.Targets, json(b)),
};

/** Checks every signature chain of one repository with tuf-js; throws where it fails. */
function tufVerify(pinnedRoot: Uint8Array, files: RepositoryFiles): void {
  let root = md.root(pinnedRoot);
  root.verifyDelegate("root", root);
  for (const next of files.rootRotations) {
    const n = md.root(next);
    root.verifyDelegate("root", n);
    n.verifyDelegate("root", n);
    root = n;
  }
  root.verifyDelegate("timestamp", md.timestamp(files.timestamp));
  root.verifyDelegate("snapshot", md.snapshot(files.snapshot));
  const top = md.targets(files.targets);
  root.verifyDelegate("targets", top);
  const parents = new Map<string, ReturnType<typeof md.targets>>([["targets", top]]);
  for (const [name, bytes] of files.delegations ?? []) {
    const doc = md.targets(bytes);
    const parent = [...parents.values()].find((p) => p.signed.delegations?.roles?.[name]);
    assert.ok(parent, `a parent delegates to ${name}`);
    parent!.verifyDelegate(name, doc);
    parents.set(name, doc);
  }
}

test("simulated Director and Image repositories verify with @tufjs/models", () => {
  const v = VehicleSim.standard();
  const d = v.delegate({ name: "supplier-a", paths: ["supplier-a/*"], hardwareIds: ["hw-brakes"] });
  v.delegate({ name: "supplier-a-sub", paths: ["supplier-a/sub/*"], terminating: true }, d.name);
  v.addImage({ name: "supplier-a/brakes-2.bin", bytes: new Uint8Array([1, 2, 3]), hardwareIds: ["hw-brakes"], releaseCounter: 2, role: "supplier-a" });
  v.addImage({ name: "supplier-a/sub/x.bin", bytes: new Uint8Array([4]), hardwareIds: ["hw-brakes"], role: "supplier-a-sub" });
  const { director, image } = v.files();
  tufVerify(v.director.root(1), director);
  tufVerify(v.image.root(1), image);
  assert.equal([...image.delegations!.keys()], ["supplier-a", "supplier-a-sub"]);
  const dt = json(director.targets).signed;
  assert.is(dt.custom.vin, v.vin);
  assert.ok(json(v.director.root(1)).signed.roles.timeserver, "Director root lists the timeserver role");
  assert.is(json(v.image.root(1)).signed.roles.timeserver, undefined);
  const primaryTarget = dt.targets[v.assignedName()];
  assert.equal(primaryTarget.custom.ecuIdentifiers, { [v.primary.serial]: { hardwareId: v.primary.hardwareId } });
  const it = json(image.targets).signed.delegations.roles[0];
  assert.equal(it.hardwareIds, ["hw-brakes"]);
  const ts = json(director.timestamp).signed.meta["snapshot.json"];
  assert.equal(ts.hashes.sha256, createHash("sha256").update(director.snapshot).digest("hex"));
  assert.is(ts.length, director.snapshot.length);
});

test("root rotation signed by old and new keys verifies with @tufjs/models, and missing the old signature does not", () => {
  const v = VehicleSim.standard();
  v.director.rotate({ root: 1, timestamp: 1 });
  v.director.rotate({ root: 2 });
  tufVerify(v.director.root(1), v.director.files(1));
  const w = VehicleSim.standard();
  w.director.rotate({ root: 1 }, { signWithOld: false });
  assert.throws(() => tufVerify(w.director.root(1), w.director.files(1)));
  const x = VehicleSim.standard();
  x.director.rotate({ root: 1 }, { signWithNew: false });
  assert.throws(() => tufVerify(x.director.root(1), x.director.files(1)));
});

test("breakage lands where asked: wrong signer, tampered signed content, expired role", () => {
  const v = VehicleSim.standard();
  v.image.signers.snapshot = v.image.roles.targets.keys;
  assert.throws(() => tufVerify(v.image.root(1), v.image.files()));
  const w = VehicleSim.standard();
  w.director.tamperEnvelope.targets = (doc) => (doc.signed.custom.vin = "OTHER");
  assert.throws(() => tufVerify(w.director.root(1), w.director.files()));
  const x = VehicleSim.standard();
  x.image.expires.timestamp = x.now - 1;
  tufVerify(x.image.root(1), x.image.files());
  assert.ok(md.timestamp(x.image.files().timestamp).signed.isExpired(new Date(x.now * 1000)));
});

test("aktualizr dialect: capitalised types, base64 signatures with method, keyids taken as given", () => {
  const v = VehicleSim.standard({ dialect: "aktualizr" });
  const { director } = v.files();
  const root = json(v.director.root(1));
  assert.is(root.signed._type, "Root");
  assert.is(root.signed.spec_version, undefined);
  const [keyid, key] = Object.entries(root.signed.keys)[0] as [string, { keytype: string }];
  assert.is(key.keytype, "ED25519");
  assert.is(keyid.length, 64);
  const sig = json(director.targets).signatures[0];
  assert.is(sig.method, "ed25519");
  assert.is(Buffer.from(sig.sig, "base64").length, 64);
  assert.is(json(director.targets).signed._type, "Targets");
});

test("time attestation is signed by the Director root's timeserver key", () => {
  const v = VehicleSim.standard();
  const att = json(v.timeAttestation({ nonces: ["n1"] }));
  assert.is(att.signed.time, "2026-01-01T00:00:00Z");
  assert.is(att.signatures[0].keyid, v.director.roles.timeserver.keys[0]!.keyid);
  assert.ok(json(v.director.root(1)).signed.roles.timeserver.keyids.includes(att.signatures[0].keyid));
});

test("a repository is written in the layout `uptane verify` reads", () => {
  const v = VehicleSim.standard();
  v.image.rotate({ root: 1 });
  v.delegate({ name: "supplier-a", paths: ["*"] });
  const dir = mkdtempSync(join(tmpdir(), "sim-"));
  try {
    writeRepository(dir, v.image.root(1), v.image.files(1), { versionedNames: true });
    assert.equal(readdirSync(dir).sort(), ["1.snapshot.json", "1.supplier-a.json", "1.targets.json", "2.root.json", "root.json", "timestamp.json"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("image targets carry the bytes' length and hashes", () => {
  const v = VehicleSim.standard();
  const name = v.assignedName();
  const t = json(v.files().image.targets).signed.targets[name];
  assert.is(t.length, v.images.get(name)!.length);
  assert.equal(t.hashes, hashesOf(v.images.get(name)!));
});

test.run();
