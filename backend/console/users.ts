// The OEM console's users (README "Backend: OEM console"): each has one role, the password
// is made here and shown once, and only its scrypt hash is kept, as for supplier accounts
// (backend/auth/password-hash.ts). Roles nest: a release manager may do what a viewer may,
// an administrator what a release manager may.
import type { ConsoleRole, ConsoleUserRow } from "../inventory/inventory.ts";
import { withInventory } from "../inventory/location.ts";
import { AccountError, checkAccountName } from "../supplier-portal/accounts.ts";
import { hashPassword, newPassword, type ScryptParams } from "../auth/password-hash.ts";
import { LoginsBusy, type PasswordLogin } from "../auth/password-login.ts";

export const CONSOLE_ROLES: readonly ConsoleRole[] = ["viewer", "release-manager", "admin"];

export function isConsoleRole(role: string): role is ConsoleRole {
  return (CONSOLE_ROLES as readonly string[]).includes(role);
}

/** True when `role` may do what `needed` may (roles nest: viewer < release-manager < admin). */
export function roleAllows(role: ConsoleRole, needed: ConsoleRole): boolean {
  return CONSOLE_ROLES.indexOf(role) >= CONSOLE_ROLES.indexOf(needed);
}

export interface ConsoleUser {
  name: string;
  role: ConsoleRole;
  createdAt: string;
  disabled: boolean;
}

export function consoleUserOf(row: ConsoleUserRow): ConsoleUser {
  return { name: row.name, role: row.role, createdAt: row.created_at, disabled: row.disabled_at !== null };
}

/** Creates console user `name` with `role` in the backend `dir`; returns the password, which is not stored anywhere. */
export async function addConsoleUser(dir: string, name: string, role: ConsoleRole, opts: { now?: Date; scrypt?: ScryptParams } = {}): Promise<{ user: ConsoleUser; password: string }> {
  checkAccountName(name);
  if (!isConsoleRole(role)) throw new Error(`role '${role}' is not one of ${CONSOLE_ROLES.join(", ")}`);
  const password = newPassword();
  const passwordHash = await hashPassword(password, opts.scrypt);
  return withInventory(dir, (inventory) => {
    if (inventory.consoleUser(name)) throw new AccountError(`console user '${name}' exists already`, "exists");
    inventory.insertConsoleUser({ name, role, passwordHash, now: (opts.now ?? new Date()).toISOString() });
    return { user: consoleUserOf(inventory.consoleUser(name)!), password };
  });
}

/** Every console user, enabled or not (never a password or its hash). */
export function listConsoleUsers(dir: string): ConsoleUser[] {
  return withInventory(dir, (inventory) => inventory.consoleUsers().map(consoleUserOf));
}

/** A refused change of console users that is not about one account's existence (the last administrator, a wrong current password). */
export class ConsoleUserError extends Error {
  constructor(
    message: string,
    readonly code: "last-admin" | "wrong-password" | "login-locked" | "logins-busy",
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * Disables user `name` and ends its sessions: its next request is a logged-out one. The
 * last enabled administrator is never disabled (nobody could manage users in the console
 * then), whoever asks: the console, `uptane user disable` or the API.
 */
export function disableConsoleUser(dir: string, name: string, now = new Date()): ConsoleUser {
  return withInventory(dir, (inventory) =>
    inventory.transaction(() => {
      const row = inventory.consoleUser(name);
      if (!row) throw new AccountError(`no console user '${name}'`, "unknown-account");
      if (row.disabled_at === null && row.role === "admin" && inventory.consoleUsers().filter((u) => u.role === "admin" && u.disabled_at === null).length === 1) {
        throw new ConsoleUserError(`console user '${name}' is the last enabled administrator: add another admin first`, "last-admin");
      }
      if (!inventory.disableConsoleUser(name, now.toISOString())) throw new AccountError(`console user '${name}' is disabled already`, "account-disabled");
      inventory.deleteConsoleSessions({ user: name });
      return consoleUserOf(inventory.consoleUser(name)!);
    }),
  );
}

/**
 * A new password for user `name`, who gives its current one (checked as a login is, by
 * `login`: the same throttle per user and address, the same KDF queue, the same answer for
 * an unknown or disabled user as for a wrong password). The new password is made here, 192
 * random bits as at `user add`, and returned once: people never choose one (the KDF's
 * parameters rest on that, backend/auth/password-hash.ts). Every session of the user ends,
 * the caller's too: the console opens a new one for the browser that asked.
 */
export async function changeConsolePassword(dir: string, login: PasswordLogin, o: { name: string; current: string; address: string; scrypt?: ScryptParams }): Promise<{ user: ConsoleUser; password: string }> {
  const row = withInventory(dir, (inventory) => inventory.consoleUser(o.name));
  let result;
  try {
    result = await login.check(row && { name: row.name, passwordHash: row.password_hash, usable: row.disabled_at === null }, o.current.slice(0, 256), o.address);
  } catch (e) {
    if (e instanceof LoginsBusy) throw new ConsoleUserError(e.message, "logins-busy");
    throw e;
  }
  if (result.outcome === "locked") throw new ConsoleUserError(`too many wrong passwords for this user or from this address: try again in ${result.retryAfterSeconds} s`, "login-locked", result.retryAfterSeconds);
  if (result.outcome !== "ok" || !row) throw new ConsoleUserError("wrong user name or current password: the password is unchanged", "wrong-password");
  const password = newPassword();
  const passwordHash = await hashPassword(password, o.scrypt);
  return withInventory(dir, (inventory) =>
    inventory.transaction(() => {
      // Disabled or replaced meanwhile: the old hash is no longer the one that was checked.
      const now = inventory.consoleUser(o.name);
      if (!now || now.disabled_at !== null || now.password_hash !== row.password_hash) throw new ConsoleUserError("the user changed meanwhile (disabled, or its password changed): the password is unchanged", "wrong-password");
      inventory.setConsolePassword(o.name, passwordHash);
      inventory.deleteConsoleSessions({ user: o.name });
      return { user: consoleUserOf(inventory.consoleUser(o.name)!), password };
    }),
  );
}
