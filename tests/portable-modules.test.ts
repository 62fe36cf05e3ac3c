// The modules ECUs embed need only WebAssembly 1.0 plus bulk memory, and no floating
// point (README "Embedding: portable modules"): engines such as wasm3, WAMR's classic
// interpreter and wasm2c on a Cortex-M4 without an FPU take them as they are. Checked on
// the bytes the host embeds (what ships), with Debian wabt's validator and disassembler.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "../host/wasm/embedded.ts";
import { moduleBytes } from "../host/wasm/module.ts";

const KINDS = ["full", "partial", "partial-p256", "full-enc", "partial-enc"] as const;

/**
 * Every post-1.0 feature wabt 1.0.32 turns on by default is off here, except bulk memory
 * (memory.copy / memory.fill); the rest (threads, exceptions, tail calls, GC, memory64,
 * ...) are off unless enabled.
 */
const ONLY_MVP_AND_BULK_MEMORY = [
  "--disable-simd",
  "--disable-saturating-float-to-int",
  "--disable-sign-extension",
  "--disable-mutable-globals",
  "--disable-multi-value",
  "--disable-reference-types",
];

function withModuleFile<T>(kind: (typeof KINDS)[number], body: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "uptane-portable-"));
  try {
    const path = join(dir, `${kind}.wasm`);
    writeFileSync(path, moduleBytes(kind));
    return body(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** wabt's output and exit status, without throwing (the test asserts on them). */
function wabt(tool: string, args: string[]): { status: number; out: string } {
  try {
    return { status: 0, out: execFileSync(tool, args, { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"] }) };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { status: err.status ?? -1, out: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

test("the embedded modules are the release builds in build/", () => {
  for (const kind of KINDS) assert.ok(Buffer.from(moduleBytes(kind)).equals(readFileSync(`build/${kind}.wasm`)), `${kind}.wasm`);
});

test("wasm-validate accepts every module with SIMD, saturating float-to-int, sign extension, mutable globals, multi-value and reference types disabled", () => {
  for (const kind of KINDS) {
    const r = withModuleFile(kind, (path) => wabt("wasm-validate", [...ONLY_MVP_AND_BULK_MEMORY, path]));
    assert.is(r.status, 0, `${kind}.wasm: ${r.out}`);
  }
});

test("the validator would catch a feature we do not allow: bulk memory disabled refuses every module", () => {
  // proves the flags reach the validator: the modules do use memory.copy / memory.fill
  for (const kind of KINDS) {
    const r = withModuleFile(kind, (path) => wabt("wasm-validate", [...ONLY_MVP_AND_BULK_MEMORY, "--disable-bulk-memory", path]));
    assert.is.not(r.status, 0, `${kind}.wasm passed without bulk memory`);
  }
});

test("no floating-point or vector type or instruction anywhere in either module", () => {
  for (const kind of KINDS) {
    const wat = withModuleFile(kind, (path) => wabt("wasm2wat", [...ONLY_MVP_AND_BULK_MEMORY, path]));
    assert.is(wat.status, 0, `${kind}.wasm: ${wat.out}`);
    // strings (data segments, names) are bytes, not code: drop them before looking
    const code = wat.out.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    assert.ok(/\bi32\.load\b/.test(code), "the disassembly is code");
    const lines = code.split("\n").filter((l) => /f32|f64|v128|[if](8x16|16x8|32x4|64x2)/.test(l));
    assert.equal(lines.slice(0, 5).map((l) => l.trim()), [], `${kind}.wasm uses floating point or SIMD (${lines.length} lines)`);
  }
});

test.run();
