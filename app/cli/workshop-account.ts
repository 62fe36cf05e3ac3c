// `uptane workshop account add / list / disable`: accounts of authorised workshops, which
// record vehicle changes through the workshop API (README "Backend: vehicle lifecycle").
import type { Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { addWorkshopAccount, disableWorkshopAccount, listWorkshopAccounts } from "../../backend/director/workshop-accounts.ts";

export const workshopAccountAddCommand: Command = {
  name: "workshop account add",
  summary: "create a workshop account for the workshop API; prints its password once",
  usage: [
    "uptane workshop account add DIR NAME [--json]",
    "",
    "Creates workshop account NAME (1-64 of a-z 0-9 _ -). Prints a new random password ONCE:",
    "only its scrypt hash is kept. The workshop sends `Authorization: Basic` with NAME and it,",
    "over HTTPS only, to /director/workshop/ to record the vehicle changes it made.",
  ].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR", "NAME"],
  async run(parsed) {
    const [dir, name] = parsed.positional as [string, string];
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const { account, password } = await addWorkshopAccount(dir, name);
      return { data: { account: account.name, password }, text: `Created workshop account ${account.name}.\nPassword (shown once, not stored): ${password}` };
    });
  },
};

export const workshopAccountListCommand: Command = {
  name: "workshop account list",
  summary: "list workshop accounts (names, disabled or not)",
  usage: "uptane workshop account list DIR [--json]",
  options: { flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const [dir] = parsed.positional as [string];
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const accounts = listWorkshopAccounts(dir);
      return { data: { accounts }, text: accounts.length === 0 ? "No workshop accounts." : accounts.map((a) => `${a.name}${a.disabled ? " (disabled)" : ""}  created ${a.createdAt}`).join("\n") };
    });
  },
};

export const workshopAccountDisableCommand: Command = {
  name: "workshop account disable",
  summary: "disable a workshop account: its credentials are refused from its next request",
  usage: "uptane workshop account disable DIR NAME [--json]",
  options: { flags: ["json"] },
  positionals: ["DIR", "NAME"],
  async run(parsed) {
    const [dir, name] = parsed.positional as [string, string];
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const account = disableWorkshopAccount(dir, name);
      return { data: { account: account.name, disabled: true }, text: `Disabled workshop account ${account.name}` };
    });
  },
};
