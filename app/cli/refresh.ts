// `uptane refresh DIR [--force] [--offline] [--warn-days D]`: re-sign the online roles
// before they expire and report (or renew) offline-keyed roles near expiry.
import { optionInt, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { refreshBackend } from "../../backend/refresh.ts";
import { ExpiredRoleError } from "../../backend/offline-expiry.ts";
import { requireBackend } from "./backend-dir.ts";

export const refreshCommand: Command = {
  name: "refresh",
  summary: "re-sign expiring online metadata of both repositories; warn about offline roles",
  usage: [
    "uptane refresh DIR [--force] [--offline] [--warn-days D] [--json]",
    "",
    "Re-signs the Image repository's snapshot and timestamp and each vehicle's Director",
    "targets, snapshot and timestamp when less than half of their validity is left (the Image",
    "ones always with --force); `uptane serve` does the same on its timer. Warns about roles",
    "signed with offline keys (Image root and targets, Director root) that expire within D days",
    "(default 30), naming the role, the date and the command that renews them; an expired one",
    "is an error (exit 1). --offline renews those roles with the offline keys in",
    "DIR/keys/offline/ (same keys, new version, new expiry). Also reports supplier roles",
    "expiring within 7 days (they need a new bundle from the supplier).",
  ].join("\n"),
  options: { values: { "warn-days": {} }, flags: ["force", "offline", "json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const warnDays = parsed.values["warn-days"] ? optionInt(parsed, "warn-days") : undefined;
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(parsed.positional[0]!);
      const r = await refreshBackend(parsed.positional[0]!, { force: parsed.flags.has("force"), offline: parsed.flags.has("offline"), warnDays });
      const lines = [r.image.resigned.length > 0 ? `Re-signed Image ${r.image.resigned.join(" and ")} (timestamp version ${r.image.timestampVersion})` : "Image online roles are fresh"];
      for (const [role, expires] of Object.entries(r.image.expires)) lines.push(`  Image ${role} expires ${expires}`);
      lines.push(r.directorResigned.length > 0 ? `Re-signed Director metadata of ${r.directorResigned.length} vehicle(s)` : "Director online roles are fresh");
      for (const n of r.renewed) lines.push(`Renewed ${n.repository === "image" ? "Image" : "Director"} ${n.role}: version ${n.version}, expires ${n.expires}`);
      for (const w of r.warnings) lines.push(`  WARNING: ${w.message}`);
      for (const d of r.image.delegatedExpiringSoon) lines.push(`  WARNING: supplier role ${d.role} expires ${d.expires}; import a new bundle from the supplier`);
      const expired = r.warnings.filter((w) => w.state === "expired");
      if (expired.length > 0) {
        // The online roles were re-signed, but vehicles refuse an expired offline role: a failure.
        if (!parsed.flags.has("json")) console.log(lines.join("\n"));
        throw new ExpiredRoleError(expired.map((w) => w.message).join("; "));
      }
      return { data: { ...r.image, directorResigned: r.directorResigned, renewed: r.renewed, warnings: r.warnings }, text: lines.join("\n") };
    });
  },
};
