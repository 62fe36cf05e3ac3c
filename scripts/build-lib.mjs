// Builds the library half of the package (README "Embedding"): ESM JavaScript and .d.ts
// for the four entries of package.json `exports` into dist/lib/ (tsc, tsconfig.build.json,
// which rewrites the sources' .ts import extensions), and the release modules as
// dist/full.wasm, dist/partial.wasm, dist/partial-p256.wasm, dist/full-enc.wasm and dist/partial-enc.wasm. dist/lib/ is made afresh so a moved source leaves
// nothing stale behind to be packed.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

rmSync("dist/lib", { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
mkdirSync("dist", { recursive: true });
for (const name of ["full", "partial", "partial-p256", "full-enc", "partial-enc"]) copyFileSync(`build/${name}.wasm`, `dist/${name}.wasm`);
