// The inventory on SQLite through better-sqlite3 (the embedded default): one file, WAL so
// the CLI reads beside a running `serve`, `synchronous=FULL` so a commit survives a power
// cut, and `BEGIN IMMEDIATE` so a transaction holds the write lock from its start.
import { chmodSync, closeSync, openSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import type Database from "better-sqlite3";
import { checkSchemaVersion, DatabaseDriverMissing, type SqlEngine, type TransactionScope } from "./sql-engine.ts";

/** The install hint when better-sqlite3 is missing (it is an optional peer dependency: the vehicle side never needs it). */
export const SQLITE_MISSING = "the backend's inventory database needs better-sqlite3, which is not installed: npm install better-sqlite3";

/** better-sqlite3, loaded when a backend first needs it: nothing else in the package does. */
function sqlite(): typeof Database {
  try {
    return createRequire(import.meta.url)("better-sqlite3") as typeof Database;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") throw new DatabaseDriverMissing(SQLITE_MISSING);
    throw err;
  }
}

/** Throws SQLITE_MISSING when better-sqlite3 is not installed. */
export function checkSqliteInstalled(): void {
  sqlite();
}

/**
 * The database holds every vehicle's keys and reports: readable by its owner only. It is
 * created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the database
 * file's mode), and an existing one readable by others is narrowed to 0600.
 */
function createPrivately(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
}

export class SqliteEngine implements SqlEngine {
  readonly kind = "sqlite";
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(path: string) {
    const Sqlite = sqlite();
    createPrivately(path);
    this.db = new Sqlite(path);
    this.db.pragma("journal_mode = WAL"); // readers never block the writer (CLI next to `serve`)
    this.db.pragma("synchronous = FULL"); // a committed transaction survives a power cut
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
  }

  /** A prepared statement, prepared once per SQL text. */
  private q(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  all<T>(sql: string, params: unknown[] = []): T[] {
    return this.q(sql).all(...params) as T[];
  }

  get<T>(sql: string, params: unknown[] = []): T | undefined {
    return this.q(sql).get(...params) as T | undefined;
  }

  run(sql: string, params: unknown[] = []): number {
    return this.q(sql).run(...params).changes;
  }

  exec(sql: string, params: unknown[] = []): void {
    this.q(sql).run(...params);
  }

  /** A consistent copy at `path` (SQLite's online backup), created 0600 before SQLite writes into it, never over a file. */
  async backup(path: string): Promise<void> {
    closeSync(openSync(path, "wx", 0o600));
    try {
      await this.db.backup(path);
    } catch (e) {
      rmSync(path, { force: true });
      throw e;
    }
  }

  insert(sql: string, params: unknown[] = []): number {
    return Number(this.q(sql).run(...params).lastInsertRowid);
  }

  transaction<T>(fn: () => T, _scope?: TransactionScope): T {
    // better-sqlite3 turns a transaction begun inside another into a savepoint. One file,
    // one writer: a scope changes nothing here.
    return this.db.transaction(fn).immediate();
  }

  reserveIds(): null {
    return null; // in-process: an insert's id costs no round trip
  }

  holdsGlobalLock(): boolean {
    return true;
  }

  schemaVersion(): number {
    return this.db.pragma("user_version", { simple: true }) as number;
  }

  migrate(migrations: string[]): void {
    const current = this.schemaVersion();
    checkSchemaVersion(current, migrations.length);
    this.transaction(() => {
      for (let v = current; v < migrations.length; v++) {
        this.db.exec(migrations[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      }
    });
  }

  tableNames(): string[] {
    return this.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((r) => r.name);
  }

  /** SQLite's own consistency checks (tests): "ok" and no dangling foreign key. */
  integrity(): { integrity: unknown; foreignKeys: unknown[] } {
    return { integrity: this.db.pragma("integrity_check", { simple: true }), foreignKeys: this.db.pragma("foreign_key_check") as unknown[] };
  }

  close(): void {
    this.db.close();
  }
}
