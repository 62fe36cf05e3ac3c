// Withdrawing an image (README "Backend: withdrawing an image and removing a supplier"): a
// Primary offered a withdrawn image by a stale Director refuses it (MissingTarget) and keeps
// what it runs; `uptane image withdraw` lists the vehicles that run it, each with an alert,
// ends its open assignments, and the Director never assigns it again (one ECU or a campaign).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { removeTempDirs } from "../helpers/image-backend.ts";
import { servedVehicle, type ServedVehicle } from "../helpers/served-vehicle.ts";
import { withdrawTarget } from "../../backend/image/withdraw.ts";
import { openInventory } from "../../backend/inventory/location.ts";
import { uptane } from "../helpers/uptane-in-process.ts";
import { DirectorApiError } from "../../app/vehicle/director-api.ts";

let world: ServedVehicle;

test.before(async () => {
  world = await servedVehicle("RECALL1", [["brake-1.bin", 1], ["brake-2.bin", 2], ["brake-3.bin", 3]]);
});

test.after(async () => {
  await world.stop();
  await removeTempDirs();
});

test("a Primary offered a withdrawn image by a stale Director refuses it and keeps what it runs", async () => {
  assert.is(await world.assignment("brake-1", "brake-1.bin"), "assigned");
  assert.is((await world.cycle()).installed.get("brake-1")?.filename, "brake-1.bin");
  assert.is(await world.assignment("brake-1", "brake-2.bin"), "assigned");
  // Out of the Image repository only: the Director still offers it (stale).
  const r = await withdrawTarget(world.dir, "brake-2.bin");
  assert.is(r.removed, true);
  assert.is(r.role, "targets");
  const stale = await world.cycle();
  assert.is(stale.report.outcome, "MissingTarget", JSON.stringify(stale.report));
  assert.is(stale.installed.get("brake-1")?.filename, "brake-1.bin");
  // The Director's part of the withdrawal for an image already out of the repository.
  const out = await uptane("image", "withdraw", world.dir, "brake-2.bin", "--json");
  assert.is(out.code, 0, out.out + out.err);
  const doc = JSON.parse(out.out);
  assert.equal(doc.assignmentsEnded, [{ vin: "RECALL1", ecuSerial: "brake-1", was: "published" }]);
  assert.is(doc.removedFromRepository, false);
  assert.not.equal((await world.cycle()).report.outcome, "MissingTarget", "the vehicle's targets no longer name it");
});

test("uptane image withdraw: the vehicles running it are listed and alerted, its campaign paused, and it is never assigned again", async () => {
  const campaign = await world.api.campaign("brake-ctl", "brake-1.bin");
  const out = await uptane("image", "withdraw", world.dir, "brake-1.bin", "--json");
  assert.is(out.code, 0, out.out + out.err);
  const doc = JSON.parse(out.out);
  assert.equal(doc.campaignsPaused, [campaign.campaignId]);
  const resumed = await uptane("campaign", "resume", world.dir, String(campaign.campaignId), "--json");
  assert.is(JSON.parse(resumed.out).error, "image-withdrawn", resumed.out);
  assert.is(doc.removedFromRepository, true);
  assert.equal(doc.running, [{ vin: "RECALL1", ecuSerial: "brake-1", releaseCounter: 1 }]);
  const inventory = openInventory(world.dir);
  try {
    const alert = inventory.alertsOf("RECALL1").find((a) => a.kind === "image-withdrawn");
    assert.is(alert?.ecu_serial, "brake-1");
    assert.match(String(alert?.detail), /brake-1\.bin/);
  } finally {
    inventory.close();
  }
  assert.is(await world.assignment("brake-1", "brake-1.bin"), "image-withdrawn");
  try {
    await world.api.campaign("brake-ctl", "brake-1.bin");
    assert.unreachable("a campaign of a withdrawn image");
  } catch (e) {
    if (!(e instanceof DirectorApiError)) throw e;
    assert.is(e.code, "image-withdrawn");
  }
  const again = await uptane("image", "withdraw", world.dir, "brake-1.bin", "--json");
  assert.is(again.code, 1);
  assert.is(JSON.parse(again.out).error, "image-withdrawn");
  // What is not withdrawn still installs.
  assert.is(await world.assignment("brake-1", "brake-3.bin"), "assigned");
  assert.is((await world.cycle()).installed.get("brake-1")?.filename, "brake-3.bin");
});

test.run();
