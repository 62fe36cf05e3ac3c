// The per-ECU image encryption format and its Node reference (model/image-encryption.ts,
// README "Per-ECU image encryption"): HPKE against RFC 9180 A.2.1, the hand-built HKDF
// against every Wycheproof case, the chunked AEAD at every chunk boundary, and the attacks
// the format stops (another ECU, another image, a flipped, moved, dropped or added chunk),
// plus the strict parser of custom.encryption.
import { createCipheriv, generateKeyPairSync, hkdfSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  CHUNK_SIZE, METHOD_SHARED, METHOD_X25519, TAG_LENGTH, ImageDecryptionError, ImageDecryptor, ImageEncryptionFormatError,
  chunkNonce, ciphertextLength, decryptImage, encryptImageForEcu, encryptedTargetName, hkdfExpand, hkdfExtract, hpkeDecapForTest,
  hpkeKeySchedule, hpkeOpenBase, hpkeSealBase, parseImageEncryption, unwrapContentKey, wrapInfo, x25519RawPrivateKey, x25519RawPublicKey,
  type ImageEncryption,
} from "../../model/image-encryption.ts";

const h = (s: string) => Buffer.from(s, "hex");

// RFC 9180 Appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, base mode.
const A21 = {
  info: "4f6465206f6e2061204772656369616e2055726e",
  skEm: "f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600",
  pkEm: "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
  skRm: "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb",
  pkRm: "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a",
  sharedSecret: "0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7",
  keyScheduleContext: "00431df6cd95e11ff49d7013563baf7f11588c75a6611ee2a4404a49306ae4cfc5b69c5718a60cc5876c358d3f7fc31ddb598503f67be58ea1e798c0bb19eb9796",
  secret: "5b9cd775e64b437a2335cf499361b2e0d5e444d5cb41a8a53336d8fe402282c6",
  key: "ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91",
  baseNonce: "5c4d98150661b848853b547f",
  // sequence number 0, the only one a single-shot Seal uses
  pt: "4265617574792069732074727574682c20747275746820626561757479",
  aad: "436f756e742d30",
  ct: "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
};

test("HPKE Seal with the RFC 9180 A.2.1 ephemeral key gives the RFC's enc, shared secret, key schedule and ciphertext", () => {
  const { enc, ct } = hpkeSealBase(h(A21.pkRm), h(A21.info), h(A21.aad), h(A21.pt), h(A21.skEm));
  assert.is(enc.toString("hex"), A21.pkEm);
  assert.is(ct.toString("hex"), A21.ct);
  assert.is(hpkeDecapForTest(h(A21.skRm), h(A21.pkEm)).toString("hex"), A21.sharedSecret);
  const ks = hpkeKeySchedule(h(A21.sharedSecret), h(A21.info));
  assert.is(ks.keyScheduleContext.toString("hex"), A21.keyScheduleContext);
  assert.is(ks.secret.toString("hex"), A21.secret);
  assert.is(ks.key.toString("hex"), A21.key);
  assert.is(ks.baseNonce.toString("hex"), A21.baseNonce);
  assert.is(hpkeOpenBase(h(A21.skRm), h(A21.pkEm), h(A21.info), h(A21.aad), h(A21.ct))?.toString("hex"), A21.pt);
});

test("HPKE Open refuses the RFC ciphertext with another info, another aad, another recipient or one bit flipped", () => {
  const other = x25519RawPrivateKey(generateKeyPairSync("x25519").privateKey);
  assert.is(hpkeOpenBase(h(A21.skRm), h(A21.pkEm), Buffer.from("other"), h(A21.aad), h(A21.ct)), null);
  assert.is(hpkeOpenBase(h(A21.skRm), h(A21.pkEm), h(A21.info), Buffer.from("Count-1"), h(A21.ct)), null);
  assert.is(hpkeOpenBase(other, h(A21.pkEm), h(A21.info), h(A21.aad), h(A21.ct)), null);
  const flipped = h(A21.ct);
  flipped[3]! ^= 1;
  assert.is(hpkeOpenBase(h(A21.skRm), h(A21.pkEm), h(A21.info), h(A21.aad), flipped), null);
});

test("HPKE Seal to a low-order X25519 point (the all-zero shared secret) is refused, and Open of such an enc gives null", () => {
  const zero = Buffer.alloc(32); // u = 0 is of low order: the DH output is all zeros (RFC 9180 7.1.4)
  assert.throws(() => hpkeSealBase(zero, h(A21.info), Buffer.alloc(0), Buffer.alloc(32)), (e: Error) => e instanceof ImageEncryptionFormatError);
  assert.is(hpkeOpenBase(h(A21.skRm), zero, h(A21.info), h(A21.aad), h(A21.ct)), null);
});

test("HKDF-SHA256 built on HMAC agrees with every Wycheproof case (invalid sizes refused) and with Node's hkdf", () => {
  interface Case { tcId: number; ikm: string; salt: string; info: string; size: number; okm: string; result: "valid" | "invalid" }
  const w = JSON.parse(readFileSync(new URL("fixtures/wycheproof-hkdf_sha256_test.json", import.meta.url), "utf8")) as { numberOfTests: number; testGroups: { tests: Case[] }[] };
  let n = 0;
  for (const t of w.testGroups.flatMap((g) => g.tests)) {
    n++;
    if (t.result === "invalid") {
      assert.throws(() => hkdfExpand(hkdfExtract(h(t.salt), h(t.ikm)), h(t.info), t.size), `tcId ${t.tcId}`);
      continue;
    }
    const okm = hkdfExpand(hkdfExtract(h(t.salt), h(t.ikm)), h(t.info), t.size);
    assert.is(okm.toString("hex"), t.okm, `tcId ${t.tcId}`);
    assert.is(Buffer.from(hkdfSync("sha256", h(t.ikm), h(t.salt), h(t.info), t.size)).toString("hex"), t.okm, `Node, tcId ${t.tcId}`);
  }
  assert.is(n, w.numberOfTests);
});

function x25519Pair(): { privateKey: Buffer; publicKey: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  return { privateKey: x25519RawPrivateKey(privateKey), publicKey: x25519RawPublicKey(publicKey) };
}

test("ciphertext length is L + 16 per chunk, and every size across chunk boundaries decrypts to the plaintext with both methods", () => {
  const ecu = x25519Pair();
  const shared = randomBytes(16);
  for (const len of [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 2 * CHUNK_SIZE + 17, 5 * CHUNK_SIZE - 3]) {
    const plaintext = randomBytes(len);
    for (const [recipient, key] of [
      [{ method: METHOD_X25519, publicKey: ecu.publicKey }, { method: METHOD_X25519, privateKey: ecu.privateKey }],
      [{ method: METHOD_SHARED, sharedKey: shared }, { method: METHOD_SHARED, sharedKey: shared }],
    ] as const) {
      const e = encryptImageForEcu({ plaintext, plaintextName: "fw/app.bin", serial: "ecu-1", recipient });
      assert.is(e.ciphertext.length, ciphertextLength(len));
      assert.is(e.ciphertext.length, len + TAG_LENGTH * Math.max(1, Math.ceil(len / CHUNK_SIZE)));
      assert.is(e.name, encryptedTargetName("fw/app.bin", "ecu-1"));
      assert.equal(parseImageEncryption(JSON.parse(JSON.stringify(e.encryption))), e.encryption);
      assert.ok(decryptImage(e.encryption, key, "ecu-1", e.ciphertext).equals(plaintext), `${recipient.method} ${len}`);
    }
  }
});

test("the streaming decryptor gives the same plaintext whatever the pieces' sizes, holding at most one chunk back", () => {
  const ecu = x25519Pair();
  const plaintext = randomBytes(3 * CHUNK_SIZE + 100);
  const e = encryptImageForEcu({ plaintext, plaintextName: "a.bin", serial: "s1", recipient: { method: METHOD_X25519, publicKey: ecu.publicKey } });
  for (const piece of [1, 7, CHUNK_SIZE + TAG_LENGTH, 5000, e.ciphertext.length]) {
    const k = unwrapContentKey(e.encryption, { method: METHOD_X25519, privateKey: ecu.privateKey }, "s1");
    const d = new ImageDecryptor(k, e.encryption.plaintext);
    const out: Buffer[] = [];
    let released = 0;
    for (let at = 0; at < e.ciphertext.length; at += piece) {
      const got = d.push(e.ciphertext.subarray(at, at + piece));
      out.push(...got);
      released += got.reduce((n, b) => n + b.length, 0);
      // everything but the last (possibly full) record is released once more bytes follow it
      assert.ok(Math.min(at + piece, e.ciphertext.length) - released - TAG_LENGTH * Math.floor(released / CHUNK_SIZE) <= CHUNK_SIZE + TAG_LENGTH);
    }
    out.push(d.finish());
    assert.ok(Buffer.concat(out).equals(plaintext), `pieces of ${piece}`);
  }
});

const ecuA = x25519Pair();
const ecuB = x25519Pair();
const image = randomBytes(2 * CHUNK_SIZE + 10);
const forA = encryptImageForEcu({ plaintext: image, plaintextName: "fw.bin", serial: "ecu-a", recipient: { method: METHOD_X25519, publicKey: ecuA.publicKey } });
const keyA = { method: METHOD_X25519, privateKey: ecuA.privateKey } as const;

function refused(fn: () => unknown, what: RegExp): void {
  assert.throws(fn, (e: Error) => e instanceof ImageDecryptionError && what.test(e.message));
}

test("an image encrypted for another ECU does not open with this ECU's key, nor under this ECU's serial", () => {
  refused(() => decryptImage(forA.encryption, { method: METHOD_X25519, privateKey: ecuB.privateKey }, "ecu-b", forA.ciphertext), /does not open/);
  refused(() => decryptImage(forA.encryption, { method: METHOD_X25519, privateKey: ecuB.privateKey }, "ecu-a", forA.ciphertext), /does not open/);
  // A's key but the entry presented to another serial: the info binds the serial
  refused(() => decryptImage(forA.encryption, keyA, "ecu-b", forA.ciphertext), /does not open/);
});

test("a wrapped key moved to another image's entry does not open (the info binds the plaintext name)", () => {
  const moved = { ...forA.encryption, plaintext: { ...forA.encryption.plaintext, name: "other.bin" } } as ImageEncryption;
  refused(() => decryptImage(moved, keyA, "ecu-a", forA.ciphertext), /does not open/);
});

test("one ciphertext byte flipped, anywhere, is refused at its chunk", () => {
  for (const at of [0, CHUNK_SIZE, CHUNK_SIZE + TAG_LENGTH + 3, forA.ciphertext.length - 1]) {
    const bad = Buffer.from(forA.ciphertext);
    bad[at]! ^= 0x40;
    refused(() => decryptImage(forA.encryption, keyA, "ecu-a", bad), /does not verify/);
  }
});

test("truncated at a chunk boundary, truncated inside a chunk, extended by a chunk, or chunks swapped: refused", () => {
  const rec = CHUNK_SIZE + TAG_LENGTH;
  const c = forA.ciphertext;
  refused(() => decryptImage(forA.encryption, keyA, "ecu-a", c.subarray(0, 2 * rec)), /does not verify/);
  refused(() => decryptImage(forA.encryption, keyA, "ecu-a", c.subarray(0, c.length - 5)), /does not verify|truncated/);
  refused(() => decryptImage(forA.encryption, keyA, "ecu-a", Buffer.concat([c, c.subarray(0, rec)])), /more ciphertext/);
  refused(() => decryptImage(forA.encryption, keyA, "ecu-a", Buffer.concat([c.subarray(rec, 2 * rec), c.subarray(0, rec), c.subarray(2 * rec)])), /does not verify/);
});

test("a last chunk re-sealed without the LAST flag (as if more followed) is refused: truncation is not silent", () => {
  // Encrypt the same plaintext by hand with the final chunk marked non-last.
  const k = unwrapContentKey(forA.encryption, keyA, "ecu-a");
  const parts: Buffer[] = [];
  for (let i = 0; i * CHUNK_SIZE < image.length; i++) {
    const c = createCipheriv("chacha20-poly1305", k, chunkNonce(i, false), { authTagLength: 16 });
    const chunk = image.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE);
    parts.push(c.update(chunk), c.final(), c.getAuthTag());
  }
  const d = new ImageDecryptor(k, forA.encryption.plaintext);
  d.push(Buffer.concat(parts));
  refused(() => d.finish(), /does not verify/);
});

test("a ciphertext that decrypts but whose plaintext differs from the signed length or hashes is refused at the end", () => {
  const k = unwrapContentKey(forA.encryption, keyA, "ecu-a");
  const wrongHash = { ...forA.encryption.plaintext, hashes: { ...forA.encryption.plaintext.hashes, sha512: "0".repeat(128) } };
  const d = new ImageDecryptor(k, wrongHash);
  d.push(forA.ciphertext);
  refused(() => d.finish(), /hashes differ/);
  const d2 = new ImageDecryptor(k, { ...forA.encryption.plaintext, length: image.length + 1 });
  d2.push(forA.ciphertext);
  refused(() => d2.finish(), /is \d+ bytes/);
});

test("the shared-key wrap does not open under another AES key or for another serial, nor with an X25519 key", () => {
  const shared = randomBytes(16);
  const e = encryptImageForEcu({ plaintext: image, plaintextName: "fw.bin", serial: "she-1", recipient: { method: METHOD_SHARED, sharedKey: shared } });
  assert.is(e.encryption.method, METHOD_SHARED);
  refused(() => decryptImage(e.encryption, { method: METHOD_SHARED, sharedKey: randomBytes(16) }, "she-1", e.ciphertext), /does not open/);
  refused(() => decryptImage(e.encryption, { method: METHOD_SHARED, sharedKey: shared }, "she-2", e.ciphertext), /does not open/);
  refused(() => decryptImage(e.encryption, keyA, "she-1", e.ciphertext), /wrapped with aes128gcm-shared/);
});

test("two encryptions of one image for one ECU share no content key, wrapped key or ciphertext", () => {
  const again = encryptImageForEcu({ plaintext: image, plaintextName: "fw.bin", serial: "ecu-a", recipient: { method: METHOD_X25519, publicKey: ecuA.publicKey } });
  assert.is.not(again.ciphertext.toString("hex"), forA.ciphertext.toString("hex"));
  assert.is.not(again.encryption.wrappedKey, forA.encryption.wrappedKey);
  assert.equal(again.encryption.plaintext, forA.encryption.plaintext);
});

test("encryption refuses bytes that differ from the Image repository's entry", () => {
  assert.throws(
    () => encryptImageForEcu({ plaintext: image, plaintextName: "fw.bin", serial: "ecu-a", recipient: { method: METHOD_X25519, publicKey: ecuA.publicKey }, expected: { length: image.length, hashes: { sha256: "0".repeat(64) } } }),
    /do not match its Image repository entry/,
  );
});

test("nonce layout 00 00 00 LAST u64be(i), info layout, and the encrypted name", () => {
  assert.is(chunkNonce(0, false).toString("hex"), "000000000000000000000000");
  assert.is(chunkNonce(0x0102, true).toString("hex"), "000000010000000000000102");
  assert.is(wrapInfo("s", "n").toString("hex"), Buffer.from("uptane-image-key\0s\0n").toString("hex"));
  assert.match(encryptedTargetName("dir/fw.bin", "ecu-1"), /^dir\/fw\.bin\.[0-9a-f]{16}\.enc$/);
  assert.throws(() => encryptedTargetName("x".repeat(250), "ecu-1"), /not a target name/);
  assert.throws(() => wrapInfo("bad serial!", "n"), /not an ECU serial/);
});

test("custom.encryption parser refuses each malformed field with the field's name", () => {
  const good = JSON.parse(JSON.stringify(forA.encryption)) as Record<string, unknown>;
  const cases: [string, (v: Record<string, any>) => void, RegExp][] = [
    ["unknown method", (v) => (v.method = "rot13"), /method must be one of/],
    ["chunk size other than 4096", (v) => (v.chunkSize = 1024), /chunkSize must be 4096/],
    ["chunk size as a string", (v) => (v.chunkSize = "4096"), /chunkSize/],
    ["enc too short", (v) => (v.enc = "ab"), /enc must be 64/],
    ["enc upper-case", (v) => (v.enc = String(v.enc).toUpperCase()), /enc must be 64/],
    ["nonce with the x25519 method", (v) => (v.nonce = "00".repeat(12)), /unknown field 'nonce'/],
    ["wrapped key of 32 bytes", (v) => (v.wrappedKey = "00".repeat(32)), /wrappedKey must be 96/],
    ["extra field", (v) => (v.key = "00".repeat(32)), /unknown field 'key'/],
    ["plaintext missing", (v) => delete v.plaintext, /plaintext must be an object/],
    ["plaintext name with a control character", (v) => (v.plaintext.name = "a\nb"), /plaintext\.name/],
    ["negative plaintext length", (v) => (v.plaintext.length = -1), /plaintext\.length/],
    ["fractional plaintext length", (v) => (v.plaintext.length = 1.5), /plaintext\.length/],
    ["sha512 missing", (v) => delete v.plaintext.hashes.sha512, /sha512 must be 128/],
    ["md5 hash", (v) => (v.plaintext.hashes.md5 = "00"), /unknown field 'md5'/],
  ];
  for (const [what, change, message] of cases) {
    const v = JSON.parse(JSON.stringify(good));
    change(v);
    assert.throws(() => parseImageEncryption(v), (e: Error) => e instanceof ImageEncryptionFormatError && message.test(e.message), what);
  }
  const shared = { ...good, method: METHOD_SHARED, nonce: "00".repeat(12) } as Record<string, unknown>;
  delete shared.enc;
  assert.is(parseImageEncryption(shared).method, METHOD_SHARED);
  assert.throws(() => parseImageEncryption({ ...shared, enc: good.enc }), /unknown field 'enc'/);
  assert.throws(() => parseImageEncryption({ ...shared, nonce: "00" }), /nonce must be 24/);
  for (const bad of [null, [], "x", 1]) assert.throws(() => parseImageEncryption(bad), /must be an object/);
});

test.run();
