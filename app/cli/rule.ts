// `uptane rule add | list | remove`: dependencies and conflicts between images of different
// ECUs of one vehicle, kept in the inventory and enforced by the Director (README
// "Dependencies and conflicts").
import { optionInt, UsageError, type Command, type ParsedArgs } from "./command.ts";
import { runReporting } from "./output.ts";
import { withDirector } from "./with-director.ts";
import { describeRule, type ImageRuleSpec } from "../../backend/director/image-rules.ts";

export const ruleAddCommand: Command = {
  name: "rule add",
  summary: "record that an image requires another ECU's image, or conflicts with it",
  usage: [
    "uptane rule add DIR --image A (--requires B | --conflicts C | --requires-hardware-id HW --min-release-counter N) [--json]",
    "",
    "Records a rule about image A for the Director to enforce on every vehicle:",
    "  --requires B             another ECU of the vehicle must have image B",
    "  --requires-hardware-id HW --min-release-counter N",
    "                           another ECU of hardware ID HW must have release counter N or above",
    "  --conflicts C            no other ECU of the vehicle may have image C",
    "An assignment or campaign whose result breaks a rule is refused naming the rule and the",
    "ECUs; an image required by name is added to the same bundle when exactly one other ECU",
    "of the vehicle can take it. Rules may name images not yet published.",
  ].join("\n"),
  options: { values: { image: {}, requires: {}, conflicts: {}, "requires-hardware-id": {}, "min-release-counter": {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const spec = ruleSpecOf(parsed);
    return runReporting(parsed.flags.has("json"), () =>
      withDirector(dir, (director) => {
        const rule = director.addImageRule(spec);
        return { data: { rule }, text: `Recorded ${describeRule(rule)}` };
      }),
    );
  },
};

export const ruleListCommand: Command = {
  name: "rule list",
  summary: "list the dependencies and conflicts between images",
  usage: ["uptane rule list DIR [--image A] [--json]", "", "Every rule, or those about image A, oldest first."].join("\n"),
  options: { values: { image: {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const image = parsed.values.image?.[0];
    return runReporting(parsed.flags.has("json"), () =>
      withDirector(dir, (director) => {
        const rules = director.imageRules(image);
        return { data: { rules }, text: rules.length > 0 ? rules.map(describeRule).join("\n") : "No rules." };
      }),
    );
  },
};

export const ruleRemoveCommand: Command = {
  name: "rule remove",
  summary: "remove a dependency or conflict rule by its number",
  usage: ["uptane rule remove DIR ID [--json]", "", "Removes rule ID (`uptane rule list` shows the numbers)."].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR", "ID"],
  async run(parsed) {
    const [dir, raw] = parsed.positional as [string, string];
    if (!/^[1-9]\d{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`ID must be a rule number, got '${raw.slice(0, 24)}'`);
    return runReporting(parsed.flags.has("json"), () =>
      withDirector(dir, (director) => {
        const removed = director.removeImageRule(Number(raw));
        return { data: { removed }, text: `Removed ${describeRule(removed)}` };
      }),
    );
  },
};

function ruleSpecOf(parsed: ParsedArgs): ImageRuleSpec {
  const image = parsed.values.image?.[0];
  if (image === undefined) throw new UsageError("--image is required");
  const requires = parsed.values.requires?.[0];
  const conflicts = parsed.values.conflicts?.[0];
  const hardwareId = parsed.values["requires-hardware-id"]?.[0];
  const given = [requires, conflicts, hardwareId].filter((v) => v !== undefined).length;
  if (given !== 1) throw new UsageError("give exactly one of --requires, --conflicts or --requires-hardware-id");
  if (hardwareId === undefined && parsed.values["min-release-counter"]) throw new UsageError("--min-release-counter goes with --requires-hardware-id");
  if (requires !== undefined) return { image, kind: "requires", name: requires };
  if (conflicts !== undefined) return { image, kind: "conflicts", name: conflicts };
  return { image, kind: "requires", hardwareId, minReleaseCounter: optionInt(parsed, "min-release-counter") };
}
