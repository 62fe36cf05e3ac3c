// `uptane init DIR`: a new OEM backend. Creates DIR if missing, refuses a folder that already
// holds a backend (or anything else), runs every part's init, and writes the marker file
// last so a half-made backend is never mistaken for a complete one.
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { diskWriter } from "./fs/atomic-write.ts";
import { backendParts, type InitContext } from "./parts.ts";
import { checkSqliteInstalled } from "./inventory/sqlite-engine.ts";
import { checkNoDirectorYet } from "./inventory/location.ts";
import { BACKEND_MARKER, markerBytes } from "./marker.ts";
import { rsaBitsOption, tokenConfigOption, tokenRolesOption } from "./keys/key-options.ts";
import { checkToken, destroyTokenKey, TOKEN_REFERENCE_SUFFIX, tokenKeyFromReference } from "./keys/pkcs11-token.ts";

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
  // A token named for the keys must open (module, label, PIN file, PIN) before anything is made.
  const token = tokenConfigOption(options.values);
  tokenRolesOption(options.values);
  rsaBitsOption(options.values);
  if (token) checkToken(token);
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
    // A refused init leaves nothing: the keys it made in a token, the folders it made, or the empty folder it was given.
    if (token) await destroyReferencedKeys(join(dir, "keys"));
    if (created !== undefined) await rm(created, { recursive: true, force: true });
    else for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
    throw err;
  }
}

/** Removes from their token the keys that references under `folder` name (best effort: a refused init's keys). */
async function destroyReferencedKeys(folder: string): Promise<void> {
  const entries = await readdir(folder, { recursive: true }).catch(() => [] as string[]);
  for (const name of entries) {
    if (!name.endsWith(TOKEN_REFERENCE_SUFFIX)) continue;
    try {
      destroyTokenKey(tokenKeyFromReference(await readFile(join(folder, name), "utf8")));
    } catch {
      // a reference that cannot be read or a token that refuses: the key stays, unreferenced
    }
  }
}
