// Runs every uvu test file under tests/ (TypeScript, loaded through tsx) in one process,
// then exits with uvu's status even if a test left a server or timer open, so CI never
// hangs on a leaked handle. Usage: node --import tsx scripts/test.mjs [dir] [pattern]
import { parse } from "uvu/parse";
import { run } from "uvu/run";

const [dir = "tests", pattern = "\\.test\\.ts$"] = process.argv.slice(2);
const LIMIT_MS = 40 * 60 * 1000;

const watchdog = setTimeout(() => {
  console.error(`tests still running after ${LIMIT_MS / 60000} minutes: stopping`);
  process.exit(1);
}, LIMIT_MS);
watchdog.unref();

const ctx = await parse(dir, new RegExp(pattern), {});
await run(ctx.suites, {});
process.exit(process.exitCode ?? 0);
