// aktualizr's shared-credential provisioning against our backend (README "Serving
// aktualizr"): `uptane fleet-credential add` writes the PKCS#12 a factory puts in the
// device's provisioning archive; the real aktualizr POSTs /aktualizr/devices with it, gets
// its own certificate for its VIN, and registers its ECUs with that. A VIN is provisioned
// once; a revoked fleet credential provisions nothing.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { serveBackend, type ServedBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import type { Inventory } from "../../backend/inventory/inventory.ts";
import { newBackend, removeTempDirs, tempDir } from "../helpers/image-backend.ts";
import { runAktualizrOnce, sharedCredentialDevice, withInventory } from "../helpers/aktualizr.ts";
import { uptane } from "../helpers/uptane-cli.ts";

let dir = "";
let served: ServedBackend;
let gateway = "";
let archive = "";

test.before(async () => {
  dir = await newBackend();
  served = await serveBackend(dir);
  gateway = `${served.url}/aktualizr`;
});

test.after(async () => {
  await close(served.server);
  await removeTempDirs();
});

const inventory = <T>(fn: (inv: Inventory) => T): T => withInventory(dir, fn);
const certificates = (vin: string) => inventory((inv) => inv.sql.get("SELECT COUNT(*) AS n FROM vehicle_certificates WHERE vin = ?", [vin]) as { n: number }).n;

/** A fresh copy of the factory's archive (aktualizr removes the credential from its copy once provisioned). */
async function factoryArchive(p12: string): Promise<string> {
  const folder = await tempDir("uptane-factory-");
  await mkdir(join(folder, "content"));
  await copyFile(p12, join(folder, "content", "autoprov_credentials.p12"));
  await writeFile(join(folder, "content", "autoprov.url"), gateway);
  execFileSync("tar", ["-cf", join(folder, "credentials.tar"), "-C", join(folder, "content"), "autoprov_credentials.p12", "autoprov.url"]);
  return join(folder, "credentials.tar");
}

test("a device provisions itself with the fleet credential: its own certificate for its VIN, then its ECUs registered", async () => {
  const p12 = join(dir, "..", "factory-a.p12");
  const r = await uptane("fleet-credential", "add", dir, "factory-a", "--out", p12);
  assert.is(r.code, 0, r.err);
  assert.is((await stat(p12)).mode & 0o777, 0o600);
  archive = p12;
  const device = await sharedCredentialDevice("AKTFLEET00000001", gateway, await factoryArchive(p12));
  const run = await runAktualizrOnce(device);
  assert.match(run.log, /Provisioned successfully on Device Gateway/, run.log);
  assert.match(run.log, /ECUs have been successfully registered/);
  assert.match(run.log, /Certificate subject: CN=AKTFLEET00000001/);
  assert.is(inventory((inv) => inv.clientProfile(device.vin)), "aktualizr");
  assert.is(inventory((inv) => inv.ecusOf(device.vin)).length, 1);
  assert.is(certificates(device.vin), 1);
});

test("a second device claiming the same VIN is refused (device_already_registered): no second certificate", async () => {
  const device = await sharedCredentialDevice("AKTFLEET00000001", gateway, await factoryArchive(archive), { primarySerial: "impostor" });
  const run = await runAktualizrOnce(device);
  assert.match(run.log, /is already registered/, run.log);
  assert.is(certificates(device.vin), 1);
  assert.not.ok(inventory((inv) => inv.ecu("impostor")));
});

test("a revoked fleet credential provisions nothing", async () => {
  const r = await uptane("fleet-credential", "revoke", dir, "factory-a");
  assert.is(r.code, 0, r.err);
  const device = await sharedCredentialDevice("AKTFLEET00000002", gateway, await factoryArchive(archive));
  const run = await runAktualizrOnce(device);
  assert.not.match(run.log, /Provisioned successfully/, run.log);
  assert.is(inventory((inv) => inv.clientProfile("AKTFLEET00000002")), undefined);
});

test.run();
