// What the inventory asks of a database engine (SQLite or PostgreSQL): synchronous
// queries with `?` placeholders, nested transactions (the inner ones savepoints) that
// hold the write lock from their start, and the append-only migrations applied on open.

/** The vehicles a transaction writes, when it writes no other vehicle's rows and nothing shared. */
export interface TransactionScope {
  vins: readonly string[];
}

export interface SqlEngine {
  readonly kind: "sqlite" | "postgres";
  /** Every row of a query. */
  all<T>(sql: string, params?: unknown[]): T[];
  /** The first row of a query, or undefined. */
  get<T>(sql: string, params?: unknown[]): T | undefined;
  /** Runs a statement; returns how many rows it changed. */
  run(sql: string, params?: unknown[]): number;
  /**
   * Runs a statement whose result nobody needs. Inside a transaction PostgreSQL sends it
   * with the next query (one round trip for several); an error in it then surfaces there,
   * within the same savepoint, and rolls that savepoint back as the statement would have.
   */
  exec(sql: string, params?: unknown[]): void;
  /** Runs an INSERT into a table with an `id` column; returns the new row's id. */
  insert(sql: string, params?: unknown[]): number;
  /**
   * Runs `fn` in a transaction that takes the write lock when it begins (one writer at a
   * time across every process on the database), or in a savepoint when one is open;
   * rolls back when `fn` throws. With `scope.vins` the outermost transaction writes only
   * those vehicles' rows: PostgreSQL then takes their locks (and the database-wide lock
   * shared), so transactions on other vehicles run at once; SQLite takes its one lock.
   */
  transaction<T>(fn: () => T, scope?: TransactionScope): T;
  /**
   * `n` new ids of `table`'s id column, taken now (so rows can be inserted with `exec`,
   * without waiting for their ids); null where ids come only from inserting (SQLite).
   */
  reserveIds(table: string, n: number): number[] | null;
  /** Whether the open transaction holds the write lock for every row (false inside a per-vehicle transaction on PostgreSQL). */
  holdsGlobalLock(): boolean;
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
