// `uptane image add DIR FILE --name NAME --hardware-id HW ... [--release-counter N]`
import { optionInt, optionValue, UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { addImage } from "../../backend/image/repository.ts";
import { basename } from "node:path";
import { ProgressBars } from "../vehicle/progress.ts";
import { requireBackend } from "./backend-dir.ts";
import { inputFile } from "./input-files.ts";

export const imageAddCommand: Command = {
  name: "image add",
  summary: "add an image to the Image repository and publish new metadata",
  usage: [
    "uptane image add DIR FILE --name NAME --hardware-id HW [--hardware-id HW2 ...] [--release-counter N] [--json]",
    "",
    "Stores FILE as targets/HASH.NAME (SHA-256 and SHA-512), lists it in the top-level targets",
    "(signed with the offline targets key) and publishes new snapshot and timestamp metadata.",
    "NAME is a relative path of letters, digits and ._+~@=,- segments. The release counter",
    "defaults to 0 for a new name and to the published one when NAME is replaced; it may",
    "never decrease. On a terminal, progress bars on standard error show the file being hashed",
    "and its stored copy being checked.",
  ].join("\n"),
  options: { values: { name: {}, "hardware-id": { repeat: true }, "release-counter": {} }, flags: ["json"] },
  positionals: ["DIR", "FILE"],
  async run(parsed) {
    const [dir, file] = parsed.positional as [string, string];
    const name = optionValue(parsed, "name");
    const hardwareIds = parsed.values["hardware-id"] ?? [];
    if (hardwareIds.length === 0) throw new UsageError("--hardware-id is required");
    const releaseCounter = parsed.values["release-counter"] ? optionInt(parsed, "release-counter") : undefined;
    inputFile(file, "FILE");
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      // Bars on a terminal only (stderr): large images take a while to hash and check.
      const bars = new ProgressBars();
      const label = basename(file);
      const r = await addImage(dir, file, { name, hardwareIds, releaseCounter, onProgress: (e) => bars.listener({ kind: e.phase, label, done: e.done, total: e.total }) }).finally(() => bars.end());
      return {
        data: { ...r },
        text: `Added ${r.name} (${r.length} bytes, sha256 ${r.hashes.sha256}) for ${r.custom.hardwareIds.join(", ")}, release counter ${r.custom.releaseCounter}; targets version ${r.targetsVersion}`,
      };
    });
  },
};
