// Attacks on per-ECU image encryption (README "Per-ECU image encryption: the ECU side"),
// against the decrypting modules: the ECU brakes-002 has an X25519 encryption key; the
// Director lists hw-brakes-2.0.bin encrypted for it. Each test asserts the exact outcome,
// and, where plaintext streams, that nothing past a bad chunk is released and that the
// check never ends Ok (nothing installable).
import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../host/wasm/embedded.ts";
import { FullVerifier, PartialVerifier } from "../../host/wasm/verifier.ts";
import type { VerifyResult, VerifiedTarget } from "../../model/verification.ts";
import { VehicleSim, imageBytes } from "../sim/vehicle.ts";
import { checkImage, expectOutcome, fullCycle, partialCycle } from "./harness.ts";
import { METHOD_SHARED, METHOD_X25519, type Recipient, encryptForEcu, x25519KeyPair } from "../helpers/encrypt-image.ts";

const SERIAL = "brakes-002";
const brakesKey = x25519KeyPair();
const otherKey = x25519KeyPair();
const X: Recipient = { method: METHOD_X25519, publicKey: brakesKey.publicKey };

function vehicle() {
  const v = VehicleSim.standard();
  v.director.targets.get("targets")!.delete("hw-brakes-1.0.bin");
  for (const [name, rc] of [["hw-brakes-1.5.bin", 1], ["hw-brakes-2.0.bin", 2]] as const) {
    v.addImage({ name, bytes: imageBytes(name, 3 * 4096 + 100), hardwareIds: ["hw-brakes"], releaseCounter: rc });
  }
  return v;
}

function partialEnc(v: VehicleSim, installed = 0): { pv: PartialVerifier; r: VerifyResult } {
  const pv = new PartialVerifier({ ...v.partialConfig(SERIAL, installed), module: "partial-enc" });
  return { pv, r: partialCycle(pv, v) };
}

/** Streams the ciphertext in chunk-sized pieces; what was released, per piece. */
function decrypt(verifier: FullVerifier | PartialVerifier, target: VerifiedTarget, ciphertext: Uint8Array, key: Uint8Array = brakesKey.privateKey) {
  const check = verifier.decryptingImageCheck(target, key);
  const released: Uint8Array[] = [];
  for (let i = 0; i < ciphertext.length; i += 4112) released.push(...check.update(ciphertext.subarray(i, i + 4112)));
  return { result: check.finish(), released };
}

test("image encrypted for another ECU (its serial and key), listed for this one: DecryptionFailed (director targets)", () => {
  const v = vehicle();
  // made for primary-001 with the other key, but named in brakes-002's entry
  const enc = v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", { method: METHOD_X25519, publicKey: otherKey.publicKey }, { forSerial: "primary-001" });
  const { pv, r } = partialEnc(v);
  expectOutcome(r, "Ok", null, null);
  const { result, released } = decrypt(pv, r.target!, enc.ciphertext);
  expectOutcome(result, "DecryptionFailed", "director", "targets");
  assert.is(released.length, 0);
});

test("wrapped key for another ECU (this ECU's key, the other ECU's serial in the wrap): DecryptionFailed (director targets)", () => {
  const v = vehicle();
  const enc = v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X, { forSerial: "primary-001" });
  const { pv, r } = partialEnc(v);
  const { result, released } = decrypt(pv, r.target!, enc.ciphertext);
  expectOutcome(result, "DecryptionFailed", "director", "targets");
  assert.match(result.detail, /does not open/);
  assert.is(released.length, 0);
});

test("wrapped key swapped for one wrapped for another ECU's key: DecryptionFailed (director targets)", () => {
  const v = vehicle();
  const foreign = encryptForEcu(v.images.get("hw-brakes-2.0.bin")!, "hw-brakes-2.0.bin", SERIAL, { method: METHOD_X25519, publicKey: otherKey.publicKey });
  const enc = v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X, { tamper: (e) => { e.enc = foreign.encryption.enc; e.wrappedKey = foreign.encryption.wrappedKey; } });
  const { pv, r } = partialEnc(v);
  expectOutcome(decrypt(pv, r.target!, enc.ciphertext).result, "DecryptionFailed", "director", "targets");
});

test("one ciphertext byte flipped in chunk 1 of 4: DecryptionFailed (image), chunk 0 released, nothing after, never installable", () => {
  const v = vehicle();
  const enc = v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X);
  const { pv, r } = partialEnc(v);
  const bad = Buffer.from(enc.ciphertext);
  bad[4112 + 77] ^= 0x01;
  const { result, released } = decrypt(pv, r.target!, bad);
  expectOutcome(result, "DecryptionFailed", null, "image");
  assert.is(released.length, 1);
  assert.ok(Buffer.from(released[0]!).equals(Buffer.from(v.images.get("hw-brakes-2.0.bin")!.subarray(0, 4096))));
});

test("truncated ciphertext (the last chunk dropped): LengthOrHashMismatch (image), never installable", () => {
  const v = vehicle();
  const enc = v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X);
  const { pv, r } = partialEnc(v);
  const lastChunkStart = 3 * 4112;
  const { result } = decrypt(pv, r.target!, enc.ciphertext.subarray(0, lastChunkStart));
  expectOutcome(result, "LengthOrHashMismatch", null, "image");
  assert.match(result.detail, /shorter/);
});

test("the final chunk replaced by a chunk sealed without the LAST flag, cut to size: DecryptionFailed (image)", () => {
  const v = vehicle();
  const enc = v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X);
  const { pv, r } = partialEnc(v);
  const forged = Buffer.from(enc.ciphertext);
  enc.ciphertext.copy(forged, 3 * 4112, 2 * 4112, 2 * 4112 + (forged.length - 3 * 4112)); // chunk 2's bytes where the final chunk goes
  const { result, released } = decrypt(pv, r.target!, forged);
  expectOutcome(result, "DecryptionFailed", null, "image");
  assert.is(released.length, 3);
});

test("chunks reordered (1 before 0): DecryptionFailed (image), nothing released", () => {
  const v = vehicle();
  const enc = v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X);
  const { pv, r } = partialEnc(v);
  const c = enc.ciphertext;
  const swapped = Buffer.concat([c.subarray(4112, 8224), c.subarray(0, 4112), c.subarray(8224)]);
  const { result, released } = decrypt(pv, r.target!, swapped);
  expectOutcome(result, "DecryptionFailed", null, "image");
  assert.is(released.length, 0);
});

test("ciphertext of an older image served with the new image's metadata (rollback): DecryptionFailed (image), nothing released", () => {
  const v = vehicle();
  const old = v.assignEncrypted(SERIAL, "hw-brakes-1.5.bin", X);
  v.director.targets.get("targets")!.delete(old.name);
  const enc = v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X);
  const { pv, r } = partialEnc(v, 1);
  expectOutcome(r, "Ok", null, null);
  assert.is(r.target!.name, enc.name);
  const { result, released } = decrypt(pv, r.target!, old.ciphertext);
  expectOutcome(result, "DecryptionFailed", null, "image");
  assert.is(released.length, 0);
});

test("the older image's whole encrypted entry replayed under release counter 1 below the installed 2: RollbackAttack (director targets)", () => {
  const v = vehicle();
  v.assignEncrypted(SERIAL, "hw-brakes-1.5.bin", X);
  const { r } = partialEnc(v, 2);
  expectOutcome(r, "RollbackAttack", "director", "targets");
});

test("plaintext that decrypts but whose hash differs from the Image repository's (partial: the Director's plaintext entry): LengthOrHashMismatch (image)", () => {
  const v = vehicle();
  const other = imageBytes("something else", 3 * 4096 + 100);
  const enc = v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X, { plaintext: other, tamper: (e) => { e.plaintext.hashes = v.image.targets.get("targets")!.get("hw-brakes-2.0.bin")!.hashes; } });
  const { pv, r } = partialEnc(v);
  const { result } = decrypt(pv, r.target!, enc.ciphertext);
  expectOutcome(result, "LengthOrHashMismatch", null, "image");
  assert.match(result.detail, /decrypted image's SHA-256/);
});

test("full verification: plaintext that decrypts but whose hash differs from the Image repository's: LengthOrHashMismatch (image)", () => {
  const v = vehicle();
  const other = imageBytes("something else", 3 * 4096 + 100);
  const enc = v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X, { plaintext: other, tamper: (e) => { e.plaintext.hashes = v.image.targets.get("targets")!.get("hw-brakes-2.0.bin")!.hashes; } });
  const fv = new FullVerifier({ ...v.fullConfig(SERIAL), module: "full-enc" });
  const r = fullCycle(fv, v);
  expectOutcome(r, "Ok", null, null);
  expectOutcome(decrypt(fv, r.target!, enc.ciphertext).result, "LengthOrHashMismatch", null, "image");
});

test("full verification: the Director's plaintext hashes differ from the Image repository's: TargetMismatch (image targets)", () => {
  const v = vehicle();
  v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X, { plaintext: imageBytes("something else", 3 * 4096 + 100) });
  expectOutcome(fullCycle(new FullVerifier(v.fullConfig()), v), "TargetMismatch", "image", "targets");
});

test("full verification: an encrypted entry naming a plaintext the Image repository does not sign: MissingTarget (image targets)", () => {
  const v = vehicle();
  v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X, { tamper: (e) => { e.plaintext.name = "hw-brakes-9.9.bin"; } });
  expectOutcome(fullCycle(new FullVerifier(v.fullConfig()), v), "MissingTarget", "image", "targets");
});

test("the Primary handed a plaintext where the Director listed ciphertext: LengthOrHashMismatch (image)", () => {
  const v = vehicle();
  v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X);
  const primary = new FullVerifier(v.fullConfig());
  const r = fullCycle(primary, v);
  const row = r.vehicleTargets!.find((t) => t.ecuSerial === SERIAL)!.target;
  expectOutcome(checkImage(primary, row, v.images.get("hw-brakes-2.0.bin")!), "LengthOrHashMismatch", null, "image");
});

test("a decrypting Secondary handed the plaintext instead of the ciphertext: DecryptionFailed (image), nothing released", () => {
  const v = vehicle();
  v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X);
  const { pv, r } = partialEnc(v);
  const plain = v.images.get("hw-brakes-2.0.bin")!;
  const { result, released } = decrypt(pv, r.target!, plain);
  expectOutcome(result, "DecryptionFailed", null, "image");
  assert.is(released.length, 0);
});

test("shared AES-128 key: a wrapped key made under another ECU's shared key: DecryptionFailed (director targets)", () => {
  const v = vehicle();
  const mine = randomBytes(16);
  const enc = v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", { method: METHOD_SHARED, sharedKey: randomBytes(16) });
  const { pv, r } = partialEnc(v);
  expectOutcome(decrypt(pv, r.target!, enc.ciphertext, mine).result, "DecryptionFailed", "director", "targets");
});

for (const [what, tamper, outcome] of [
  ["unknown method", (e: any) => { e.method = "rot13"; }, "DecryptionFailed"],
  ["chunkSize 8192", (e: any) => { e.chunkSize = 8192; }, "InvalidMetadata"],
  ["enc of 31 bytes", (e: any) => { e.enc = e.enc.slice(2); }, "InvalidMetadata"],
  ["wrappedKey of 47 bytes", (e: any) => { e.wrappedKey = e.wrappedKey.slice(2); }, "InvalidMetadata"],
  ["a nonce next to enc", (e: any) => { e.nonce = "00".repeat(12); }, "InvalidMetadata"],
  ["no plaintext name", (e: any) => { delete e.plaintext.name; }, "InvalidMetadata"],
  ["no plaintext hashes", (e: any) => { delete e.plaintext.hashes; }, "InvalidMetadata"],
  ["a plaintext length that does not fit the ciphertext length", (e: any) => { e.plaintext.length += 1; }, "InvalidMetadata"],
] as const) {
  test(`custom.encryption with ${what}: ${outcome} (director targets), in partial-enc and full verification`, () => {
    const v = vehicle();
    v.assignEncrypted(SERIAL, "hw-brakes-2.0.bin", X, { tamper });
    expectOutcome(partialEnc(v).r, outcome, "director", "targets");
    expectOutcome(fullCycle(new FullVerifier(v.fullConfig()), v), outcome, "director", "targets");
  });
}

test.run();
