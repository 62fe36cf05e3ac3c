// `uptane refresh DIR [--force]`: re-sign the online roles before they expire.
import { parseArgs, UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { refresh } from "../../backend/image/repository.ts";

export const refreshCommand: Command = {
  name: "refresh",
  summary: "re-sign expiring snapshot and timestamp metadata (online keys)",
  usage: [
    "uptane refresh DIR [--force] [--json]",
    "",
    "Re-signs snapshot and timestamp when less than half of their validity is left (always",
    "with --force). Reports offline roles (root, targets) that expire within a quarter of their",
    "period: re-sign those with `uptane rotate` or by publishing with the offline keys, and",
    "supplier roles expiring within 7 days (they need a new bundle from the supplier).",
    "Run it from a timer (e.g. every few hours).",
  ].join("\n"),
  async run(args) {
    const parsed = parseArgs(args, { flags: ["force", "json"] });
    if (parsed.help) {
      console.log(this.usage);
      return 0;
    }
    if (parsed.positional.length !== 1) throw new UsageError("expected exactly one DIR");
    return runReporting(parsed.flags.has("json"), async () => {
      const r = await refresh(parsed.positional[0]!, { force: parsed.flags.has("force") });
      const lines = [r.resigned.length > 0 ? `Re-signed ${r.resigned.join(" and ")} (timestamp version ${r.timestampVersion})` : "Nothing due; online roles are fresh"];
      for (const [role, expires] of Object.entries(r.expires)) lines.push(`  ${role} expires ${expires}`);
      if (r.offlineExpiringSoon.length > 0) lines.push(`  WARNING: offline role(s) ${r.offlineExpiringSoon.join(", ")} expire soon`);
      for (const d of r.delegatedExpiringSoon) lines.push(`  WARNING: supplier role ${d.role} expires ${d.expires}; import a new bundle from the supplier`);
      return { data: { ...r }, text: lines.join("\n") };
    });
  },
};
