// Shared steps of the attack catalogue: run a simulated vehicle through the verifiers
// and assert the exact outcome with its repository and role.
import * as assert from "uvu/assert";
import "../../host/wasm/embedded.ts";
import { FullVerifier, PartialVerifier } from "../../host/wasm/verifier.ts";
import type { VerifyResult } from "../../model/verification.ts";
import { VerificationError, type OutcomeName, type RepoName } from "../../model/outcome.ts";
import { VehicleSim } from "../sim/vehicle.ts";
import { canonicalForwarding } from "../../host/wasm/canonical.ts";

/** Reference time of every cycle: a minute after the simulator's clock. */
export const at = (v: VehicleSim) => v.now + 60;

export function expectOutcome(result: VerifyResult, outcome: OutcomeName, repo: RepoName | null, role: string | null): void {
  const got = `${result.outcome} ${result.repo} ${result.role} (${result.detail})`;
  assert.is(result.outcome, outcome, `outcome: ${got}`);
  assert.is(result.ok, outcome === "Ok", `ok flag: ${got}`);
  assert.is(result.repo, repo, `repo: ${got}`);
  assert.is(result.role, role, `role: ${got}`);
}

/** A full verifier for an ECU of the vehicle, pinned to root version 1 of both repositories. */
export function fullVerifier(v: VehicleSim, serial = v.primary.serial, installedReleaseCounter = 0): FullVerifier {
  return new FullVerifier(v.fullConfig(serial, installedReleaseCounter));
}

/** One full-verification cycle with whatever the simulator serves now. */
export function fullCycle(verifier: FullVerifier, v: VehicleSim, trusted: { director?: number; image?: number } = {}, now = at(v)): VerifyResult {
  const { director, image } = v.files(trusted);
  return verifier.update(director, image, now);
}

/** The verdict a refused pinned root gives: the verifiers throw it from their constructor. */
export function refused(err: unknown): VerifyResult {
  if (!(err instanceof VerificationError)) throw err;
  return { outcome: err.outcome, ok: false, repo: err.context.repo, role: err.context.role, detail: err.context.detail };
}

/** A fresh full verifier's first cycle (or the verdict on its pinned roots). */
export function verifyFull(v: VehicleSim, opts: { serial?: string; installedReleaseCounter?: number; now?: number } = {}): VerifyResult {
  let verifier: FullVerifier;
  try {
    verifier = fullVerifier(v, opts.serial, opts.installedReleaseCounter);
  } catch (err) {
    return refused(err);
  }
  return fullCycle(verifier, v, {}, opts.now ?? at(v));
}

export function partialVerifier(v: VehicleSim, serial = v.primary.serial, installedReleaseCounter = 0): PartialVerifier {
  return new PartialVerifier(v.partialConfig(serial, installedReleaseCounter));
}

export function partialCycle(verifier: PartialVerifier, v: VehicleSim, trustedRoot = 1, now = at(v)): VerifyResult {
  const files = v.director.files(trustedRoot);
  // the Director targets as a Primary forwards them to a partial Secondary: canonical JSON
  return verifier.update({ rootRotations: files.rootRotations, targets: canonicalForwarding(files.targets) }, now);
}

export function verifyPartial(v: VehicleSim, opts: { serial?: string; installedReleaseCounter?: number; now?: number } = {}): VerifyResult {
  let verifier: PartialVerifier;
  try {
    verifier = partialVerifier(v, opts.serial, opts.installedReleaseCounter);
  } catch (err) {
    return refused(err);
  }
  return partialCycle(verifier, v, 1, opts.now ?? at(v));
}

/** Streams `bytes` through an image check in chunks of `chunk` bytes. */
export function checkImage(verifier: FullVerifier | PartialVerifier, target: NonNullable<VerifyResult["target"]>, bytes: Uint8Array, chunk = 4096): VerifyResult {
  const check = verifier.imageCheck(target);
  for (let i = 0; i < bytes.length; i += chunk) check.update(bytes.subarray(i, i + chunk));
  return check.finish();
}

export { VehicleSim, FullVerifier, PartialVerifier };
