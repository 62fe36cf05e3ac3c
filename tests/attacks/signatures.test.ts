// Attacks on signatures and thresholds (Uptane 5.4.4.3-5.4.4.6, TUF 5.3-5.6): metadata
// is trusted only when a threshold of distinct authorised keys signed exactly it.
import { test } from "uvu";
import { keys } from "../sim/repository.ts";
import { VehicleSim, expectOutcome, verifyFull } from "./harness.ts";

test("unsigned Director targets: UnmetThreshold (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.signers.targets = [];
  expectOutcome(verifyFull(v), "UnmetThreshold", "director", "targets");
});

test("Director targets signed by one of two required keys: UnmetThreshold (director targets)", () => {
  const v = VehicleSim.standard();
  const two = keys(2);
  v.director.roles.targets = { keys: two, threshold: 2 };
  v.director.repinRoot();
  v.director.signers.targets = [two[0]!];
  expectOutcome(verifyFull(v), "UnmetThreshold", "director", "targets");
});

test("one key signing twice counts once toward a threshold of 2: UnmetThreshold (director targets)", () => {
  const v = VehicleSim.standard();
  const two = keys(2);
  v.director.roles.targets = { keys: two, threshold: 2 };
  v.director.repinRoot();
  v.director.signers.targets = [two[0]!, two[0]!];
  expectOutcome(verifyFull(v), "UnmetThreshold", "director", "targets");
});

test("a key listed twice in the root's role keyids still counts once: UnmetThreshold (image snapshot)", () => {
  const v = VehicleSim.standard();
  const two = keys(2);
  v.image.roles.snapshot = { keys: two, threshold: 2 };
  v.image.repinRoot({ tamper: (s) => (s.roles.snapshot.keyids = [two[0]!.keyid, two[0]!.keyid]) });
  v.image.signers.snapshot = [two[0]!, two[0]!];
  expectOutcome(verifyFull(v), "UnmetThreshold", "image", "snapshot");
});

test("timestamp signed by a key the root does not know: UnmetThreshold (director timestamp)", () => {
  const v = VehicleSim.standard();
  v.director.signers.timestamp = keys(1);
  expectOutcome(verifyFull(v), "UnmetThreshold", "director", "timestamp");
});

test("snapshot signed by another role's key (targets key): UnmetThreshold (image snapshot)", () => {
  const v = VehicleSim.standard();
  v.image.signers.snapshot = v.image.roles.targets.keys;
  expectOutcome(verifyFull(v), "UnmetThreshold", "image", "snapshot");
});

test("signature copied under the keyid of an authorised key but made by another key: UnmetThreshold (image targets)", () => {
  const v = VehicleSim.standard();
  const good = v.image.roles.targets.keys[0]!;
  v.image.signers.targets = keys(1);
  v.image.tamperEnvelope.targets = (doc) => (doc.signatures[0].keyid = good.keyid);
  expectOutcome(verifyFull(v), "UnmetThreshold", "image", "targets");
});

test("signed content changed after signing: UnmetThreshold (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.tamperEnvelope.targets = (doc) => (doc.signed.targets[v.assignedName()].length += 1);
  expectOutcome(verifyFull(v), "UnmetThreshold", "director", "targets");
});

test("pinned root signed below its own threshold: UnmetThreshold (director root)", () => {
  const v = VehicleSim.standard();
  const two = keys(2);
  v.director.roles.root = { keys: two, threshold: 2 };
  v.director.repinRoot({ signers: [two[0]!] });
  expectOutcome(verifyFull(v), "UnmetThreshold", "director", "root");
});

test("zero threshold in the pinned root: InvalidMetadata (image root)", () => {
  const v = VehicleSim.standard();
  v.image.roles.targets = { keys: v.image.roles.targets.keys, threshold: 0 };
  v.image.repinRoot();
  v.image.signers.targets = [];
  expectOutcome(verifyFull(v), "InvalidMetadata", "image", "root");
});

test("zero threshold introduced by a root rotation, with unsigned targets: InvalidMetadata (director root)", () => {
  const v = VehicleSim.standard();
  v.director.roles.targets = { keys: v.director.roles.targets.keys, threshold: 0 };
  v.director.publishRoot();
  v.director.signers.targets = [];
  expectOutcome(verifyFull(v), "InvalidMetadata", "director", "root");
});

test("timestamp served as snapshot (type mismatch, validly signed): RoleTypeMismatch (director snapshot)", () => {
  const v = VehicleSim.standard();
  v.director.tamper.snapshot = (s) => (s._type = "timestamp");
  expectOutcome(verifyFull(v), "RoleTypeMismatch", "director", "snapshot");
});

test("targets document with _type root: RoleTypeMismatch (image targets)", () => {
  const v = VehicleSim.standard();
  v.image.tamper.targets = (s) => (s._type = "root");
  expectOutcome(verifyFull(v), "RoleTypeMismatch", "image", "targets");
});

test("a key whose keyid is not the SHA-256 of its canonical form: InvalidMetadata (director root)", () => {
  const v = VehicleSim.standard();
  v.director.repinRoot({
    tamper: (s) => {
      const [id, key] = Object.entries(s.keys)[0]!;
      delete s.keys[id];
      const forged = "ab".repeat(32);
      s.keys[forged] = key;
      for (const r of Object.values(s.roles) as Array<{ keyids: string[] }>) r.keyids = r.keyids.map((k) => (k === id ? forged : k));
    },
  });
  expectOutcome(verifyFull(v), "InvalidMetadata", "director", "root");
});

test.run();
