// `npm run bench:compare OLD.json NEW.json [--threshold PCT]`: what got slower or bigger
// between two bench-results.json files, for CI to flag. A timed row counts as changed only
// beyond the threshold (default 10%) and beyond the old run's own p10..p90 spread, so
// noise on a shared machine is not reported; sizes and memory pages count at any growth.
// Exit status: 0 nothing got worse, 1 something did, 2 bad usage or unreadable files.
import { readFileSync } from "node:fs";
import type { BenchResult } from "./harness.ts";

const HIGHER_IS_BETTER = new Set(["MB/s", "ops/s"]);
const TIMED = new Set(["MB/s", "ops/s", "µs/op", "ms", "s/op"]);
const EXACT = new Set(["bytes", "pages"]);

export interface Change {
  key: string;
  unit: string;
  old: number;
  new: number;
  /** Relative change in the "worse" direction (0.25 = 25% worse). */
  worse: number;
}

/** Rows that got worse from `before` to `after`. */
export function regressions(before: BenchResult[], after: BenchResult[], threshold: number): { worse: Change[]; better: Change[]; missing: string[] } {
  const key = (r: BenchResult) => `${r.suite} / ${r.name}`;
  const old = new Map(before.map((r) => [key(r), r]));
  const worse: Change[] = [];
  const better: Change[] = [];
  for (const r of after) {
    const o = old.get(key(r));
    old.delete(key(r));
    if (!o || o.unit !== r.unit || !(TIMED.has(r.unit) || EXACT.has(r.unit)) || o.median === 0) continue;
    const sign = HIGHER_IS_BETTER.has(r.unit) ? -1 : 1;
    const change = (sign * (r.median - o.median)) / o.median;
    const noise = TIMED.has(r.unit) ? Math.max(threshold, (o.p90 - o.p10) / o.median) : 0;
    const row = { key: key(r), unit: r.unit, old: o.median, new: r.median, worse: change };
    if (change > noise) worse.push(row);
    else if (change < -noise) better.push(row);
  }
  return { worse, better, missing: [...old.keys()] };
}

function load(path: string): BenchResult[] {
  const data = JSON.parse(readFileSync(path, "utf8")) as { results?: BenchResult[] };
  if (!Array.isArray(data.results)) throw new Error(`${path}: no "results" array (not a bench-results.json)`);
  return data.results;
}

function show(c: Change): string {
  return `  ${c.key}: ${c.old.toPrecision(4)} -> ${c.new.toPrecision(4)} ${c.unit} (${(c.worse * 100).toFixed(1)}% ${c.worse > 0 ? "worse" : "better"})`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  let threshold = 0.1;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--threshold" && args[i + 1]) threshold = Number(args[++i]) / 100;
    else files.push(args[i]!);
  }
  if (files.length !== 2 || !(threshold >= 0)) {
    console.error("usage: npm run bench:compare -- OLD.json NEW.json [--threshold PCT]");
    process.exit(2);
  }
  try {
    const { worse, better, missing } = regressions(load(files[0]!), load(files[1]!), threshold);
    if (better.length) console.log(`better:\n${better.map(show).join("\n")}`);
    if (missing.length) console.log(`not in the new run:\n${missing.map((m) => `  ${m}`).join("\n")}`);
    if (worse.length) {
      console.log(`WORSE beyond noise (threshold ${threshold * 100}% or the old spread):\n${worse.map(show).join("\n")}`);
      process.exit(1);
    }
    console.log("nothing got slower or bigger beyond noise");
  } catch (err) {
    console.error(`bench:compare: ${err instanceof Error ? err.message : err}`);
    process.exit(2);
  }
}
