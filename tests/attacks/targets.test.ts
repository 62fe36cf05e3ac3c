// The Director's instructions against the vehicle and the Image repository (Uptane
// 5.4.4.2 steps 5-12): right vehicle, right ECUs, right hardware, and each target exactly
// the one the Image repository signs; plus the positive cases.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { keys } from "../sim/repository.ts";
import { imageBytes } from "../sim/vehicle.ts";
import { FullVerifier, VehicleSim, expectOutcome, fullCycle, fullVerifier, verifyFull } from "./harness.ts";

test("good update: Ok, with the ECU's target as the Director and Image repository list it", () => {
  const v = VehicleSim.standard();
  const result = verifyFull(v);
  expectOutcome(result, "Ok", null, null);
  assert.equal(result.target, v.expectedTarget(v.assignedName()));
});

test("good update for a Secondary of the vehicle: Ok with that ECU's target", () => {
  const v = VehicleSim.standard();
  const serial = v.ecus[1]!.serial;
  const result = verifyFull(v, { serial });
  expectOutcome(result, "Ok", null, null);
  assert.equal(result.target, v.expectedTarget(v.assignedName(serial), serial));
});

test("pretty-printed metadata verifies (signatures are over canonical JSON of signed): Ok", () => {
  const v = VehicleSim.standard();
  v.director.pretty = true;
  v.image.pretty = true;
  expectOutcome(verifyFull(v), "Ok", null, null);
});

test("unchanged Director snapshot on the next cycle: NoUpdate", () => {
  const v = VehicleSim.standard();
  const verifier = fullVerifier(v);
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
  expectOutcome(fullCycle(verifier, v), "NoUpdate", null, null);
});

test("aktualizr / OTA Connect dialect (Root, ED25519, base64 sig with method, own keyids): Ok", () => {
  const v = VehicleSim.standard({ dialect: "aktualizr" });
  const result = verifyFull(v);
  expectOutcome(result, "Ok", null, null);
  assert.equal(result.target, v.expectedTarget(v.assignedName()));
});

test("Director target length differs from the Image repository's: TargetMismatch (image targets)", () => {
  const v = VehicleSim.standard();
  v.director.targets.get("targets")!.get(v.assignedName())!.length += 1;
  expectOutcome(verifyFull(v), "TargetMismatch", "image", "targets");
});

test("Director target sha256 differs from the Image repository's: TargetMismatch (image targets)", () => {
  const v = VehicleSim.standard();
  v.director.targets.get("targets")!.get(v.assignedName())!.hashes.sha256 = "22".repeat(32);
  expectOutcome(verifyFull(v), "TargetMismatch", "image", "targets");
});

test("Director target with no hash algorithm in common with the Image repository's: TargetMismatch (image targets)", () => {
  const v = VehicleSim.standard();
  const e = v.director.targets.get("targets")!.get(v.assignedName())!;
  e.hashes = { sha384: "33".repeat(48) };
  expectOutcome(verifyFull(v), "TargetMismatch", "image", "targets");
});

test("Director target releaseCounter differs from the Image repository's: TargetMismatch (image targets)", () => {
  const v = VehicleSim.standard();
  v.director.targets.get("targets")!.get(v.assignedName())!.custom!.releaseCounter = 5;
  expectOutcome(verifyFull(v), "TargetMismatch", "image", "targets");
});

test("Director assigns an image the Image repository does not sign: MissingTarget (image targets)", () => {
  const v = VehicleSim.standard();
  const bytes = imageBytes("evil.bin");
  v.addImage({ name: "evil.bin", bytes, hardwareIds: [v.primary.hardwareId] });
  v.image.targets.get("targets")!.delete("evil.bin");
  v.director.targets.get("targets")!.delete(v.assignedName());
  v.assign(v.primary.serial, "evil.bin");
  expectOutcome(verifyFull(v), "MissingTarget", "image", "targets");
});

test("Director points the ECU at another hardware type's image: HardwareIdMismatch (director targets)", () => {
  const v = VehicleSim.standard();
  const brakes = v.assignedName(v.ecus[1]!.serial);
  v.director.targets.get("targets")!.delete(v.assignedName());
  v.assign(v.primary.serial, brakes, { hardwareId: v.ecus[1]!.hardwareId });
  expectOutcome(verifyFull(v), "HardwareIdMismatch", "director", "targets");
});

test("Director lists the ECU's hardware ID but the image is signed for another hardware type: HardwareIdMismatch (image targets)", () => {
  const v = VehicleSim.standard();
  const name = "brakes-alt.bin";
  v.addImage({ name, bytes: imageBytes(name), hardwareIds: [v.ecus[1]!.hardwareId] });
  v.director.targets.get("targets")!.delete(v.assignedName());
  v.assign(v.primary.serial, name);
  expectOutcome(verifyFull(v), "HardwareIdMismatch", "image", "targets");
});

test("Director targets name an ECU that is not in the vehicle: EcuMismatch (director targets)", () => {
  const v = VehicleSim.standard();
  v.assign("ghost-999", v.assignedName(), { hardwareId: v.primary.hardwareId });
  expectOutcome(verifyFull(v), "EcuMismatch", "director", "targets");
});

test("Director targets name one ECU twice (two images for it): EcuMismatch (director targets)", () => {
  const v = VehicleSim.standard();
  const name = "hw-primary-2.0.bin";
  v.addImage({ name, bytes: imageBytes(name), hardwareIds: [v.primary.hardwareId], releaseCounter: 2 });
  v.assign(v.primary.serial, name);
  expectOutcome(verifyFull(v), "EcuMismatch", "director", "targets");
});

test("Director targets made for another VIN: EcuMismatch (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.targetsCustom = { vin: "OTHERVIN000000000" };
  expectOutcome(verifyFull(v), "EcuMismatch", "director", "targets");
});

test("empty Director targets made for another vehicle (would silently cancel updates): EcuMismatch (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.targets.get("targets")!.clear();
  v.director.targetsCustom = { vin: "OTHERVIN000000000" };
  expectOutcome(verifyFull(v), "EcuMismatch", "director", "targets");
});

test("Director targets that carry no VIN: EcuMismatch (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.targetsCustom = undefined;
  expectOutcome(verifyFull(v), "EcuMismatch", "director", "targets");
});

test("delegations in Director targets: DelegationError (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.delegate({ name: "rogue", keys: keys(1), threshold: 1, paths: ["*"] });
  expectOutcome(verifyFull(v), "DelegationError", "director", "targets");
});

test("release counter lower than the ECU's installed one: RollbackAttack (director targets)", () => {
  const v = VehicleSim.standard();
  expectOutcome(verifyFull(v, { installedReleaseCounter: 2 }), "RollbackAttack", "director", "targets");
});

test("release counter equal to the installed one is not a rollback: Ok", () => {
  const v = VehicleSim.standard();
  expectOutcome(verifyFull(v, { installedReleaseCounter: 1 }), "Ok", null, null);
});

test("setInstalledReleaseCounter raises the floor for the next cycle: RollbackAttack (director targets)", () => {
  const v = VehicleSim.standard();
  const verifier = fullVerifier(v);
  verifier.setInstalledReleaseCounter(3);
  expectOutcome(fullCycle(verifier, v), "RollbackAttack", "director", "targets");
});

test("no target for this ECU in a changed Director snapshot: NoUpdate", () => {
  const v = VehicleSim.standard();
  v.director.targets.get("targets")!.delete(v.assignedName());
  expectOutcome(verifyFull(v), "NoUpdate", null, null);
});

test("trusted state survives export and import: a rollback after restart is still caught (RollbackAttack director timestamp)", () => {
  const v = VehicleSim.standard();
  v.nextCycle();
  const verifier = fullVerifier(v);
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
  const restored = FullVerifier.fromState(v.fullConfig(), verifier.exportState());
  v.director.versions.timestamp = 1;
  v.director.bump("snapshot");
  expectOutcome(fullCycle(restored, v), "RollbackAttack", "director", "timestamp");
});

test.run();
