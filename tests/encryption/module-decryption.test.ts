// This ECU's encrypted image through the verifiers (README "Per-ECU image encryption: the
// ECU side"): the decrypting modules unwrap, decrypt chunk by chunk and check the plaintext;
// the modules without decryption refuse; full verification cross-checks the plaintext with
// the Image repository and checks the ciphertext against the Director's entry.
import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../host/wasm/embedded.ts";
import { FullVerifier, PartialVerifier } from "../../host/wasm/verifier.ts";
import type { VerifyResult, VerifiedTarget } from "../../model/verification.ts";
import { VehicleSim, imageBytes } from "../sim/vehicle.ts";
import { at, checkImage, expectOutcome, fullCycle, partialCycle } from "../attacks/harness.ts";
import { METHOD_SHARED, METHOD_X25519, type Recipient, x25519KeyPair } from "../helpers/encrypt-image.ts";

const ecuKey = x25519KeyPair();
const sharedKey = randomBytes(16);

function scenario(recipient: Recipient, length = 10_000, serial = "brakes-002") {
  const v = VehicleSim.standard();
  const name = "hw-brakes-2.0.bin";
  v.addImage({ name, bytes: imageBytes(name, length), hardwareIds: ["hw-brakes"], releaseCounter: 2 });
  const enc = v.assignEncrypted(serial, name, recipient);
  // the standard assignment of brakes-002 is replaced by the encrypted one
  v.director.targets.get("targets")!.delete("hw-brakes-1.0.bin");
  return { v, name, enc, plaintext: v.images.get(name)! };
}

export function decrypt(verifier: FullVerifier | PartialVerifier, target: VerifiedTarget, key: Uint8Array, ciphertext: Uint8Array, piece = 1000): { result: VerifyResult; released: Uint8Array } {
  const check = verifier.decryptingImageCheck(target, key);
  const out: Uint8Array[] = [];
  for (let i = 0; i < ciphertext.length; i += piece) out.push(...check.update(ciphertext.subarray(i, i + piece)));
  return { result: check.finish(), released: Buffer.concat(out) };
}

const X: Recipient = { method: METHOD_X25519, publicKey: ecuKey.publicKey };
const S: Recipient = { method: METHOD_SHARED, sharedKey };
const keyOf = (r: Recipient) => (r.method === METHOD_X25519 ? ecuKey.privateKey : sharedKey);

for (const [label, recipient] of [["X25519 (HPKE)", X], ["shared AES-128 key", S]] as const) {
  for (const length of [0, 1, 4096, 4097, 10_000, 3 * 4096]) {
    test(`partial-enc.wasm, ${label}, ${length}-byte image: decrypts in one page of memory to the Image repository's bytes, released only chunk by chunk`, () => {
      const { v, enc, plaintext, name } = scenario(recipient, length);
      const pv = new PartialVerifier({ ...v.partialConfig("brakes-002"), module: "partial-enc", memoryLimitPages: 1 });
      const r = partialCycle(pv, v);
      expectOutcome(r, "Ok", null, null);
      assert.is(r.target!.name, enc.name);
      assert.is(r.target!.length, enc.ciphertext.length);
      assert.equal(r.target!.decryption?.plaintext.name, name);
      assert.is(r.target!.decryption?.plaintext.length, length);
      assert.is(r.target!.decryption?.method, recipient.method);
      const { result, released } = decrypt(pv, r.target!, keyOf(recipient), enc.ciphertext);
      expectOutcome(result, "Ok", null, null);
      assert.ok(Buffer.from(released).equals(Buffer.from(plaintext)));
      assert.is(pv.memoryPages, 1);
    });
  }

  test(`full-enc.wasm, ${label}: full verification cross-checks the plaintext with the Image repository, then decrypts`, () => {
    const { v, enc, plaintext, name } = scenario(recipient, 9000);
    const fv = new FullVerifier({ ...v.fullConfig("brakes-002"), module: "full-enc" });
    const r = fullCycle(fv, v);
    expectOutcome(r, "Ok", null, null);
    assert.is(r.target!.encrypted, true);
    assert.equal(r.target!.decryption?.plaintext, { name, length: plaintext.length, hashes: v.image.targets.get("targets")!.get(name)!.hashes });
    const { result, released } = decrypt(fv, r.target!, keyOf(recipient), enc.ciphertext, 7777);
    expectOutcome(result, "Ok", null, null);
    assert.ok(Buffer.from(released).equals(Buffer.from(plaintext)));
  });
}

for (const module of ["partial", "partial-p256"] as const) {
  test(`${module}.wasm (no decryption): this ECU's encrypted target verifies as metadata, but its image is refused (DecryptionFailed), as ciphertext or as plaintext`, () => {
    const { v, enc, plaintext } = scenario(X);
    const pv = new PartialVerifier({ ...v.partialConfig("brakes-002"), module });
    const r = partialCycle(pv, v);
    expectOutcome(r, "Ok", null, null);
    assert.is(r.target!.decryption, undefined);
    for (const bytes of [enc.ciphertext, plaintext]) {
      const res = checkImage(pv, r.target!, bytes);
      expectOutcome(res, "DecryptionFailed", null, "image");
      assert.match(res.detail, /no decryption/);
    }
    expectOutcome(decrypt(pv, r.target!, ecuKey.privateKey, enc.ciphertext).result, "DecryptionFailed", null, "image");
  });
}

test("full.wasm (no decryption): the ECU's own encrypted image is refused (DecryptionFailed); the Primary checks another ECU's ciphertext against the Director's entry", () => {
  const { v, enc, plaintext } = scenario(X);
  const own = fullCycle(new FullVerifier(v.fullConfig("brakes-002")), v);
  expectOutcome(own, "Ok", null, null);
  const fv = new FullVerifier(v.fullConfig("brakes-002"));
  const r = fullCycle(fv, v);
  expectOutcome(checkImage(fv, r.target!, enc.ciphertext), "DecryptionFailed", null, "image");
  // the Primary: its own target is plaintext; the brakes row is encrypted, checked as ciphertext
  const primary = new FullVerifier(v.fullConfig());
  const pr = fullCycle(primary, v);
  expectOutcome(pr, "Ok", null, null);
  const row = pr.vehicleTargets!.find((t) => t.ecuSerial === "brakes-002")!.target;
  assert.is(row.encrypted, true);
  assert.is(row.name, enc.name);
  assert.is(pr.target!.encrypted, undefined);
  expectOutcome(checkImage(primary, row, enc.ciphertext), "Ok", null, null);
  // handed the plaintext where the Director listed ciphertext: refused
  expectOutcome(checkImage(primary, row, plaintext), "LengthOrHashMismatch", null, "image");
});

test("full-enc.wasm refuses to check this ECU's encrypted image as ciphertext (imageCheck): only the decrypting check makes it installable", () => {
  const { v, enc } = scenario(X);
  const fv = new FullVerifier({ ...v.fullConfig("brakes-002"), module: "full-enc" });
  const r = fullCycle(fv, v);
  const res = checkImage(fv, r.target!, enc.ciphertext);
  expectOutcome(res, "DecryptionFailed", null, "image");
  assert.match(res.detail, /imageDecryptBegin/);
});

test("a key of the wrong size for the method is DecryptionFailed before any byte is decrypted", () => {
  const { v, enc } = scenario(X);
  const pv = new PartialVerifier({ ...v.partialConfig("brakes-002"), module: "partial-enc" });
  const r = partialCycle(pv, v);
  const { result, released } = decrypt(pv, r.target!, sharedKey, enc.ciphertext);
  expectOutcome(result, "DecryptionFailed", "director", "targets");
  assert.is(result.expected, 32);
  assert.is(released.length, 0);
});

test("memory stays flat: 20 decryptions of a 64 KiB image in partial-enc.wasm keep one page", () => {
  const { v, enc } = scenario(X, 65536);
  const pv = new PartialVerifier({ ...v.partialConfig("brakes-002"), module: "partial-enc", memoryLimitPages: 1 });
  const r = partialCycle(pv, v);
  for (let i = 0; i < 20; i++) expectOutcome(decrypt(pv, r.target!, ecuKey.privateKey, enc.ciphertext, 4096 + 16).result, "Ok", null, null);
  assert.is(pv.memoryPages, 1);
});

void at;
test.run();
