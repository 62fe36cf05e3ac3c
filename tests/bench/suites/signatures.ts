// ECDSA P-256 and RSA-PSS verification (README "ECDSA P-256 and RSA-PSS"): ours in
// full.wasm (through the host wrapper, copies included) against Node's native
// crypto.verify (OpenSSL, the baseline) in the same run, over a 128-byte message. Each
// contender must accept the signature and refuse a tampered one before it is timed.
import { constants, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import "../../../host/wasm/embedded.ts";
import { CryptoCore } from "../../../host/wasm/crypto.ts";
import type { BenchCase, Suite } from "../harness.ts";

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };

export const signaturesSuite: Suite = {
  name: "signatures",
  cases() {
    const ours = new CryptoCore("full");
    const msg = new Uint8Array(randomBytes(128));
    const cases: BenchCase[] = [];
    const add = (name: string, publicKey: KeyObject, sig: Uint8Array, mine: (spki: Uint8Array, s: Uint8Array) => boolean, node: (s: Uint8Array) => boolean) => {
      const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
      const bad = Uint8Array.from(sig); // a copy (a Buffer's slice would share its bytes)
      bad[bad.length - 5] ^= 1;
      if (!mine(spki, sig) || mine(spki, bad) || !node(sig) || node(bad)) throw new Error(`${name}: a wrong verdict; not benchmarking it`);
      cases.push({ kind: "timed", name: `${name} verify 128 B`, unit: "µs/op", baseline: "node", contenders: { ours: () => mine(spki, sig), node: () => node(sig) } });
    };
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    add("ecdsa-p256", ec.publicKey, sign("sha256", msg, ec.privateKey), (k, s) => ours.ecdsaP256Verify(k, s, msg) === "Valid", (s) => verify("sha256", msg, ec.publicKey, s));
    for (const bits of [2048, 4096]) {
      const rsa = generateKeyPairSync("rsa", { modulusLength: bits });
      add(`rsa-pss-${bits}`, rsa.publicKey, sign("sha256", msg, { key: rsa.privateKey, ...PSS }), (k, s) => ours.rsaPssVerify(k, s, msg) === "Valid", (s) => verify("sha256", msg, { key: rsa.publicKey, ...PSS }, s));
    }
    return cases;
  },
};
