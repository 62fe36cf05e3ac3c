// `uptane supplier approve DIR ID --expect-sha256 HEX`: the out-of-band hash check, then `supplier import`'s checks and publication.
import { optionValue, UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { approveSubmission } from "../../backend/supplier-portal/submissions.ts";

export function submissionId(raw: string): number {
  if (!/^[1-9]\d{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`ID must be a submission number, got '${raw}'`);
  return Number(raw);
}

export const supplierApproveCommand: Command = {
  name: "supplier approve",
  summary: "publish a portal submission after confirming its SHA-256 out of band",
  usage: [
    "uptane supplier approve DIR ID --expect-sha256 HEX [--json]",
    "",
    "HEX is the bundle's SHA-256 as the supplier gave it through another channel (a signed",
    "mail, a call): `uptane supplier sign` prints it. Refused when submission ID's bundle has",
    "another hash. Then the bundle goes through every check of `uptane supplier import` (role",
    "signatures, versions, expiry, delegated paths and hardware IDs, release counters, image",
    "lengths and hashes) and is published; a bundle those checks refuse is marked refused",
    "(the supplier sees why) and nothing is published. Exit status 1 when refused.",
  ].join("\n"),
  options: { values: { "expect-sha256": {} }, flags: ["json"] },
  positionals: ["DIR", "ID"],
  async run(parsed) {
    const [dir, raw] = parsed.positional as [string, string];
    const id = submissionId(raw);
    const expected = optionValue(parsed, "expect-sha256");
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const { submission, imported } = await approveSubmission(dir, id, expected);
      return {
        data: { submission, imported: { ...imported } },
        text: `Approved submission ${id} from ${submission.account}: imported ${imported.roles.map((r) => `${r.name} v${r.version} (${r.targets.length} target(s))`).join(", ")}; snapshot version ${imported.snapshotVersion}`,
      };
    });
  },
};
