// SHA-256 and SHA-512 throughput: our wasm (through the host wrapper, copies included;
// full.wasm's unrolled rounds and partial.wasm's compact ones)
// against Node's native crypto and, for SHA-256, @chainsafe/as-sha256's one-shot
// `digest` (its streaming update is wrong off 64-byte boundaries, DESIGN.md section 3).
import { createHash, randomBytes } from "node:crypto";
import { digest as asSha256Digest } from "@chainsafe/as-sha256";
import "../../../host/wasm/embedded.ts";
import { CryptoCore } from "../../../host/wasm/crypto.ts";
import type { BenchCase, Suite } from "../harness.ts";

const MiB = 1 << 20;
const label = (bytes: number) => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Refuses to time an implementation that gives a wrong digest. */
function checkAgree(what: string, want: string, got: Record<string, Uint8Array>): void {
  for (const [name, digest] of Object.entries(got)) {
    if (hex(digest) !== want) throw new Error(`${what}: ${name} gives a wrong digest; not benchmarking it`);
  }
}

export const shaSuite: Suite = {
  name: "sha",
  cases({ quick }) {
    const crypto = new CryptoCore("full");
    const small = new CryptoCore("partial"); // the size-first compression functions
    const sizes = quick ? [64 * 1024, MiB] : [MiB, 64 * MiB];
    const cases: BenchCase[] = [];
    for (const size of sizes) {
      const data = randomBytes(size);
      const rounds = size > MiB ? (quick ? 2 : 7) : undefined;
      checkAgree(`sha256 ${label(size)}`, createHash("sha256").update(data).digest("hex"), {
        ours: crypto.sha256(data),
        "ours partial.wasm": small.sha256(data),
        "as-sha256": asSha256Digest(data),
      });
      cases.push({
        kind: "timed",
        name: `sha256 ${label(size)}`,
        unit: "MB/s",
        bytesPerRun: size,
        rounds,
        baseline: "as-sha256",
        contenders: {
          ours: () => crypto.sha256(data),
          "ours partial.wasm": () => small.sha256(data),
          node: () => createHash("sha256").update(data).digest(),
          "as-sha256": () => asSha256Digest(data),
        },
      });
      checkAgree(`sha512 ${label(size)}`, createHash("sha512").update(data).digest("hex"), {
        ours: crypto.sha512(data),
        "ours partial.wasm": small.sha512(data),
      });
      cases.push({
        kind: "timed",
        name: `sha512 ${label(size)}`,
        unit: "MB/s",
        bytesPerRun: size,
        rounds,
        baseline: "node",
        contenders: {
          ours: () => crypto.sha512(data),
          "ours partial.wasm": () => small.sha512(data),
          node: () => createHash("sha512").update(data).digest(),
        },
      });
    }
    return cases;
  },
};
