// `uptane campaign DIR --hardware-id HW --target NAME [--vins VIN,...]`
import { optionValue, UsageError, type Command } from "./command.ts";
import { pendingLine, runReporting } from "./output.ts";
import { openDirector } from "../../backend/director/part.ts";
import { requireBackend } from "./backend-dir.ts";

export const campaignCommand: Command = {
  name: "campaign",
  summary: "assign a target to every ECU of a hardware ID: a reserved group first, then all",
  usage: [
    "uptane campaign DIR --hardware-id HW --target NAME [--vins VIN,...] [--json]",
    "",
    "Staged rollout (Uptane deployment guidance): with --vins, assigns NAME to the ECUs of",
    "hardware ID HW in those vehicles only (the reserved group); without it, to every vehicle's",
    "ECUs of HW, skipping ECUs that already have NAME. ECUs whose installed release counter is",
    "above NAME's are skipped and listed. Refused when the Image repository does not sign NAME",
    "for HW.",
  ].join("\n"),
  options: { values: { "hardware-id": {}, target: {}, vins: {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const hardwareId = optionValue(parsed, "hardware-id");
    const target = optionValue(parsed, "target");
    const vinsRaw = parsed.values.vins?.[0];
    const vins = vinsRaw === undefined ? undefined : vinsRaw.split(",").filter((v) => v !== "");
    if (vins && vins.length === 0) throw new UsageError("--vins needs at least one VIN");
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const director = openDirector(dir);
      try {
        const r = await director.campaign(hardwareId, target, vins);
        const lines = [`Campaign ${r.campaignId} (${r.stage}): ${target} assigned to ${r.assigned.length} ECU(s), ${r.skipped.length} skipped`];
        for (const a of r.assigned) lines.push(`  ${a.vin} ${a.ecuSerial}: ${a.status}`);
        for (const s of r.skipped) lines.push(`  ${s.vin} ${s.ecuSerial}: skipped (${s.reason})`);
        return { data: { ...r, target }, text: lines.join("\n") + pendingLine(r) };
      } finally {
        director.close();
      }
    });
  },
};
