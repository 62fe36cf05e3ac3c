// Runs every uvu test file under tests/ (TypeScript, loaded through tsx) in one process,
// then exits with uvu's status even if a test left a server or timer open, so CI never
// hangs on a leaked handle. Without arguments it then runs the inventory and Director tests
// once more with their inventory on PostgreSQL (UPTANE_TEST_INVENTORY=postgres, a throw-away
// cluster: tests/helpers/postgres.ts). Usage: node --import tsx scripts/test.mjs [dir] [pattern]
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parse } from "uvu/parse";
import { run } from "uvu/run";

const ON_BOTH_ENGINES = "^(director|inventory)/.*\\.test\\.ts$";

const [dir = "tests", pattern = "\\.test\\.ts$"] = process.argv.slice(2);
const LIMIT_MS = 40 * 60 * 1000;

const watchdog = setTimeout(() => {
  console.error(`tests still running after ${LIMIT_MS / 60000} minutes: stopping`);
  process.exit(1);
}, LIMIT_MS);
watchdog.unref();

const ctx = await parse(dir, new RegExp(pattern), {});
await run(ctx.suites, {});
let status = process.exitCode ?? 0;
if (process.argv.length <= 2 && !process.env.UPTANE_TEST_INVENTORY) {
  console.log("\n== the inventory and Director tests again, with the inventory on PostgreSQL");
  const again = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "tests", ON_BOTH_ENGINES], {
    stdio: "inherit",
    env: { ...process.env, UPTANE_TEST_INVENTORY: "postgres" },
  });
  if (again.status !== 0) status = 1;
}
process.exit(status);
