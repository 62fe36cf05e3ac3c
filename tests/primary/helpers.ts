// Small shared test helpers for the Primary's tests.
import * as assert from "uvu/assert";

/** Awaits `fn`, asserts it rejects, and returns the error (checked against a class and/or message pattern). */
export async function rejects<E extends Error = Error>(fn: () => Promise<unknown>, kind?: (new (...args: any[]) => E) | RegExp, pattern?: RegExp): Promise<E> {
  let error: unknown;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  if (error === undefined) assert.unreachable("expected a rejection");
  if (kind instanceof RegExp) assert.match((error as Error).message, kind);
  else if (kind) assert.instance(error, kind, `expected ${kind.name}, got ${(error as Error)?.name}: ${(error as Error)?.message}`);
  if (pattern) assert.match((error as Error).message, pattern);
  return error as E;
}
