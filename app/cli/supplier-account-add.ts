// `uptane supplier account add DIR NAME --role ROLE`: a supplier portal account; the password is shown once.
import { UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { addSupplierAccount } from "../../backend/supplier-portal/accounts.ts";

export const supplierAccountAddCommand: Command = {
  name: "supplier account add",
  summary: "create a supplier portal account for delegated role(s); prints its password once",
  usage: [
    "uptane supplier account add DIR NAME --role ROLE [--role ROLE2 ...] [--json]",
    "",
    "Creates account NAME (1-64 of a-z 0-9 _ -) at DIR's supplier portal (`uptane serve`,",
    "under /supplier/), allowed to upload bundles for ROLE (delegated in the Image repository",
    "already: `uptane delegate`) and for roles delegated below it. Prints a new random password",
    "ONCE: only its scrypt hash is kept. Give it to the supplier over a trusted channel; the",
    "supplier sends `Authorization: Basic` with NAME and it, over HTTPS only.",
  ].join("\n"),
  options: { values: { role: { repeat: true } }, flags: ["json"] },
  positionals: ["DIR", "NAME"],
  async run(parsed) {
    const [dir, name] = parsed.positional as [string, string];
    const roles = parsed.values.role ?? [];
    if (roles.length === 0) throw new UsageError("--role is required");
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const { account, password } = await addSupplierAccount(dir, name, roles);
      return {
        data: { account: account.name, roles: account.roles, password },
        text: [
          `Created supplier account ${account.name} for role(s) ${account.roles.join(", ")}.`,
          `Password (shown once, not stored): ${password}`,
        ].join("\n"),
      };
    });
  },
};
