// The module's strict JSON reader and canonical re-emission (full.wasm's test export):
// what it refuses, and that its canonical form is byte for byte what the backend signs.
import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../host/wasm/embedded.ts";
import { CoreInstance } from "../../host/wasm/module.ts";
import { canonicalJson } from "../../model/canonical-json.ts";
import { Capacity } from "../../build/abi.ts";
import { DETAILS } from "../../host/wasm/details.ts";

const core = new CoreInstance("full");
const x = core.exports as unknown as { canonicalize(p: number, l: number, o: number, c: number): number; parseErrorCode(): number; capacity(i: number): number };

function canon(bytes: Uint8Array | string): { ok: true; text: string } | { ok: false; why: string } {
  const b = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
  core.reset();
  const p = core.copyIn(b);
  const cap = b.length * 2 + 64;
  const out = core.scratch(cap);
  const n = x.canonicalize(p, b.length, out, cap);
  if (n < 0) return { ok: false, why: DETAILS[x.parseErrorCode()] ?? "?" };
  return { ok: true, text: Buffer.from(core.copyOut(out, n)).toString("utf8") };
}

function refused(input: string | Uint8Array, why: RegExp) {
  const r = canon(input);
  assert.is(r.ok, false, `accepted ${String(input).slice(0, 60)}`);
  if (!r.ok) assert.match(r.why, why);
}

test("the host's detail table has exactly the module's codes", () => {
  assert.is(DETAILS.length, x.capacity(Capacity.DetailCodes));
});

test("duplicate keys are refused, also when spelled with escapes", () => {
  refused('{"a":1,"a":2}', /duplicate key/);
  refused('{"signed":{"version":1,"version":2}}', /duplicate key/);
  refused('{"ab":1,"a\\u0062":2}', /duplicate key/);
});

test("floats, exponents, leading zeros and numbers beyond the safe integer range are refused", () => {
  refused('{"a":1.0}', /floats/);
  refused('{"a":1e3}', /floats/);
  refused('{"a":01}', /leading zero/);
  refused('{"a":9007199254740992}', /safe range/);
  refused('{"a":-9007199254740992}', /safe range/);
  refused('{"a":123456789012345678901234567890}', /safe range/);
  assert.equal(canon('{"a":9007199254740991,"b":-9007199254740991,"c":-0}'), { ok: true, text: '{"a":9007199254740991,"b":-9007199254740991,"c":0}' });
});

test("nesting deeper than the cap is refused without a trap; at the cap it parses", () => {
  refused("{\"a\":" + "[".repeat(40) + "]".repeat(40) + "}", /too deep/);
  refused("{\"a\":" + "[".repeat(100000), /too deep/);
  assert.is(canon("{\"a\":" + "[".repeat(31) + "]".repeat(31) + "}").ok, true);
});

test("invalid UTF-8, overlongs, encoded surrogates, lone surrogate escapes and raw control characters are refused", () => {
  const bad = [
    [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d],
    [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d],
    [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d],
    [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d],
  ];
  for (const b of bad) refused(new Uint8Array(b), /UTF-8|truncated/);
  refused('{"a":"\\ud800"}', /surrogate/);
  refused('{"a":"\\udc00x"}', /surrogate/);
  refused('{"a":"\\x"}', /escape/);
  refused('{"a":"tab\there"}', /control/);
});

test("every truncation of a document is refused, never a trap", () => {
  const doc = JSON.stringify({ signed: { _type: "root", keys: { k: { a: [1, 2, "x\u00e9\ud83d\ude00"] } }, t: true, f: false, n: null }, signatures: [] });
  for (let i = 0; i < doc.length; i++) assert.is(canon(doc.slice(0, i)).ok, false, `prefix ${i}`);
  assert.is(canon(doc).ok, true);
  refused(doc + "x", /after the document/);
  refused("[1]", /not an object/);
});

// Random documents: keys with unicode (incl. astral characters that sort differently by
// UTF-16 than by code point), escapes, nesting, pretty-printing.
function rand(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const ALPHABET = ["a", "b", "Z", "_", "0", "\"", "\\", "\n", "\u0001", "é", "\u00ff", "\ufb01", "\uffee", "\ud83d\ude00", "\u{10000}", " ", "/"];
function randString(r: () => number): string {
  let out = "";
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) out += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return out;
}
function randValue(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 4 ? 4 : 7));
  if (k === 0) return Math.floor((r() - 0.5) * 2 ** 53);
  if (k === 1) return randString(r);
  if (k === 2) return r() < 0.5;
  if (k === 3) return null;
  if (k === 4) return Array.from({ length: Math.floor(r() * 4) }, () => randValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) o[randString(r)] = randValue(r, depth + 1);
  return o;
}

test("canonical form equals model/canonical-json.ts for 500 random documents, pretty-printed or not", () => {
  const r = rand(7);
  for (let i = 0; i < 500; i++) {
    const doc = { v: randValue(r, 0), w: randValue(r, 0) } as Record<string, unknown>;
    const want = canonicalJson(doc);
    const text = i % 2 ? JSON.stringify(doc, null, 2) : JSON.stringify(doc);
    const got = canon(text);
    assert.equal(got, { ok: true, text: want }, `document ${i}`);
  }
});

test.run();
