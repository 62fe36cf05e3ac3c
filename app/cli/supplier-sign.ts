// `uptane supplier sign WORK [--image FILE --name NAME --hardware-id HW ...] --out BUNDLE`
import { optionInt, optionValue, UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { signSupplier, type SupplierImage } from "../../backend/supplier/workdir.ts";
import { requireSupplierFolder } from "./backend-dir.ts";
import { inputFile, outputFile } from "./input-files.ts";

export const supplierSignCommand: Command = {
  name: "supplier sign",
  summary: "sign a supplier's role (optionally adding an image) and write a delivery bundle",
  usage: [
    "uptane supplier sign WORK [--image FILE --name NAME --hardware-id HW [--hardware-id HW2 ...]",
    "                     [--release-counter N]] [--withdraw NAME ...] [--include BUNDLE ...] --out BUNDLE [--json]",
    "",
    "Adds FILE as target NAME to the supplier's role (if given), signs the role's next version",
    "with the supplier's key, and writes BUNDLE: the signed role, every image it lists, and the",
    "roles and images of each --include bundle (from tier-2 suppliers delegated below this one).",
    "The OEM imports it with `uptane supplier import`, or reviews it after an upload to its",
    "supplier portal: it prints the bundle's SHA-256, which the OEM's `uptane supplier approve",
    "--expect-sha256` confirms (tell it the OEM through another channel than the upload).",
    "--withdraw NAME takes a recalled target out of the role (the OEM's `uptane image withdraw`",
    "has stopped the Director assigning it; vehicles stop verifying it once this version is imported).",
  ].join("\n"),
  options: {
      values: { image: {}, name: {}, "hardware-id": { repeat: true }, "release-counter": {}, include: { repeat: true }, out: {}, withdraw: { repeat: true } },
      flags: ["json"],
    },
  positionals: ["WORK"],
  async run(parsed) {
    // Checked before anything is signed: a refused output leaves the role's version where it was.
    const out = outputFile(optionValue(parsed, "out"), "--out");
    let image: SupplierImage | undefined;
    if (parsed.values.image) {
      const hardwareIds = parsed.values["hardware-id"] ?? [];
      if (hardwareIds.length === 0) throw new UsageError("--image needs --hardware-id");
      image = {
        file: inputFile(optionValue(parsed, "image"), "--image"),
        name: optionValue(parsed, "name"),
        hardwareIds,
        releaseCounter: parsed.values["release-counter"] ? optionInt(parsed, "release-counter") : undefined,
      };
    } else if (parsed.values.name || parsed.values["hardware-id"] || parsed.values["release-counter"]) {
      throw new UsageError("--name, --hardware-id and --release-counter go with --image");
    }
    for (const f of parsed.values.include ?? []) inputFile(f, "--include");
    return runReporting(parsed.flags.has("json"), async () => {
      await requireSupplierFolder(parsed.positional[0]!);
      const r = await signSupplier(parsed.positional[0]!, { image, includes: parsed.values.include, out, withdraw: parsed.values.withdraw });
      return { data: { ...r }, text: `Signed role '${r.role}' version ${r.version} (${r.targets.length} target(s)); bundle ${r.bundle} (${r.bytes} bytes)\nBundle SHA-256 (give it to the OEM out of band): ${r.sha256}` };
    });
  },
};
