// `uptane supplier account disable DIR NAME`: the account's credentials stop working at once.
import type { Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { disableSupplierAccount } from "../../backend/supplier-portal/accounts.ts";

export const supplierAccountDisableCommand: Command = {
  name: "supplier account disable",
  summary: "disable a supplier portal account (its next request is refused)",
  usage: [
    "uptane supplier account disable DIR NAME [--json]",
    "",
    "A running `uptane serve` reads the account on every request, so its credentials are",
    "refused from the next request on (401, as a wrong password). Its submissions stay for",
    "review. For a new password, disable the account and add one under a new name.",
  ].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR", "NAME"],
  async run(parsed) {
    const [dir, name] = parsed.positional as [string, string];
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const account = disableSupplierAccount(dir, name);
      return { data: { account }, text: `Disabled supplier account ${account.name}` };
    });
  },
};
