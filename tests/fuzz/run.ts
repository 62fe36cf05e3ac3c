// `npm run fuzz [-- COUNT [SEED]]`: the long run of the mutation fuzzer. Prints progress
// per batch and writes each finding's bytes to fuzz-findings/ so it can be replayed.
import { mkdirSync, writeFileSync } from "node:fs";
import { buildSlots, fuzz } from "./harness.ts";

const total = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? (Math.random() * 2 ** 32) >>> 0);
const batch = 10_000;
console.log(`fuzz: ${total} documents from seed ${seed} (npm run fuzz -- ${total} ${seed} reproduces)`);
const slots = buildSlots();
let done = 0;
let findings = 0;
const outcomes = new Map<string, number>();
for (let b = 0; done < total; b++) {
  const report = fuzz((seed + b) >>> 0, Math.min(batch, total - done), slots);
  done += report.documents;
  for (const [k, n] of report.byOutcome) outcomes.set(k, (outcomes.get(k) ?? 0) + n);
  for (const f of report.findings) {
    mkdirSync("fuzz-findings", { recursive: true });
    const file = `fuzz-findings/${f.seed}-${f.index}.json`;
    writeFileSync(file, f.bytes);
    console.log(`FINDING seed ${f.seed} #${f.index} ${f.slot} [${f.kind}]: ${f.problem} -> ${file}`);
    findings++;
  }
  console.log(`batch ${b + 1}: ${done}/${total} documents, ${findings} findings`);
}
console.log(`outcomes: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(", ")}`);
process.exitCode = findings > 0 ? 1 : 0;
