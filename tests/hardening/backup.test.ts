// Backups of the inventory database hold every vehicle's keys and reports: created 0600
// whatever the umask (as the database itself, tests/hardening/director-served-files.test.ts),
// in a backup folder of mode 0700, never into a folder that is not a backup, and consistent
// while the database is in use.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, readdirSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateSigningKey } from "../../model/keys.ts";
import { openDirector } from "../../backend/director/part.ts";
import { Inventory } from "../../backend/inventory/inventory.ts";
import { newBackend, removeTempDirs, tempDir } from "../helpers/image-backend.ts";
import { uptane } from "../helpers/uptane-in-process.ts";

test("uptane backup writes a consistent copy of the inventory, mode 0600 under a permissive umask, never into another folder", async () => {
  const dir = await newBackend();
  const out = join(await tempDir(), "backup");
  const director = openDirector(dir); // open meanwhile, as a running serve holds it
  const umask = process.umask(0o022);
  try {
    director.addVehicle("VINBACKUP01", [{ serial: "gw", hardwareId: "gateway", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: true }]);
    const r = await uptane("backup", dir, out, "--json");
    assert.is(r.code, 0, r.out + r.err);
    const done = JSON.parse(r.out);
    assert.is(statSync(out).mode & 0o777, 0o700);
    const listing = JSON.parse(readFileSync(done.listing, "utf8"));
    const copyPath = join(out, "objects", listing.inventory.sha256.slice(0, 2), listing.inventory.sha256);
    assert.is(statSync(copyPath).mode & 0o777, 0o600);
    const copy = Inventory.open(copyPath);
    try {
      assert.ok(copy.vehicleExists("VINBACKUP01"));
      assert.is(copy.latestDirectorRootVersion(), 1);
    } finally {
      copy.close();
    }
    assert.ok(!listing.files.some((f: { path: string }) => f.path.startsWith("keys/")), "no keys unless asked");
    const taken = join(await tempDir(), "taken");
    mkdirSync(taken);
    writeFileSync(join(taken, "notes.txt"), "not a backup");
    const again = await uptane("backup", dir, taken);
    assert.is(again.code, 1);
    assert.match(again.err, "not a backup");
    assert.equal(readdirSync(taken), ["notes.txt"]);
  } finally {
    process.umask(umask);
    director.close();
    await removeTempDirs();
  }
});

test.run();
