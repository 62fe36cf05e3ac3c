// `uptane supplier import DIR BUNDLE`: verify a supplier's bundle completely, then publish it.
import type { Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { importBundle } from "../../backend/image/repository.ts";
import { requireBackend } from "./backend-dir.ts";
import { inputFile } from "./input-files.ts";

export const supplierImportCommand: Command = {
  name: "supplier import",
  summary: "verify a supplier's bundle and publish its roles and images",
  usage: [
    "uptane supplier import DIR BUNDLE [--json]",
    "",
    "Checks every role in BUNDLE against the delegation that names it (a threshold of valid",
    "signatures, version above the published one, not expired, every target within the",
    "delegated paths and hardware IDs, release counters not lowered, each image's length and",
    "hashes), and only then publishes the roles and images with new snapshot and timestamp",
    "metadata. A refused bundle changes nothing; the message says why. Exit status 1 when",
    "refused.",
  ].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR", "BUNDLE"],
  async run(parsed) {
    const [dir, bundle] = parsed.positional as [string, string];
    inputFile(bundle, "BUNDLE");
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const r = await importBundle(dir, bundle);
      return {
        data: { ...r },
        text: `Imported ${r.roles.map((x) => `${x.name} v${x.version} (${x.targets.length} target(s))`).join(", ")}; snapshot version ${r.snapshotVersion}`,
      };
    });
  },
};
