// `uptane provision DIR --vin VIN --url URL --out FILE [--partial]`: the factory bundle of
// a registered vehicle, from the live repositories (backend/factory-bundle.ts).
import { writeFileSync } from "node:fs";
import { optionValue, UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { outputFile } from "./input-files.ts";
import { CliError } from "./errors.ts";
import { factoryBundle } from "../../backend/factory-bundle.ts";
import { isVin } from "../../model/identifiers.ts";

export const provisionCommand: Command = {
  name: "provision",
  summary: "write the factory bundle of a registered vehicle: metadata, time attestation, repository mapping",
  usage: [
    "uptane provision DIR --vin VIN --url URL --out FILE [--partial] [--json]",
    "",
    "Writes what the factory loads into the vehicle's ECUs (Uptane \"Build-time prerequisite",
    "requirements for ECUs\"): the Director's newest root and VIN's current timestamp, snapshot",
    "and targets; the Image repository's newest root, timestamp, snapshot, targets and delegated",
    "roles (checked as `uptane serve` checks them); a time attestation signed now by the time",
    "server's key; and the repository mapping (TAP 4 map.json: Director at URL/director/, Image",
    "repository at URL/image/, every image path signed by both), with the time server at",
    "URL/time/. URL is the base URL vehicles reach `uptane serve` at. --partial writes only the",
    "Director's root and targets, what a partial-verification ECU is loaded with. FILE is",
    "created new (never overwritten). `uptane primary init STATE --bundle FILE` loads it.",
  ].join("\n"),
  options: { values: { vin: {}, url: {}, out: {} }, flags: ["partial", "json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const vin = optionValue(parsed, "vin");
    const url = optionValue(parsed, "url");
    if (!isVin(vin)) throw new CliError("invalid-vin", `VIN '${vin}' must be 1-64 of A-Z a-z 0-9 _ -`);
    if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(url)) throw new UsageError("--url must be an http:// or https:// URL without query or fragment");
    const out = outputFile(optionValue(parsed, "out"), "--out");
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const { bytes, summary } = await factoryBundle(dir, { vin, url, partial: parsed.flags.has("partial") });
      try {
        writeFileSync(out, bytes, { flag: "wx" });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new CliError("exists", `${out} exists: a factory bundle is never written over a file`);
        throw e;
      }
      return { data: { out, ...summary }, text: `Wrote the ${summary.partial ? "partial " : ""}factory bundle of ${vin} to ${out} (time ${summary.time}; Director ${summary.director}, Image repository ${summary.image})` };
    });
  },
};
