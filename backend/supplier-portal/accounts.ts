// Supplier accounts of the portal (README "Backend: supplier portal"): the OEM creates one
// per supplier, naming the delegated role(s) it delivers; the password is made here, shown
// once, and only its scrypt hash is kept in the inventory.
import { join } from "node:path";
import type { SupplierAccountRow } from "../inventory/inventory.ts";
import { withInventory } from "../inventory/location.ts";
import { loadPublished } from "../image/published.ts";
import { checkRoleName, NameError } from "../image/names.ts";
import { delegatedRoleNames } from "./bundle-ownership.ts";
import { hashPassword, newPassword, type ScryptParams } from "../auth/password-hash.ts";

/** A refused account operation; `code` is its error code for the CLI. */
export class AccountError extends Error {
  constructor(
    message: string,
    readonly code: "role-not-delegated" | "exists" | "unknown-account" | "account-disabled" = "role-not-delegated",
  ) {
    super(message);
  }
}

const ACCOUNT_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface SupplierAccount {
  name: string;
  roles: string[];
  createdAt: string;
  disabled: boolean;
}

export function accountOf(row: SupplierAccountRow): SupplierAccount {
  return { name: row.name, roles: JSON.parse(row.roles) as string[], createdAt: row.created_at, disabled: row.disabled_at !== null };
}

export function checkAccountName(name: string): string {
  if (!ACCOUNT_NAME.test(name)) throw new NameError("invalid-account-name", `account name '${name}' is invalid (1-64 of a-z 0-9 _ -, starting with a letter or digit)`);
  return name;
}

/**
 * Creates account `name` delivering `roles` (each delegated somewhere in the published Image
 * repository) in the backend `dir`; returns the password, which is not stored anywhere.
 */
export async function addSupplierAccount(dir: string, name: string, roles: string[], opts: { now?: Date; scrypt?: ScryptParams } = {}): Promise<{ account: SupplierAccount; password: string }> {
  checkAccountName(name);
  if (roles.length === 0) throw new AccountError("an account delivers at least one role (--role)");
  roles.forEach(checkRoleName);
  const delegated = delegatedRoleNames(await loadPublished(dir));
  const missing = roles.filter((r) => !delegated.has(r));
  if (missing.length > 0) throw new AccountError(`role(s) ${missing.join(", ")} are not delegated in the Image repository (uptane delegate first)`);
  const password = newPassword();
  const passwordHash = await hashPassword(password, opts.scrypt);
  return withInventory(dir, (inventory) => {
    if (inventory.supplierAccount(name)) throw new AccountError(`account '${name}' exists already`, "exists");
    const now = (opts.now ?? new Date()).toISOString();
    inventory.insertSupplierAccount({ name, roles: [...new Set(roles)], passwordHash, now });
    return { account: accountOf(inventory.supplierAccount(name)!), password };
  });
}

/** Every account, enabled or not (never a password or its hash). */
export function listSupplierAccounts(dir: string): SupplierAccount[] {
  return withInventory(dir, (inventory) => inventory.supplierAccounts().map(accountOf));
}

/**
 * Disables account `name`: from its next request on, its credentials are refused as wrong
 * ones. Its submissions stay (the OEM may still approve or reject them).
 */
export function disableSupplierAccount(dir: string, name: string, now = new Date()): SupplierAccount {
  return withInventory(dir, (inventory) => {
    const row = inventory.supplierAccount(name);
    if (!row) throw new AccountError(`no account '${name}'`, "unknown-account");
    if (!inventory.disableSupplierAccount(name, now.toISOString())) throw new AccountError(`account '${name}' is disabled already`, "account-disabled");
    return accountOf(inventory.supplierAccount(name)!);
  });
}
