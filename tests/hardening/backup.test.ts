// Backups of the inventory database hold every vehicle's keys and reports: created 0600
// whatever the umask (as the database itself, tests/hardening/director-served-files.test.ts),
// never over an existing file, and consistent while the database is in use.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { statSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateSigningKey } from "../../model/keys.ts";
import { openDirector } from "../../backend/director/part.ts";
import { Inventory } from "../../backend/inventory/inventory.ts";
import { newBackend, removeTempDirs, tempDir } from "../helpers/image-backend.ts";
import { uptane } from "../helpers/uptane-in-process.ts";

test("uptane backup writes a consistent copy of the inventory, mode 0600 under a permissive umask, never over a file", async () => {
  const dir = await newBackend();
  const out = join(await tempDir(), "inventory-backup.sqlite");
  const director = openDirector(dir); // open meanwhile, as a running serve holds it
  const umask = process.umask(0o022);
  try {
    director.addVehicle("VINBACKUP01", [{ serial: "gw", hardwareId: "gateway", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: true }]);
    const r = await uptane("backup", dir, "--out", out, "--json");
    assert.is(r.code, 0, r.out + r.err);
    assert.is(statSync(out).mode & 0o777, 0o600);
    const copy = Inventory.open(out);
    try {
      assert.ok(copy.vehicleExists("VINBACKUP01"));
      assert.is(copy.latestDirectorRootVersion(), 1);
    } finally {
      copy.close();
    }
    const taken = join(await tempDir(), "taken.sqlite");
    writeFileSync(taken, "not a database");
    const again = await uptane("backup", dir, "--out", taken);
    assert.is(again.code, 1);
    assert.match(again.err, "exists");
    assert.is(readFileSync(taken, "utf8"), "not a database");
  } finally {
    process.umask(umask);
    director.close();
    await removeTempDirs();
  }
});

test.run();
