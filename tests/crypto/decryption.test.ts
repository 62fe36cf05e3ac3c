// The decryption primitives of full-enc.wasm and partial-enc.wasm (assembly/exports/crypto-enc.ts),
// against every case of the Wycheproof files for X25519, ChaCha20-Poly1305, AES-GCM, HKDF-SHA256
// and HMAC-SHA256, RFC 9180 A.2.1 for HPKE, and Node's crypto (OpenSSL) on random inputs.
import {
  createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, randomInt,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../host/wasm/embedded.ts";
import { DecryptionCrypto } from "../../host/wasm/crypto-enc.ts";
import { CryptoCore } from "../../host/wasm/crypto.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
// Copies of ../shared/vectors/wycheproof/*.json, so CI needs nothing outside the repo.
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8"));

const full = new DecryptionCrypto("full-enc");
const partial = new DecryptionCrypto("partial-enc");
const CORES = [["full-enc", full], ["partial-enc", partial]] as const;

interface Group<T> { keySize?: number; ivSize?: number; tagSize?: number; tests: T[] }
interface File<T> { numberOfTests: number; testGroups: Group<T>[] }

// ---- X25519 ----
interface XCase { tcId: number; comment: string; flags: string[]; public: string; private: string; shared: string; result: string }
const x25519File = fixture("wycheproof-x25519_test.json") as File<XCase>;

for (const [kind, c] of CORES) {
  test(`${kind}: X25519, every one of the 518 Wycheproof cases gives the expected shared secret; an all-zero one (small-order public key) is Invalid`, () => {
    let count = 0, zero = 0;
    for (const g of x25519File.testGroups) for (const t of g.tests) {
      count++;
      const r = c.x25519(fromHex(t.private), fromHex(t.public));
      const what = `tcId ${t.tcId} [${t.flags.join(",")}] ${t.comment}`;
      assert.ok(r.out, what);
      assert.is(hex(r.out!), t.shared, what);
      const isZero = /^0+$/.test(t.shared);
      if (isZero) zero++;
      assert.is(r.status, isZero ? "Invalid" : "Valid", what);
    }
    assert.is(count, 518);
    assert.is(x25519File.numberOfTests, 518);
    assert.ok(zero > 0, "the file has zero-shared-secret cases");
  });
}

test("X25519: keys of other lengths are BadLength", () => {
  assert.is(full.x25519(new Uint8Array(31), new Uint8Array(32)).status, "BadLength");
  assert.is(full.x25519(new Uint8Array(32), new Uint8Array(33)).status, "BadLength");
  assert.is(full.x25519PublicKey(new Uint8Array(0)).status, "BadLength");
});

const X25519_PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");
const X25519_SPKI = Buffer.from("302a300506032b656e032100", "hex");

test("X25519 against Node's crypto.diffieHellman: 1,000 random key pairs (shared secrets and public keys)", () => {
  for (let i = 0; i < 1000; i++) {
    const a = generateKeyPairSync("x25519");
    const bPriv = randomBytes(32);
    const bKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8, bPriv]), format: "der", type: "pkcs8" });
    const aPub = new Uint8Array(a.publicKey.export({ format: "der", type: "spki" }).subarray(12));
    const want = diffieHellman({ privateKey: bKey, publicKey: a.publicKey });
    const r = (i % 10 === 0 ? partial : full).x25519(bPriv, aPub);
    assert.is(r.status, "Valid");
    assert.is(hex(r.out!), want.toString("hex"), `case ${i}`);
    const pub = full.x25519PublicKey(bPriv);
    assert.is(hex(pub.out!), hex(createPublicKey(bKey).export({ format: "der", type: "spki" }).subarray(12)), `public key ${i}`);
  }
  assert.ok(X25519_SPKI.length === 12);
});

// ---- ChaCha20-Poly1305 and AES-GCM ----
interface ACase { tcId: number; comment: string; flags: string[]; key: string; iv: string; aad: string; msg: string; ct: string; tag: string; result: string }
const chachaFile = fixture("wycheproof-chacha20_poly1305_test.json") as File<ACase>;
const gcmFile = fixture("wycheproof-aes_gcm_test.json") as File<ACase>;

for (const [kind, c] of CORES) {
  test(`${kind}: ChaCha20-Poly1305, every one of the 325 Wycheproof cases: valid ones open to the message and seal to the ciphertext, invalid ones (modified tags, 9 nonces not 12 bytes) are refused`, () => {
    let count = 0, badNonce = 0;
    for (const g of chachaFile.testGroups) for (const t of g.tests) {
      count++;
      const what = `tcId ${t.tcId} [${t.flags.join(",")}] ${t.comment}`;
      const sealed = fromHex(t.ct + t.tag);
      const r = c.chacha20Poly1305Open(fromHex(t.key), fromHex(t.iv), fromHex(t.aad), sealed);
      if (t.result === "valid") {
        assert.is(r.status, "Valid", what);
        assert.is(hex(r.out!), t.msg, what);
        const s = c.chacha20Poly1305Seal(fromHex(t.key), fromHex(t.iv), fromHex(t.aad), fromHex(t.msg));
        assert.is(hex(s.out!), t.ct + t.tag, what);
      } else {
        assert.is.not(r.status, "Valid", what);
        assert.is(r.out, undefined, what);
        if (g.ivSize !== 96) {
          badNonce++;
          assert.is(r.status, "BadLength", what);
        } else assert.is(r.status, "Invalid", what);
      }
    }
    assert.is(count, 325);
    assert.is(badNonce, 9);
  });

  test(`${kind}: AES-GCM, every one of the 316 Wycheproof cases: the 108 AES-128 ones (67 with 12-byte IVs, 39 with other IV sizes, 2 with an empty IV refused) as expected; the 208 AES-192/256 ones refused as BadLength (not supported)`, () => {
    let count = 0, aes128 = 0, iv96 = 0, otherIv = 0, emptyIv = 0, refusedKeySize = 0;
    for (const g of gcmFile.testGroups) for (const t of g.tests) {
      count++;
      const what = `tcId ${t.tcId} [${t.flags.join(",")}] ${t.comment}`;
      const r = c.aes128GcmOpen(fromHex(t.key), fromHex(t.iv), fromHex(t.aad), fromHex(t.ct + t.tag));
      if (g.keySize !== 128) {
        refusedKeySize++;
        assert.is(r.status, "BadLength", what);
        continue;
      }
      aes128++;
      if (g.ivSize === 96) iv96++;
      else if (g.ivSize === 0) emptyIv++;
      else otherIv++;
      if (t.result === "valid") {
        assert.is(r.status, "Valid", what);
        assert.is(hex(r.out!), t.msg, what);
        const s = c.aes128GcmSeal(fromHex(t.key), fromHex(t.iv), fromHex(t.aad), fromHex(t.msg));
        assert.is(hex(s.out!), t.ct + t.tag, what);
      } else {
        assert.is(r.status, g.ivSize === 0 ? "BadLength" : "Invalid", what);
        assert.is(r.out, undefined, what);
      }
    }
    assert.is(count, 316);
    assert.equal([aes128, iv96, otherIv, emptyIv, refusedKeySize], [108, 67, 39, 2, 208]);
  });
}

test("ChaCha20-Poly1305 against Node: 1,000 random (key, nonce, aad, message) of 0 to 600 bytes, both ways, and a flipped bit refused", () => {
  for (let i = 0; i < 1000; i++) {
    const key = randomBytes(32), nonce = randomBytes(12), aad = randomBytes(randomInt(0, 40)), msg = randomBytes(randomInt(0, 600));
    const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
    cipher.setAAD(aad, { plaintextLength: msg.length });
    const sealed = Buffer.concat([cipher.update(msg), cipher.final(), cipher.getAuthTag()]);
    const c = i % 10 === 0 ? partial : full;
    const opened = c.chacha20Poly1305Open(key, nonce, aad, sealed);
    assert.is(opened.status, "Valid");
    assert.ok(Buffer.from(opened.out!).equals(msg), `case ${i}`);
    assert.ok(Buffer.from(c.chacha20Poly1305Seal(key, nonce, aad, msg).out!).equals(sealed), `seal ${i}`);
    const bad = Buffer.from(sealed);
    bad[randomInt(0, bad.length)] ^= 1 << randomInt(0, 8);
    assert.is(c.chacha20Poly1305Open(key, nonce, aad, bad).status, "Invalid", `flipped ${i}`);
  }
});

test("AES-128-GCM against Node: 1,000 random (key, 12-byte IV, aad, message) of 0 to 300 bytes, both ways, and a flipped bit refused", () => {
  for (let i = 0; i < 1000; i++) {
    const key = randomBytes(16), iv = randomBytes(12), aad = randomBytes(randomInt(0, 40)), msg = randomBytes(randomInt(0, 300));
    const cipher = createCipheriv("aes-128-gcm", key, iv);
    cipher.setAAD(aad);
    const sealed = Buffer.concat([cipher.update(msg), cipher.final(), cipher.getAuthTag()]);
    const c = i % 10 === 0 ? partial : full;
    const opened = c.aes128GcmOpen(key, iv, aad, sealed);
    assert.is(opened.status, "Valid");
    assert.ok(Buffer.from(opened.out!).equals(msg), `case ${i}`);
    assert.ok(Buffer.from(c.aes128GcmSeal(key, iv, aad, msg).out!).equals(sealed), `seal ${i}`);
    const bad = Buffer.from(sealed);
    bad[randomInt(0, bad.length)] ^= 1 << randomInt(0, 8);
    assert.is(c.aes128GcmOpen(key, iv, aad, bad).status, "Invalid", `flipped ${i}`);
    // and Node opens what the module seals under another IV
    const iv2 = randomBytes(12);
    const mine = c.aes128GcmSeal(key, iv2, aad, msg).out!;
    const d = createDecipheriv("aes-128-gcm", key, iv2);
    d.setAAD(aad);
    d.setAuthTag(mine.subarray(mine.length - 16));
    assert.ok(Buffer.concat([d.update(mine.subarray(0, mine.length - 16)), d.final()]).equals(msg));
  }
});

// ---- HMAC-SHA256 and HKDF-SHA256 ----
interface MCase { tcId: number; comment: string; flags: string[]; key: string; msg: string; tag: string; result: string }
interface HCase { tcId: number; comment: string; flags: string[]; ikm: string; salt: string; info: string; size: number; okm: string; result: string }
const hmacFile = fixture("wycheproof-hmac_sha256_test.json") as File<MCase>;
const hkdfFile = fixture("wycheproof-hkdf_sha256_test.json") as File<HCase>;

for (const [kind, c] of CORES) {
  test(`${kind}: HMAC-SHA256, every one of the 174 Wycheproof cases (full and 128-bit truncated tags) as expected`, () => {
    let count = 0;
    for (const g of hmacFile.testGroups) for (const t of g.tests) {
      count++;
      const r = c.hmacSha256(fromHex(t.key), fromHex(t.msg));
      assert.is(r.status, "Valid");
      const mine = hex(r.out!).slice(0, (g.tagSize! / 8) * 2);
      assert.is(mine === t.tag, t.result === "valid", `tcId ${t.tcId} ${t.comment}`);
    }
    assert.is(count, 174);
  });

  test(`${kind}: HKDF-SHA256, every one of the 86 Wycheproof cases: 83 derive the expected key, 3 asking for more than 255 * 32 bytes are BadLength`, () => {
    let count = 0, tooLarge = 0;
    for (const g of hkdfFile.testGroups) for (const t of g.tests) {
      count++;
      const r = c.hkdfSha256(fromHex(t.ikm), fromHex(t.salt), fromHex(t.info), t.size);
      const what = `tcId ${t.tcId} ${t.comment}`;
      if (t.result === "valid") {
        assert.is(r.status, "Valid", what);
        assert.is(hex(r.out!), t.okm, what);
      } else {
        tooLarge++;
        assert.is(r.status, "BadLength", what);
      }
    }
    assert.equal([count, tooLarge], [86, 3]);
  });
}

test("HKDF-SHA256 against Node's hkdfSync: 1,000 random (ikm, salt, info, length), and HMAC against createHmac", async () => {
  const { createHmac } = await import("node:crypto");
  for (let i = 0; i < 1000; i++) {
    const ikm = randomBytes(randomInt(0, 80)), salt = randomBytes(randomInt(0, 80)), info = randomBytes(randomInt(0, 80));
    const len = randomInt(1, 300);
    const c = i % 10 === 0 ? partial : full;
    const r = c.hkdfSha256(ikm, salt, info, len);
    assert.is(hex(r.out!), Buffer.from(hkdfSync("sha256", ikm, salt, info, len)).toString("hex"), `case ${i}`);
    const key = randomBytes(randomInt(0, 150));
    assert.is(hex(c.hmacSha256(key, info).out!), createHmac("sha256", key).update(info).digest("hex"), `hmac ${i}`);
  }
});

// ---- HPKE ----
// RFC 9180 Appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, Base, sequence number 0.
const A21 = {
  skRm: "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb",
  pkRm: "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a",
  enc: "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
  info: "4f6465206f6e2061204772656369616e2055726e",
  aad: "436f756e742d30",
  ct: "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
  pt: "4265617574792069732074727574682c20747275746820626561757479",
};

for (const [kind, c] of CORES) {
  test(`${kind}: HPKE Open, RFC 9180 A.2.1 (base mode, sequence 0) gives the plaintext; a changed info, aad, enc, key or ciphertext byte is Invalid`, () => {
    assert.is(hex(c.x25519PublicKey(fromHex(A21.skRm)).out!), A21.pkRm);
    const r = c.hpkeOpen(fromHex(A21.skRm), fromHex(A21.enc), fromHex(A21.info), fromHex(A21.aad), fromHex(A21.ct));
    assert.is(r.status, "Valid");
    assert.is(hex(r.out!), A21.pt);
    const flip = (h: string, at: number) => { const b = fromHex(h); b[at % b.length] ^= 1; return b; };
    assert.is(c.hpkeOpen(fromHex(A21.skRm), fromHex(A21.enc), flip(A21.info, 3), fromHex(A21.aad), fromHex(A21.ct)).status, "Invalid");
    assert.is(c.hpkeOpen(fromHex(A21.skRm), fromHex(A21.enc), fromHex(A21.info), flip(A21.aad, 0), fromHex(A21.ct)).status, "Invalid");
    assert.is(c.hpkeOpen(fromHex(A21.skRm), flip(A21.enc, 5), fromHex(A21.info), fromHex(A21.aad), fromHex(A21.ct)).status, "Invalid");
    assert.is(c.hpkeOpen(flip(A21.skRm, 9), fromHex(A21.enc), fromHex(A21.info), fromHex(A21.aad), fromHex(A21.ct)).status, "Invalid");
    for (let i = 0; i < fromHex(A21.ct).length; i += 7) {
      assert.is(c.hpkeOpen(fromHex(A21.skRm), fromHex(A21.enc), fromHex(A21.info), fromHex(A21.aad), flip(A21.ct, i)).status, "Invalid", `ct byte ${i}`);
    }
    // a small-order enc (all zeros) gives an all-zero DH output: refused (RFC 9180 7.1.4)
    assert.is(c.hpkeOpen(fromHex(A21.skRm), new Uint8Array(32), fromHex(A21.info), fromHex(A21.aad), fromHex(A21.ct)).status, "Invalid");
    assert.is(c.hpkeOpen(fromHex(A21.skRm), fromHex(A21.enc), fromHex(A21.info), fromHex(A21.aad), new Uint8Array(15)).status, "BadLength");
  });
}

test("the modules without decryption have no decryption exports", () => {
  for (const kind of ["full", "partial", "partial-p256"] as const) {
    assert.throws(() => new DecryptionCrypto(kind), /has no decryption/);
    assert.ok(new CryptoCore(kind).sha256(new Uint8Array(1)).length === 32);
  }
});

test("memory stays flat: 200 X25519 and 200 AEAD opens leave the arena where it was", () => {
  const c = new DecryptionCrypto("partial-enc");
  c.chacha20Poly1305Open(randomBytes(32), randomBytes(12), new Uint8Array(0), randomBytes(4112));
  const pages = c.core.memoryBytes;
  for (let i = 0; i < 200; i++) {
    c.x25519(randomBytes(32), randomBytes(32));
    c.chacha20Poly1305Open(randomBytes(32), randomBytes(12), new Uint8Array(0), randomBytes(4112));
  }
  assert.is(c.core.memoryBytes, pages);
});

test.run();
