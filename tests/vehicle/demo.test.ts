// The `npm start` demo end to end: a real backend served over HTTP on 127.0.0.1, a
// vehicle whose Primary reaches its Secondaries over simulated CAN buses, and the
// Director's inventory afterwards. Run as functions (what the demo prints comes from them).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { plainDemo } from "../../app/vehicle/demo-script.ts";
import { DemoWorld, DEMO_VEHICLE, ENCRYPTED_DEMO_VEHICLE, RELEASES, firmware } from "../../app/vehicle/demo-world.ts";
import { parseVehicleConfig } from "../../app/vehicle/config.ts";
import { isoTime } from "../../model/iso-time.ts";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test("the demo vehicle updates from the served backend over HTTP and CAN, and every Secondary's new report reaches the Director", async () => {
  const lines: string[] = [];
  const result = await plainDemo({ log: (l) => lines.push(l) });
  const view = Object.fromEntries(result.directorView.map((r) => [r.serial, r]));
  assert.is(view["brake-front"]!.installedFilename, RELEASES.brake.name);
  assert.is(view["brake-rear"]!.installedFilename, RELEASES.brake.name);
  assert.is(view["brake-front"]!.releaseCounter, RELEASES.brake.releaseCounter);
  assert.is(view["adas-cam"]!.installedFilename, RELEASES.adas.name);
  assert.is(view["adas-cam"]!.releaseCounter, RELEASES.adas.releaseCounter);
  assert.is(view["gateway-1"]!.installedFilename, null);
  // What the ECUs run is the signed firmware, byte for byte (by hash).
  const last = result.cycles.at(-1)!;
  const ecu = Object.fromEntries(last.ecus.map((e) => [e.serial, e]));
  assert.is(ecu["brake-rear"]!.installed?.hashes.sha256, sha256(firmware(RELEASES.brake.name, RELEASES.brake.bytes)));
  assert.is(ecu["adas-cam"]!.installed?.hashes.sha256, sha256(firmware(RELEASES.adas.name, RELEASES.adas.bytes)));
  // The brake bundle installs in cycle 1; the camera's is held back until it is confirmed.
  const first = Object.fromEntries(result.cycles[0]!.ecus.map((e) => [e.serial, e.outcome]));
  assert.equal(first, { "gateway-1": "Verified", "brake-front": "Installed", "brake-rear": "Installed", "adas-cam": "NoUpdate" });
  assert.is(result.cycles[1]!.ecus.find((e) => e.serial === "adas-cam")!.outcome, "Installed");
  for (const c of result.cycles) assert.ok(c.manifestAccepted, "every manifest was accepted");
  // Classic CAN 500k takes longer than CAN FD 2M for the same image.
  const rows = Object.fromEntries(result.summary.map((r) => [r.serial, r]));
  assert.ok(rows["brake-rear"]!.busMs > 3 * rows["brake-front"]!.busMs, "classic CAN is slower than CAN FD");
  assert.ok(rows["brake-front"]!.bytes > RELEASES.brake.bytes, "the image crossed the bus");
  assert.ok(lines.some((l) => l.startsWith("Director's view")));
  assert.not.ok(existsSync(result.work), "the temporary folder is removed");
});

test("the encrypted demo (npm start -- --encrypted): the Director encrypts each Secondary's images for its key; each decrypts in its module and runs the signed plaintext, which the Director sees", async () => {
  const lines: string[] = [];
  const result = await plainDemo({ log: (l) => lines.push(l), config: ENCRYPTED_DEMO_VEHICLE });
  const view = Object.fromEntries(result.directorView.map((r) => [r.serial, r]));
  assert.is(view["brake-front"]!.installedFilename, RELEASES.brake.name);
  assert.is(view["brake-rear"]!.installedFilename, RELEASES.brake.name);
  assert.is(view["adas-cam"]!.installedFilename, RELEASES.adas.name);
  const last = Object.fromEntries(result.cycles.at(-1)!.ecus.map((e) => [e.serial, e]));
  assert.is(last["brake-front"]!.installed?.hashes.sha256, sha256(firmware(RELEASES.brake.name, RELEASES.brake.bytes)));
  assert.is(last["adas-cam"]!.installed?.hashes.sha256, sha256(firmware(RELEASES.adas.name, RELEASES.adas.bytes)));
  // what crossed the buses was ciphertext, one file per ECU under the Director's encrypted names
  const installs = result.cycles.flatMap((c) => c.ecus.filter((e) => e.outcome === "Installed" && e.role === "secondary"));
  assert.is(installs.length, 3);
  for (const e of installs) assert.match(e.detail, /^\S+ \(decrypted from \S+\.[0-9a-f]{16}\.enc\)$/);
  assert.is(new Set(installs.map((e) => e.detail)).size, 3, "each brake controller got its own ciphertext");
  assert.ok(lines.some((l) => l.includes("decrypts in partial-enc.wasm")) && lines.some((l) => l.includes("decrypts in full-enc.wasm")));
  for (const c of result.cycles) assert.ok(c.manifestAccepted);
});

test("the demo vehicle is loaded at the factory from the live repositories: every ECU's first report carries the factory's attested time, not the epoch", async () => {
  const world = await DemoWorld.start();
  try {
    await world.vehicle.runCycle();
    const view = world.directorView();
    assert.is(view.length, 1 + DEMO_VEHICLE.secondaries.length);
    for (const row of view) assert.is(row.reported, isoTime(world.factoryTime), `${row.serial} reported the factory time`);
  } finally {
    await world.close();
  }
});

test("with 5% of frames lost on the CAN FD buses (and 5% error frames on classic CAN) the update completes through retries, cycle after cycle", async () => {
  const config = parseVehicleConfig({
    ...DEMO_VEHICLE,
    buses: {
      lossy: { bitrate: 500_000, fd: true, dataBitrate: 2_000_000, lossRate: 0.05, seed: 11 },
      noisy: { bitrate: 500_000, errorRate: 0.05, seed: 5 },
    },
    secondaries: DEMO_VEHICLE.secondaries.map((s) => ({ ...s, bus: s.bus === "can-500k" ? "noisy" : "lossy" })),
  });
  const world = await DemoWorld.start({ config });
  try {
    await world.supplierRelease(RELEASES.brake);
    await world.oemRelease(RELEASES.adas);
    await world.campaign(RELEASES.brake.hardwareId, RELEASES.brake.name);
    await world.assign("adas-cam", RELEASES.adas.name);
    const want: Record<string, string> = { "brake-front": RELEASES.brake.name, "brake-rear": RELEASES.brake.name, "adas-cam": RELEASES.adas.name };
    const done = () => world.directorView().every((r) => r.serial === "gateway-1" || r.installedFilename === want[r.serial]);
    let cycles = 0;
    while (!done() && cycles < 10) {
      const report = await world.cycle();
      cycles++;
      // Clean: nothing but the assigned image is ever installed, and no refusal is a verification failure.
      for (const e of report.ecus) {
        if (e.role === "secondary") assert.ok(e.installed === null || e.installed.filename === want[e.serial], `${e.serial} runs ${e.installed?.filename}`);
        assert.ok(["Installed", "NoUpdate", "Verified", "LinkError", "NotServed"].includes(e.outcome), `${e.serial}: ${e.outcome} ${e.detail}`);
      }
    }
    assert.ok(done(), `every Secondary's new version reached the Director (after ${cycles} cycles)`);
    // Frames were really lost on the way.
    const stats = world.vehicle.busStats();
    assert.ok(stats.get("lossy")!.lost > 10, `frames lost: ${stats.get("lossy")!.lost}`);
    assert.ok(stats.get("noisy")!.errorFrames > 10, `error frames: ${stats.get("noisy")!.errorFrames}`);
  } finally {
    await world.close();
  }
});

test.run();
