// `uptane supplier init WORK --name ROLE`: a supplier's key pair and working folder.
import { optionInt, optionValue, UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { DEFAULT_SUPPLIER_EXPIRY_DAYS, initSupplier } from "../../backend/supplier/workdir.ts";

export const supplierInitCommand: Command = {
  name: "supplier init",
  summary: "create a supplier's key pair and working folder",
  usage: [
    "uptane supplier init WORK --name ROLE [--expiry-days D] [--json]",
    "",
    "Creates WORK (new or empty) for the supplier whose delegated role is ROLE: a private key",
    "(WORK/keys/, mode 0600), the public key to hand the OEM (WORK/ROLE.pub.json, for",
    `uptane delegate --key), and the role's content. Signed roles expire after D days (default ${DEFAULT_SUPPLIER_EXPIRY_DAYS}).`,
  ].join("\n"),
  options: { values: { name: {}, "expiry-days": {} }, flags: ["json"] },
  positionals: ["WORK"],
  async run(parsed) {
    const role = optionValue(parsed, "name");
    const expiryDays = optionInt(parsed, "expiry-days", DEFAULT_SUPPLIER_EXPIRY_DAYS);
    if (expiryDays < 1) throw new UsageError("--expiry-days must be at least 1");
    return runReporting(parsed.flags.has("json"), async () => {
      const r = await initSupplier(parsed.positional[0]!, role, { expiryDays });
      return { data: { ...r }, text: `Supplier folder for role '${r.role}' created; give the OEM ${r.publicKeyFile} (key ${r.keyid})` };
    });
  },
};
