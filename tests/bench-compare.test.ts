// bench:compare flags what got slower or bigger beyond noise, and only that.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { regressions } from "./bench/compare.ts";
import type { BenchResult } from "./bench/harness.ts";

function row(name: string, unit: string, median: number, spread = 0): BenchResult {
  return { suite: "s", name, unit, median, p10: median * (1 - spread), p90: median * (1 + spread), ratioToBaseline: null, baseline: null };
}

test("a verification 50% slower is flagged, one 5% slower is noise", () => {
  const before = [row("slow", "µs/op", 100, 0.02), row("steady", "µs/op", 100, 0.02)];
  const after = [row("slow", "µs/op", 150), row("steady", "µs/op", 105)];
  const { worse } = regressions(before, after, 0.1);
  assert.equal(worse.map((c) => c.key), ["s / slow"]);
  assert.ok(Math.abs(worse[0]!.worse - 0.5) < 1e-9);
});

test("a throughput drop is worse, a throughput gain is better", () => {
  const { worse, better } = regressions([row("drop", "MB/s", 200), row("gain", "MB/s", 200)], [row("drop", "MB/s", 100), row("gain", "MB/s", 300)], 0.1);
  assert.equal(worse.map((c) => c.key), ["s / drop"]);
  assert.equal(better.map((c) => c.key), ["s / gain"]);
});

test("a change inside the old run's own spread is not flagged", () => {
  const { worse } = regressions([row("noisy", "µs/op", 100, 0.4)], [row("noisy", "µs/op", 130)], 0.1);
  assert.equal(worse, []);
});

test("a module that grew by one byte is flagged; sizes have no noise", () => {
  const { worse } = regressions([row("full.wasm size", "bytes", 48000)], [row("full.wasm size", "bytes", 48001)], 0.1);
  assert.is(worse.length, 1);
});

test("rows missing from the new run are listed, not silently dropped", () => {
  const { missing } = regressions([row("gone", "µs/op", 1)], [], 0.1);
  assert.equal(missing, ["s / gone"]);
});

test.run();
