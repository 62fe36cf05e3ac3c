// CI share of the mutation fuzzer (tests/fuzz/harness.ts): mutated metadata documents
// through both modules in batches; no trap, no acceptance of changed signed content.
// FUZZ_SEED reproduces a run; `npm run fuzz` runs many more.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildSlots, fuzz, hasDuplicateKeys } from "./harness.ts";

const BATCHES = 10;
const PER_BATCH = Number(process.env.FUZZ_PER_BATCH ?? 10_000);
const seed = Number(process.env.FUZZ_SEED ?? (Math.random() * 2 ** 32) >>> 0);
console.log(`fuzz: seed ${seed} (FUZZ_SEED=${seed} reproduces), ${BATCHES} batches of ${PER_BATCH}`);

test("the duplicate-key oracle sees repeats in signed at any depth and nothing else", () => {
  assert.ok(hasDuplicateKeys('{"signed":1,"signed":1}'));
  assert.ok(hasDuplicateKeys('{"signatures":[],"signed":{"x":[{"b":{"c":1,"d":2,"c":3}}]}}'));
  assert.not.ok(hasDuplicateKeys('{"signed":{"a":{"a":{"a":1}},"b":["a","a"]}}'));
  assert.not.ok(hasDuplicateKeys('{"signed":{"a\\"":1,"a":2}}'));
  assert.not.ok(hasDuplicateKeys('{"signatures":[{"keyid":"1","keyid":"2"}],"signed":{}}'), "outside signed");
});

const slots = buildSlots();
for (let b = 0; b < BATCHES; b++) {
  test(`mutated metadata batch ${b + 1}/${BATCHES}: no trap, no acceptance of changed signed content`, () => {
    const report = fuzz((seed + b) >>> 0, PER_BATCH, slots);
    const shown = report.findings.slice(0, 5).map((f) => `  seed ${f.seed} #${f.index} ${f.slot} [${f.kind}]: ${f.problem}`);
    assert.is(report.findings.length, 0, `${report.findings.length} findings:\n${shown.join("\n")}`);
    assert.is(report.documents, PER_BATCH);
  });
}

test.run();
