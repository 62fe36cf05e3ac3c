// The OEM console's users (README "Backend: OEM console"): each has one role, the password
// is made here and shown once, and only its scrypt hash is kept, as for supplier accounts
// (backend/auth/password-hash.ts). Roles nest: a release manager may do what a viewer may,
// an administrator what a release manager may.
import type { ConsoleRole, ConsoleUserRow } from "../inventory/inventory.ts";
import { withInventory } from "../inventory/location.ts";
import { AccountError, checkAccountName } from "../supplier-portal/accounts.ts";
import { hashPassword, newPassword, type ScryptParams } from "../auth/password-hash.ts";

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

/** Disables user `name` and ends its sessions: its next request is a logged-out one. */
export function disableConsoleUser(dir: string, name: string, now = new Date()): ConsoleUser {
  return withInventory(dir, (inventory) =>
    inventory.transaction(() => {
      if (!inventory.consoleUser(name)) throw new AccountError(`no console user '${name}'`, "unknown-account");
      if (!inventory.disableConsoleUser(name, now.toISOString())) throw new AccountError(`console user '${name}' is disabled already`, "account-disabled");
      inventory.deleteConsoleSessions({ user: name });
      return consoleUserOf(inventory.consoleUser(name)!);
    }),
  );
}
