// The inventory on PostgreSQL as an OEM sets it up: `uptane init --database URL` puts the
// Director in that database and records the URL (0600: it may hold a password); a second
// backend on the same database is refused before anything is written; a password never
// appears in an error.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend } from "../backend/init.ts";
import { Inventory } from "../backend/inventory/inventory.ts";
import { DATABASE_URL_FILE, INVENTORY_FILE } from "../backend/inventory/location.ts";
import { openDirector } from "../backend/director/part.ts";
import { freshTestDatabase } from "./helpers/postgres.ts";

const work = mkdtempSync(join(tmpdir(), "inventory-postgres-"));
test.after(() => rmSync(work, { recursive: true, force: true }));

const init = (dir: string, database: string) => initBackend(dir, { values: { database: [database] }, flags: new Set(), now: new Date() });

test("init --database keeps the Director's inventory in PostgreSQL, records the URL 0600, and a second backend on that database is refused before writing", async () => {
  const url = freshTestDatabase();
  const dir = join(work, "oem");
  await init(dir, url);
  assert.is(readFileSync(join(dir, DATABASE_URL_FILE), "utf8").trim(), url);
  assert.is(statSync(join(dir, DATABASE_URL_FILE)).mode & 0o777, 0o600);
  assert.is(existsSync(join(dir, INVENTORY_FILE)), false, "no SQLite file beside it");
  const inv = Inventory.open(url);
  try {
    assert.equal(inv.directorRootVersions(), [1]);
  } finally {
    inv.close();
  }
  const director = openDirector(dir);
  try {
    director.addVehicle("PGVIN1", [{ serial: "pg-p", hardwareId: "hw", publicKeyHex: "ab".repeat(32), primary: true }]);
  } finally {
    director.close();
  }
  const check = Inventory.open(url);
  try {
    assert.equal(check.listVins(), ["PGVIN1"], "the vehicle went to PostgreSQL");
  } finally {
    check.close();
  }

  const second = join(work, "second");
  try {
    await init(second, url);
    assert.unreachable("a second backend on the same database");
  } catch (e) {
    assert.match((e as Error).message, /already holds a Director/);
  }
  assert.is(existsSync(second), false, "nothing was written");
});

test("a password in the URL never appears in an error", () => {
  const url = freshTestDatabase().replace("postgres://uptane@", "postgres://nobody:s3cret-pw@");
  try {
    Inventory.open(url);
    assert.unreachable("no such role");
  } catch (e) {
    const message = (e as Error).message;
    assert.match(message, /cannot connect to the PostgreSQL inventory/);
    assert.not.match(message, /s3cret-pw/);
  }
});

test.run();
