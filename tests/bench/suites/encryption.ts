// Per-ECU image decryption on the ECU side (README "Per-ECU image encryption: the ECU
// side"): MB/s of ciphertext through the decrypting modules next to Node's native
// ChaCha20-Poly1305 opening the same 4096-byte chunks in the same run (the baseline), and
// the bytes decryption adds to each module. "image check" is the whole verifier path (copy
// in, open each chunk, SHA-256 and SHA-512 of the ciphertext and of the plaintext, copy the
// plaintext out); "AEAD only" opens the chunks alone, as Node does.
import { createDecipheriv, randomBytes } from "node:crypto";
import "../../../host/wasm/embedded.ts";
import { moduleBytes } from "../../../host/wasm/module.ts";
import { DecryptionCrypto } from "../../../host/wasm/crypto-enc.ts";
import { PartialVerifier, FullVerifier } from "../../../host/wasm/verifier.ts";
import { VehicleSim, imageBytes } from "../../sim/vehicle.ts";
import { canonicalForwarding } from "../../../host/wasm/canonical.ts";
import { METHOD_X25519, chunkNonce, x25519KeyPair } from "../../helpers/encrypt-image.ts";
import type { BenchCase, Suite } from "../harness.ts";

const MiB = 1 << 20;
const CT_CHUNK = 4096 + 16;

export const encryptionSuite: Suite = {
  name: "encryption",
  cases({ quick }) {
    const size = quick ? 256 * 1024 : 4 * MiB;
    const key = x25519KeyPair();
    const v = VehicleSim.standard();
    const name = "hw-brakes-2.0.bin";
    const plaintext = imageBytes(name, size);
    v.addImage({ name, bytes: plaintext, hardwareIds: ["hw-brakes"], releaseCounter: 2 });
    v.director.targets.get("targets")!.delete("hw-brakes-1.0.bin");
    const enc = v.assignEncrypted("brakes-002", name, { method: METHOD_X25519, publicKey: key.publicKey });
    const files = v.files();
    const partial = new PartialVerifier({ ...v.partialConfig("brakes-002"), module: "partial-enc" });
    const pr = partial.update({ rootRotations: files.director.rootRotations, targets: canonicalForwarding(files.director.targets) }, v.now + 60);
    const full = new FullVerifier({ ...v.fullConfig("brakes-002"), module: "full-enc" });
    const fr = full.update(files.director, files.image, v.now + 60);
    if (!pr.ok || !fr.ok) throw new Error(`encryption bench: verification failed (${pr.detail} / ${fr.detail})`);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < enc.ciphertext.length; i += CT_CHUNK) chunks.push(enc.ciphertext.subarray(i, i + CT_CHUNK));
    const imageCheck = (verifier: PartialVerifier | FullVerifier, target: NonNullable<typeof pr.target>) => () => {
      const check = verifier.decryptingImageCheck(target, key.privateKey);
      let n = 0;
      for (const c of chunks) for (const p of check.update(c)) n += p.length;
      const r = check.finish();
      if (!r.ok || n !== size) throw new Error(`decryption failed: ${r.detail}`);
    };
    const aeadOurs = new DecryptionCrypto("partial-enc");
    const aeadFull = new DecryptionCrypto("full-enc");
    const empty = new Uint8Array(0);
    const nonces = chunks.map((_, i) => chunkNonce(i, i === chunks.length - 1));
    const aead = (c: DecryptionCrypto) => () => {
      for (let i = 0; i < chunks.length; i++) if (c.chacha20Poly1305Open(enc.contentKey, nonces[i]!, empty, chunks[i]!).status !== "Valid") throw new Error("chunk refused");
    };
    const node = () => {
      for (let i = 0; i < chunks.length; i++) {
        const c = chunks[i]!;
        const d = createDecipheriv("chacha20-poly1305", enc.contentKey, nonces[i]!, { authTagLength: 16 });
        d.setAuthTag(c.subarray(c.length - 16));
        d.update(c.subarray(0, c.length - 16));
        d.final();
      }
    };
    // every contender must decrypt before it is timed
    imageCheck(partial, pr.target!)();
    imageCheck(full, fr.target!)();
    aead(aeadOurs)();
    node();
    void randomBytes;
    const cases: BenchCase[] = [
      {
        kind: "timed",
        name: `decrypt ${size / 1024} KiB image (4096-byte chunks)`,
        unit: "MB/s",
        bytesPerRun: enc.ciphertext.length,
        baseline: "node chacha20-poly1305",
        rounds: quick ? 3 : 9,
        contenders: {
          "ours image check, partial-enc.wasm": imageCheck(partial, pr.target!),
          "ours image check, full-enc.wasm": imageCheck(full, fr.target!),
          "ours AEAD only, partial-enc.wasm": aead(aeadOurs),
          "ours AEAD only, full-enc.wasm": aead(aeadFull),
          "node chacha20-poly1305": node,
        },
      },
      { kind: "value", name: "bytes decryption adds: full-enc.wasm - full.wasm", unit: "bytes", measure: () => moduleBytes("full-enc").length - moduleBytes("full").length },
      { kind: "value", name: "bytes decryption adds: partial-enc.wasm - partial.wasm", unit: "bytes", measure: () => moduleBytes("partial-enc").length - moduleBytes("partial").length },
    ];
    return cases;
  },
};
