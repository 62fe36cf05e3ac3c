// Mutations of metadata documents for the fuzzer: byte-level (bit flips, truncation,
// splices, junk bytes) and structural (deep nesting, huge or non-integer numbers, odd
// unicode, duplicated keys, whitespace) at a random place in the document. All driven by
// one seeded generator, so a failure reproduces from its seed and index.

import { canonicalJson } from "../../model/canonical-json.ts";

/** mulberry32: small, fast, good enough to drive mutations reproducibly. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

export interface Mutant {
  bytes: Uint8Array;
  kind: string;
  /** The mutation only moved white space between tokens: the document must still verify. */
  mustVerify?: boolean;
}

const enc = new TextEncoder();
const PLACEHOLDER = "\u0001FUZZ\u0001";
const PLACEHOLDER_JSON = JSON.stringify(PLACEHOLDER);

// ---- byte level -----------------------------------------------------------------------

function bitFlips(rng: Rng, doc: Uint8Array): Mutant {
  const out = Uint8Array.from(doc);
  const n = 1 + rng.int(4);
  for (let i = 0; i < n; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8);
  return { bytes: out, kind: `bitflip x${n}` };
}

function truncate(rng: Rng, doc: Uint8Array): Mutant {
  return { bytes: doc.slice(0, rng.int(doc.length)), kind: "truncate" };
}

function splice(rng: Rng, doc: Uint8Array, other: Uint8Array): Mutant {
  const a = rng.int(doc.length);
  const b = rng.int(other.length);
  const out = new Uint8Array(a + other.length - b);
  out.set(doc.subarray(0, a));
  out.set(other.subarray(b), a);
  return { bytes: out, kind: "splice" };
}

function junkBytes(rng: Rng, doc: Uint8Array): Mutant {
  const junk = rng.pick([[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x00], [0xef, 0xbb, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0x80]]);
  const at = rng.int(doc.length + 1);
  const out = new Uint8Array(doc.length + junk.length);
  out.set(doc.subarray(0, at));
  out.set(junk, at);
  out.set(doc.subarray(at), at + junk.length);
  return { bytes: out, kind: `junk ${junk.map((b) => b.toString(16)).join(" ")}` };
}

// ---- structural -----------------------------------------------------------------------

type Path = Array<string | number>;

/** Every path to a value in the tree (the root itself excluded). */
function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) value.forEach((v, i) => (out.push([...prefix, i]), paths(v, [...prefix, i], out)));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push([...prefix, k]), paths(v, [...prefix, k], out);
  return out;
}

function objectPaths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (value && typeof value === "object" && !Array.isArray(value)) out.push(prefix);
  if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) objectPaths(v, [...prefix, Array.isArray(value) ? Number(k) : k], out);
  return out;
}

function getAt(root: unknown, path: Path): unknown {
  let cur = root as Record<string | number, unknown>;
  for (const p of path) cur = cur[p] as Record<string | number, unknown>;
  return cur;
}

function setAt(root: unknown, path: Path, value: unknown): void {
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = value;
}

/** Serialises `tree` with the placeholder replaced by raw JSON text (which may be invalid on purpose). */
function withRaw(tree: unknown, raw: string): Uint8Array {
  return enc.encode(JSON.stringify(tree).replace(PLACEHOLDER_JSON, () => raw));
}

const NUMBERS = [
  "1e400", "-1e400", "1.0", "1.5", "-0", "0.0", "1E2", "9007199254740992", "9007199254740993", "-9007199254740993",
  "123456789012345678901234567890", "00", "01", "+1", ".5", "0x10", "NaN", "Infinity", "1e-400", "2147483648", "4294967296", "-1",
];

const STRINGS = [
  '"\\ud800"', '"\\udc00x"', '"\\u0000"', '"a\\u0000b"', '"\\u2028\\u2029"', '"\\ud83d\\ude00"', '"\u00e9"', '"e\u0301"',
  '"\\u00e9"', '"\ufeff"', '"\uffff"', '"\\/"', '"\\b\\f\\n\\r\\t"', '"\\x41"', '"\\u12"', '"\\U0041"', '"\t"', '"\n"',
  '"' + "\u{10ffff}".repeat(3) + '"', '"..\\/..\\/etc\\/passwd"', '"' + "A".repeat(70000) + '"',
];

function deepNesting(rng: Rng, tree: unknown): Mutant {
  const depth = rng.pick([33, 64, 100, 1000, 100_000]);
  const open = rng.next() < 0.5 ? "[" : '{"a":';
  const close = open === "[" ? "]" : "}";
  const target = rng.pick(paths(tree));
  setAt(tree, target, PLACEHOLDER);
  return { bytes: withRaw(tree, open.repeat(depth) + "1" + close.repeat(depth)), kind: `nesting ${depth} at ${target.join(".")}` };
}

function oddNumber(rng: Rng, tree: unknown): Mutant {
  const all = paths(tree);
  const numeric = all.filter((p) => typeof getAt(tree, p) === "number");
  const target = rng.pick(numeric.length > 0 && rng.next() < 0.8 ? numeric : all);
  const raw = rng.pick(NUMBERS);
  setAt(tree, target, PLACEHOLDER);
  return { bytes: withRaw(tree, raw), kind: `number ${raw} at ${target.join(".")}` };
}

function oddString(rng: Rng, tree: unknown): Mutant {
  const all = paths(tree);
  const strings = all.filter((p) => typeof getAt(tree, p) === "string");
  const target = rng.pick(strings.length > 0 && rng.next() < 0.8 ? strings : all);
  const raw = rng.pick(STRINGS);
  setAt(tree, target, PLACEHOLDER);
  return { bytes: withRaw(tree, raw), kind: `string ${raw.slice(0, 20)} at ${target.join(".")}` };
}

/** Renames an object key to a look-alike (zero-width joiner, BOM, other case, cut short, NUL). */
function oddKey(rng: Rng, tree: unknown): Mutant {
  const objects = objectPaths(tree).filter((p) => Object.keys(getAt(tree, p) as object).length > 0);
  const at = rng.pick(objects);
  const obj = getAt(tree, at) as Record<string, unknown>;
  const key = rng.pick(Object.keys(obj));
  const variant = rng.pick([key + "\u200d", key.toUpperCase(), "\ufeff" + key, key.slice(0, -1), key + "\u0000"]);
  const rebuilt: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) rebuilt[k === key ? variant : k] = v;
  if (at.length === 0) return { bytes: enc.encode(JSON.stringify(rebuilt)), kind: `key ${JSON.stringify(variant)}` };
  setAt(tree, at, rebuilt);
  return { bytes: enc.encode(JSON.stringify(tree)), kind: `key ${JSON.stringify(variant)} at ${at.join(".")}` };
}

/** Adds a second occurrence of an existing key to an object, with the same or another value. */
function duplicateKey(rng: Rng, tree: unknown): Mutant {
  const objects = objectPaths(tree).filter((p) => Object.keys(getAt(tree, p) as object).length > 0);
  const at = rng.pick(objects);
  const obj = getAt(tree, at) as Record<string, unknown>;
  const key = rng.pick(Object.keys(obj));
  const same = rng.next() < 0.5;
  const dupValue = same ? obj[key] : rng.pick([0, 1, 999999, "x", null, true, [], {}]);
  const marker = "\u0002DUP\u0002";
  const rebuilt: Record<string, unknown> = rng.next() < 0.5 ? { [marker]: 0, ...obj } : { ...obj, [marker]: 0 };
  const text = (at.length === 0 ? JSON.stringify(rebuilt) : (setAt(tree, at, rebuilt), JSON.stringify(tree))).replace(
    `${JSON.stringify(marker)}:0`,
    () => `${JSON.stringify(key)}:${JSON.stringify(dupValue)}`,
  );
  return { bytes: enc.encode(text), kind: `duplicate key ${key} (${same ? "same" : "other"} value) at ${at.join(".")}` };
}

/** Only white space between tokens changes: canonically the same document. */
function whitespace(rng: Rng, tree: unknown): Mutant {
  const indent = rng.pick([1, 2, 4, "\t", " \r\n"]);
  let text = JSON.stringify(tree, null, indent);
  if (rng.next() < 0.5) text = rng.pick([" ", "\n", "\t", "\r\n"]) + text + rng.pick([" ", "\n", "\t\r\n"]);
  return { bytes: enc.encode(text), kind: `whitespace ${JSON.stringify(indent)}`, mustVerify: true };
}

/** Unicode escapes for plain ASCII letters inside strings: the same strings, other bytes (a verifier may accept or refuse them). */
function escapedLetters(rng: Rng, tree: unknown): Mutant {
  const escape = (c: string) => (c.length === 1 && rng.next() < 0.05 ? "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0") : c);
  // Only inside string literals, and never the letter of an existing escape (`\n`).
  const text = JSON.stringify(tree).replace(/"(?:[^"\\]|\\.)*"/g, (lit) => lit.replace(/\\.|[a-z]/g, escape));
  return { bytes: enc.encode(text), kind: "escaped letters" };
}

const STRUCTURAL = [deepNesting, oddNumber, oddNumber, oddString, oddString, oddKey, duplicateKey, duplicateKey, whitespace, escapedLetters];

const SIGNED_ONLY = [deepNesting, oddNumber, oddNumber, oddString, oddString, oddKey, duplicateKey];

/**
 * A structural mutant of the `signed` part of `doc`, signed again by `sign` when the
 * result still has a canonical form (so the module's checks after the signature run on
 * odd values); otherwise the original signatures stay.
 */
export function mutateResigned(rng: Rng, doc: Uint8Array, sign: (canonical: Uint8Array) => unknown[]): Mutant {
  const parsed = JSON.parse(Buffer.from(doc).toString("utf8"));
  const inner = rng.pick(SIGNED_ONLY)(rng, parsed.signed);
  const text = Buffer.from(inner.bytes).toString("utf8");
  let signatures = parsed.signatures;
  let resigned = false;
  try {
    signatures = sign(enc.encode(canonicalJson(JSON.parse(text))));
    resigned = true;
  } catch {
    // no canonical form (a float, a huge number, too deep for JSON.parse): keep the old signatures
  }
  const bytes = enc.encode(`{"signatures":${JSON.stringify(signatures)},"signed":${text}}`);
  return { bytes, kind: `${resigned ? "re-signed " : ""}${inner.kind}` };
}

/** One mutant of `doc`; `other` is a second document for splices. */
export function mutate(rng: Rng, doc: Uint8Array, other: Uint8Array): Mutant {
  const r = rng.next();
  if (r < 0.3) return bitFlips(rng, doc);
  if (r < 0.38) return truncate(rng, doc);
  if (r < 0.46) return splice(rng, doc, other);
  if (r < 0.52) return junkBytes(rng, doc);
  const tree = JSON.parse(Buffer.from(doc).toString("utf8"));
  return rng.pick(STRUCTURAL)(rng, tree);
}
