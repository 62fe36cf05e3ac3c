// Workshop accounts (README "Backend: vehicle lifecycle"): the OEM creates one per authorised
// workshop; it records vehicle changes through the workshop API with its own credentials.
// Passwords as the supplier portal's: made here, shown once, only the scrypt hash kept.
import type { Inventory, WorkshopAccountRow } from "../inventory/inventory.ts";
import { withInventory } from "../inventory/location.ts";
import { AccountError, checkAccountName } from "../supplier-portal/accounts.ts";
import { hashPassword, newPassword, type ScryptParams } from "../auth/password-hash.ts";
import type { PasswordDoor } from "../supplier-portal/authenticate.ts";

export interface WorkshopAccount {
  name: string;
  createdAt: string;
  disabled: boolean;
}

function accountOf(row: WorkshopAccountRow): WorkshopAccount {
  return { name: row.name, createdAt: row.created_at, disabled: row.disabled_at !== null };
}

/** Creates workshop account `name` in the backend `dir`; returns the password, which is not stored anywhere. */
export async function addWorkshopAccount(dir: string, name: string, opts: { now?: Date; scrypt?: ScryptParams } = {}): Promise<{ account: WorkshopAccount; password: string }> {
  checkAccountName(name);
  const password = newPassword();
  const passwordHash = await hashPassword(password, opts.scrypt);
  return withInventory(dir, (inventory) => {
    if (inventory.workshopAccount(name)) throw new AccountError(`workshop account '${name}' exists already`, "exists");
    inventory.insertWorkshopAccount({ name, passwordHash, now: (opts.now ?? new Date()).toISOString() });
    return { account: accountOf(inventory.workshopAccount(name)!), password };
  });
}

export function listWorkshopAccounts(dir: string): WorkshopAccount[] {
  return withInventory(dir, (inventory) => inventory.workshopAccounts().map(accountOf));
}

/** Disables account `name`: the workshop API refuses its credentials from its next request on. */
export function disableWorkshopAccount(dir: string, name: string, now = new Date()): WorkshopAccount {
  return withInventory(dir, (inventory) => {
    if (!inventory.workshopAccount(name)) throw new AccountError(`no workshop account '${name}'`, "unknown-account");
    if (!inventory.disableWorkshopAccount(name, now.toISOString())) throw new AccountError(`workshop account '${name}' is disabled already`, "account-disabled");
    return accountOf(inventory.workshopAccount(name)!);
  });
}

/** The workshop API's door: the account read on every request, so a disabled one holds at once. */
export function workshopDoor(inventory: Inventory): PasswordDoor {
  return {
    realm: "uptane workshop",
    name: "the workshop API",
    lookup(name) {
      const row = inventory.workshopAccount(name);
      return row && { passwordHash: row.password_hash, disabled: row.disabled_at !== null };
    },
  };
}
