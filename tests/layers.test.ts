// The layers hold (README "Architecture"): the vehicle side (host/) and the backend
// (backend/) each import only the shared model (model/) and themselves, the model imports
// only itself, the verification cores (assembly/) nothing outside, and only app/ composes
// both sides. Reads every import and export-from statement (static, type-only and
// dynamic) with TypeScript's own pre-processor, so comments and strings cannot fool it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { join, posix, relative } from "node:path";
import ts from "typescript";

const ROOT = join(import.meta.dirname, "..");
const LAYERED = ["assembly", "model", "host", "backend", "app"] as const;
type Layer = (typeof LAYERED)[number];

/** Which top-level folders each layer may import from (a layer always may import itself). */
const MAY_IMPORT: Record<Layer, readonly string[]> = {
  assembly: [],
  // build/abi.ts: the outcome names and ABI numbers generated from assembly/ at build time
  // (README "Embedding: the module ABI"), so model/ and the modules cannot drift.
  model: ["build/abi.ts"],
  // build/ holds the module bytes the build embeds (generated from assembly/).
  host: ["model", "build"],
  backend: ["model"],
  // package.json: `uptane --version` prints its version.
  app: ["model", "host", "backend", "build", "package.json"],
};

/** Layers that may import npm packages (bare specifiers other than node: builtins). */
const MAY_USE_PACKAGES: ReadonlySet<Layer> = new Set(["backend", "app"]);

function layerOf(path: string): Layer | null {
  const top = path.split("/")[0];
  return (LAYERED as readonly string[]).includes(top!) ? (top as Layer) : null;
}

/** Every module specifier a TypeScript source names: import, import type, export from, import(). */
export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** One line per import that crosses a layer the wrong way: `file: imports "spec" (why)`. */
export function layerViolations(files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, source] of files) {
    const layer = layerOf(file);
    if (!layer) continue;
    for (const spec of importsOf(source)) {
      if (spec.startsWith(".")) {
        const target = posix.normalize(posix.join(posix.dirname(file), spec));
        const top = target.split("/")[0]!;
        const allowed = top === layer || MAY_IMPORT[layer].some((a) => a === top || a === target);
        if (target.startsWith("../") || target === "..") out.push(`${file}: imports "${spec}" (outside the repository)`);
        else if (!allowed) out.push(`${file}: imports "${spec}" (${layer}/ may import ${[layer, ...MAY_IMPORT[layer]].map((l) => (l.includes(".") ? l : `${l}/`)).join(", ")} only)`);
      } else if (layer === "assembly") {
        out.push(`${file}: imports "${spec}" (assembly/ imports nothing outside itself)`);
      } else if (!spec.startsWith("node:") && !MAY_USE_PACKAGES.has(layer)) {
        out.push(`${file}: imports package "${spec}" (${layer}/ uses no npm packages)`);
      }
    }
  }
  return out;
}

function sourcesUnder(dir: string, into: Map<string, string>): Map<string, string> {
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) sourcesUnder(path, into);
    else if (entry.name.endsWith(".ts")) into.set(relative(ROOT, join(ROOT, path)).split("\\").join("/"), readFileSync(join(ROOT, path), "utf8"));
  }
  return into;
}

test("no file of assembly/, model/, host/, backend/ or app/ imports across its layer", () => {
  const files = new Map<string, string>();
  for (const layer of LAYERED) sourcesUnder(layer, files);
  // The walk found the tree, so an empty result means something.
  for (const layer of LAYERED) assert.ok([...files.keys()].some((f) => f.startsWith(`${layer}/`)), `no .ts files found under ${layer}/`);
  const violations = layerViolations(files);
  assert.equal(violations, [], `imports across layers:\n${violations.join("\n")}`);
});

test("the vehicle side and the backend both import the shared model (the check reads real imports)", () => {
  const files = new Map<string, string>();
  for (const layer of ["host", "backend"] as const) sourcesUnder(layer, files);
  for (const layer of ["host", "backend"]) {
    const usesModel = [...files].some(([f, src]) => f.startsWith(`${layer}/`) && importsOf(src).some((s) => s.includes("/model/")));
    assert.ok(usesModel, `${layer}/ imports nothing from model/`);
  }
});

test("each kind of crossing is named with its file and its import", () => {
  const files = new Map([
    ["host/primary/a.ts", 'import type { X } from "../../backend/director/x.ts";\nexport { Y } from "../../app/cli/y.ts";'],
    ["host/ecu/b.ts", 'const m = await import("../../backend/serve.ts");\nimport "better-sqlite3";'],
    ["host/wasm/ok.ts", 'import { a } from "../../model/outcome.ts";\nimport { b } from "../can/bus.ts";\nimport { c } from "../../build/wasm-modules.ts";\nimport { d } from "node:crypto";\n// import { e } from "../../backend/x.ts";'],
    ["backend/image/c.ts", 'import { V } from "../../host/wasm/verifier.ts";\nimport { W } from "../../app/vehicle/w.ts";\nimport Database from "better-sqlite3";'],
    ["model/d.ts", 'import { k } from "../host/ecu/k.ts";\nimport { j } from "./keys.ts";\nimport { n } from "../build/abi.ts";\nimport { m } from "../build/wasm-modules.ts";'],
    ["assembly/e.ts", 'import { s } from "../model/x";\nimport { t } from "./util/encoding";'],
    ["app/cli/f.ts", 'import { s } from "../../backend/serve.ts";\nimport { p } from "../../host/primary/index.ts";'],
  ]);
  const got = layerViolations(files).map((v) => v.split(" (")[0]);
  assert.equal(got, [
    'host/primary/a.ts: imports "../../backend/director/x.ts"',
    'host/primary/a.ts: imports "../../app/cli/y.ts"',
    'host/ecu/b.ts: imports "../../backend/serve.ts"',
    'host/ecu/b.ts: imports package "better-sqlite3"',
    'backend/image/c.ts: imports "../../host/wasm/verifier.ts"',
    'backend/image/c.ts: imports "../../app/vehicle/w.ts"',
    'model/d.ts: imports "../host/ecu/k.ts"',
    'model/d.ts: imports "../build/wasm-modules.ts"',
    'assembly/e.ts: imports "../model/x"',
  ]);
});

test.run();
