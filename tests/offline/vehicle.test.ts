// PURE-2 offline updates on a vehicle (README "Offline updates"): the Primary verifies the
// bundle, hands its full-verification Secondaries their metadata and image over the CAN
// bus, installs its own; back online, the manifest shows the install and the Director
// records it; the Offline-update Snapshot a normal cycle brings revokes older bundles.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { readFileSync, writeFileSync } from "node:fs";
import { DemoWorld, RELEASES } from "../../app/vehicle/demo-world.ts";
import { parseVehicleConfig } from "../../app/vehicle/config.ts";
import { Vehicle } from "../../app/vehicle/vehicle.ts";
import { DIRECTOR_ROOT_DIR } from "../../backend/director/director.ts";
import { SERVER_CA_FILE } from "../../backend/tls/layout.ts";
import { HttpFetcher } from "../../host/primary/index.ts";
import { openInventory } from "../../backend/inventory/location.ts";
import { uptane } from "../helpers/uptane-in-process.ts";

const GATEWAY = { name: "oem/gateway-2.bin", hardwareId: "gateway", releaseCounter: 2, bytes: 6 * 1024 };

async function offlineCreate(world: DemoWorld, out: string, name: string, targets: string[]): Promise<string> {
  const folder = join(world.work, out);
  const r = await uptane("offline", "create", world.dir, "--name", name, ...targets.flatMap((t) => ["--target", t]), "--out", folder, "--json");
  assert.is(r.code, 0, r.out + r.err);
  return folder;
}

test("a registered vehicle installs an offline update (Primary and a full Secondary over CAN); back online the Director records it", async () => {
  const world = await DemoWorld.start();
  try {
    await world.oemRelease(RELEASES.adas);
    await world.oemRelease(GATEWAY);
    const first = await world.cycle(); // online once: registered, time attested, nothing assigned
    assert.is(first.manifestAccepted, true);
    const bundle = await offlineCreate(world, "workshop-1", "workshop", [`adas-cam=${RELEASES.adas.name}`, `gateway=${GATEWAY.name}`]);

    const report = await world.vehicle.installOffline(bundle);
    const by = new Map(report.ecus.map((e) => [e.serial, e]));
    assert.is(report.refusedBy, null, JSON.stringify(report));
    assert.is(by.get("gateway-1")!.outcome, "Installed");
    assert.is(by.get("gateway-1")!.detail, GATEWAY.name);
    assert.is(by.get("adas-cam")!.outcome, "Installed", JSON.stringify(by.get("adas-cam")));
    assert.is(by.get("adas-cam")!.installed?.filename, RELEASES.adas.name);
    assert.ok(by.get("adas-cam")!.bytes > RELEASES.adas.bytes, "metadata and image went over the bus");
    assert.is(by.get("brake-front")!.outcome, "NotServed", "no brake image in this update");

    // Back online: the next manifest carries the installs; the Director records them.
    const online = await world.cycle();
    assert.is(online.manifestAccepted, true);
    const view = new Map(world.directorView().map((e) => [e.serial, e]));
    assert.is(view.get("adas-cam")!.installedFilename, RELEASES.adas.name);
    assert.is(view.get("adas-cam")!.releaseCounter, RELEASES.adas.releaseCounter);
    assert.is(view.get("gateway-1")!.installedFilename, GATEWAY.name);
    assert.is(view.get("gateway-1")!.releaseCounter, GATEWAY.releaseCounter);
  } finally {
    await world.close();
  }
});

test("the Offline-update Snapshot a normal cycle brings makes an older bundle a rollback", async () => {
  const world = await DemoWorld.start();
  try {
    await world.oemRelease(RELEASES.adas);
    await world.oemRelease(GATEWAY);
    const older = await offlineCreate(world, "v1", "workshop", [`gateway=${GATEWAY.name}`]);
    await offlineCreate(world, "v2", "workshop", [`adas-cam=${RELEASES.adas.name}`]); // workshop v2, snapshot v2
    const online = await world.cycle(); // takes the Offline-update Snapshot v2 (PURE-2 online step)
    assert.is(online.outcome, "NoUpdate", JSON.stringify(online));
    const report = await world.vehicle.installOffline(older);
    assert.is(report.refusedBy, "gateway-1");
    assert.is(report.outcome, "RollbackAttack", report.detail);
    assert.match(report.detail, /offline-update-targets/);
    assert.is(world.vehicle.primary.status.installed.image, null, "nothing installed");
    // the refusal goes to the Director in the next manifest
    const next = await world.cycle();
    assert.is(next.manifestAccepted, true);
  } finally {
    await world.close();
  }
});

test("factory load-out: a vehicle never seen online installs the bundle, then registers and reports it", async () => {
  const world = await DemoWorld.start();
  try {
    await world.oemRelease(RELEASES.adas);
    await world.oemRelease(GATEWAY);
    const bundle = await offlineCreate(world, "factory", "factory-line-3", [`adas-cam=${RELEASES.adas.name}`, `gateway=${GATEWAY.name}`]);
    // At the end of the line: ECU keys made, roots pinned; not registered, never online.
    const config = parseVehicleConfig({
      vin: "FACTORY0VIN000001",
      primary: { serial: "f-gw", hardwareId: "gateway" },
      secondaries: [{ serial: "f-cam", hardwareId: "adas-cam", mode: "full", bus: "canfd-5m" }],
    });
    const state = join(world.work, "factory-vehicle");
    const registrations = await Vehicle.provision(config, state, {
      directorRoot: readFileSync(join(world.dir, DIRECTOR_ROOT_DIR, "1.root.json")),
      imageRoot: readFileSync(join(world.dir, "image", "repository", "1.root.json")),
    });
    const offline = await Vehicle.open(state, { fetcher: new HttpFetcher("https://127.0.0.1:1") });
    assert.is(offline.primary.status.time, null, "no attested time yet");
    const report = await offline.installOffline(bundle);
    const by = new Map(report.ecus.map((e) => [e.serial, e]));
    assert.is(report.refusedBy, null, JSON.stringify(report));
    assert.is(by.get("f-gw")!.outcome, "Installed");
    assert.is(by.get("f-cam")!.outcome, "Installed");

    // Registered later; its first manifest reports what the factory installed.
    const serverCa = readFileSync(join(world.dir, SERVER_CA_FILE), "utf8");
    const { tlsCertificate } = await world.api.registerVehicle(config.vin, registrations, Vehicle.tlsPublicKey(state));
    Vehicle.installTlsCredentials(state, tlsCertificate!, serverCa);
    const vehicle = await Vehicle.open(state, { fetcher: new HttpFetcher(world.url, { tls: Vehicle.tlsOptions(state) }) });
    const online = await vehicle.runCycle();
    assert.is(online.manifestAccepted, true, JSON.stringify(online));
    const director = openInventory(world.dir);
    try {
      const ecus = new Map(director.ecusOf(config.vin).map((e) => [e.serial, e]));
      assert.is(ecus.get("f-gw")!.installed_filename, GATEWAY.name);
      assert.is(ecus.get("f-cam")!.installed_filename, RELEASES.adas.name);
      assert.is(ecus.get("f-cam")!.installed_release_counter, RELEASES.adas.releaseCounter);
    } finally {
      director.close();
    }
  } finally {
    await world.close();
  }
});

test("uptane simulate --offline: a vehicle enrolled from the command line installs the bundle over its buses, then reports it", async () => {
  const world = await DemoWorld.start();
  try {
    await world.oemRelease(RELEASES.adas);
    const bundle = await offlineCreate(world, "cli", "cli-update", [`adas-cam=${RELEASES.adas.name}`]);
    const config = join(world.work, "car.json");
    writeFileSync(config, JSON.stringify({ vin: "CLI0VIN0000000001", primary: { serial: "c-gw", hardwareId: "gateway" }, secondaries: [{ serial: "c-cam", hardwareId: "adas-cam", mode: "full", bus: "can-500k" }] }));
    const common = ["--config", config, "--server", world.url, "--ca", join(world.dir, SERVER_CA_FILE), "--state", join(world.work, "cli-car"), "--token-file", join(world.dir, "keys/api-token"), "--json"];
    const r = await uptane("simulate", ...common, "--offline", bundle, "--cycles", "1");
    assert.is(r.code, 0, r.out + r.err);
    const doc = JSON.parse(r.out) as { cycles: Array<{ ecus: Array<{ serial: string; outcome: string }>; manifestAccepted: boolean | null }> };
    assert.is(doc.cycles.length, 2, "the offline update, then one cycle");
    assert.is(doc.cycles[0]!.ecus.find((e) => e.serial === "c-cam")!.outcome, "Installed");
    assert.is(doc.cycles[1]!.manifestAccepted, true);
    const inventory = openInventory(world.dir);
    try {
      assert.is(inventory.ecusOf("CLI0VIN0000000001").find((e) => e.serial === "c-cam")!.installed_filename, RELEASES.adas.name);
    } finally {
      inventory.close();
    }
    // a bundle that does not match its listing is refused before anything is verified
    writeFileSync(join(bundle, "images", ...RELEASES.adas.name.split("/")), "tampered");
    const bad = await uptane("simulate", ...common, "--offline", bundle);
    assert.is(bad.code, 1, bad.out);
    assert.is(JSON.parse(bad.out).error, "vehicle-refused");
  } finally {
    await world.close();
  }
});

test.run();
