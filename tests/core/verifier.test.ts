// The host wrapper over full.wasm / partial.wasm on the repository simulator: the happy
// paths, the image check, and trusted state that survives a restart or fails closed.
import { canonicalForwarding } from "../../host/wasm/canonical.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VehicleSim } from "../sim/vehicle.ts";
import "../../host/wasm/embedded.ts";
import { FullVerifier, PartialVerifier } from "../../host/wasm/verifier.ts";
import { VerificationError } from "../../model/outcome.ts";

test("full verification of both repositories returns this ECU's target and the vehicle's", () => {
  const v = VehicleSim.standard();
  const fv = new FullVerifier(v.fullConfig());
  const f = v.files();
  const r = fv.update(f.director, f.image, v.now);
  assert.is(r.outcome, "Ok", r.detail);
  assert.equal(r.target, v.expectedTarget(v.assignedName()));
  assert.is(r.vehicleTargets!.length, v.ecus.length);
});

test("an unchanged Director snapshot is NoUpdate", () => {
  const v = VehicleSim.standard();
  const fv = new FullVerifier(v.fullConfig());
  const f = v.files();
  assert.is(fv.update(f.director, f.image, v.now).outcome, "Ok");
  assert.is(fv.update(f.director, f.image, v.now).outcome, "NoUpdate");
});

test("partial verification finds the Secondary's own target", () => {
  const v = VehicleSim.standard();
  const serial = v.ecus[1].serial;
  const pv = new PartialVerifier(v.partialConfig(serial));
  const r = pv.update({ rootRotations: [], targets: canonicalForwarding(v.files().director.targets) }, v.now);
  assert.is(r.outcome, "Ok", r.detail);
  assert.equal(r.target, v.expectedTarget(v.assignedName(serial), serial));
});

test("image check: the right bytes pass, one flipped bit or one extra byte fails", () => {
  const v = VehicleSim.standard();
  const fv = new FullVerifier(v.fullConfig());
  const f = v.files();
  const r = fv.update(f.director, f.image, v.now);
  const bytes = v.images.get(r.target!.name)!;
  const good = fv.imageCheck(r.target!);
  good.update(bytes.subarray(0, 100));
  good.update(bytes.subarray(100));
  assert.is(good.finish().outcome, "Ok");
  const flipped = bytes.slice();
  flipped[7] ^= 1;
  const bad = fv.imageCheck(r.target!);
  bad.update(flipped);
  assert.is(bad.finish().outcome, "LengthOrHashMismatch");
  const longer = fv.imageCheck(r.target!);
  longer.update(bytes);
  longer.update(new Uint8Array(1));
  assert.is(longer.finish().outcome, "LengthOrHashMismatch");
});

test("trusted state survives a restart (NoUpdate after) and a corrupted state is refused", () => {
  const v = VehicleSim.standard();
  const fv = new FullVerifier(v.fullConfig());
  const f = v.files();
  assert.is(fv.update(f.director, f.image, v.now).outcome, "Ok");
  const state = fv.exportState();
  const again = FullVerifier.fromState(v.fullConfig(), state);
  assert.is(again.update(f.director, f.image, v.now).outcome, "NoUpdate");
  for (const at of [0, 9, state.length - 40, state.length - 1]) {
    const broken = state.slice();
    broken[at] ^= 0x10;
    assert.throws(() => FullVerifier.fromState(v.fullConfig(), broken), (e: unknown) => e instanceof VerificationError, `byte ${at}`);
  }
});

test.run();
