// Partial verification (Uptane 5.4.4.1): Director targets against the provisioned
// Director root, with optional root rotation first. The rows of the catalogue that apply
// to Director root + targets.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { keys } from "../sim/repository.ts";
import { imageBytes } from "../sim/vehicle.ts";
import { PartialVerifier, VehicleSim, at, expectOutcome, partialCycle, partialVerifier, verifyPartial } from "./harness.ts";

test("partial: good Director targets for this ECU: Ok with its target", () => {
  const v = VehicleSim.standard();
  const serial = v.ecus[1]!.serial;
  const r = verifyPartial(v, { serial });
  expectOutcome(r, "Ok", null, null);
  assert.equal(r.target, v.expectedTarget(v.assignedName(serial), serial));
});

test("partial: aktualizr dialect: Ok", () => {
  const v = VehicleSim.standard({ dialect: "aktualizr" });
  expectOutcome(verifyPartial(v), "Ok", null, null);
});

test("partial: no target for this ECU: NoUpdate", () => {
  const v = VehicleSim.standard();
  v.director.targets.get("targets")!.delete(v.assignedName());
  expectOutcome(verifyPartial(v), "NoUpdate", null, null);
});

test("partial: unsigned Director targets: UnmetThreshold (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.signers.targets = [];
  expectOutcome(verifyPartial(v), "UnmetThreshold", "director", "targets");
});

test("partial: duplicate signatures by one key count once toward threshold 2: UnmetThreshold (director targets)", () => {
  const v = VehicleSim.standard();
  const two = keys(2);
  v.director.roles.targets = { keys: two, threshold: 2 };
  v.director.repinRoot();
  v.director.signers.targets = [two[0]!, two[0]!];
  expectOutcome(verifyPartial(v), "UnmetThreshold", "director", "targets");
});

test("partial: targets signed by an unknown key: UnmetThreshold (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.signers.targets = keys(1);
  expectOutcome(verifyPartial(v), "UnmetThreshold", "director", "targets");
});

test("partial: zero threshold in the provisioned root: InvalidMetadata (director root)", () => {
  const v = VehicleSim.standard();
  v.director.roles.targets = { keys: v.director.roles.targets.keys, threshold: 0 };
  v.director.repinRoot();
  v.director.signers.targets = [];
  expectOutcome(verifyPartial(v), "InvalidMetadata", "director", "root");
});

test("partial: expired Director targets: ExpiredMetadata (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.expires.targets = at(v) - 1;
  expectOutcome(verifyPartial(v), "ExpiredMetadata", "director", "targets");
});

test("partial: targets document with _type snapshot: RoleTypeMismatch (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.tamper.targets = (s) => (s._type = "snapshot");
  expectOutcome(verifyPartial(v), "RoleTypeMismatch", "director", "targets");
});

test("partial: root rotation with new targets keys: Ok", () => {
  const v = VehicleSim.standard();
  v.director.rotate({ root: 1, targets: 1 });
  v.director.rotate({ root: 1 });
  expectOutcome(verifyPartial(v), "Ok", null, null);
});

test("partial: root rotation missing the old root signature: UnmetThreshold (director root)", () => {
  const v = VehicleSim.standard();
  v.director.rotate({ root: 1 }, { signWithOld: false });
  expectOutcome(verifyPartial(v), "UnmetThreshold", "director", "root");
});

test("partial: root rotation missing the new root signature: UnmetThreshold (director root)", () => {
  const v = VehicleSim.standard();
  v.director.rotate({ root: 1 }, { signWithNew: false });
  expectOutcome(verifyPartial(v), "UnmetThreshold", "director", "root");
});

test("partial: root rotation skipping a version: BadVersion (director root)", () => {
  const v = VehicleSim.standard();
  v.director.publishRoot({ version: 3 });
  expectOutcome(verifyPartial(v), "BadVersion", "director", "root");
});

test("partial: root rotation keeping the version: BadVersion (director root)", () => {
  const v = VehicleSim.standard();
  v.director.rotate({ targets: 1 }, { version: 1 });
  expectOutcome(verifyPartial(v), "BadVersion", "director", "root");
});

test("partial: Director targets version lower than the trusted one: RollbackAttack (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.versions.targets = 5;
  const verifier = partialVerifier(v);
  expectOutcome(partialCycle(verifier, v), "Ok", null, null);
  v.director.versions.targets = 4;
  expectOutcome(partialCycle(verifier, v), "RollbackAttack", "director", "targets");
});

test("partial: rollback still caught after export/import of the trusted state: RollbackAttack (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.versions.targets = 5;
  const verifier = partialVerifier(v);
  expectOutcome(partialCycle(verifier, v), "Ok", null, null);
  const restored = PartialVerifier.fromState(v.partialConfig(), verifier.exportState());
  v.director.versions.targets = 4;
  expectOutcome(partialCycle(restored, v), "RollbackAttack", "director", "targets");
});

test("partial: Director points this ECU at another hardware type's image: HardwareIdMismatch (director targets)", () => {
  const v = VehicleSim.standard();
  const brakes = v.assignedName(v.ecus[1]!.serial);
  v.director.targets.get("targets")!.delete(v.assignedName());
  v.assign(v.primary.serial, brakes, { hardwareId: v.ecus[1]!.hardwareId });
  expectOutcome(verifyPartial(v), "HardwareIdMismatch", "director", "targets");
});

test("partial: release counter lower than the installed one: RollbackAttack (director targets)", () => {
  const v = VehicleSim.standard();
  expectOutcome(verifyPartial(v, { installedReleaseCounter: 2 }), "RollbackAttack", "director", "targets");
});

test("partial: this ECU named twice in Director targets: EcuMismatch (director targets)", () => {
  const v = VehicleSim.standard();
  const name = "hw-primary-2.0.bin";
  v.addImage({ name, bytes: imageBytes(name), hardwareIds: [v.primary.hardwareId], releaseCounter: 2 });
  v.assign(v.primary.serial, name);
  expectOutcome(verifyPartial(v), "EcuMismatch", "director", "targets");
});

test("partial: delegations in Director targets: DelegationError (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.delegate({ name: "rogue", keys: keys(1), threshold: 1, paths: ["*"] });
  expectOutcome(verifyPartial(v), "DelegationError", "director", "targets");
});

test("partial: Director targets larger than the 64 KiB partial cap: OversizedMetadata (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.tamper.targets = (s) => (s.custom.pad = "x".repeat(65 * 1024));
  expectOutcome(verifyPartial(v), "OversizedMetadata", "director", "targets");
});

test.run();
