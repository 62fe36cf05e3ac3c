// A second engine that is not V8: wabt's interpreter (`spectest-interp`, Debian's wabt)
// runs build/partial.wasm from a generated .wast script, with SIMD, reference types and
// multi-value disabled. An `env` module supplies the memory the module imports and holds
// the inputs as data segments above the module's static data; assert_return checks the
// SHA-256/512 digests against node:crypto, an Ed25519 verify (valid and tampered), and a
// partial verification (Ok, then the same document with its signature changed) against
// the verdicts of the Node host.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OUTCOMES } from "../model/outcome.ts";
import { Repo } from "../build/abi.ts";
import { PartialVerifier } from "../host/wasm/verifier.ts";
import { canonicalForwarding } from "../host/wasm/canonical.ts";
import { AT } from "./attacks/partial-rows.ts";
import { VehicleSim } from "./sim/vehicle.ts";

const ROOT = join(import.meta.dirname, "..");
const base = mkdtempSync(join(tmpdir(), "uptane-wabt-interp-"));
const FEATURES = ["--disable-simd", "--disable-reference-types", "--disable-multi-value"];
/** Inputs live from page 3 on: above the module's static data and its arena's reach here. */
const INPUT_BASE = 3 * 65536;
const PAGES = 8;

/** Lays byte strings out in the env memory and names their addresses. */
class Inputs {
  private next = INPUT_BASE;
  readonly segments: string[] = [];
  put(bytes: Uint8Array): { ptr: number; len: number } {
    const ptr = this.next;
    this.segments.push(`(data (i32.const ${ptr}) "${wastString(bytes)}")`);
    this.next += (bytes.length + 15) & ~15;
    return { ptr, len: bytes.length };
  }
  /** Room for an output, zero-filled. */
  room(len: number): number {
    const ptr = this.next;
    this.next += (len + 15) & ~15;
    return ptr;
  }
}

function wastString(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += "\\" + b.toString(16).padStart(2, "0");
  return s;
}

const i32 = (n: number) => `(i32.const ${n | 0})`;
const call = (name: string, ...args: string[]) => `(invoke $partial "${name}" ${args.join(" ")})`;
const returns = (invoke: string, result: string) => `(assert_return ${invoke} ${result})`;

/** assert_returns that the digest at `out` equals `digest`, one i64 word at a time. */
function digestAt(out: number, digest: Buffer): string[] {
  const lines: string[] = [];
  for (let i = 0; i < digest.length; i += 8) {
    lines.push(returns(`(invoke $env "load64" ${i32(out + i)})`, `(i64.const ${digest.readBigInt64LE(i)})`));
  }
  return lines;
}

/** Runs a script; returns wabt's "N/M tests passed." counts (the two module commands count too). */
function runWast(name: string, script: string): { passed: number; total: number; out: string } {
  const wast = join(base, `${name}.wast`);
  const json = join(base, `${name}.json`);
  writeFileSync(wast, script);
  const conv = spawnSync("wast2json", [...FEATURES, wast, "-o", json], { encoding: "utf8" });
  assert.is(conv.status, 0, conv.stderr);
  const r = spawnSync("spectest-interp", [...FEATURES, json], { encoding: "utf8", cwd: base });
  const out = r.stdout + r.stderr;
  const m = /(\d+)\/(\d+) tests passed/.exec(out);
  assert.ok(m, out);
  assert.is(r.status, 0, out);
  return { passed: Number(m![1]), total: Number(m![2]), out };
}

function script(inputs: Inputs, asserts: string[]): string {
  const wasm = readFileSync(join(ROOT, "build", "partial.wasm"));
  return [
    `(module $env`,
    `  (memory (export "memory") ${PAGES})`,
    `  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))`,
    ...inputs.segments.map((s) => `  ${s}`),
    `)`,
    `(register "env" $env)`,
    `(module $partial binary "${wastString(wasm)}")`,
    ...asserts,
  ].join("\n");
}

test("wabt interpreter: partial.wasm's SHA-256/512 equal node:crypto and its Ed25519 verify accepts a valid signature and rejects a tampered one", () => {
  const inputs = new Inputs();
  const asserts: string[] = [];
  for (const n of [0, 3, 64, 200, 1000]) {
    const msg = randomBytes(n);
    const m = inputs.put(msg);
    const out256 = inputs.room(32);
    const out512 = inputs.room(64);
    asserts.push(returns(call("sha256Digest", i32(m.ptr), i32(m.len), i32(out256)), i32(0)));
    asserts.push(...digestAt(out256, createHash("sha256").update(msg).digest()));
    asserts.push(returns(call("sha512Digest", i32(m.ptr), i32(m.len), i32(out512)), i32(0)));
    asserts.push(...digestAt(out512, createHash("sha512").update(msg).digest()));
  }
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pk = inputs.put(new Uint8Array(Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url")));
  const msg = randomBytes(300);
  const sig = sign(null, msg, privateKey);
  const s = inputs.put(sig);
  const good = inputs.put(msg);
  const bad = Buffer.from(msg);
  bad[17] ^= 0x40;
  const tampered = inputs.put(bad);
  asserts.push(returns(call("ed25519VerifyBytes", i32(pk.ptr), i32(32), i32(s.ptr), i32(64), i32(good.ptr), i32(good.len)), i32(0))); // Valid
  asserts.push(returns(call("ed25519VerifyBytes", i32(pk.ptr), i32(32), i32(s.ptr), i32(64), i32(tampered.ptr), i32(tampered.len)), i32(1))); // Invalid
  asserts.push(returns(call("ed25519VerifyBytes", i32(pk.ptr), i32(31), i32(s.ptr), i32(64), i32(good.ptr), i32(good.len)), i32(2))); // BadLength
  const r = runWast("crypto", script(inputs, asserts));
  assert.is(r.total, asserts.length + 2, r.out);
  assert.is(r.passed, r.total, r.out);
});

test("wabt interpreter: a partial verification gives Ok, then UnmetThreshold for the same targets with a changed signature, as the Node host does", () => {
  const v = VehicleSim.standard();
  const serial = v.primary.serial;
  const now = AT(v);
  const root = v.director.root(1);
  const targets = canonicalForwarding(v.director.files(1).targets); // as a Primary forwards it
  // One hex digit of the signature changed: still valid JSON, no longer a valid signature.
  const text = Buffer.from(targets).toString("utf8");
  const at = text.indexOf('"sig":"') + 7;
  const forged = Buffer.from(text.slice(0, at) + (text[at] === "0" ? "1" : "0") + text.slice(at + 1), "utf8");

  const node = new PartialVerifier({ directorRoot: root, ecu: { serial, hardwareId: v.ecu(serial).hardwareId, installedReleaseCounter: 0 } });
  const verdicts = [node.update({ rootRotations: [], targets }, now).outcome, node.update({ rootRotations: [], targets: forged }, now).outcome];
  assert.equal(verdicts, ["Ok", "UnmetThreshold"]);

  const inputs = new Inputs();
  const json = (s: string) => inputs.put(Buffer.from(JSON.stringify(s).slice(1, -1), "utf8"));
  const ser = json(serial);
  const hw = json(v.ecu(serial).hardwareId);
  const vin = inputs.put(new Uint8Array(1));
  const r = inputs.put(root);
  const t = inputs.put(targets);
  const f = inputs.put(forged);
  const code = (name: string) => i32(OUTCOMES.indexOf(name as (typeof OUTCOMES)[number]));
  const asserts = [
    returns(call("configure", i32(ser.ptr), i32(ser.len), i32(hw.ptr), i32(hw.len), i32(vin.ptr), i32(0)), i32(0)),
    returns(call("loadRoot", i32(Repo.Director), i32(r.ptr), i32(r.len)), code("Ok")),
  ];
  for (const [doc, verdict] of [[t, verdicts[0]], [f, verdicts[1]]] as const) {
    asserts.push(returns(call("cycleBegin", i32(now % 2 ** 32), i32(Math.floor(now / 2 ** 32))), i32(0)));
    asserts.push(returns(call("rootFinish", i32(Repo.Director)), code("Ok")));
    asserts.push(returns(call("partialTargets", i32(doc.ptr), i32(doc.len)), code(verdict)));
  }
  const res = runWast("partial", script(inputs, asserts));
  assert.is(res.total, asserts.length + 2, res.out);
  assert.is(res.passed, res.total, res.out);
});

test.after(() => rmSync(base, { recursive: true, force: true }));

test.run();
