// The real aktualizr updates from our backend (README "Serving aktualizr"): it registers,
// reads the Director and Image repository in the OTA Connect dialect, downloads, checks and
// installs the assigned image with its fake package manager, and reports; the Director
// records the install as it records our Primary's (assignment, install result, installed
// image and release counter). A second image installs in a later run; an assignment below
// the installed release counter is refused; a replayed manifest and a manifest sent with
// another VIN's certificate change nothing. Our Uptane 2.1 Primary and tuf-js update from
// the same backend in the same run.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { serveBackend, type ServedBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import type { Inventory } from "../../backend/inventory/inventory.ts";
import { openDirector } from "../../backend/director/part.ts";
import { addImage } from "../../backend/image/repository.ts";
import { API_TOKEN_FILE } from "../../backend/http/api-token.ts";
import { newBackend, removeTempDirs, tempDir, TufClient } from "../helpers/image-backend.ts";
import { withInventory, aktualizrDevice, deviceCredentials, runAktualizrOnce, type AktualizrDevice } from "../helpers/aktualizr.ts";
import { tlsFetch } from "../helpers/tls.ts";

let dir = "";
let work = "";
let served: ServedBackend;
let gateway = "";
let device: AktualizrDevice;

test.before(async () => {
  dir = await newBackend();
  work = await tempDir();
  served = await serveBackend(dir);
  gateway = `${served.url}/aktualizr`;
  device = await aktualizrDevice(dir, "AKTUPD0000000001", gateway);
});

test.after(async () => {
  await close(served.server);
  await removeTempDirs();
});

const inventory = <T>(fn: (inv: Inventory) => T): T => withInventory(dir, fn);

async function image(name: string, fill: number, releaseCounter: number): Promise<void> {
  const file = join(work, `${fill}.bin`);
  await writeFile(file, Buffer.alloc(4000 + fill, fill));
  await addImage(dir, file, { name, hardwareIds: [device.hardwareId], releaseCounter });
}

async function assign(name: string) {
  const director = openDirector(dir);
  try {
    return await director.assign(device.vin, device.primarySerial, name);
  } finally {
    director.close();
  }
}

const installResults = () => inventory((inv) => inv.sql.all("SELECT filename, success, code FROM install_results WHERE vin = ? ORDER BY id", [device.vin])) as Array<{ filename: string; success: number; code: string }>;

test("register, update, install with the fake package manager, report: the Director shows the install", async () => {
  const first = await runAktualizrOnce(device);
  assert.match(first.log, /No new updates found/, first.log);
  await image("akt/fw-2.bin", 2, 2);
  assert.is((await assign("akt/fw-2.bin")).status, "published");
  const run = await runAktualizrOnce(device);
  assert.match(run.log, /Installing package using fake package manager/, run.log);
  assert.match(run.log, /AllInstallsComplete event with status: "OK"/);
  const [assignment] = inventory((inv) => inv.assignmentsOf(device.vin));
  assert.is(assignment!.status, "installed");
  const ecu = inventory((inv) => inv.ecu(device.primarySerial))!;
  assert.is(ecu.installed_filename, "akt/fw-2.bin");
  assert.is(ecu.installed_length, 4002);
  assert.is(ecu.installed_release_counter, 2, "the release counter of the assigned image it reports installed");
  assert.equal(installResults(), [{ filename: "akt/fw-2.bin", success: 1, code: "OK" }], "aktualizr's own result code, from its installation report");
  // What aktualizr sent beside its manifests is kept as the vehicle's telemetry.
  const kinds = inventory((inv) => inv.telemetryOf(device.vin)).map((t) => t.kind);
  for (const kind of ["installed", "network", "config", "events"]) assert.ok(kinds.includes(kind as never), kind);
});

test("a second image assigned later installs in a later run", async () => {
  await image("akt/fw-3.bin", 3, 3);
  await assign("akt/fw-3.bin");
  const run = await runAktualizrOnce(device);
  assert.match(run.log, /Installing package using fake package manager/, run.log);
  const ecu = inventory((inv) => inv.ecu(device.primarySerial))!;
  assert.is(ecu.installed_filename, "akt/fw-3.bin");
  assert.is(ecu.installed_release_counter, 3);
  assert.equal(inventory((inv) => inv.assignmentsOf(device.vin)).map((a) => a.status), ["installed", "installed"]);
});

test("an assignment below the installed release counter is refused by the Director; aktualizr then finds nothing new", async () => {
  await image("akt/fw-1.bin", 1, 1);
  try {
    await assign("akt/fw-1.bin");
    assert.unreachable("assigned an image below the installed release counter");
  } catch (e) {
    assert.is((e as { code?: string }).code, "release-counter-rollback");
  }
  const run = await runAktualizrOnce(device);
  assert.match(run.log, /No new updates found/, run.log);
  assert.is(inventory((inv) => inv.ecu(device.primarySerial))!.installed_filename, "akt/fw-3.bin");
});

test("aktualizr's last manifest sent again is refused as a replay (its report counter is not above the last); nothing is recorded", async () => {
  const last = inventory((inv) => inv.sql.get("SELECT body FROM manifests WHERE vin = ? ORDER BY id DESC LIMIT 1", [device.vin])) as { body: string };
  const count = () => inventory((inv) => inv.count("manifests", "vin = ?", device.vin));
  const before = count();
  const creds = await deviceCredentials(dir, device.vin);
  const r = await tlsFetch(`${gateway}/director/manifest`, creds, { method: "PUT", body: last.body });
  assert.is(r.status, 409);
  assert.is(r.json().error, "replayed-report");
  assert.is(count(), before);
});

test("our Uptane 2.1 manifest path refuses an aktualizr vehicle: it reports in the dialect, where its counter is checked", async () => {
  const manifest = { signatures: [], signed: { _type: "vehicle-manifest", vin: device.vin, primarySerial: device.primarySerial, ecuVersionReports: [] } };
  const r = await tlsFetch(`${served.url}/director/vehicles/${device.vin}/manifest`, await deviceCredentials(dir, device.vin), { method: "POST", body: JSON.stringify(manifest) });
  assert.is(r.status, 409);
  assert.is(r.json().error, "wrong-profile");
});

test("a certificate of another VIN cannot report for this vehicle", async () => {
  const last = inventory((inv) => inv.sql.get("SELECT body FROM manifests WHERE vin = ? ORDER BY id DESC LIMIT 1", [device.vin])) as { body: string };
  const other = await aktualizrDevice(dir, "AKTUPD0000000002", gateway);
  await runAktualizrOnce(other); // registers its own ECUs
  const before = inventory((inv) => inv.count("manifests"));
  const r = await tlsFetch(`${gateway}/director/manifest`, await deviceCredentials(dir, other.vin), { method: "PUT", body: last.body });
  assert.is(r.status, 400);
  assert.is(r.json().error, "unknown-primary");
  assert.is(inventory((inv) => inv.count("manifests")), before);
});

test("our Uptane 2.1 Primary (uptane simulate) and tuf-js update from the same backend", async () => {
  const tuf = await TufClient.create(dir, served.url);
  const fw = await tuf.fetchTarget("akt/fw-2.bin");
  assert.is(fw?.length, 4002);
  const config = join(work, "car.json");
  await writeFile(config, JSON.stringify({ vin: "UPTANEBESIDEAKT1", primary: { serial: "ub-gw", hardwareId: device.hardwareId }, buses: {}, secondaries: [] }));
  const state = join(work, "state");
  const ca = join(dir, "tls", "server-ca.pem");
  const enrol = await cli("simulate", "--config", config, "--server", served.url, "--ca", ca, "--state", state, "--token-file", join(dir, API_TOKEN_FILE));
  assert.is(enrol.code, 0, enrol.out);
  const director = openDirector(dir);
  try {
    await director.assign("UPTANEBESIDEAKT1", "ub-gw", "akt/fw-3.bin");
  } finally {
    director.close();
  }
  const r = await cli("simulate", "--config", config, "--server", served.url, "--state", state, "--cycles", "2", "--json");
  assert.is(r.code, 0, r.out);
  assert.is(inventory((inv) => inv.ecu("ub-gw"))!.installed_filename, "akt/fw-3.bin");
});

/** The bundled CLI as a child (the backend answers from this process). */
function cli(...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "../../dist/uptane.mjs"), ...args]);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out }));
  });
}

test.run();
