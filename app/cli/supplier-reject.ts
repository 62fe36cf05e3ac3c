// `uptane supplier reject DIR ID [--reason TEXT]`: a portal submission is not published.
import { optionValue, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { rejectSubmission } from "../../backend/supplier-portal/submissions.ts";
import { submissionId } from "./supplier-approve.ts";

export const supplierRejectCommand: Command = {
  name: "supplier reject",
  summary: "reject a portal submission (nothing is published; the supplier sees the reason)",
  usage: [
    "uptane supplier reject DIR ID [--reason TEXT] [--json]",
    "",
    "Marks pending submission ID rejected with TEXT (default 'rejected by the OEM'), which",
    "the supplier sees when it lists its submissions. Its bundle is never published.",
  ].join("\n"),
  options: { values: { reason: {} }, flags: ["json"] },
  positionals: ["DIR", "ID"],
  async run(parsed) {
    const [dir, raw] = parsed.positional as [string, string];
    const id = submissionId(raw);
    const reason = optionValue(parsed, "reason", "rejected by the OEM").slice(0, 500);
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const submission = await rejectSubmission(dir, id, reason);
      return { data: { submission }, text: `Rejected submission ${id} from ${submission.account}: ${reason}` };
    });
  },
};
