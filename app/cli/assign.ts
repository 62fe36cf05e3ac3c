// `uptane assign DIR --vin VIN --ecu SERIAL --target NAME`
import { optionValue, type Command } from "./command.ts";
import { pendingLine, runReporting } from "./output.ts";
import { openDirector } from "../../backend/director/part.ts";
import { requireBackend } from "./backend-dir.ts";

export const assignCommand: Command = {
  name: "assign",
  summary: "assign an Image repository target to one ECU of a vehicle (Director)",
  usage: [
    "uptane assign DIR --vin VIN --ecu SERIAL --target NAME [--json]",
    "",
    "Assigns target NAME to ECU SERIAL of vehicle VIN. Refused when the Image repository does",
    "not sign NAME, when NAME is not for the ECU's hardware ID, or when its release counter is",
    "lower than the one the ECU last reported installed. The assignment is published in the",
    "vehicle's Director targets at once, or held back (queued) until a manifest confirms the",
    "vehicle's previous bundle installed or reports its failure.",
  ].join("\n"),
  options: { values: { vin: {}, ecu: {}, target: {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const vin = optionValue(parsed, "vin");
    const ecu = optionValue(parsed, "ecu");
    const target = optionValue(parsed, "target");
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const director = openDirector(dir);
      try {
        const r = await director.assign(vin, ecu, target);
        return { data: { ...r, target }, text: `Assigned ${target} to ${ecu} of ${vin}: ${r.status === "published" ? "published" : "queued until the previous bundle is confirmed"}${pendingLine(r)}` };
      } finally {
        director.close();
      }
    });
  },
};
