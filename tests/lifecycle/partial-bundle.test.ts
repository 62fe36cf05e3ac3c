// A partial bundle (README "Primary ECU"): when one image of the Director's bundle cannot be
// fetched, the Primary still installs the image that does not depend on it, withholds it and
// the image a rule says requires it, and its next manifest says per ECU what was withheld and why; the Director records
// it as an alert naming the ECU (`uptane vehicle history`). A malformed report of it refuses
// the manifest.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rmSync } from "node:fs";
import { removeTempDirs } from "../helpers/image-backend.ts";
import { servedVehicle, type ServedVehicle } from "../helpers/served-vehicle.ts";
import { loadPublished } from "../../backend/image/published.ts";
import { targetFilePath } from "../../backend/image/layout.ts";
import { openInventory } from "../../backend/inventory/location.ts";
import { uptane } from "../helpers/uptane-in-process.ts";
import { parseManifest } from "../../backend/director/manifest.ts";

let world: ServedVehicle;

test.before(async () => {
  world = await servedVehicle("PARTIAL1", [["brake-x.bin", 1], ["brake-a.bin", 2], ["brake-b.bin", 3], ["brake-c.bin", 4]], async () => {}, 3);
});

test.after(async () => {
  await world.stop();
  await removeTempDirs();
});

test("one image withheld by the network: the independent one installs, the one requiring it is withheld too, the next manifest reports both per ECU, the Director shows it", async () => {
  // One bundle holding all three: queued behind brake-x.bin, published together once it is confirmed.
  assert.is(await world.assignment("brake-1", "brake-x.bin"), "assigned");
  const rule = await uptane("rule", "add", world.dir, "--image", "brake-c.bin", "--requires", "brake-b.bin", "--json");
  assert.is(rule.code, 0, rule.out + rule.err);
  assert.is(await world.assignment("brake-1", "brake-a.bin"), "assigned");
  assert.is(await world.assignment("brake-2", "brake-b.bin"), "assigned");
  assert.is(await world.assignment("brake-3", "brake-c.bin"), "assigned");
  assert.is((await world.cycle()).installed.get("brake-1")?.filename, "brake-x.bin");
  // brake-b.bin's bytes are gone from the repository: every request for it fails.
  const b = (await loadPublished(world.dir)).targets.signed.targets["brake-b.bin"]!;
  for (const hash of Object.values(b.hashes)) rmSync(targetFilePath(world.dir, "brake-b.bin", hash));
  const first = await world.cycle();
  assert.is(first.installed.get("brake-1")?.filename, "brake-a.bin", JSON.stringify(first.report));
  assert.is(first.installed.get("brake-2"), null);
  assert.is(first.installed.get("brake-3"), null, "brake-c.bin requires the withheld brake-b.bin");
  assert.is(first.report.outcome, "TransportError", "the cycle still says what stopped the withheld image");

  const second = await world.cycle();
  assert.is(second.report.manifestAccepted, true);
  const inventory = openInventory(world.dir);
  try {
    const alert = inventory.alertsOf("PARTIAL1").find((a) => a.kind === "image-undelivered");
    assert.is(alert?.ecu_serial, "brake-2");
    assert.match(String(alert?.detail), /^brake-b\.bin: Withheld: /);
    const dependent = inventory.alertsOf("PARTIAL1").find((a) => a.kind === "image-undelivered" && a.ecu_serial === "brake-3");
    assert.match(String(dependent?.detail), /^brake-c\.bin: Withheld: requires brake-b\.bin/);
    assert.not.ok(inventory.alertsOf("PARTIAL1").some((a) => a.kind === "image-undelivered" && a.ecu_serial === "brake-1"));
  } finally {
    inventory.close();
  }
  const shown = await uptane("vehicle", "history", world.dir, "PARTIAL1", "--json");
  assert.ok(JSON.parse(shown.out).alerts.some((a: { kind: string; ecuSerial: string }) => a.kind === "image-undelivered" && a.ecuSerial === "brake-2"));
  // Reported once: the third manifest carries no more of it.
  await world.cycle();
  const inventory2 = openInventory(world.dir);
  try {
    assert.is(inventory2.alertsOf("PARTIAL1").filter((a) => a.kind === "image-undelivered" && a.ecu_serial === "brake-2").length, 2, "the second cycle withheld it again (still missing) and reported that once more");
  } finally {
    inventory2.close();
  }
});

test("a manifest whose undelivered list is malformed is refused whole", () => {
  const body = Buffer.from(JSON.stringify({ signatures: [], signed: { _type: "vehicle-manifest", vin: "PARTIAL1", primarySerial: "gw-1", ecuVersionReports: [], undelivered: [{ ecuSerial: "brake-2", target: "brake-b.bin", outcome: "<script>", detail: "" }] } }));
  try {
    parseManifest(body);
    assert.unreachable("refused");
  } catch (e) {
    assert.is((e as { code?: string }).code, "invalid-manifest");
  }
});

test.run();
