// `uptane init DIR`: a new OEM backend. Creates DIR if missing, refuses a folder that already
// holds a backend (or anything else), runs every part's init, and writes the marker file
// last so a half-made backend is never mistaken for a complete one.
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { diskWriter } from "./fs/atomic-write.ts";
import { backendParts, type InitContext } from "./parts.ts";
import { checkSqliteInstalled } from "./inventory/sqlite-engine.ts";
import { checkNoDirectorYet } from "./inventory/location.ts";
import { BACKEND_MARKER, markerBytes } from "./marker.ts";

export { BACKEND_MARKER } from "./marker.ts";

export class InitError extends Error {}

export async function isBackend(dir: string): Promise<boolean> {
  return stat(join(dir, BACKEND_MARKER)).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function initBackend(dir: string, options: Omit<InitContext, "dir"> = { values: {}, flags: new Set(), now: new Date() }): Promise<Record<string, Record<string, unknown>>> {
  if (await isBackend(dir)) throw new InitError(`${dir} already holds a backend`);
  // Before anything is written: a missing better-sqlite3, or a PostgreSQL database that is
  // unreachable or already holds a Director, leaves no half-made folder.
  const database = options.values.database?.[0];
  if (database === undefined) checkSqliteInstalled();
  else checkNoDirectorYet(database);
  let entries: string[] = [];
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new InitError(`${dir} exists and is not a folder`);
    entries = await readdir(dir);
  } catch (err) {
    if (err instanceof InitError) throw err;
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new InitError(`cannot read ${dir}: ${(err as NodeJS.ErrnoException).code}`);
  }
  if (entries.length > 0) throw new InitError(`${dir} is not empty; init needs a new or empty folder`);
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    const results: Record<string, Record<string, unknown>> = {};
    for (const part of backendParts) results[part.name] = await part.init({ dir, ...options });
    await diskWriter.write(join(dir, BACKEND_MARKER), markerBytes());
    return results;
  } catch (err) {
    // A refused init leaves nothing: the folders it made, or the empty folder it was given.
    if (created !== undefined) await rm(created, { recursive: true, force: true });
    else for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
    throw err;
  }
}
