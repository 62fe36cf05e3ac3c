// `uptane assign DIR --vin VIN --ecu SERIAL --target NAME [--with SERIAL=NAME ...]`
import { optionValue, UsageError, type Command } from "./command.ts";
import { pendingLine, runReporting } from "./output.ts";
import { openDirector } from "../../backend/director/part.ts";
import { requireBackend } from "./backend-dir.ts";

export const assignCommand: Command = {
  name: "assign",
  summary: "assign an Image repository target to one ECU of a vehicle (Director)",
  usage: [
    "uptane assign DIR --vin VIN --ecu SERIAL --target NAME [--with SERIAL=NAME ...] [--json]",
    "",
    "Assigns target NAME to ECU SERIAL of vehicle VIN. Refused when the Image repository does",
    "not sign NAME, when NAME is not for the ECU's hardware ID, or when its release counter is",
    "lower than the one the ECU last reported installed. The assignment is published in the",
    "vehicle's Director targets at once, or held back (queued) until a manifest confirms the",
    "vehicle's previous bundle installed or reports its failure.",
    "",
    "--with SERIAL=NAME assigns NAME to another ECU of the same vehicle in the same bundle.",
    "Dependencies and conflicts between images (`uptane rule add`) are enforced: a result that",
    "breaks a rule is refused naming the rule and the ECUs, and an image required by name is",
    "added to the bundle when exactly one other ECU of the vehicle can take it.",
  ].join("\n"),
  options: { values: { vin: {}, ecu: {}, target: {}, with: { repeat: true } }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const vin = optionValue(parsed, "vin");
    const ecu = optionValue(parsed, "ecu");
    const target = optionValue(parsed, "target");
    const also = (parsed.values.with ?? []).map((w) => {
      const eq = w.indexOf("=");
      if (eq <= 0 || eq === w.length - 1) throw new UsageError(`--with takes SERIAL=NAME, got '${w.slice(0, 64)}'`);
      return { ecuSerial: w.slice(0, eq), target: w.slice(eq + 1) };
    });
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const director = openDirector(dir);
      try {
        const r = await director.assign(vin, ecu, target, { with: also });
        const state = (s: string) => (s === "published" ? "published" : "queued until the previous bundle is confirmed");
        const lines = [`Assigned ${target} to ${ecu} of ${vin}: ${state(r.status)}`];
        for (const a of r.also) lines.push(`  and to ${a.ecuSerial}: ${state(a.status)}${a.requiredBy ? ` (required by ${a.requiredBy})` : ""}`);
        return { data: { ...r, target }, text: lines.join("\n") + pendingLine(r) };
      } finally {
        director.close();
      }
    });
  },
};
