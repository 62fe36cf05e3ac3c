// Delegations in the Image repository (Uptane 5.4.4.2 step 10, TUF 5.6.7): a target is
// trusted only through roles whose paths and hardware IDs cover it, in priority order,
// stopping at a terminating role; each delegated document is checked like targets.
import { test } from "uvu";
import { keys } from "../sim/repository.ts";
import { imageBytes } from "../sim/vehicle.ts";
import { VehicleSim, at, expectOutcome, fullVerifier, verifyFull } from "./harness.ts";

/** The brakes ECU's image moves from top-level targets to the supplier role. */
function supplierVehicle(delegation: Partial<Parameters<VehicleSim["delegate"]>[0]> = {}) {
  const v = VehicleSim.standard();
  const serial = v.ecus[1]!.serial;
  const hw = v.ecus[1]!.hardwareId;
  const name = "supplier-a/brakes-2.0.bin";
  v.delegate({ name: "supplier-a", paths: ["supplier-a/*"], hardwareIds: [hw], ...delegation });
  v.addImage({ name, bytes: imageBytes(name), hardwareIds: [hw], releaseCounter: 2, role: "supplier-a" });
  v.director.targets.get("targets")!.delete(v.assignedName(serial));
  v.assign(serial, name);
  return { v, serial, name };
}

test("target signed by a supplier role that covers its path and hardware: Ok", () => {
  const { v, serial } = supplierVehicle();
  expectOutcome(verifyFull(v, { serial }), "Ok", null, null);
});

test("target signed by a nested delegation (targets -> supplier -> sub-supplier): Ok", () => {
  const v = VehicleSim.standard();
  const serial = v.ecus[1]!.serial;
  const name = "supplier-a/sub/brakes-3.bin";
  // A "*" does not cross "/" (TUF path patterns), so the parent lists the sub-folder too.
  v.delegate({ name: "supplier-a", paths: ["supplier-a/*", "supplier-a/sub/*"] });
  v.delegate({ name: "supplier-a-sub", paths: ["supplier-a/sub/*"] }, "supplier-a");
  v.addImage({ name, bytes: imageBytes(name), hardwareIds: [v.ecus[1]!.hardwareId], role: "supplier-a-sub" });
  v.director.targets.get("targets")!.delete(v.assignedName(serial));
  v.assign(serial, name);
  expectOutcome(verifyFull(v, { serial }), "Ok", null, null);
});

test("target signed by a supplier role whose paths do not cover it: MissingTarget (image targets)", () => {
  const { v, serial } = supplierVehicle({ paths: ["other-supplier/*"] });
  expectOutcome(verifyFull(v, { serial }), "MissingTarget", "image", "targets");
});

test("target signed by a supplier role restricted to other hardware IDs: MissingTarget (image targets)", () => {
  const { v, serial } = supplierVehicle({ hardwareIds: ["hw-infotainment"] });
  expectOutcome(verifyFull(v, { serial }), "MissingTarget", "image", "targets");
});

test("a terminating role that does not sign the target stops the search before the role that does: MissingTarget (image targets)", () => {
  const { v, serial } = supplierVehicle();
  // A higher-priority terminating role covering the same paths, with no such target.
  v.image.delegations.get("targets")!.unshift({ name: "gatekeeper", keys: keys(1), threshold: 1, paths: ["supplier-a/*"], terminating: true });
  v.image.targets.set("gatekeeper", new Map());
  v.image.versions.gatekeeper = 1;
  expectOutcome(verifyFull(v, { serial }), "MissingTarget", "image", "targets");
});

test("the same non-terminating role in front does not stop the search: Ok", () => {
  const { v, serial } = supplierVehicle();
  v.image.delegations.get("targets")!.unshift({ name: "gatekeeper", keys: keys(1), threshold: 1, paths: ["supplier-a/*"], terminating: false });
  v.image.targets.set("gatekeeper", new Map());
  v.image.versions.gatekeeper = 1;
  expectOutcome(verifyFull(v, { serial }), "Ok", null, null);
});

test("priority order: the first role that signs the target decides, even if a later one matches the Director: TargetMismatch (image targets)", () => {
  const { v, serial, name } = supplierVehicle();
  const first = { name: "first", keys: keys(1), threshold: 1, paths: ["supplier-a/*"] };
  v.image.delegations.get("targets")!.unshift(first);
  v.image.versions.first = 1;
  const real = v.image.targets.get("supplier-a")!.get(name)!;
  v.image.targets.set("first", new Map([[name, { ...real, length: real.length + 1 }]]));
  expectOutcome(verifyFull(v, { serial }), "TargetMismatch", "image", "targets");
});

test("delegated role signed by a key it was not delegated to: UnmetThreshold (image supplier-a)", () => {
  const { v, serial } = supplierVehicle();
  v.image.signers["supplier-a"] = keys(1);
  expectOutcome(verifyFull(v, { serial }), "UnmetThreshold", "image", "supplier-a");
});

test("delegated role with threshold 2 signed by one key: UnmetThreshold (image supplier-a)", () => {
  const two = keys(2);
  const { v, serial } = supplierVehicle({ keys: two, threshold: 2 });
  v.image.signers["supplier-a"] = [two[1]!];
  expectOutcome(verifyFull(v, { serial }), "UnmetThreshold", "image", "supplier-a");
});

test("delegation with threshold 0: DelegationError (image supplier-a)", () => {
  const { v, serial } = supplierVehicle({ threshold: 0 });
  v.image.signers["supplier-a"] = [];
  expectOutcome(verifyFull(v, { serial }), "DelegationError", "image", "supplier-a");
});

test("expired delegated role: ExpiredMetadata (image supplier-a)", () => {
  const { v, serial } = supplierVehicle();
  v.image.expires["supplier-a"] = at(v) - 1;
  expectOutcome(verifyFull(v, { serial }), "ExpiredMetadata", "image", "supplier-a");
});

test("delegated role missing from the snapshot: DelegationError (image supplier-a)", () => {
  const { v, serial } = supplierVehicle();
  v.image.tamperSnapshotMeta = (m) => delete m["supplier-a.json"];
  expectOutcome(verifyFull(v, { serial }), "DelegationError", "image", "supplier-a");
});

test("delegated role version differs from the snapshot's: BadVersion (image supplier-a)", () => {
  const { v, serial } = supplierVehicle();
  v.image.tamperSnapshotMeta = (m) => (m["supplier-a.json"].version = 4);
  expectOutcome(verifyFull(v, { serial }), "BadVersion", "image", "supplier-a");
});

test("delegated role whose hash differs from the one the snapshot lists: LengthOrHashMismatch (image supplier-a)", () => {
  const { v, serial } = supplierVehicle();
  v.image.snapshotMetaHashes = true;
  v.image.tamperSnapshotMeta = (m) => (m["supplier-a.json"].hashes.sha256 = "11".repeat(32));
  expectOutcome(verifyFull(v, { serial }), "LengthOrHashMismatch", "image", "supplier-a");
});

test("delegated role longer than the length the snapshot lists: LengthOrHashMismatch (image supplier-a)", () => {
  const { v, serial } = supplierVehicle();
  v.image.snapshotMetaHashes = true;
  v.image.tamperSnapshotMeta = (m) => (m["supplier-a.json"].length -= 1);
  expectOutcome(verifyFull(v, { serial }), "LengthOrHashMismatch", "image", "supplier-a");
});

/** A chain targets -> level-1 -> ... -> level-DEPTH, the image signed by the last role. */
function deepVehicle(depth: number) {
  const v = VehicleSim.standard();
  const serial = v.ecus[1]!.serial;
  let parent = "targets";
  for (let i = 1; i <= depth; i++) {
    v.delegate({ name: `level-${i}`, paths: ["deep/*"] }, parent);
    parent = `level-${i}`;
  }
  const name = "deep/brakes.bin";
  v.addImage({ name, bytes: imageBytes(name), hardwareIds: [v.ecus[1]!.hardwareId], role: parent });
  v.director.targets.get("targets")!.delete(v.assignedName(serial));
  v.assign(serial, name);
  return { v, serial };
}

test("a delegation chain 32 roles deep (the cap): Ok", () => {
  const { v, serial } = deepVehicle(32);
  expectOutcome(verifyFull(v, { serial }), "Ok", null, null);
});

test("a delegation chain 33 roles deep, beyond the cap: DelegationError (image level-32)", () => {
  const { v, serial } = deepVehicle(33);
  expectOutcome(verifyFull(v, { serial }), "DelegationError", "image", "level-32");
});

test("delegated role document withheld by the mirror: MissingTarget (image supplier-a)", () => {
  const { v, serial } = supplierVehicle();
  const { director, image } = v.files();
  image.delegations!.delete("supplier-a");
  const result = fullVerifier(v, serial).update(director, image, at(v));
  expectOutcome(result, "MissingTarget", "image", "supplier-a");
});

test.run();
