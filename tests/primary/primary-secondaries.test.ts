// What the Primary hands its Secondaries (5.4.2.5-5.4.2.7) is enough for them to verify
// on their own with the real verifiers: a full-verification Secondary gets both
// repositories (root rotations included), a partial one the Director's roots and targets.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Primary, provisionPrimary } from "../../host/primary/primary.ts";
import type { VerificationMode } from "../../host/primary/secondary-link.ts";
import { MemoryStore } from "../../host/primary/store.ts";
import "../../host/wasm/embedded.ts";
import { FullVerifier, PartialVerifier } from "../../host/wasm/verifier.ts";
import { VehicleSim } from "../sim/vehicle.ts";
import { SimBackend } from "./sim-backend.ts";
import { VerifyingSecondary } from "./verifying-secondary.ts";

async function vehicleWith(mode: VerificationMode) {
  const sim = VehicleSim.standard();
  sim.director.rotate({ root: 1 }); // the Director's root is at version 2 when the cycle runs
  const backend = new SimBackend(sim);
  const store = new MemoryStore();
  await provisionPrimary(store, { directorRoot: sim.director.root(1), imageRoot: sim.image.root(1) });
  const brakes = sim.ecus[1]!;
  const ecu = { serial: brakes.serial, hardwareId: brakes.hardwareId, installedReleaseCounter: 0 };
  const verifier =
    mode === "full"
      ? new FullVerifier({ ...sim.fullConfig(brakes.serial) })
      : new PartialVerifier({ directorRoot: sim.director.root(1), ecu });
  const secondary = new VerifyingSecondary(brakes.serial, mode, verifier);
  const primary = await Primary.open(backend.primaryConfig(store, [secondary]));
  return { sim, primary, secondary };
}

test("a full-verification Secondary verifies the time, both repositories (through a root rotation) and its image from what the Primary hands over", async () => {
  const { sim, primary, secondary } = await vehicleWith("full");
  await primary.runCycle();
  assert.is(secondary.time, sim.now, "the attestation carried the Secondary's own nonce");
  assert.is(secondary.received[0]!.director.roots.length, 2, "pinned root and the rotation");
  assert.is(secondary.verdicts[0]!.outcome, "Ok", secondary.verdicts[0]!.detail);
  assert.is(secondary.verdicts[0]!.target?.name, sim.assignedName(secondary.serial));
  assert.is(secondary.imageVerdicts[0]?.outcome, "Ok");
});

test("a partial-verification Secondary gets only the Director's roots and targets, and they verify", async () => {
  const { sim, primary, secondary } = await vehicleWith("partial");
  await primary.runCycle();
  assert.is(secondary.received[0]!.image, undefined);
  assert.is(secondary.verdicts[0]!.outcome, "Ok", secondary.verdicts[0]!.detail);
  assert.is(secondary.verdicts[0]!.target?.name, sim.assignedName(secondary.serial));
  assert.is(secondary.imageVerdicts[0]?.outcome, "Ok");
});

test.run();
