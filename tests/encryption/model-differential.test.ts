// The decrypting modules against the backend's reference in model/image-encryption.ts (README
// "Per-ECU image encryption"): whatever the reference encrypts for an ECU, the module
// decrypts to the same bytes, for both wrap methods and every chunk boundary; and the
// module's HPKE Open opens 1,000 random single-shot Seals of the reference.
import { randomBytes, randomInt } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../host/wasm/embedded.ts";
import { DecryptionCrypto } from "../../host/wasm/crypto-enc.ts";
import { PartialVerifier } from "../../host/wasm/verifier.ts";
import { encryptImageForEcu, hpkeSealBase, METHOD_SHARED, METHOD_X25519, wrapInfo, x25519RawPrivateKey, x25519RawPublicKey } from "../../model/image-encryption.ts";
import { generateKeyPairSync } from "node:crypto";
import { canonicalForwarding } from "../../host/wasm/canonical.ts";
import { VehicleSim, imageBytes } from "../sim/vehicle.ts";

const pair = generateKeyPairSync("x25519");
const sk = new Uint8Array(x25519RawPrivateKey(pair.privateKey));
const pk = new Uint8Array(x25519RawPublicKey(pair.publicKey));
const shared = randomBytes(16);

test("every image model/image-encryption.ts encrypts (both methods, 0 to 3 chunks and every boundary) decrypts in partial-enc.wasm to the same bytes", () => {
  for (const method of [METHOD_X25519, METHOD_SHARED] as const) {
    for (const length of [0, 1, 15, 16, 4095, 4096, 4097, 8191, 8192, 8193, 12_288, randomInt(1, 20_000)]) {
      const v = VehicleSim.standard();
      const name = "hw-brakes-3.0.bin";
      v.addImage({ name, bytes: imageBytes(name, length), hardwareIds: ["hw-brakes"], releaseCounter: 3 });
      v.director.targets.get("targets")!.delete("hw-brakes-1.0.bin");
      const e = encryptImageForEcu({ plaintext: v.images.get(name)!, plaintextName: name, serial: "brakes-002", recipient: method === METHOD_X25519 ? { method, publicKey: pk } : { method, sharedKey: shared } });
      v.director.addTarget(e.name, { length: e.length, hashes: e.hashes, custom: { ecuIdentifiers: { "brakes-002": { hardwareId: "hw-brakes" } }, hardwareIds: ["hw-brakes"], releaseCounter: 3, encryption: e.encryption } });
      const pv = new PartialVerifier({ ...v.partialConfig("brakes-002"), module: "partial-enc", memoryLimitPages: 1 });
      const files = v.director.files(1);
      const r = pv.update({ rootRotations: files.rootRotations, targets: canonicalForwarding(files.targets) }, v.now + 60);
      assert.is(r.outcome, "Ok", r.detail);
      const check = pv.decryptingImageCheck(r.target!, method === METHOD_X25519 ? sk : shared);
      const out: Uint8Array[] = [];
      for (let i = 0; i < e.ciphertext.length; i += 3000) out.push(...check.update(e.ciphertext.subarray(i, i + 3000)));
      const res = check.finish();
      assert.is(res.outcome, "Ok", `${method} ${length}: ${res.detail}`);
      assert.ok(Buffer.concat(out).equals(Buffer.from(v.images.get(name)!)), `${method} ${length}`);
    }
  }
});

test("HPKE Open in full-enc.wasm and partial-enc.wasm opens 1,000 random single-shot Seals of model/image-encryption.ts (random info, aad, plaintext), and refuses each with its info changed", () => {
  const cores = [new DecryptionCrypto("full-enc"), new DecryptionCrypto("partial-enc")];
  for (let i = 0; i < 1000; i++) {
    const info = i % 2 ? wrapInfo(`ecu-${i}`, `images/fw-${i}.bin`) : randomBytes(randomInt(0, 200));
    const aad = randomBytes(randomInt(0, 40));
    const pt = randomBytes(randomInt(0, 100));
    const { enc, ct } = hpkeSealBase(pk, info, aad, pt);
    const c = cores[i % 2]!;
    const r = c.hpkeOpen(sk, enc, info, aad, ct);
    assert.is(r.status, "Valid", `case ${i}`);
    assert.ok(Buffer.from(r.out!).equals(pt), `case ${i}`);
    const other = Buffer.concat([info, Buffer.from([1])]);
    assert.is(c.hpkeOpen(sk, enc, other, aad, ct).status, "Invalid", `case ${i} with another info`);
  }
});

test.run();
