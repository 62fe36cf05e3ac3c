// Our ECDSA P-256 verification (assembly/crypto/p256.ts, der.ts) through the host wrapper,
// in both modules that carry it (full.wasm, partial-p256.wasm), against Wycheproof and
// Node's crypto.verify (OpenSSL): every vector, random differential cases, and status codes
// (never a trap) for malformed keys and signatures.
import { ECDH, createPublicKey, generateKeyPairSync, randomBytes, randomInt, sign, verify, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../host/wasm/embedded.ts";
import { CryptoCore } from "../../host/wasm/crypto.ts";

const fromHex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const CORES = [["full", new CryptoCore("full")], ["partial-p256", new CryptoCore("partial-p256")]] as const;

interface Case { tcId: number; comment: string; flags: string[]; msg: string; sig: string; result: "valid" | "invalid" | "acceptable" }
interface Group { publicKeyDer: string; tests: Case[] }
// A copy of ../shared/vectors/wycheproof/ecdsa_secp256r1_sha256_test.json, so CI needs nothing outside the repo.
const wycheproof = JSON.parse(readFileSync(new URL("fixtures/wycheproof-ecdsa_secp256r1_sha256_test.json", import.meta.url), "utf8")) as {
  numberOfTests: number;
  testGroups: Group[];
};

function nodeVerify(spki: Uint8Array, sig: Uint8Array, msg: Uint8Array): boolean {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch {
    return false;
  }
  try {
    return verify("sha256", msg, key, sig);
  } catch {
    return false;
  }
}

test("Wycheproof ECDSA P-256: all 484 cases, Node's crypto.verify as the control agrees with each expected result (none is 'acceptable')", () => {
  let count = 0;
  for (const group of wycheproof.testGroups) {
    for (const t of group.tests) {
      count++;
      assert.is.not(t.result, "acceptable");
      assert.is(nodeVerify(fromHex(group.publicKeyDer), fromHex(t.sig), fromHex(t.msg)), t.result === "valid", `tcId ${t.tcId} ${t.comment}`);
    }
  }
  assert.is(count, 484);
  assert.is(wycheproof.numberOfTests, 484);
});

for (const [kind, crypto] of CORES) {
  test(`${kind}.wasm: Wycheproof ECDSA P-256, every one of the 484 cases (BER signatures, r or s out of range, edge-case points) as expected`, () => {
    let count = 0;
    let valid = 0;
    for (const group of wycheproof.testGroups) {
      const spki = fromHex(group.publicKeyDer);
      for (const t of group.tests) {
        count++;
        const status = crypto.ecdsaP256Verify(spki, fromHex(t.sig), fromHex(t.msg));
        assert.is(status === "Valid", t.result === "valid", `tcId ${t.tcId} [${t.flags.join(",")}] ${t.comment}: ${status}`);
        if (status === "Valid") valid++;
      }
    }
    assert.is(count, 484);
    assert.is(valid, 174);
  });
}

// ---- differential, random ----

const keys = Array.from({ length: 16 }, () => generateKeyPairSync("ec", { namedCurve: "P-256" }));
const spkiOf = (k: KeyObject) => new Uint8Array(k.export({ format: "der", type: "spki" }));

function mutate(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes);
  if (out.length === 0) return new Uint8Array([1]);
  out[randomInt(out.length)] ^= 1 << randomInt(8);
  return out;
}

// 2,000 through full.wasm; partial-p256.wasm is the same source built with partial's options: 400
for (const [kind, crypto] of CORES) {
  const n = kind === "full" ? 2000 : 400;
  test(`${kind}.wasm: ${n} random cases agree with Node's crypto.verify (valid, message changed, signature changed, other key, high-s twin)`, () => {
    const seen = { Valid: 0, other: 0 };
    for (let i = 0; i < n; i++) {
      const { publicKey, privateKey } = keys[i % keys.length];
      const msg = randomBytes(randomInt(0, 300));
      let sig: Uint8Array = new Uint8Array(sign("sha256", msg, privateKey));
      let spki: Uint8Array = spkiOf(publicKey);
      let m: Uint8Array = msg;
      switch (i % 5) {
        case 1: m = mutate(msg); break;
        case 2: sig = mutate(sig); break;
        case 3: spki = spkiOf(keys[(i + 1) % keys.length].publicKey); break;
        case 4: sig = highS(sig); break; // s -> n - s: also valid for ECDSA (no low-s rule), as in OpenSSL
      }
      const ours = crypto.ecdsaP256Verify(spki, sig, m);
      const node = nodeVerify(spki, sig, m);
      assert.is(ours === "Valid", node, `case ${i} (kind ${i % 5}): ours ${ours}, Node ${node}`);
      if (ours === "Valid") seen.Valid++;
      else seen.other++;
    }
    // the mix really has both verdicts (valid cases are 2 in 5, a changed signature rarely still verifies)
    assert.ok(seen.Valid >= n * 0.4 && seen.other >= n / 2, JSON.stringify(seen));
  });
}

const N = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

/** The DER signature (r, n - s). */
function highS(der: Uint8Array): Uint8Array {
  const read = (at: number) => {
    const len = der[at + 1];
    return { value: BigInt("0x" + Buffer.from(der.subarray(at + 2, at + 2 + len)).toString("hex")), end: at + 2 + len };
  };
  const r = read(2);
  const s = read(r.end);
  return derSignature(r.value, N - s.value);
}

function derInt(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  let b = Buffer.from(hex, "hex");
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([2, b.length]), b]);
}

function derSignature(r: bigint, s: bigint): Uint8Array {
  const body = Buffer.concat([derInt(r), derInt(s)]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x30, body.length]), body]));
}

// ---- malformed input: a status, never a trap ----

test("full.wasm: malformed keys and signatures give BadEncoding, BadLength or Invalid, never a trap; the module keeps working", () => {
  const crypto = CORES[0][1];
  const { publicKey, privateKey } = keys[0];
  const spki = spkiOf(publicKey);
  const msg = new TextEncoder().encode("message");
  const sig = new Uint8Array(sign("sha256", msg, privateKey));
  // keys: truncated, a byte more, compressed form, random bytes, an Ed25519 key, point off the curve
  const point = ECDH.convertKey(Buffer.from(spki.subarray(26)), "prime256v1", undefined, undefined, "compressed") as Buffer;
  const compressed = new Uint8Array(Buffer.concat([Buffer.from("3039301306072a8648ce3d020106082a8648ce3d030107032200", "hex"), point]));
  assert.ok(nodeVerify(compressed, sig, msg)); // Node reads the compressed form; we take only the uncompressed one
  assert.is(crypto.ecdsaP256Verify(compressed, sig, msg), "BadEncoding");
  assert.is(crypto.ecdsaP256Verify(spki.subarray(0, 90), sig, msg), "BadEncoding");
  assert.is(crypto.ecdsaP256Verify(new Uint8Array([...spki, 0]), sig, msg), "BadEncoding");
  assert.is(crypto.ecdsaP256Verify(randomBytes(91), sig, msg), "BadEncoding");
  assert.is(crypto.ecdsaP256Verify(spkiOf(generateKeyPairSync("ed25519").publicKey), sig, msg), "BadEncoding");
  const offCurve = new Uint8Array(spki);
  offCurve[90] ^= 1;
  assert.is(crypto.ecdsaP256Verify(offCurve, sig, msg), "BadEncoding");
  // signatures: empty, trailing byte, long-form length where short is due, negative r, zero s
  assert.is(crypto.ecdsaP256Verify(spki, new Uint8Array(0), msg), "BadEncoding");
  assert.is(crypto.ecdsaP256Verify(spki, new Uint8Array([...sig, 0]), msg), "BadEncoding");
  assert.is(crypto.ecdsaP256Verify(spki, new Uint8Array([0x30, 0x81, sig.length - 2, ...sig.subarray(2)]), msg), "BadEncoding");
  assert.is(crypto.ecdsaP256Verify(spki, derSignature(0n, 1n), msg), "Invalid");
  assert.is(crypto.ecdsaP256Verify(spki, derSignature(1n, N), msg), "Invalid");
  for (let i = 0; i < 300; i++) {
    const status = crypto.ecdsaP256Verify(randomInt(2) ? spki : randomBytes(randomInt(120)), randomBytes(randomInt(80)), msg);
    assert.ok(status !== "Valid", `random input ${i} verified`);
  }
  assert.is(crypto.ecdsaP256Verify(spki, sig, msg), "Valid");
});

test("partial.wasm (the Ed25519 build) has no ECDSA: asking it is a misuse error, not a verdict", () => {
  assert.throws(() => new CryptoCore("partial").ecdsaP256Verify(new Uint8Array(91), new Uint8Array(8), new Uint8Array(0)), /has no ECDSA/);
});

test.run();
