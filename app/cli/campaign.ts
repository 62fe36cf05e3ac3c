// `uptane campaign DIR --hardware-id HW --target NAME [--vins VIN,...] [--max-failures N|P%]`
import { optionValue, UsageError, type Command } from "./command.ts";
import { pendingLine, runReporting } from "./output.ts";
import { openDirector } from "../../backend/director/part.ts";
import { requireBackend } from "./backend-dir.ts";

export const campaignCommand: Command = {
  name: "campaign",
  summary: "assign a target to every ECU of a hardware ID: a reserved group first, then all",
  usage: [
    "uptane campaign DIR --hardware-id HW --target NAME [--vins VIN,...] [--max-failures N|P%] [--json]",
    "",
    "Staged rollout (Uptane deployment guidance): with --vins, assigns NAME to the ECUs of",
    "hardware ID HW in those vehicles only (the reserved group); without it, to every vehicle's",
    "ECUs of HW, skipping ECUs that already have NAME. ECUs whose installed release counter is",
    "above NAME's are skipped and listed. Refused when the Image repository does not sign NAME",
    "for HW.",
    "",
    "--max-failures N halts the campaign at the N-th failed install in a stage (P% at that",
    "share of the stage's assignments), withdrawing what is not yet installed, with an alert.",
    "Watch and steer it with `uptane campaign status | promote | pause | resume | cancel`.",
  ].join("\n"),
  options: { values: { "hardware-id": {}, target: {}, vins: {}, "max-failures": {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const hardwareId = optionValue(parsed, "hardware-id");
    const target = optionValue(parsed, "target");
    const vinsRaw = parsed.values.vins?.[0];
    const vins = vinsRaw === undefined ? undefined : vinsRaw.split(",").filter((v) => v !== "");
    if (vins && vins.length === 0) throw new UsageError("--vins needs at least one VIN");
    const threshold = thresholdOf(parsed.values["max-failures"]?.[0]);
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const director = openDirector(dir);
      try {
        const r = await director.campaign(hardwareId, target, vins, threshold);
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

/** `--max-failures N` (a count, at least 1) or `P%` (1-100). */
function thresholdOf(raw: string | undefined): { maxFailures?: number; maxFailurePercent?: number } {
  if (raw === undefined) return {};
  const m = /^([1-9]\d{0,8})(%?)$/.exec(raw);
  if (!m || (m[2] === "%" && Number(m[1]) > 100)) throw new UsageError(`--max-failures takes a count of at least 1 or a percentage from 1% to 100%, got '${raw.slice(0, 24)}'`);
  return m[2] === "%" ? { maxFailurePercent: Number(m[1]) } : { maxFailures: Number(m[1]) };
}
