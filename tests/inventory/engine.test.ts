// The inventory's engine, the same checks on SQLite and (UPTANE_TEST_INVENTORY=postgres)
// PostgreSQL: migrations once, all-or-nothing transactions and savepoints, 64-bit integers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Inventory } from "../../backend/inventory/inventory.ts";
import { MIGRATIONS } from "../../backend/inventory/migrations.ts";
import { INVENTORY_FILE } from "../../backend/inventory/location.ts";
import { freshTestDatabase, inventoryEngineUnderTest } from "../helpers/postgres.ts";

const engine = inventoryEngineUnderTest();
const folders: string[] = [];

/** A new, empty inventory location on the engine under test. */
function newLocation(): string {
  if (engine === "postgres") return freshTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), "inventory-test-"));
  folders.push(dir);
  return join(dir, INVENTORY_FILE);
}

test.after(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function withVehicle(inv: Inventory, vin: string): void {
  inv.insertVehicle(vin, "2026-01-01T00:00:00Z");
}

test(`${engine}: every migration is applied once, on first open, and a reopened database keeps its rows`, () => {
  const location = newLocation();
  const first = Inventory.open(location);
  assert.is(first.schemaVersion, MIGRATIONS.length);
  assert.is(first.sql.kind, engine);
  withVehicle(first, "VIN1");
  first.close();
  const again = Inventory.open(location);
  try {
    assert.is(again.schemaVersion, MIGRATIONS.length);
    assert.equal(again.listVins(), ["VIN1"]);
  } finally {
    again.close();
  }
});

test(`${engine}: a transaction that throws leaves nothing, and a failed savepoint inside a transaction undoes only its own writes`, () => {
  const inv = Inventory.open(newLocation());
  try {
    assert.throws(() => inv.transaction(() => {
      withVehicle(inv, "GONE");
      throw new Error("refused half way");
    }), /refused half way/);
    assert.is(inv.vehicleExists("GONE"), false);

    inv.transaction(() => {
      withVehicle(inv, "KEPT");
      assert.throws(() => inv.transaction(() => {
        withVehicle(inv, "INNER");
        withVehicle(inv, "KEPT"); // primary key violation inside the savepoint
      }));
      withVehicle(inv, "AFTER"); // the outer transaction goes on after the failed savepoint
    });
    assert.equal(inv.listVins(), ["AFTER", "KEPT"]);
  } finally {
    inv.close();
  }
});

test(`${engine}: ids count up per table and integers beyond 32 bits come back exact`, () => {
  const inv = Inventory.open(newLocation());
  try {
    withVehicle(inv, "V");
    inv.insertEcu({ serial: "E", vin: "V", hardwareId: "hw", publicKey: "00".repeat(32), keyid: "k", primary: true });
    const a = inv.insertCampaign({ hardwareId: "hw", target: "fw.bin", stage: "all", now: "2026-01-01T00:00:00Z" });
    const b = inv.insertCampaign({ hardwareId: "hw", target: "fw.bin", stage: "all", now: "2026-01-01T00:00:00Z" });
    assert.is(b, a + 1);
    const big = 2 ** 40 + 7; // an image of a terabyte
    const id = inv.insertAssignment({ vin: "V", serial: "E", target: "fw.bin", length: big, hashes: "{}", custom: "{}", releaseCounter: 2 ** 33, campaignId: a, now: "2026-01-01T00:00:00Z" });
    const row = inv.assignmentsOf("V").find((r) => r.id === id)!;
    assert.is(row.length, big);
    assert.is(row.release_counter, 2 ** 33);
    assert.is(inv.count("assignments", "length > ?", 2 ** 32), 1);
  } finally {
    inv.close();
  }
});

test(`${engine}: an ECU's open assignments are found through an index, not by scanning every assignment`, () => {
  const inv = Inventory.open(newLocation());
  try {
    const query = "SELECT * FROM assignments WHERE ecu_serial = ? AND status IN ('queued', 'published') ORDER BY id"; // openAssignmentsOfEcu
    let plan: string;
    if (engine === "sqlite") plan = JSON.stringify(inv.sql.all(`EXPLAIN QUERY PLAN ${query}`, ["E"]));
    else {
      inv.sql.run("SET enable_seqscan = off"); // an empty table would be scanned whatever its indexes
      plan = JSON.stringify(inv.sql.all(`EXPLAIN ${query}`, ["E"]));
    }
    assert.match(plan, /assignments_open_by_ecu/);
  } finally {
    inv.close();
  }
});

test(`${engine}: a per-vehicle transaction excludes writers of its vehicles and the database-wide writer, not writers of other vehicles`, () => {
  const location = newLocation();
  const a = Inventory.open(location);
  const b = Inventory.open(location);
  try {
    for (const vin of ["LOCKED1", "LOCKED2", "FREE"]) withVehicle(a, vin);
    const write = (inv: Inventory, vin: string) => inv.sql.run("UPDATE vehicles SET last_manifest_at = ? WHERE vin = ?", ["2026-01-02T00:00:00Z", vin]);
    if (engine === "sqlite") {
      // One file, one writer: a scope changes nothing, and every transaction holds the lock for all.
      a.transaction(() => {
        assert.is(a.sql.holdsGlobalLock(), true);
        write(a, "LOCKED1");
      }, { vins: ["LOCKED1"] });
      return;
    }
    // PostgreSQL: a second connection that would wait gives up after 300 ms instead.
    b.sql.run("SET lock_timeout = '300ms'");
    const waits = (fn: () => void) => assert.throws(fn, /lock timeout/);
    a.transaction(() => {
      assert.is(a.sql.holdsGlobalLock(), false);
      write(a, "LOCKED1");
      b.transaction(() => write(b, "FREE"), { vins: ["FREE"] }); // another vehicle: at once
      waits(() => b.transaction(() => write(b, "LOCKED2"), { vins: ["FREE", "LOCKED2"] }));
      waits(() => b.transaction(() => write(b, "FREE"))); // the database-wide writer waits for every vehicle's
    }, { vins: ["LOCKED2", "LOCKED1"] });
    a.transaction(() => {
      assert.is(a.sql.holdsGlobalLock(), true);
      write(a, "LOCKED2"); // the locks go with the transaction's first statement
      waits(() => b.transaction(() => write(b, "FREE"), { vins: ["FREE"] }));
    });
    // Released at commit: both go through now.
    b.transaction(() => write(b, "LOCKED1"), { vins: ["LOCKED1"] });
    b.transaction(() => write(b, "FREE"));
    assert.is(a.sql.holdsGlobalLock(), false); // outside any transaction
  } finally {
    a.close();
    b.close();
  }
});

test.run();
