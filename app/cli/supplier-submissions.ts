// `uptane supplier submissions DIR`: bundles suppliers uploaded to the portal, with their status.
import type { Command } from "./command.ts";
import { UsageError } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { listSubmissions } from "../../backend/supplier-portal/submissions.ts";

const STATUSES = ["pending", "approved", "rejected", "refused"] as const;

export const supplierSubmissionsCommand: Command = {
  name: "supplier submissions",
  summary: "list bundles uploaded to the supplier portal and their review status",
  usage: [
    "uptane supplier submissions DIR [--status pending|approved|rejected|refused] [--account NAME] [--json]",
    "",
    "Lists submissions newest first: id, account, status, the bundle's SHA-256 and size, and",
    "the roles (version, targets) it claims. Nothing in a submission is published until",
    "`uptane supplier approve DIR ID --expect-sha256 HEX`.",
  ].join("\n"),
  options: { values: { status: {}, account: {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const status = parsed.values.status?.[0];
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(", ")}`);
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const submissions = await listSubmissions(dir, { status: status as (typeof STATUSES)[number] | undefined, account: parsed.values.account?.[0] });
      const lines = submissions.map((s) =>
        [
          `${s.id}  ${s.status.padEnd(8)}  ${s.account}  ${s.receivedAt}  ${s.bytes} bytes  sha256 ${s.sha256}`,
          `    roles: ${s.roles.map((r) => `${r.name} v${r.version ?? "?"} (${r.targets.join(", ") || "no targets"})`).join("; ")}`,
          ...(s.reason ? [`    reason: ${s.reason}`] : []),
        ].join("\n"),
      );
      return { data: { submissions }, text: lines.length > 0 ? lines.join("\n") : "No submissions." };
    });
  },
};
