// Checks of the verification core not covered elsewhere: threshold counting, key ids,
// the aktualizr dialect, delegations, root rotation and fast-forward recovery, time
// attestation, and flat, bounded memory.
import { canonicalForwarding } from "../../host/wasm/canonical.ts";
import { test } from "uvu";
import { createHash } from "node:crypto";
import { canonicalBytes } from "../../model/canonical-json.ts";
import * as assert from "uvu/assert";
import { VehicleSim, imageBytes } from "../sim/vehicle.ts";
import { keys, SIM_NOW, DAY } from "../sim/repository.ts";
import "../../host/wasm/embedded.ts";
import { FullVerifier, PartialVerifier } from "../../host/wasm/verifier.ts";

function run(v: VehicleSim, verifier = new FullVerifier(v.fullConfig())) {
  const f = v.files();
  return verifier.update(f.director, f.image, v.now);
}

test("a duplicated signature counts once: threshold 2 with one key signing twice is UnmetThreshold", () => {
  const v = VehicleSim.standard();
  const k = v.director.roles.targets.keys[0];
  v.director.roles.targets = { keys: [k, ...keys(1)], threshold: 2 };
  v.director.rotate({});
  v.director.signers.targets = [k, k];
  const r = run(v);
  assert.is(r.outcome, "UnmetThreshold");
  assert.is(r.repo, "director");
  assert.is(r.role, "targets");
  assert.is(r.expected, 2);
  assert.is(r.got, 1);
});

test("signatures by unknown key ids are ignored, not counted", () => {
  const v = VehicleSim.standard();
  v.image.signers.targets = keys(3);
  const r = run(v);
  assert.is(r.outcome, "UnmetThreshold");
  assert.is(r.repo, "image");
});

test("a root key whose key id is not the SHA-256 of the key is refused", () => {
  const v = VehicleSim.standard();
  v.director.publishRoot({
    tamper: (signed) => {
      const [id, key] = Object.entries(signed.keys)[0] as [string, unknown];
      delete signed.keys[id];
      const fake = "ab".repeat(32);
      signed.keys[fake] = key;
      for (const role of Object.values(signed.roles) as Array<{ keyids: string[] }>) role.keyids = role.keyids.map((k) => (k === id ? fake : k));
    },
  });
  const r = run(v);
  assert.is(r.outcome, "InvalidMetadata");
  assert.is(r.role, "root");
});

test("keys of an unknown type never count toward a threshold", () => {
  const v = VehicleSim.standard();
  const rsa = { keytype: "rsa", scheme: "rsassa-pss-sha256", keyval: { public: "-----BEGIN PUBLIC KEY-----" } };
  const rsaId = createHash("sha256").update(canonicalBytes(rsa)).digest("hex");
  v.director.publishRoot({
    tamper: (signed) => {
      signed.keys[rsaId] = rsa;
      signed.roles.timestamp.keyids.push(rsaId);
      signed.roles.timestamp.threshold = 2;
    },
  });
  v.director.tamperEnvelope.timestamp = (doc) => {
    doc.signatures.push({ keyid: rsaId, sig: "00".repeat(64) });
  };
  const r = run(v);
  assert.is(r.outcome, "UnmetThreshold");
  assert.is(r.role, "timestamp");
  assert.is(r.got, 1);
});

test("the aktualizr / OTA Connect dialect verifies (capitalised _type, base64 sig with method, ED25519 keys)", () => {
  const v = VehicleSim.standard({ dialect: "aktualizr" });
  const r = run(v);
  assert.is(r.outcome, "Ok", r.detail);
  const pv = new PartialVerifier(v.partialConfig(v.ecus[1].serial));
  assert.is(pv.update({ rootRotations: [], targets: canonicalForwarding(v.files().director.targets) }, v.now).outcome, "Ok");
  // delegations are read in the dialect of the document that delegates
  const d = new VehicleSim({ dialect: "aktualizr" });
  d.delegate({ name: "supplier-a", paths: ["*"] });
  const name = "hw-primary-2.0.bin";
  d.addImage({ name, bytes: imageBytes(name), hardwareIds: ["hw-primary"], role: "supplier-a" });
  d.assign(d.primary.serial, name);
  const rd = run(d);
  assert.is(rd.outcome, "Ok", rd.detail);
});

test("pretty-printed metadata verifies (signatures are over the re-canonicalised signed part)", () => {
  const v = VehicleSim.standard();
  v.director.pretty = true;
  v.image.pretty = true;
  assert.is(run(v).outcome, "Ok");
});

test("a target signed by a supplier's delegated role is found; the hardware-ID restriction and terminating delegations hold", () => {
  const v = new VehicleSim();
  const [primary] = v.ecus;
  v.delegate({ name: "supplier-a", paths: ["hw-primary-*"], hardwareIds: ["hw-primary"] });
  const name = "hw-primary-2.0.bin";
  v.addImage({ name, bytes: imageBytes(name), hardwareIds: ["hw-primary"], role: "supplier-a" });
  v.assign(primary.serial, name);
  const ok = run(v);
  assert.is(ok.outcome, "Ok", ok.detail);
  assert.is(ok.target!.name, name);

  // the same delegation restricted to another hardware type does not apply
  const w = new VehicleSim();
  w.delegate({ name: "supplier-a", paths: ["*"], hardwareIds: ["hw-brakes"] });
  w.addImage({ name, bytes: imageBytes(name), hardwareIds: ["hw-primary"], role: "supplier-a" });
  w.assign(primary.serial, name);
  assert.is(run(w).outcome, "MissingTarget");

  // a terminating delegation that does not sign the target stops the search before a later one that does
  const t = new VehicleSim();
  t.delegate({ name: "first", paths: ["*"], terminating: true });
  t.delegate({ name: "second", paths: ["*"] });
  t.addImage({ name, bytes: imageBytes(name), hardwareIds: ["hw-primary"], role: "second" });
  t.assign(primary.serial, name);
  assert.is(run(t).outcome, "MissingTarget");
});

test("a delegated role signed by the wrong key is UnmetThreshold for that role", () => {
  const v = new VehicleSim();
  v.delegate({ name: "supplier-a", paths: ["*"] });
  const name = "hw-primary-2.0.bin";
  v.addImage({ name, bytes: imageBytes(name), hardwareIds: ["hw-primary"], role: "supplier-a" });
  v.assign(v.primary.serial, name);
  v.image.signers["supplier-a"] = keys(1);
  const r = run(v);
  assert.is(r.outcome, "UnmetThreshold");
  assert.is(r.repo, "image");
  assert.is(r.role, "supplier-a");
});

test("root rotation: two steps accepted and kept in the exported state; a rotation signed only by the new keys is refused", () => {
  const v = VehicleSim.standard();
  const fv = new FullVerifier(v.fullConfig());
  v.director.rotate({ root: 1 });
  v.director.rotate({ timestamp: 1 });
  v.nextCycle();
  const r = run(v, fv);
  assert.is(r.outcome, "Ok", r.detail);
  const again = FullVerifier.fromState(v.fullConfig(), fv.exportState());
  v.nextCycle();
  const f = v.files({ director: 3 });
  assert.is(again.update(f.director, f.image, v.now).outcome, "Ok");

  const w = VehicleSim.standard();
  w.director.rotate({ root: 1 }, { signWithOld: false });
  const bad = run(w);
  assert.is(bad.outcome, "UnmetThreshold");
  assert.is(bad.role, "root");
});

test("fast-forward recovery: after the timestamp key rotates, lower timestamp and snapshot versions are accepted; without rotation they are a rollback", () => {
  const v = VehicleSim.standard();
  const fv = new FullVerifier(v.fullConfig());
  v.director.versions.timestamp = 50;
  v.director.versions.snapshot = 50;
  assert.is(run(v, fv).outcome, "Ok");
  v.director.versions.timestamp = 2;
  v.director.versions.snapshot = 2;
  const rolled = run(v, fv);
  assert.is(rolled.outcome, "RollbackAttack");
  assert.is(rolled.role, "timestamp");
  v.director.rotate({ timestamp: 1 });
  const f = v.files();
  const r = fv.update(f.director, f.image, v.now);
  assert.is(r.outcome, "Ok", r.detail);
});

test("an expired timestamp still raises the trusted version: a later fresh but older timestamp is a rollback", () => {
  const v = VehicleSim.standard();
  const fv = new FullVerifier(v.fullConfig());
  v.director.versions.timestamp = 5;
  v.director.expires.timestamp = v.now - 1;
  const expired = run(v, fv);
  assert.is(expired.outcome, "ExpiredMetadata");
  assert.is(expired.role, "timestamp");
  v.director.versions.timestamp = 3;
  v.director.expires.timestamp = v.now + DAY;
  const r = run(v, fv);
  assert.is(r.outcome, "RollbackAttack");
  assert.is(r.expected, 5);
  assert.is(r.got, 3);
});

test("delegation by path_hash_prefixes: the role whose prefix matches the name's SHA-256 signs it", () => {
  const v = new VehicleSim();
  const name = "hw-primary-3.0.bin";
  const prefix = createHash("sha256").update(name).digest("hex").slice(0, 2);
  const other = prefix === "00" ? "01" : "00";
  v.delegate({ name: "wrong-bin", pathHashPrefixes: [other] });
  v.delegate({ name: "right-bin", pathHashPrefixes: [prefix] });
  v.addImage({ name, bytes: imageBytes(name), hardwareIds: ["hw-primary"], role: "right-bin" });
  v.assign(v.primary.serial, name);
  const r = run(v);
  assert.is(r.outcome, "Ok", r.detail);
});

test("time attestation: accepted with this ECU's nonce, refused without it, unsigned, or going backwards", () => {
  const v = VehicleSim.standard();
  const fv = new FullVerifier(v.fullConfig());
  const good = fv.attestTime({ attestation: v.timeAttestation({ nonces: ["n1", "n2"] }), nonce: "n2" });
  assert.is(good.outcome, "Ok", good.detail);
  assert.is(good.time, SIM_NOW);
  assert.is(fv.attestTime({ attestation: v.timeAttestation({ nonces: ["other"] }), nonce: "n3" }).outcome, "BadTimeAttestation");
  assert.is(fv.attestTime({ attestation: v.timeAttestation({ nonces: ["n4"], signers: keys(1) }), nonce: "n4" }).outcome, "BadTimeAttestation");
  assert.is(fv.attestTime({ attestation: v.timeAttestation({ nonces: ["n5"], time: SIM_NOW - DAY }), nonce: "n5" }).outcome, "BadTimeAttestation");
  assert.is(fv.attestTime({ attestation: v.timeAttestation({ nonces: ["n6"], tamper: (s) => (s.time = "2030-01-01T00:00:00Z") }), nonce: "n6" }).outcome, "BadTimeAttestation");
});

test("Director targets for another vehicle are refused, also when they list no targets", () => {
  const v = VehicleSim.standard();
  v.director.targetsCustom = { vin: "OTHER-VIN" };
  const r = run(v);
  assert.is(r.outcome, "EcuMismatch");
  const empty = new VehicleSim();
  empty.director.targetsCustom = { vin: "OTHER-VIN" };
  assert.is(run(empty).outcome, "EcuMismatch");
  const none = new VehicleSim();
  none.director.targetsCustom = undefined;
  assert.is(run(none).outcome, "EcuMismatch");
});

test("Director targets naming an ECU outside the vehicle, or carrying delegations, are refused", () => {
  const v = VehicleSim.standard();
  v.assign("stranger-999", v.assignedName(), { hardwareId: "hw-primary" });
  assert.is(run(v).outcome, "EcuMismatch");
  const d = VehicleSim.standard();
  d.director.delegate({ name: "evil", keys: keys(1), threshold: 1, paths: ["*"] });
  assert.is(run(d).outcome, "DelegationError");
});

test("a release counter below the installed one is a rollback (full and partial)", () => {
  const v = VehicleSim.standard();
  const f = v.files();
  const fv = new FullVerifier(v.fullConfig(v.primary.serial, 5));
  const r = fv.update(f.director, f.image, v.now);
  assert.is(r.outcome, "RollbackAttack");
  assert.is(r.expected, 5);
  assert.is(r.got, 1);
  const pv = new PartialVerifier(v.partialConfig(v.ecus[1].serial, 2));
  assert.is(pv.update({ rootRotations: [], targets: canonicalForwarding(f.director.targets) }, v.now).outcome, "RollbackAttack");
  pv.setInstalledReleaseCounter(1);
  assert.is(pv.update({ rootRotations: [], targets: canonicalForwarding(f.director.targets) }, v.now).outcome, "Ok");
});

test("a partial verifier whose ECU has no target gets NoUpdate; a target for another hardware ID is HardwareIdMismatch", () => {
  const v = VehicleSim.standard();
  v.ecus.push({ serial: "idle-003", hardwareId: "hw-idle" });
  const pv = new PartialVerifier(v.partialConfig("idle-003"));
  assert.is(pv.update({ rootRotations: [], targets: canonicalForwarding(v.files().director.targets) }, v.now).outcome, "NoUpdate");
  const w = VehicleSim.standard();
  w.assign(w.ecus[1].serial, w.assignedName(w.ecus[1].serial), { hardwareId: "hw-primary" });
  const p2 = new PartialVerifier(w.partialConfig(w.ecus[1].serial));
  assert.is(p2.update({ rootRotations: [], targets: canonicalForwarding(w.files().director.targets) }, w.now).outcome, "HardwareIdMismatch");
});

test("memory stays flat over 1,000 verification cycles", () => {
  const v = VehicleSim.standard();
  const fv = new FullVerifier(v.fullConfig());
  const f = v.files();
  const core = (fv as unknown as { core: { memoryBytes: number } }).core;
  assert.is(fv.update(f.director, f.image, v.now).outcome, "Ok");
  const pages = core.memoryBytes;
  for (let i = 0; i < 1000; i++) {
    const r = fv.update(f.director, f.image, v.now);
    assert.is(r.outcome, "NoUpdate");
  }
  assert.is(core.memoryBytes, pages);
  const pv = new PartialVerifier(v.partialConfig());
  pv.update({ rootRotations: [], targets: canonicalForwarding(f.director.targets) }, v.now);
  const pp = (pv as unknown as { core: { memoryBytes: number } }).core.memoryBytes;
  for (let i = 0; i < 1000; i++) pv.update({ rootRotations: [], targets: canonicalForwarding(f.director.targets) }, v.now);
  assert.is((pv as unknown as { core: { memoryBytes: number } }).core.memoryBytes, pp);
});

test("partial verification of a 16 KB Director targets document fits in 2 pages of linear memory", () => {
  const v = VehicleSim.standard();
  const serial = v.ecus[1].serial;
  for (let i = 0; v.files().director.targets.length < 16 * 1024; i++) {
    const ecu = `ecu-${i}`;
    v.ecus.push({ serial: ecu, hardwareId: "hw-other" });
    const name = `other-${i}.bin`;
    v.addImage({ name, bytes: imageBytes(name, 64), hardwareIds: ["hw-other"] });
    v.assign(ecu, name);
  }
  const targets = canonicalForwarding(v.files().director.targets);
  assert.ok(targets.length >= 16 * 1024);
  const pv = new PartialVerifier(v.partialConfig(serial));
  const r = pv.update({ rootRotations: [], targets }, v.now);
  assert.is(r.outcome, "Ok", r.detail);
  const bytes = (pv as unknown as { core: { memoryBytes: number } }).core.memoryBytes;
  assert.ok(bytes <= 2 * 65536, `${bytes} bytes of linear memory`);
});

test.run();
