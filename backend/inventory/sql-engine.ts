// What the inventory asks of a database engine (SQLite or PostgreSQL): synchronous
// queries with `?` placeholders, nested transactions (the inner ones savepoints) that
// hold the write lock from their start, and the append-only migrations applied on open.

export interface SqlEngine {
  readonly kind: "sqlite" | "postgres";
  /** Every row of a query. */
  all<T>(sql: string, params?: unknown[]): T[];
  /** The first row of a query, or undefined. */
  get<T>(sql: string, params?: unknown[]): T | undefined;
  /** Runs a statement; returns how many rows it changed. */
  run(sql: string, params?: unknown[]): number;
  /** Runs an INSERT into a table with an `id` column; returns the new row's id. */
  insert(sql: string, params?: unknown[]): number;
  /**
   * Runs `fn` in a transaction that takes the write lock when it begins (one writer at a
   * time across every process on the database), or in a savepoint when one is open;
   * rolls back when `fn` throws.
   */
  transaction<T>(fn: () => T): T;
  /** Number of migrations applied. */
  schemaVersion(): number;
  /** Applies the migrations after the ones applied, in one transaction. */
  migrate(migrations: string[]): void;
  /** The inventory's tables (tests compare every row before and after a refusal). */
  tableNames(): string[];
  close(): void;
}

/** An optional peer dependency the inventory needs (better-sqlite3 or pg) is not installed; the message says what to install. */
export class DatabaseDriverMissing extends Error {}

/** Refuses a database whose schema is newer than the migrations this program knows. */
export function checkSchemaVersion(current: number, known: number): void {
  if (current > known) throw new Error(`inventory schema version ${current} is newer than this program knows (${known})`);
}
