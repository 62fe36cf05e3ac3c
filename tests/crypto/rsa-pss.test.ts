// Our RSASSA-PSS verification (assembly/crypto/rsa.ts, bignum.ts, der.ts) through the
// host wrapper in full.wasm, against Wycheproof (2048 and 4096 bits, SHA-256, MGF1-SHA-256,
// 32-byte salt) and Node's crypto.verify (OpenSSL) with the same parameters: every
// vector, random differential cases, and status codes (never a trap) for malformed input.
import { constants, generateKeyPairSync, randomBytes, randomInt, sign, verify, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../host/wasm/embedded.ts";
import { CryptoCore } from "../../host/wasm/crypto.ts";

const fromHex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const crypto = new CryptoCore("full");
const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };

interface Case { tcId: number; comment: string; flags: string[]; msg: string; sig: string; result: "valid" | "invalid" | "acceptable" }
interface Group { publicKeyDer: string; sLen: number; tests: Case[] }
// Copies of ../shared/vectors/wycheproof/rsa_pss_{2048,4096}_sha256_mgf1_32_test.json, so CI needs nothing outside the repo.
const files = [2048, 4096].map((bits) => ({
  bits,
  doc: JSON.parse(readFileSync(new URL(`fixtures/wycheproof-rsa_pss_${bits}_sha256_mgf1_32_test.json`, import.meta.url), "utf8")) as { numberOfTests: number; testGroups: Group[] },
}));

function nodeVerify(spki: Uint8Array, sig: Uint8Array, msg: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    return verify("sha256", msg, { key, ...PSS }, sig);
  } catch {
    return false;
  }
}

for (const { bits, doc } of files) {
  test(`Wycheproof RSA-PSS ${bits}: all 108 cases, Node's crypto.verify (salt length 32) as the control agrees with each expected result`, () => {
    let count = 0;
    for (const group of doc.testGroups) {
      assert.is(Number(group.sLen), 32);
      for (const t of group.tests) {
        count++;
        assert.is.not(t.result, "acceptable");
        assert.is(nodeVerify(fromHex(group.publicKeyDer), fromHex(t.sig), fromHex(t.msg)), t.result === "valid", `tcId ${t.tcId} ${t.comment}`);
      }
    }
    assert.is(count, 108);
    assert.is(doc.numberOfTests, 108);
  });

  test(`full.wasm: Wycheproof RSA-PSS ${bits}, every one of the 108 cases (other salt lengths, changed padding, s >= n, wrong lengths, PKCS #1 v1.5) as expected`, () => {
    let valid = 0;
    for (const group of doc.testGroups) {
      const spki = fromHex(group.publicKeyDer);
      for (const t of group.tests) {
        const status = crypto.rsaPssVerify(spki, fromHex(t.sig), fromHex(t.msg));
        assert.is(status === "Valid", t.result === "valid", `tcId ${t.tcId} [${t.flags.join(",")}] ${t.comment}: ${status}`);
        if (status === "Valid") valid++;
        // a signature that is not as long as the modulus is refused for its length
        if (t.sig.length / 2 !== bits / 8) assert.is(status, "BadLength", `tcId ${t.tcId}`);
      }
    }
    assert.is(valid, 63);
  });
}

function mutate(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes);
  if (out.length === 0) return new Uint8Array([1]);
  out[randomInt(out.length)] ^= 1 << randomInt(8);
  return out;
}

test("full.wasm: 2,000 random cases (2048, 3072 and 4096 bits) agree with Node's crypto.verify: valid, message changed, signature changed, other key, other salt length", () => {
  const keys = [2048, 2048, 3072, 4096].map((modulusLength) => generateKeyPairSync("rsa", { modulusLength }));
  const spkiOf = (k: KeyObject) => new Uint8Array(k.export({ format: "der", type: "spki" }));
  const seen = { Valid: 0, other: 0 };
  for (let i = 0; i < 2000; i++) {
    const { publicKey, privateKey } = keys[i % keys.length]!;
    const msg: Uint8Array = randomBytes(randomInt(0, 200));
    let m = msg;
    let spki = spkiOf(publicKey);
    let sig: Uint8Array = sign("sha256", msg, { key: privateKey, ...PSS });
    switch (i % 5) {
      case 1: m = mutate(msg); break;
      case 2: sig = mutate(sig); break;
      case 3: spki = spkiOf(keys[(i + 1) % keys.length]!.publicKey); break;
      case 4: sig = sign("sha256", msg, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 + (i % 3) }); break;
    }
    const ours = crypto.rsaPssVerify(spki, sig, m);
    const node = nodeVerify(spki, sig, m);
    assert.is(ours === "Valid", node, `case ${i} (kind ${i % 5}): ours ${ours}, Node ${node}`);
    if (ours === "Valid") seen.Valid++;
    else seen.other++;
  }
  assert.ok(seen.Valid >= 350 && seen.other >= 1500, JSON.stringify(seen));
});

test("full.wasm: malformed RSA keys and signatures give a status, never a trap; small and even keys are refused", () => {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
  const msg = new TextEncoder().encode("message");
  const sig = new Uint8Array(sign("sha256", msg, { key: privateKey, ...PSS }));
  const small = generateKeyPairSync("rsa", { modulusLength: 1024 });
  assert.is(crypto.rsaPssVerify(new Uint8Array(small.publicKey.export({ format: "der", type: "spki" })), sign("sha256", msg, { key: small.privateKey, ...PSS }), msg), "BadEncoding");
  assert.is(crypto.rsaPssVerify(spki.subarray(0, spki.length - 1), sig, msg), "BadEncoding");
  assert.is(crypto.rsaPssVerify(new Uint8Array([...spki, 0]), sig, msg), "BadEncoding");
  assert.is(crypto.rsaPssVerify(spki, sig.subarray(1), msg), "BadLength");
  // an RSASSA-PSS-OID key (id-RSASSA-PSS) is another algorithm identifier: refused
  const pssKey = generateKeyPairSync("rsa-pss", { modulusLength: 2048 });
  assert.is(crypto.rsaPssVerify(new Uint8Array(pssKey.publicKey.export({ format: "der", type: "spki" })), sig, msg), "BadEncoding");
  for (let i = 0; i < 200; i++) {
    const status = crypto.rsaPssVerify(randomInt(2) ? spki : randomBytes(randomInt(300)), randomBytes(randomInt(2) ? 256 : randomInt(600)), msg);
    assert.ok(status !== "Valid", `random input ${i} verified`);
  }
  assert.is(crypto.rsaPssVerify(spki, sig, msg), "Valid");
});

test.run();
