// `uptane user add / list / disable`: the OEM console's users (README "Backend: OEM console").
import { readFileSync } from "node:fs";
import { optionValue, UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { CliError } from "./errors.ts";
import { addConsoleUser, changeConsolePassword, CONSOLE_ROLES, disableConsoleUser, isConsoleRole, listConsoleUsers } from "../../backend/console/users.ts";
import { PasswordLogin } from "../../backend/auth/password-login.ts";
import { DEFAULT_THROTTLE, LoginThrottle } from "../../backend/auth/login-throttle.ts";

export const userAddCommand: Command = {
  name: "user add",
  summary: "create an OEM console user with a role; prints its password once",
  usage: [
    "uptane user add DIR NAME --role viewer|release-manager|admin [--json]",
    "",
    "Creates console user NAME (1-64 of a-z 0-9 _ -) for DIR's console (`uptane serve`, under",
    "/console/). viewer: reads every page; release-manager: also creates campaigns, approves",
    "or rejects supplier submissions and acknowledges alerts; admin: also manages users.",
    "Prints a new random password ONCE: only its scrypt hash is kept.",
  ].join("\n"),
  options: { values: { role: {} }, flags: ["json"] },
  positionals: ["DIR", "NAME"],
  async run(parsed) {
    const [dir, name] = parsed.positional as [string, string];
    const role = optionValue(parsed, "role");
    if (!isConsoleRole(role)) throw new UsageError(`--role must be one of ${CONSOLE_ROLES.join(", ")}, got '${role}'`);
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const { user, password } = await addConsoleUser(dir, name, role);
      return {
        data: { user: user.name, role: user.role, password },
        text: [`Created console user ${user.name} (${user.role}).`, `Password (shown once, not stored): ${password}`].join("\n"),
      };
    });
  },
};

export const userListCommand: Command = {
  name: "user list",
  summary: "list the OEM console's users and their roles",
  usage: ["uptane user list DIR [--json]", "", "Name, role, creation time and whether the user is disabled; never a password or its hash."].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const users = listConsoleUsers(dir);
      const lines = users.map((u) => `${u.name}  ${u.role}  created ${u.createdAt}${u.disabled ? "  DISABLED" : ""}`);
      return { data: { users }, text: lines.length > 0 ? lines.join("\n") : "No console users." };
    });
  },
};

export const userDisableCommand: Command = {
  name: "user disable",
  summary: "disable an OEM console user and end its sessions",
  usage: ["uptane user disable DIR NAME [--json]", "", "The user's sessions end at once; its next request is a logged-out one and its password is refused.", "The last enabled admin is not disabled (last-admin): add another admin first."].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR", "NAME"],
  async run(parsed) {
    const [dir, name] = parsed.positional as [string, string];
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const user = disableConsoleUser(dir, name);
      return { data: { user }, text: `Disabled console user ${user.name}; its sessions are ended.` };
    });
  },
};

/** The first line of FILE (`/dev/stdin` reads standard input), at most 256 characters: a password is never an argument (`ps` shows those). */
function passwordFrom(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new CliError("unreadable-file", `--current-password-file ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return (text.split(/\r?\n/)[0] ?? "").slice(0, 256);
}

export const userPasswordCommand: Command = {
  name: "user password",
  summary: "give an OEM console user a new password, its current one required; prints the new one once",
  usage: [
    "uptane user password DIR NAME --current-password-file FILE [--json]",
    "",
    "Checks NAME's current password, read from the first line of FILE (/dev/stdin: standard",
    "input), as a console login checks it (wrong-password; login-locked after repeated wrong",
    "ones), then makes a new random password and prints it ONCE (only its scrypt hash is kept).",
    "Every session of the user ends. The console's Account page does the same for the user",
    "logged in (and keeps that browser logged in with a new session).",
  ].join("\n"),
  options: { values: { "current-password-file": {} }, flags: ["json"] },
  positionals: ["DIR", "NAME"],
  async run(parsed) {
    const [dir, name] = parsed.positional as [string, string];
    const file = optionValue(parsed, "current-password-file");
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const current = passwordFrom(file);
      const login = new PasswordLogin(new LoginThrottle(() => new Date(), DEFAULT_THROTTLE));
      const { user, password } = await changeConsolePassword(dir, login, { name, current, address: "cli" });
      return {
        data: { user: user.name, password },
        text: [`New password for console user ${user.name}; its sessions are ended.`, `Password (shown once, not stored): ${password}`].join("\n"),
      };
    });
  },
};
