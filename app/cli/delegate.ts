// `uptane delegate DIR --supplier ROLE --key PUB --paths PATTERN ...`: the OEM delegates to a
// tier-1 supplier (DIR is a backend: signed with the offline targets key, published now), or
// a supplier delegates to a tier-2 supplier (DIR is a supplier folder: signed at its next
// `uptane supplier sign`).
import { optionInt, optionValue, UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { delegate } from "../../backend/image/repository.ts";
import { isSupplierDir, readPublicKeyFile, supplierDelegate } from "../../backend/supplier/workdir.ts";
import { requireBackend } from "./backend-dir.ts";
import { inputFile } from "./input-files.ts";

export const delegateCommand: Command = {
  name: "delegate",
  summary: "delegate target paths to a supplier's key (OEM or tier-1 supplier side)",
  usage: [
    "uptane delegate DIR --supplier ROLE --key PUB [--key PUB2 ...] --paths PATTERN [--paths P2 ...]",
    "                [--hardware-id HW ...] [--terminating] [--threshold N] [--json]",
    "",
    "Adds (or replaces) the delegated role ROLE trusted for target names matching PATTERN",
    "(`*` and `?` within one path segment, e.g. 'supplier-x/*'). PUB is a public key file as",
    "`uptane supplier init` writes it. --hardware-id restricts the role to images for those",
    "hardware types (Uptane); --terminating stops a client's search below this role.",
    "DIR is an OEM backend (the top-level targets are re-signed with the offline targets key",
    "and published) or a supplier folder (a tier-2 delegation, signed by the next",
    "`uptane supplier sign`).",
  ].join("\n"),
  options: {
      values: { supplier: {}, key: { repeat: true }, paths: { repeat: true }, "hardware-id": { repeat: true }, threshold: {} },
      flags: ["terminating", "json"],
    },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const role = optionValue(parsed, "supplier");
    const keyFiles = parsed.values.key ?? [];
    const paths = parsed.values.paths ?? [];
    if (keyFiles.length === 0) throw new UsageError("--key is required");
    if (paths.length === 0) throw new UsageError("--paths is required");
    const threshold = optionInt(parsed, "threshold", 1);
    for (const f of keyFiles) inputFile(f, "--key");
    return runReporting(parsed.flags.has("json"), async () => {
      const onSupplier = await isSupplierDir(dir);
      if (!onSupplier) await requireBackend(dir);
      const keys = await Promise.all(keyFiles.map(readPublicKeyFile));
      const options = { role, keys, threshold, paths, hardwareIds: parsed.values["hardware-id"], terminating: parsed.flags.has("terminating") };
      const r = onSupplier ? await supplierDelegate(dir, options) : await delegate(dir, options);
      return {
        data: { delegation: r, signedBy: onSupplier ? "supplier (next supplier sign)" : "targets" },
        text: `Delegated ${r.paths.join(", ")} to '${r.name}' (${r.keyids.length} key(s), threshold ${r.threshold}${r.hardwareIds ? `, hardware ${r.hardwareIds.join(", ")}` : ""}${r.terminating ? ", terminating" : ""})${onSupplier ? "; signed at the next supplier sign" : ""}`,
      };
    });
  },
};
