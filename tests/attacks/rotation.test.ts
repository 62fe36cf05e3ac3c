// Root rotation (Uptane 5.4.4.3 / TUF 5.3): root N+1 must carry version N+1 and be signed
// by a threshold of N's root keys and of its own; the chain is capped per cycle; after a
// timestamp or snapshot key rotation the client recovers from a fast-forward attack.
import { test } from "uvu";
import { keys } from "../sim/repository.ts";
import { VehicleSim, expectOutcome, fullCycle, fullVerifier, verifyFull } from "./harness.ts";

test("root rotation signed by old and new root keys, with new targets keys: Ok", () => {
  const v = VehicleSim.standard();
  v.director.rotate({ root: 1, targets: 1 });
  v.image.rotate({ root: 2, snapshot: 1 });
  expectOutcome(verifyFull(v), "Ok", null, null);
});

test("several rotations in one cycle (N+1, N+2, N+3): Ok", () => {
  const v = VehicleSim.standard();
  v.director.rotate({ root: 1 });
  v.director.rotate({ root: 1, timestamp: 1 });
  v.director.rotate({ root: 1, snapshot: 1 });
  expectOutcome(verifyFull(v), "Ok", null, null);
});

test("after a rotation the old targets key no longer counts: UnmetThreshold (director targets)", () => {
  const v = VehicleSim.standard();
  const old = v.director.roles.targets.keys;
  v.director.rotate({ targets: 1 });
  v.director.signers.targets = old;
  expectOutcome(verifyFull(v), "UnmetThreshold", "director", "targets");
});

test("new root not signed by the old root keys: UnmetThreshold (director root)", () => {
  const v = VehicleSim.standard();
  v.director.rotate({ root: 1 }, { signWithOld: false });
  expectOutcome(verifyFull(v), "UnmetThreshold", "director", "root");
});

test("new root not signed by its own new root keys: UnmetThreshold (image root)", () => {
  const v = VehicleSim.standard();
  v.image.rotate({ root: 1 }, { signWithNew: false });
  expectOutcome(verifyFull(v), "UnmetThreshold", "image", "root");
});

test("new root meets the old threshold of 2 with only one old key: UnmetThreshold (director root)", () => {
  const v = VehicleSim.standard();
  const two = keys(2);
  v.director.roles.root = { keys: two, threshold: 2 };
  v.director.repinRoot();
  const fresh = keys(1);
  v.director.roles.root = { keys: fresh, threshold: 1 };
  v.director.publishRoot({ signers: [two[0]!, fresh[0]!] });
  expectOutcome(verifyFull(v), "UnmetThreshold", "director", "root");
});

test("root rotation skipping a version (1 -> 3): BadVersion (director root)", () => {
  const v = VehicleSim.standard();
  v.director.publishRoot({ version: 3 });
  expectOutcome(verifyFull(v), "BadVersion", "director", "root");
});

test("root 'rotation' that keeps the version number (1 -> 1): BadVersion (image root)", () => {
  const v = VehicleSim.standard();
  v.image.rotate({ timestamp: 1 }, { version: 1 });
  expectOutcome(verifyFull(v), "BadVersion", "image", "root");
});

test("257 root rotations in one cycle, beyond the cap of 256: OversizedMetadata (director root)", () => {
  const v = VehicleSim.standard();
  for (let i = 0; i < 257; i++) v.director.rotate({ timestamp: 1 });
  expectOutcome(verifyFull(v), "OversizedMetadata", "director", "root");
});

test("256 root rotations in one cycle, exactly the cap: Ok", () => {
  const v = VehicleSim.standard();
  for (let i = 0; i < 256; i++) v.director.rotate({ timestamp: 1 });
  expectOutcome(verifyFull(v), "Ok", null, null);
});

test("fast-forward recovery: after a timestamp key rotation the inflated trusted timestamp version is dropped: Ok", () => {
  const v = VehicleSim.standard();
  const verifier = fullVerifier(v);
  // A stolen timestamp key signs a far-future version; the verifier trusts it.
  v.director.versions.timestamp = 1_000_000;
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
  // The repository rotates the timestamp key and goes on with ordinary versions.
  v.director.rotate({ timestamp: 1 });
  v.director.versions.timestamp = 3;
  v.director.bump("snapshot", "targets");
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
});

test("without a timestamp key rotation the inflated version still stands: RollbackAttack (director timestamp)", () => {
  const v = VehicleSim.standard();
  const verifier = fullVerifier(v);
  v.director.versions.timestamp = 1_000_000;
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
  v.director.versions.timestamp = 3;
  v.director.bump("snapshot", "targets");
  expectOutcome(fullCycle(verifier, v), "RollbackAttack", "director", "timestamp");
});

test("fast-forward recovery: after a snapshot key rotation the inflated snapshot version is dropped: Ok", () => {
  const v = VehicleSim.standard();
  const verifier = fullVerifier(v);
  v.image.versions.snapshot = 1_000_000;
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
  v.image.rotate({ snapshot: 1 });
  v.image.versions.snapshot = 2;
  v.image.bump("timestamp");
  v.director.bump("timestamp", "snapshot");
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
});

test.run();
