// `npm run bench [-- --quick] [-- --suite NAME] [-- --class NAME]`: every benchmark suite,
// registered here one line each. See harness.ts for how measurements are taken, and
// classes.ts for the ECU classes.
import { main, type Suite } from "./harness.ts";
import { ed25519Suite } from "./suites/ed25519.ts";
import { signaturesSuite } from "./suites/signatures.ts";
import { modulesSuite } from "./suites/modules.ts";
import { shaSuite } from "./suites/sha.ts";
import { directorSuite } from "./suites/director.ts";
import { directorEncryptionSuite } from "./suites/director-encryption.ts";
import { fleetSuite } from "./suites/fleet.ts";
import { ecuSuite } from "./suites/ecu.ts";
import { encryptionSuite } from "./suites/encryption.ts";
import { classesSuite, selectedClasses } from "./suites/classes.ts";
import { ecuClass } from "./classes.ts";
import { writeVerificationChart } from "./chart.ts";

const suites: Suite[] = [
  shaSuite,
  ed25519Suite,
  signaturesSuite,
  modulesSuite,
  directorSuite,
  directorEncryptionSuite,
  fleetSuite,
  classesSuite,
  ecuSuite,
  encryptionSuite,
];

try {
  // `--class NAME` picks ECU classes and implies `--suite classes`.
  const argv: string[] = [];
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--class" && args[i + 1]) selectedClasses.push(ecuClass(args[++i]!).name);
    else argv.push(args[i]!);
  }
  if (selectedClasses.length && !argv.includes("classes")) argv.push("--suite", "classes");
  await main(suites, argv, (results, jsonPath) => {
    const svgPath = jsonPath.replace(/\.json$/, "") + ".svg";
    if (writeVerificationChart(results, svgPath)) console.log(`chart in ${svgPath}`);
  });
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
}
