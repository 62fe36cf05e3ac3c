// `uptane supplier account list DIR`: the supplier portal's accounts and the roles each delivers.
import type { Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { listSupplierAccounts } from "../../backend/supplier-portal/accounts.ts";

export const supplierAccountListCommand: Command = {
  name: "supplier account list",
  summary: "list the supplier portal's accounts and the roles each delivers",
  usage: ["uptane supplier account list DIR [--json]", "", "Name, roles, creation time and whether the account is disabled; never a password or its hash."].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const accounts = listSupplierAccounts(dir);
      const lines = accounts.map((a) => `${a.name}  roles ${a.roles.join(", ")}  created ${a.createdAt}${a.disabled ? "  DISABLED" : ""}`);
      return { data: { accounts }, text: lines.length > 0 ? lines.join("\n") : "No supplier accounts." };
    });
  },
};
