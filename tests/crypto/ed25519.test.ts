// Our Ed25519 verification (assembly/crypto/ed25519.ts) through the host wrapper, against
// Wycheproof, RFC 8032 section 7.1 and Node's crypto.verify (OpenSSL): strict encodings,
// the cofactorless equation, streaming, flat memory, and status codes (never a trap)
// for every malformed input.
import { createPublicKey, generateKeyPairSync, randomBytes, randomInt, sign, verify, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../host/wasm/embedded.ts";
import { CryptoCore } from "../../host/wasm/crypto.ts";
import type { CryptoStatusName } from "../../model/outcome.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

const full = new CryptoCore("full");
const partial = new CryptoCore("partial");
const CORES = [["full", full], ["partial", partial]] as const;

/** Node's verdict on a raw 32-byte key (false when Node will not even import the key). */
function nodeVerify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): boolean {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(publicKey).toString("base64url") }, format: "jwk" });
  } catch {
    return false;
  }
  return verify(null, message, key, signature);
}

function rawPublicKey(key: KeyObject): Uint8Array {
  return new Uint8Array(Buffer.from(key.export({ format: "jwk" }).x as string, "base64url"));
}

// ---- Wycheproof ----

interface WycheproofCase { tcId: number; comment: string; flags: string[]; msg: string; sig: string; result: "valid" | "invalid" }
interface WycheproofGroup { publicKey: { pk: string }; publicKeyDer: string; tests: WycheproofCase[] }
// A copy of ../shared/vectors/wycheproof/ed25519_test.json (Wycheproof 0.9rc5), so CI needs nothing outside the repo.
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8");
const wycheproof = JSON.parse(fixture("wycheproof-ed25519_test.json")) as { numberOfTests: number; testGroups: WycheproofGroup[] };

test("Wycheproof: all 151 cases, Node's crypto.verify (OpenSSL) as the control, agrees with each expected result", () => {
  let count = 0;
  for (const group of wycheproof.testGroups) {
    const key = createPublicKey({ key: Buffer.from(group.publicKeyDer, "hex"), format: "der", type: "spki" });
    for (const t of group.tests) {
      count++;
      assert.is(verify(null, fromHex(t.msg), key, fromHex(t.sig)), t.result === "valid", `tcId ${t.tcId} ${t.comment}`);
    }
  }
  assert.is(count, 151);
  assert.is(wycheproof.numberOfTests, 151);
});

for (const [kind, crypto] of CORES) {
  test(`${kind}.wasm: Wycheproof, every one of the 151 cases (S >= L, non-canonical R, truncated, garbage, small order) as expected`, () => {
    let count = 0;
    for (const group of wycheproof.testGroups) {
      const pk = fromHex(group.publicKey.pk);
      for (const t of group.tests) {
        count++;
        const status = crypto.ed25519Verify(pk, fromHex(t.sig), fromHex(t.msg));
        const what = `tcId ${t.tcId} [${t.flags.join(",")}] ${t.comment}: ${status}`;
        assert.is(status === "Valid", t.result === "valid", what);
        // a signature of the wrong length is refused for its length, before any arithmetic
        if (t.sig.length !== 128) assert.is(status, "BadLength", what);
        if (t.flags.includes("SignatureMalleability")) assert.is(status, "BadEncoding", what);
      }
    }
    assert.is(count, 151);
  });
}

// ---- RFC 8032 section 7.1 ----

interface RfcVector { name: string; secretKey: string; publicKey: string; message: string; signature: string }
const rfc = (JSON.parse(fixture("rfc8032-ed25519.json")) as { vectors: RfcVector[] }).vectors;

for (const v of rfc) {
  test(`RFC 8032 7.1 ${v.name}: verifies, and a flipped bit in message, R, S or key does not`, () => {
    const pk = fromHex(v.publicKey);
    const sig = fromHex(v.signature);
    const msg = fromHex(v.message);
    for (const [kind, crypto] of CORES) assert.is(crypto.ed25519Verify(pk, sig, msg), "Valid", kind);
    const flip = (b: Uint8Array, bit: number) => {
      const c = b.slice();
      c[bit >> 3] ^= 1 << (bit & 7);
      return c;
    };
    if (msg.length) assert.is.not(full.ed25519Verify(pk, sig, flip(msg, 8 * msg.length - 1)), "Valid", "message");
    assert.is.not(full.ed25519Verify(pk, flip(sig, 3), msg), "Valid", "R");
    assert.is.not(full.ed25519Verify(pk, flip(sig, 256 + 3), msg), "Valid", "S");
    assert.is.not(full.ed25519Verify(flip(pk, 3), sig, msg), "Valid", "key");
    assert.is.not(full.ed25519Verify(pk, sig, new Uint8Array([...msg, 0])), "Valid", "appended byte");
  });
}

// ---- differential against Node ----

test("differential: 2,000 fresh keys, messages of 0..4096 bytes, half with one flipped bit in message, signature or key, agree with Node", () => {
  let valid = 0;
  for (let i = 0; i < 2000; i++) {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    let pk = rawPublicKey(publicKey);
    let msg = new Uint8Array(randomBytes(randomInt(4097)));
    let sig = new Uint8Array(sign(null, msg, privateKey));
    let what = "intact";
    if (i % 2 === 1) {
      const where = randomInt(msg.length ? 3 : 2);
      const target = where === 0 ? sig : where === 1 ? pk : msg;
      what = ["signature", "key", "message"][where];
      const copy = target.slice();
      const bit = randomInt(copy.length * 8);
      copy[bit >> 3] ^= 1 << (bit & 7);
      if (where === 0) sig = copy;
      else if (where === 1) pk = copy;
      else msg = copy;
      what += ` bit ${bit}`;
    }
    const ours = full.ed25519Verify(pk, sig, msg);
    const node = nodeVerify(pk, sig, msg);
    if ((ours === "Valid") !== node) {
      assert.unreachable(`case ${i} (${what}): ours ${ours}, Node ${node}; pk ${hex(pk)} sig ${hex(sig)} msg ${hex(msg)}`);
    }
    if (node) valid++;
  }
  assert.ok(valid >= 1000, `${valid} of the cases verified: every intact one must`);
});

// ---- streaming ----

test("streaming: a message fed in arbitrary chunks (empty, 1 byte, 127, 128, 129, random) verifies as one-shot does", () => {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pk = rawPublicKey(publicKey);
  for (const len of [0, 1, 111, 112, 127, 128, 129, 1000, 5000, 70_000]) {
    const msg = new Uint8Array(randomBytes(len));
    const sig = new Uint8Array(sign(null, msg, privateKey));
    const tampered = msg.slice();
    if (len) tampered[len >> 1] ^= 0x40;
    for (const [kind, crypto] of CORES) {
      for (const m of len ? [msg, tampered] : [msg]) {
        const oneShot = crypto.ed25519Verify(pk, sig, m);
        const chunks: Uint8Array[] = [new Uint8Array(0)];
        for (let off = 0; off < m.length; ) {
          const size = [1, 127, 128, 129, randomInt(300)][randomInt(5)];
          chunks.push(m.subarray(off, off + size));
          off += size;
          if (randomInt(4) === 0) chunks.push(new Uint8Array(0));
        }
        assert.is(crypto.ed25519VerifyChunks(pk, sig, chunks), oneShot, `${kind} length ${len}`);
        assert.is(crypto.ed25519VerifyChunks(pk, sig, [m]), oneShot, `${kind} length ${len}, one chunk`);
      }
      assert.is(crypto.ed25519Verify(pk, sig, msg), "Valid");
      if (len) assert.is(crypto.ed25519Verify(pk, sig, tampered), "Invalid");
    }
  }
});

test("streaming misuse: finish without a start, a second finish, and finish after a refused start are Invalid", () => {
  const exp = full.core.exports as unknown as Record<string, (...a: number[]) => number>;
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pk = rawPublicKey(publicKey);
  const sig = new Uint8Array(sign(null, new Uint8Array(0), privateKey));
  assert.is(full.ed25519VerifyChunks(pk, sig, []), "Valid");
  assert.is(exp.ed25519StreamFinish(), 1, "second finish");
  full.core.reset();
  const k = full.core.copyIn(pk);
  const s = full.core.copyIn(new Uint8Array(64).fill(0xff));
  assert.is(exp.ed25519StreamStart(k, 32, s, 64), 3, "S >= L refused at start");
  assert.is(exp.ed25519StreamFinish(), 1, "finish after a refused start");
  const good = full.core.copyIn(sig);
  assert.is(exp.ed25519StreamStart(k, 32, good, 64), 0);
  assert.is(exp.ed25519StreamUpdate(0xffff_fff0, 64), 2, "update outside memory is BadLength");
  assert.is(exp.ed25519StreamFinish(), 1, "an abandoned stream never verifies");
});

// ---- memory ----

test("memory: 1,000 verifications per module (valid and not, 0..2 KiB) leave linear memory the same size", () => {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pk = rawPublicKey(publicKey);
  const msg = new Uint8Array(randomBytes(2048));
  const sig = new Uint8Array(sign(null, msg, privateKey));
  for (const [kind, crypto] of CORES) {
    crypto.ed25519Verify(pk, sig, msg);
    const before = crypto.core.exports.memory.buffer.byteLength;
    for (let i = 0; i < 1000; i++) {
      const len = i % 3 === 0 ? 2048 : (i * 37) % 2048;
      assert.is(crypto.ed25519Verify(pk, sig, msg.subarray(0, len)), len === 2048 ? "Valid" : "Invalid");
    }
    assert.is(crypto.core.exports.memory.buffer.byteLength, before, kind);
  }
});

// ---- bad input ----

const P = 2n ** 255n - 19n;
const D = (() => {
  // d = -121665 / 121666 mod p, computed here independently of the module
  const inv = modPow(121666n, P - 2n);
  return (((-121665n * inv) % P) + P) % P;
})();
function modPow(b: bigint, e: bigint): bigint {
  let r = 1n;
  b %= P;
  for (; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
  }
  return r;
}
function encodeLE(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((x >> BigInt(8 * i)) & 0xffn);
  return out;
}
/** The smallest y >= 2 for which no x exists (x^2 = (y^2 - 1) / (d y^2 + 1) is not a square). */
function offCurveY(): bigint {
  for (let y = 2n; ; y++) {
    const x2 = ((y * y - 1n) * modPow(D * y * y + 1n, P - 2n)) % P;
    if (x2 !== 0n && modPow(x2, (P - 1n) / 2n) !== 1n) return y;
  }
}
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

test("bad input: keys and signatures of the wrong length are BadLength, decided by the module", () => {
  const msg = new Uint8Array(10);
  for (const [kind, crypto] of CORES) {
    for (const [pkLen, sigLen] of [[0, 64], [31, 64], [33, 64], [32, 0], [32, 63], [32, 65], [64, 32], [0, 0]]) {
      assert.is(crypto.ed25519Verify(new Uint8Array(pkLen), new Uint8Array(sigLen), msg), "BadLength", `${kind} ${pkLen}/${sigLen}`);
      assert.is(crypto.ed25519VerifyChunks(new Uint8Array(pkLen), new Uint8Array(sigLen), [msg]), "BadLength", `${kind} stream ${pkLen}/${sigLen}`);
    }
    const exp = crypto.core.exports as unknown as Record<string, (...a: number[]) => number>;
    assert.is(exp.ed25519VerifyBytes(0xffff_fff0, 32, 0, 64, 0, 0), 2, "key pointer outside memory");
    assert.is(exp.ed25519VerifyBytes(0, 32, 0, 64, 0xffff_0000, 0x10_0000), 2, "message range outside memory");
  }
});

test("bad input: all-zero and all-0xff keys and signatures get a status, never a trap; all-zero (small order) as OpenSSL decides", () => {
  const zero32 = new Uint8Array(32);
  const ff32 = new Uint8Array(32).fill(0xff);
  const zero64 = new Uint8Array(64);
  const ff64 = new Uint8Array(64).fill(0xff);
  for (const [kind, crypto] of CORES) {
    for (const msg of [new Uint8Array(0), new Uint8Array(100), new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])]) {
      // y = 0 decodes (x = sqrt(-1), a point of order 4) and S = 0 is in range, so the
      // equation decides: R = -[k]A holds when k = 3 mod 4. OpenSSL accepts such
      // small-order signatures (cofactorless, no small-order check); we agree with it.
      const status = crypto.ed25519Verify(zero32, zero64, msg);
      assert.is(status === "Valid", nodeVerify(zero32, zero64, msg), `${kind}: ${status}`);
      assert.ok(status === "Valid" || status === "Invalid", status);
      assert.is(crypto.ed25519Verify(ff32, zero64, msg), "BadEncoding", `${kind} key y >= p`);
      assert.is(crypto.ed25519Verify(zero32, ff64, msg), "BadEncoding", `${kind} S >= L`);
      assert.is(crypto.ed25519Verify(ff32, ff64, msg), "BadEncoding", kind);
    }
  }
});

test("bad input: S = L, S = L + small and S = 2^256 - 1 are BadEncoding even with a valid R (malleability)", () => {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pk = rawPublicKey(publicKey);
  const msg = new Uint8Array(randomBytes(50));
  const sig = new Uint8Array(sign(null, msg, privateKey));
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]);
  for (const bad of [L, L + 1n, s + L, 2n ** 256n - 1n]) {
    const forged = sig.slice();
    forged.set(encodeLE(bad % 2n ** 256n), 32);
    for (const [kind, crypto] of CORES) assert.is(crypto.ed25519Verify(pk, forged, msg), "BadEncoding", `${kind} S = ${bad}`);
    assert.is(nodeVerify(pk, forged, msg), false, "Node agrees");
  }
  const justBelow = sig.slice();
  justBelow.set(encodeLE(L - 1n), 32);
  assert.is(full.ed25519Verify(pk, justBelow, msg), "Invalid", "S = L - 1 is in range, just wrong");
});

test("bad input: non-canonical keys (y >= p, x = 0 with the sign bit) and keys off the curve are BadEncoding", () => {
  const sig = new Uint8Array(64);
  sig[0] = 1; // R = identity encoding, S = 0
  const msg = new Uint8Array(3);
  const identityPlusP = encodeLE(P + 1n); // y = 1 written as p + 1
  const negativeZeroX = encodeLE(1n);
  negativeZeroX[31] |= 0x80; // y = 1 (x = 0) with the sign bit set
  const pMinus1 = encodeLE(P - 1n); // canonical y = -1: x = 0, the point of order 2
  const offCurve = encodeLE(offCurveY());
  for (const [kind, crypto] of CORES) {
    assert.is(crypto.ed25519Verify(identityPlusP, sig, msg), "BadEncoding", `${kind} y = p + 1`);
    assert.is(crypto.ed25519Verify(encodeLE(P), sig, msg), "BadEncoding", `${kind} y = p`);
    assert.is(crypto.ed25519Verify(negativeZeroX, sig, msg), "BadEncoding", `${kind} x = 0, sign 1`);
    assert.is(crypto.ed25519Verify(offCurve, sig, msg), "BadEncoding", `${kind} no x for y`);
    assert.is.not(crypto.ed25519Verify(pMinus1, sig, msg), "BadEncoding", `${kind} y = p - 1 is canonical and on the curve`);
  }
});

test("bad input: R with y >= p is BadEncoding; the identity as A and R with S = 0 holds, as OpenSSL has it (cofactorless, small order allowed)", () => {
  const identity = encodeLE(1n);
  const msg = new Uint8Array([1, 2, 3]);
  const sig = new Uint8Array(64);
  sig.set(identity, 0); // R = identity, S = 0: [0]B - [k]identity = identity = R
  assert.is(full.ed25519Verify(identity, sig, msg), "Valid");
  assert.is(nodeVerify(identity, sig, msg), true, "Node (OpenSSL) accepts it too");
  const nonCanonicalR = sig.slice();
  nonCanonicalR.set(encodeLE(P + 1n), 0); // the identity's y written as p + 1
  assert.is(full.ed25519Verify(identity, nonCanonicalR, msg), "BadEncoding");
  assert.is(nodeVerify(identity, nonCanonicalR, msg), false, "Node refuses it too");
});

test("bad input: 2,000 random keys and signatures of the right length never verify and never trap", () => {
  const counts: Record<string, number> = {};
  for (let i = 0; i < 2000; i++) {
    const pk = new Uint8Array(randomBytes(32));
    const sig = new Uint8Array(randomBytes(64));
    if (i % 2) sig[63] &= 0x0f; // S below 2^252 < L: reach the equation, not just the range check
    const status: CryptoStatusName = full.ed25519Verify(pk, sig, new Uint8Array(randomBytes(i % 64)));
    counts[status] = (counts[status] ?? 0) + 1;
  }
  assert.is(counts.Valid, undefined);
  assert.ok((counts.Invalid ?? 0) > 200, `some reach the equation: ${JSON.stringify(counts)}`);
  assert.ok((counts.BadEncoding ?? 0) > 200, `some are refused for encoding: ${JSON.stringify(counts)}`);
});

test.run();
