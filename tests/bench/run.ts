// `npm run bench [-- --quick] [-- --suite NAME]`: every benchmark suite, registered here
// one line each. See harness.ts for how measurements are taken.
import { main, type Suite } from "./harness.ts";
import { ed25519Suite } from "./suites/ed25519.ts";
import { modulesSuite } from "./suites/modules.ts";
import { shaSuite } from "./suites/sha.ts";
import { directorSuite } from "./suites/director.ts";

const suites: Suite[] = [
  shaSuite,
  ed25519Suite,
  modulesSuite,
  directorSuite,
];

try {
  await main(suites, process.argv.slice(2));
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
}
