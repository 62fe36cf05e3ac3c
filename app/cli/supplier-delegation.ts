// `uptane supplier delegation WORK --from FILE`: the supplier folder records the paths and
// hardware IDs delegated to its role, so its own `delegate` and `sign` stay within them.
import { optionValue, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { recordSupplierDelegation } from "../../backend/supplier/workdir.ts";
import { requireSupplierFolder } from "./backend-dir.ts";
import { inputFile } from "./input-files.ts";

export const supplierDelegationCommand: Command = {
  name: "supplier delegation",
  summary: "record the paths and hardware IDs delegated to a supplier's role",
  usage: [
    "uptane supplier delegation WORK --from FILE [--json]",
    "",
    "FILE is the delegating role's signed metadata: the OEM's current N.targets.json (the",
    "Image repository's /image/N.targets.json) for a tier-1 supplier, or the bundle of the",
    "tier-1 supplier above for a tier-2 one. The delegation to WORK's role that lists WORK's",
    "key is recorded in WORK/delegation.json (again after the OEM changes it). From then on",
    "`uptane delegate WORK` refuses paths or hardware IDs beyond it, and `uptane supplier sign`",
    "refuses an image outside it; `uptane delegate WORK` needs the record.",
  ].join("\n"),
  options: { values: { from: {} }, flags: ["json"] },
  positionals: ["WORK"],
  async run(parsed) {
    const file = inputFile(optionValue(parsed, "from"), "--from");
    return runReporting(parsed.flags.has("json"), async () => {
      const work = parsed.positional[0]!;
      await requireSupplierFolder(work);
      const { record, outside } = await recordSupplierDelegation(work, file);
      const hw = record.hardwareIds ? `, hardware ${record.hardwareIds.join(", ")}` : "";
      return {
        data: { delegation: record, outside },
        text: [`Recorded: '${record.delegator}' version ${record.version} delegates ${record.paths.join(", ")}${hw}`, ...outside.map((o) => `WARNING ${o}; the next supplier sign refuses it`)].join("\n"),
      };
    });
  },
};
