// Ed25519 verification: our wasm (through the host wrapper, copies included) against
// Node's native crypto.verify (OpenSSL, the baseline), @noble/ed25519 (pure JS, its
// SHA-512 hook given Node's native hash) and wasm-crypto, compiled here from its package
// sources (node_modules/wasm-crypto/assembly) by the installed asc. wasm-crypto rejects
// valid signatures on messages of 192 bytes and more (DESIGN.md section 3), so it runs
// only on the 128-byte message; every contender must accept the signature (and reject a
// tampered one) before it is timed.
import { execFileSync } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes, sign, verify } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as noble from "@noble/ed25519";
import "../../../host/wasm/embedded.ts";
import { CryptoCore } from "../../../host/wasm/crypto.ts";
import type { BenchCase, Suite } from "../harness.ts";

noble.hashes.sha512 = (m: Uint8Array) => new Uint8Array(createHash("sha512").update(m).digest());

const root = fileURLToPath(new URL("../../../", import.meta.url));
const wasmCryptoSource = `${root}node_modules/wasm-crypto/assembly/crypto.ts`;
const wasmCryptoOut = `${root}build/bench/wasm-crypto.wasm`;

type EdVerify = (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array) => boolean;

/** wasm-crypto's signEdVerify, built once into build/bench/ (asc's generated bindings marshal the Uint8Arrays). */
async function loadWasmCrypto(): Promise<EdVerify> {
  if (!existsSync(wasmCryptoOut) || statSync(wasmCryptoOut).mtimeMs < statSync(wasmCryptoSource).mtimeMs) {
    mkdirSync(`${root}build/bench`, { recursive: true });
    execFileSync(
      process.execPath,
      [`${root}node_modules/assemblyscript/bin/asc.js`, wasmCryptoSource, `${root}node_modules/wasm-crypto/assembly/precomp.ts`,
        "-O3", "--bindings", "raw", "-o", wasmCryptoOut],
      // run from the package's folder so that the project's asconfig.json (imported,
      // zero-filled memory for our modules) does not apply to wasm-crypto
      { stdio: ["ignore", "ignore", "inherit"], cwd: `${root}node_modules/wasm-crypto` },
    );
  }
  const { instantiate } = (await import(pathToFileURL(wasmCryptoOut.replace(/\.wasm$/, ".js")).href)) as {
    instantiate(m: WebAssembly.Module, imports?: object): Promise<{ signEdVerify: EdVerify }>;
  };
  const mod = new WebAssembly.Module(readFileSync(wasmCryptoOut));
  const exports = await instantiate(mod, {});
  return (sig, msg, pk) => exports.signEdVerify(sig, msg, pk);
}

export const ed25519Suite: Suite = {
  name: "ed25519",
  async cases() {
    const ours = new CryptoCore("full");
    const wasmCrypto = await loadWasmCrypto();
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const pk = new Uint8Array(Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url"));
    const cases: BenchCase[] = [];
    for (const size of [128, 1024]) {
      const msg = new Uint8Array(randomBytes(size));
      const sig = new Uint8Array(sign(null, msg, privateKey));
      const bad = sig.slice();
      bad[40] ^= 1;
      const contenders: Record<string, () => boolean> = {
        ours: () => ours.ed25519Verify(pk, sig, msg) === "Valid",
        node: () => verify(null, msg, publicKey, sig),
        "@noble/ed25519": () => noble.verify(sig, msg, pk),
      };
      if (size < 192) contenders["wasm-crypto"] = () => wasmCrypto(sig, msg, pk);
      const refuse: Record<string, () => boolean> = {
        ours: () => ours.ed25519Verify(pk, bad, msg) === "Valid",
        node: () => verify(null, msg, publicKey, bad),
        "@noble/ed25519": () => noble.verify(bad, msg, pk),
        "wasm-crypto": () => wasmCrypto(bad, msg, pk),
      };
      for (const [name, run] of Object.entries(contenders)) {
        if (!run() || refuse[name]()) throw new Error(`ed25519 ${size} B: ${name} gives a wrong verdict; not benchmarking it`);
      }
      cases.push({ kind: "timed", name: `ed25519 verify ${size} B`, unit: "µs/op", baseline: "node", contenders });
    }
    return cases;
  },
};
