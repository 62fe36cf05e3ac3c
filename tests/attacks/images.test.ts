// Image checks (Uptane 5.4.3 / 5.4.4.2 last step): the bytes streamed in must have the
// verified length and every listed hash; endless data is cut off at the length.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { ModuleMisuseError } from "../../model/outcome.ts";
import { VehicleSim, at, checkImage, expectOutcome, fullCycle, fullVerifier, partialCycle, partialVerifier } from "./harness.ts";

function verified() {
  const v = VehicleSim.standard();
  const verifier = fullVerifier(v);
  const result = fullCycle(verifier, v);
  expectOutcome(result, "Ok", null, null);
  return { v, verifier, target: result.target!, bytes: v.images.get(v.assignedName())! };
}

test("the image the repositories list, streamed in odd-sized chunks: Ok", () => {
  const { verifier, target, bytes } = verified();
  expectOutcome(checkImage(verifier, target, bytes, 77), "Ok", null, null);
});

test("image with one byte flipped: LengthOrHashMismatch (image)", () => {
  const { verifier, target, bytes } = verified();
  const bad = Uint8Array.from(bytes);
  bad[bad.length >> 1]! ^= 1;
  const r = checkImage(verifier, target, bad);
  expectOutcome(r, "LengthOrHashMismatch", null, "image");
});

test("image whose sha256 matches but whose listed sha512 does not (every listed hash is checked): LengthOrHashMismatch (image)", () => {
  const v = VehicleSim.standard();
  const name = v.assignedName();
  const other = createHash("sha512").update("another image").digest("hex");
  // Both repositories list the same wrong sha512, so the metadata agree and verify; only the image check can catch it.
  v.director.targets.get("targets")!.get(name)!.hashes.sha512 = other;
  v.image.targets.get("targets")!.get(name)!.hashes.sha512 = other;
  const verifier = fullVerifier(v);
  const result = fullCycle(verifier, v);
  expectOutcome(result, "Ok", null, null);
  expectOutcome(checkImage(verifier, result.target!, v.images.get(name)!), "LengthOrHashMismatch", null, "image");
});

test("image shorter than its length: LengthOrHashMismatch (image)", () => {
  const { verifier, target, bytes } = verified();
  const r = checkImage(verifier, target, bytes.subarray(0, bytes.length - 1));
  expectOutcome(r, "LengthOrHashMismatch", null, "image");
});

test("image longer than its length (endless data) is cut off: LengthOrHashMismatch (image)", () => {
  const { verifier, target, bytes } = verified();
  const check = verifier.imageCheck(target);
  check.update(bytes);
  // An endless stream keeps coming; the check must refuse, never grow or accept.
  for (let i = 0; i < 64; i++) check.update(new Uint8Array(65536));
  const r = check.finish();
  expectOutcome(r, "LengthOrHashMismatch", null, "image");
});

test("an image check for a target the verification did not return is refused as host misuse, never checked against the caller's copy", () => {
  const { verifier, target, bytes } = verified();
  assert.throws(() => checkImage(verifier, { ...target, name: "other.bin" }, bytes), (e: Error) => e instanceof ModuleMisuseError);
});

test("partial verifier: the image the Director lists: Ok; a flipped byte: LengthOrHashMismatch (image)", () => {
  const v = VehicleSim.standard();
  const verifier = partialVerifier(v);
  const result = partialCycle(verifier, v, 1, at(v));
  expectOutcome(result, "Ok", null, null);
  const bytes = v.images.get(v.assignedName())!;
  expectOutcome(checkImage(verifier, result.target!, bytes, 100), "Ok", null, null);
  const bad = Uint8Array.from(bytes);
  bad[0]! ^= 0x80;
  expectOutcome(checkImage(verifier, result.target!, bad), "LengthOrHashMismatch", null, "image");
});

test.run();
