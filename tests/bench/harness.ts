// Benchmark harness: competing implementations measured side by side in one process.
//
// A suite returns cases. A timed case names its contenders and its baseline; the harness
// warms each contender up, sizes a batch so one sample lasts long enough to time, then
// runs rounds in which every contender takes one sample, in an order that rotates each
// round so that none always runs first (or last) after the others. Results are medians
// with the 10th and 90th percentiles over the samples, and each contender's ratio to the
// baseline: the median over rounds of the ratio of the two samples taken in that round. Value cases report a number that is not a time
// (sizes, memory pages). Nothing here asserts a time: benchmarks report, tests decide.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";

/** Units a timed case can report. MB/s and ops/s: higher is better; µs/op: lower is better. */
export type TimedUnit = "MB/s" | "ops/s" | "µs/op";

export interface TimedCase {
  kind: "timed";
  name: string;
  unit: TimedUnit;
  /** Bytes one run processes (needed for MB/s; MB = 10^6 bytes). */
  bytesPerRun?: number;
  /** Contender names in display order; the baseline must be one of them. A contender may be async. */
  contenders: Record<string, () => unknown>;
  baseline: string;
  /** Samples per contender (default 25, 5 with --quick). */
  rounds?: number;
}

export interface ValueCase {
  kind: "value";
  name: string;
  unit: string;
  measure: () => number | Promise<number>;
}

export type BenchCase = TimedCase | ValueCase;

export interface BenchOptions {
  /** Short CI smoke run: few samples, small inputs. */
  quick: boolean;
}

export interface Suite {
  name: string;
  cases(options: BenchOptions): BenchCase[] | Promise<BenchCase[]>;
}

/** One row of bench-results.json. */
export interface BenchResult {
  suite: string;
  name: string;
  unit: string;
  median: number;
  p10: number;
  p90: number;
  ratioToBaseline: number | null;
  baseline: string | null;
}

function percentile(sorted: number[], p: number): number {
  const i = (sorted.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

/** Seconds for `runs` calls; async contenders are awaited one call at a time. */
async function secondsOf(fn: () => unknown, runs: number, isAsync: boolean): Promise<number> {
  const start = process.hrtime.bigint();
  if (isAsync) for (let i = 0; i < runs; i++) await fn();
  else for (let i = 0; i < runs; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Converts seconds per run into the case's unit. */
function inUnit(c: TimedCase, secondsPerRun: number): number {
  if (c.unit === "MB/s") return (c.bytesPerRun ?? 0) / secondsPerRun / 1e6;
  if (c.unit === "ops/s") return 1 / secondsPerRun;
  return secondsPerRun * 1e6;
}

async function measureTimed(suite: string, c: TimedCase, options: BenchOptions): Promise<BenchResult[]> {
  const names = Object.keys(c.contenders);
  if (!names.includes(c.baseline)) throw new Error(`${suite}/${c.name}: baseline ${c.baseline} is not a contender`);
  if (c.unit === "MB/s" && !c.bytesPerRun) throw new Error(`${suite}/${c.name}: MB/s needs bytesPerRun`);
  const sampleSeconds = options.quick ? 0.005 : 0.05;
  const rounds = c.rounds ?? (options.quick ? 5 : 25);

  // Warm up (lets the JIT tier up) and size each contender's batch.
  const batch = new Map<string, number>();
  const isAsync = new Map<string, boolean>();
  for (const name of names) {
    const fn = c.contenders[name];
    const first = fn();
    isAsync.set(name, typeof (first as Promise<unknown> | undefined)?.then === "function");
    await first;
    let runs = 1;
    let t = await secondsOf(fn, runs, isAsync.get(name)!);
    while (t < sampleSeconds && runs < 1 << 20) {
      runs *= 2;
      t = await secondsOf(fn, runs, isAsync.get(name)!);
    }
    batch.set(name, runs);
  }

  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length];
      const runs = batch.get(name)!;
      samples.get(name)!.push(inUnit(c, (await secondsOf(c.contenders[name], runs, isAsync.get(name)!)) / runs));
    }
  }

  const stats = new Map(
    names.map((n) => {
      const s = [...samples.get(n)!].sort((a, b) => a - b);
      return [n, { median: percentile(s, 0.5), p10: percentile(s, 0.1), p90: percentile(s, 0.9) }];
    }),
  );
  // The ratio pairs samples taken in the same round (moments apart), so load that comes
  // and goes on a shared machine cancels out; its median over rounds is what we report.
  const base = samples.get(c.baseline)!;
  const pairedRatio = (n: string) => {
    const ratios = samples.get(n)!.map((v, r) => v / base[r]).sort((a, b) => a - b);
    return percentile(ratios, 0.5);
  };
  return names.map((n) => ({
    suite,
    name: `${c.name}: ${n}`,
    unit: c.unit,
    ...stats.get(n)!,
    ratioToBaseline: pairedRatio(n),
    baseline: `${c.name}: ${c.baseline}`,
  }));
}

function fmt(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

/** The results as a Markdown table (also what the README records). */
export function formatTable(results: BenchResult[]): string {
  const rows = [
    "| suite | benchmark | unit | median | p10 | p90 | ratio to baseline |",
    "|---|---|---|---:|---:|---:|---|",
  ];
  for (const r of results) {
    const ratio =
      r.ratioToBaseline === null
        ? ""
        : r.name === r.baseline
          ? "1 (baseline)"
          : `${r.ratioToBaseline.toFixed(2)}x ${r.baseline!.slice(r.baseline!.lastIndexOf(": ") + 2)}`;
    rows.push(`| ${r.suite} | ${r.name} | ${r.unit} | ${fmt(r.median)} | ${fmt(r.p10)} | ${fmt(r.p90)} | ${ratio} |`);
  }
  return rows.join("\n");
}

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

const USAGE = `usage: npm run bench -- [--quick] [--suite NAME]... [--class NAME]... [--out FILE]
  --class NAME   run only this ECU class of the classes suite (repeatable; tests/bench/classes.ts)
  --quick        short smoke run (few samples, small inputs); numbers are not meaningful
  --suite NAME   run only this suite (repeatable)
  --out FILE     where to write the JSON results (default bench-results.json)`;

/** Parses argv, runs the chosen suites, prints the table and writes the JSON file; `written` gets the results and the JSON path. */
export async function main(suites: Suite[], argv: string[], written?: (results: BenchResult[], jsonPath: string) => void): Promise<BenchResult[]> {
  const options: BenchOptions = { quick: false };
  const only: string[] = [];
  let out = "bench-results.json";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") options.quick = true;
    else if (a === "--suite" && argv[i + 1]) only.push(argv[++i]);
    else if (a === "--out" && argv[i + 1]) out = argv[++i];
    else if (a === "--help" || a === "-h") {
      console.log(`${USAGE}\nsuites: ${suites.map((s) => s.name).join(", ")}`);
      return [];
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  for (const name of only) {
    if (!suites.some((s) => s.name === name)) {
      throw new Error(`no suite named ${name}; suites: ${suites.map((s) => s.name).join(", ")}`);
    }
  }
  const chosen = only.length ? suites.filter((s) => only.includes(s.name)) : suites;

  if (options.quick) console.log("--quick: a smoke run with few samples; its numbers are not meaningful");
  const results: BenchResult[] = [];
  for (const suite of chosen) {
    const mine: BenchResult[] = [];
    for (const c of await suite.cases(options)) {
      if (c.kind === "timed") mine.push(...(await measureTimed(suite.name, c, options)));
      else {
        const v = await c.measure();
        mine.push({ suite: suite.name, name: c.name, unit: c.unit, median: v, p10: v, p90: v, ratioToBaseline: null, baseline: null });
      }
    }
    console.log(`\n${formatTable(mine)}`);
    results.push(...mine);
  }

  const cpus = os.cpus();
  const report = {
    commit: gitCommit(),
    node: process.version,
    machine: { cpu: cpus[0]?.model ?? "unknown", cores: cpus.length },
    date: new Date().toISOString(),
    quick: options.quick,
    results,
  };
  writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
  written?.(results, out);
  console.log(`\n${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.node}; results in ${out}`);
  return results;
}
