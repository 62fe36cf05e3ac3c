// Where a backend keeps its inventory: `DIR/inventory.sqlite` (the embedded default), or
// the PostgreSQL database named in `DIR/database.url` (written by `uptane init --database`),
// or one given to this process (`uptane serve --database`), which wins over both.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeFileAtomicSync } from "../fs/atomic-write.ts";
import { Inventory } from "./inventory.ts";
import { isPostgresUrl, redactedUrl } from "./postgres-engine.ts";

export const INVENTORY_FILE = "inventory.sqlite";
/** The backend's PostgreSQL URL (it may hold a password: 0600, like key files). */
export const DATABASE_URL_FILE = "database.url";

/** Refuses anything but a postgres:// or postgresql:// URL (the only engine besides the default). */
export function checkDatabaseUrl(url: string): void {
  if (!isPostgresUrl(url)) throw new Error(`--database takes a postgres:// or postgresql:// URL, not ${JSON.stringify(redactedUrl(url))}`);
}

/** Backend folders whose inventory this process takes from another URL (`uptane serve --database`). */
const overrides = new Map<string, string>();

/**
 * Every inventory this process opens for the backend in `dir` (Director, time server,
 * TLS lookups, keys) is the PostgreSQL database at `url`, until the returned function is
 * called.
 */
export function useDatabaseFor(dir: string, url: string): () => void {
  checkDatabaseUrl(url);
  const key = resolve(dir);
  overrides.set(key, url);
  return () => void (overrides.get(key) === url && overrides.delete(key));
}

/** The inventory's location for the backend in `dir`: a postgres:// URL or the SQLite file. */
export function inventoryLocation(dir: string, database?: string): string {
  database ??= overrides.get(resolve(dir));
  if (database !== undefined) {
    checkDatabaseUrl(database);
    return database;
  }
  const urlFile = join(dir, DATABASE_URL_FILE);
  if (existsSync(urlFile)) {
    const url = readFileSync(urlFile, "utf8").trim();
    if (!isPostgresUrl(url)) throw new Error(`${urlFile} holds no postgres:// URL`);
    return url;
  }
  return join(dir, INVENTORY_FILE);
}

/** Refuses (throws) a PostgreSQL inventory that cannot be opened or already holds a Director. */
export function checkNoDirectorYet(url: string): void {
  checkDatabaseUrl(url);
  const inventory = Inventory.open(url);
  try {
    if (inventory.directorRootVersions().length > 0) throw new Error(`the database at ${redactedUrl(url)} already holds a Director (one database per backend)`);
  } finally {
    inventory.close();
  }
}

/** Records that the backend in `dir` keeps its inventory in PostgreSQL at `url`. */
export function writeDatabaseUrl(dir: string, url: string): void {
  checkDatabaseUrl(url);
  writeFileAtomicSync(join(dir, DATABASE_URL_FILE), `${url}\n`, 0o600);
}

/** Opens the inventory of the backend in `dir` (see inventoryLocation). */
export function openInventory(dir: string, database?: string): Inventory {
  return Inventory.open(inventoryLocation(dir, database));
}

/** Runs `fn` on the backend's inventory, closing it afterwards (a command's one use of it). */
export function withInventory<T>(dir: string, fn: (inventory: Inventory) => T): T {
  const inventory = openInventory(dir);
  try {
    return fn(inventory);
  } finally {
    inventory.close();
  }
}
