// Mutated metadata through both modules (a CI-sized batch): never a trap, and never
// Ok for a document whose signed content changed. Mutations: bit flips, byte
// insertions and deletions, truncation, splices of other documents, deep nesting, huge
// numbers, odd unicode.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VehicleSim } from "../sim/vehicle.ts";
import "../../host/wasm/embedded.ts";
import { FullVerifier, PartialVerifier } from "../../host/wasm/verifier.ts";
import { canonicalJson } from "../../model/canonical-json.ts";

function rand(seed: number) {
  let s = seed >>> 0;
  return (n: number) => Math.floor(((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * n);
}

const INSERTS = ["[".repeat(40), "9007199254740993", "1.5", "-0", "\"\\ud800\"", "\u00e9", "\ud83d\ude00", "\\u0000", "{}", "null", ",", "\"", "\xff"];

function mutate(doc: Uint8Array, other: Uint8Array, r: (n: number) => number): Uint8Array {
  const b = Buffer.from(doc);
  switch (r(6)) {
    case 0: {
      const out = Buffer.from(b);
      for (let k = 0, n = 1 + r(3); k < n; k++) out[r(out.length)] ^= 1 << r(8);
      return out;
    }
    case 1:
      return b.subarray(0, r(b.length));
    case 2: {
      const at = r(b.length);
      return Buffer.concat([b.subarray(0, at), Buffer.from(INSERTS[r(INSERTS.length)]), b.subarray(at)]);
    }
    case 3: {
      const at = r(b.length);
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + r(8))]);
    }
    case 4: {
      const at = r(b.length);
      const from = r(other.length);
      return Buffer.concat([b.subarray(0, at), Buffer.from(other).subarray(from, from + r(200)), b.subarray(at + r(50))]);
    }
    default: {
      // replace a digit run with a huge or odd number
      const text = b.toString("latin1");
      const m = [...text.matchAll(/\d+/g)];
      if (m.length === 0) return b;
      const pick = m[r(m.length)];
      const rep = ["99999999999999999999", "0", "-1", "1e9", "4294967297"][r(5)];
      return Buffer.from(text.slice(0, pick.index) + rep + text.slice(pick.index! + pick[0].length), "latin1");
    }
  }
}

function signedOf(bytes: Uint8Array): string | null {
  try {
    return canonicalJson(JSON.parse(Buffer.from(bytes).toString("utf8")).signed);
  } catch {
    return null;
  }
}

test("2,000 mutated Director targets through partial.wasm: no trap, no acceptance of changed signed content", () => {
  const v = VehicleSim.standard();
  const serial = v.ecus[1].serial;
  const f = v.files();
  const original = signedOf(f.director.targets);
  const r = rand(11);
  const pv = new PartialVerifier(v.partialConfig(serial));
  for (let i = 0; i < 2000; i++) {
    const m = mutate(f.director.targets, f.image.targets, r);
    const res = pv.update({ rootRotations: [], targets: m }, v.now);
    if (res.ok) assert.is(signedOf(m), original, `mutation ${i} accepted with other content`);
  }
});

test("1,000 mutated documents of every role through full.wasm: no trap, no acceptance of changed signed content", () => {
  const v = VehicleSim.standard();
  const f = v.files();
  const r = rand(23);
  const roles = ["timestamp", "snapshot", "targets"] as const;
  for (let i = 0; i < 1000; i++) {
    const fv = new FullVerifier(v.fullConfig());
    const repo = r(2) === 0 ? "director" : "image";
    const role = roles[r(3)];
    const files = { director: { ...f.director }, image: { ...f.image } };
    const m = mutate(files[repo][role], f.director.snapshot, r);
    files[repo] = { ...files[repo], [role]: m };
    const res = fv.update(files.director, files.image, v.now);
    if (res.ok) assert.is(signedOf(m), signedOf(f[repo][role]), `mutation ${i} of ${repo} ${role} accepted with other content`);
  }
});

test.run();
