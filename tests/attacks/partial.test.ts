// Partial verification (Uptane 5.4.4.1): Director targets against the provisioned
// Director root, with optional root rotation first. The single-cycle rows live in
// partial-rows.ts (shared with the `uptane verify --mode partial` tests); the rows here
// need a verifier that keeps state between cycles.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PARTIAL_ROWS } from "./partial-rows.ts";
import { PartialVerifier, VehicleSim, expectOutcome, partialCycle, partialVerifier, verifyPartial } from "./harness.ts";

for (const row of PARTIAL_ROWS) {
  test(row.name, () => {
    const v = row.build();
    const serial = row.serial?.(v);
    expectOutcome(verifyPartial(v, { serial, installedReleaseCounter: row.installedReleaseCounter }), ...row.expect);
  });
}

test("partial: good Director targets for this ECU: Ok with its target", () => {
  const v = VehicleSim.standard();
  const serial = v.ecus[1]!.serial;
  const r = verifyPartial(v, { serial });
  expectOutcome(r, "Ok", null, null);
  assert.equal(r.target, v.expectedTarget(v.assignedName(serial), serial));
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

test.run();
