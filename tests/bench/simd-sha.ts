// What the SIMD block load bought SHA-256 and SHA-512 in V8, to decide whether Node
// deserves a second, SIMD build of the modules (README "Embedding: portable modules").
// Commit d69b3e4 replaced the SIMD byte shuffle that read each block's words with scalar
// loads; this builds the modules twice in a temporary folder from today's assembly/, once
// as it is and once with the SHA files of d69b3e4^ (SIMD enabled), and times the digest
// inside the modules (no host copies) side by side with the bench harness.
// Run: node --import tsx tests/bench/simd-sha.ts [--quick] [--out FILE]  (needs git history)
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { main, type BenchCase, type Suite } from "./harness.ts";

const SIMD_COMMIT = "d69b3e4^";
const SHA_FILES = ["assembly/crypto/sha256.ts", "assembly/crypto/sha512.ts"];
const MiB = 1 << 20;

type Kind = "full" | "partial";
type Bytes = Uint8Array<ArrayBuffer>;
interface Raw {
  alloc(len: number): number;
  reset(): void;
  sha256Digest(p: number, l: number, o: number): number;
  sha512Digest(p: number, l: number, o: number): number;
}

/** Builds full.wasm and partial.wasm from `assembly/` in `dir` with asconfig.json's targets plus `extra` flags. */
function build(dir: string, extra: string[]): Record<Kind, Bytes> {
  const asc = join(process.cwd(), "node_modules/.bin/asc");
  const out = {} as Record<Kind, Bytes>;
  for (const kind of ["full", "partial"] as const) {
    execFileSync(asc, [`assembly/${kind}.ts`, "--target", kind, "--outFile", `out/${kind}.wasm`, "--textFile", `out/${kind}.wat`, ...extra], { cwd: dir, stdio: "inherit" });
    out[kind] = new Uint8Array(readFileSync(join(dir, `out/${kind}.wasm`)));
  }
  return out;
}

function instantiate(bytes: Bytes): { x: Raw; memory: WebAssembly.Memory } {
  const mod = new WebAssembly.Module(bytes);
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 64 });
  const env = { memory, abort: () => { throw new Error("wasm abort"); } };
  return { x: new WebAssembly.Instance(mod, { env }).exports as unknown as Raw, memory };
}

/** A digest function over `data` held in the module's memory, checked against Node first. */
function digester(bytes: Bytes, alg: "sha256" | "sha512", data: Uint8Array): () => void {
  const { x, memory } = instantiate(bytes);
  x.reset();
  const ptr = x.alloc(data.length);
  const out = x.alloc(64);
  if (!ptr || !out) throw new Error("module cannot hold the input");
  new Uint8Array(memory.buffer, ptr, data.length).set(data);
  const fn = alg === "sha256" ? x.sha256Digest : x.sha512Digest;
  const n = alg === "sha256" ? 32 : 64;
  fn(ptr, data.length, out);
  const got = Buffer.from(memory.buffer, out, n).toString("hex");
  if (got !== createHash(alg).update(data).digest("hex")) throw new Error(`${alg}: wrong digest; not timing it`);
  return () => fn(ptr, data.length, out);
}

const dir = mkdtempSync(join(tmpdir(), "uptane-simd-"));
try {
  cpSync("assembly", join(dir, "assembly"), { recursive: true });
  cpSync("asconfig.json", join(dir, "asconfig.json"));
  const scalar = build(dir, []);
  for (const f of SHA_FILES) writeFileSync(join(dir, f), execFileSync("git", ["show", `${SIMD_COMMIT}:${f}`]));
  const simd = build(dir, ["--enable", "simd"]);

  const suite: Suite = {
    name: "simd-sha",
    cases({ quick }) {
      const data = randomBytes(quick ? 64 * 1024 : MiB);
      const cases: BenchCase[] = [];
      for (const kind of ["full", "partial"] as const) {
        for (const alg of ["sha256", "sha512"] as const) {
          cases.push({
            kind: "timed",
            name: `${alg} ${data.length / 1024} KiB in ${kind}.wasm`,
            unit: "MB/s",
            bytesPerRun: data.length,
            baseline: "scalar loads",
            contenders: { "scalar loads": digester(scalar[kind], alg, data), "SIMD load (d69b3e4^)": digester(simd[kind], alg, data) },
          });
        }
      }
      return cases;
    },
  };
  await main([suite], process.argv.slice(2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
