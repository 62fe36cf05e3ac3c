// The real aktualizr registers with our backend (README "Serving aktualizr"): on its first
// run it POSTs its ECUs and Ed25519 key to /aktualizr/director/ecus over TLS, identified by
// the client certificate issued for its VIN; the inventory then holds its Primary with the
// key aktualizr generated and the key id aktualizr signs with. A certificate of another VIN
// cannot register for this one; a second registration with other keys is refused and alerted.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFile, writeFile } from "node:fs/promises";
import { X509Certificate } from "node:crypto";
import { newTlsKeyPair } from "../../model/tls-key.ts";
import { uptane } from "../helpers/uptane-cli.ts";
import { join } from "node:path";
import { serveBackend, type ServedBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import { Inventory, INVENTORY_FILE } from "../../backend/inventory/inventory.ts";
import { openDirector } from "../../backend/director/part.ts";
import { aktualizrKeyId } from "../../backend/aktualizr/dialect-signatures.ts";
import { newBackend, removeTempDirs } from "../helpers/image-backend.ts";
import { aktualizrDevice, deviceCredentials, deviceFiles, runAktualizrOnce } from "../helpers/aktualizr.ts";
import { tlsFetch } from "../helpers/tls.ts";

let dir = "";
let served: ServedBackend;
let gateway = "";
const log: string[] = [];

test.before(async () => {
  dir = await newBackend();
  served = await serveBackend(dir, { log: (l) => log.push(l) });
  gateway = `${served.url}/aktualizr`;
});

test.after(async () => {
  await close(served.server);
  await removeTempDirs();
});

function inventory<T>(fn: (inv: Inventory) => T): T {
  const inv = Inventory.open(join(dir, INVENTORY_FILE));
  try {
    return fn(inv);
  } finally {
    inv.close();
  }
}

test("aktualizr's first run registers its Primary and Ed25519 key under the VIN of its certificate", async () => {
  const device = await aktualizrDevice(dir, "AKTREG0000000001", gateway);
  assert.equal(inventory((inv) => inv.ecusOf(device.vin)), [], "added without ECUs");
  const run = await runAktualizrOnce(device);
  assert.match(run.log, /ECUs have been successfully registered/, run.log);
  const ecus = inventory((inv) => inv.ecusOf(device.vin));
  assert.is(ecus.length, 1);
  assert.is(ecus[0]!.serial, device.primarySerial);
  assert.is(ecus[0]!.hardware_id, device.hardwareId);
  assert.is(ecus[0]!.is_primary, 1);
  // The key aktualizr generated and keeps in its storage (SQLite): the registered one, with aktualizr's key id.
  const db = await readFile(join(device.home, "storage", "sql.db"));
  const stored: string[] = db.toString("latin1").match(/[0-9A-F]{64}/g) ?? [];
  assert.ok(stored.includes(ecus[0]!.public_key.toUpperCase()), "the registered key is the one in aktualizr's storage");
  assert.is(ecus[0]!.keyid, aktualizrKeyId(ecus[0]!.public_key.toUpperCase()));
});

test("a certificate issued to another VIN registers nothing for this vehicle", async () => {
  const victim = "AKTREG0000000002";
  const director = openDirector(dir);
  director.addVehicle(victim, [], "aktualizr");
  director.addVehicle("AKTREG0000000003", [], "aktualizr");
  director.close();
  // The attacker's device holds a valid certificate, for AKTREG0000000003, and claims the victim's serial.
  const device = await deviceFiles(victim, gateway, await deviceCredentials(dir, "AKTREG0000000003"), { primarySerial: `${victim}-primary` });
  await runAktualizrOnce(device);
  assert.equal(inventory((inv) => inv.ecusOf(victim)), [], "the victim has no ECUs");
  // What it registered went to the VIN of its certificate, never the victim's.
  assert.ok(inventory((inv) => inv.ecusOf("AKTREG0000000003")).every((e) => e.vin === "AKTREG0000000003"));
});

test("a second registration with another key is refused (409) and alerted; the first key stays", async () => {
  const vin = "AKTREG0000000001";
  const before = inventory((inv) => inv.ecusOf(vin));
  const creds = await deviceCredentials(dir, vin);
  const body = { primary_ecu_serial: before[0]!.serial, ecus: [{ ecu_serial: before[0]!.serial, hardware_identifier: before[0]!.hardware_id, clientKey: { keytype: "ED25519", keyval: { public: "AB".repeat(32) } } }] };
  const r = await tlsFetch(`${gateway}/director/ecus`, creds, { method: "POST", body: JSON.stringify(body) });
  assert.is(r.status, 409);
  assert.is(r.json().error, "ecu_already_registered");
  assert.equal(inventory((inv) => inv.ecusOf(vin)), before);
  assert.ok(inventory((inv) => inv.alertsOf(vin)).some((a) => a.kind === "reregistration-refused"));
  // The same ECUs and key again (a retry after a lost answer) is accepted and changes nothing.
  const same = { ...body, ecus: [{ ...body.ecus[0]!, clientKey: { keytype: "ED25519", keyval: { public: before[0]!.public_key.toUpperCase() } } }] };
  const again = await tlsFetch(`${gateway}/director/ecus`, creds, { method: "POST", body: JSON.stringify(same) });
  assert.is(again.status, 200);
  assert.equal(inventory((inv) => inv.ecusOf(vin)), before);
});

test("the dialect refuses a vehicle of the uptane profile, a request without certificate, and RSA keys", async () => {
  const creds = await deviceCredentials(dir, "AKTREG0000000002");
  const noCert = await tlsFetch(`${gateway}/director/ecus`, { ca: creds.ca }, { method: "POST", body: "{}" });
  assert.is(noCert.status, 401);
  const rsa = { primary_ecu_serial: "p", ecus: [{ ecu_serial: "p", hardware_identifier: "hw", clientKey: { keytype: "RSA", keyval: { public: "-----BEGIN PUBLIC KEY-----" } } }] };
  const r = await tlsFetch(`${gateway}/director/ecus`, creds, { method: "POST", body: JSON.stringify(rsa) });
  assert.is(r.status, 400);
  assert.is(r.json().error, "unsupported-key-type");
  const director = openDirector(dir);
  director.addVehicle("UPTANEPROFILE001", [{ serial: "u-gw", hardwareId: "gw", publicKeyHex: "11".repeat(32), primary: true }]);
  director.close();
  const uptaneCreds = await deviceCredentials(dir, "UPTANEPROFILE001");
  const wrong = await tlsFetch(`${gateway}/director/ecus`, uptaneCreds, { method: "POST", body: JSON.stringify(rsa) });
  assert.is(wrong.status, 403);
  assert.is(wrong.json().error, "wrong-profile");
});

test("uptane vehicle add --profile aktualizr: no ECUs, a client certificate for the VIN, the profile recorded", async () => {
  const out = join(dir, "..", "akt-client.pem");
  const keys = newTlsKeyPair();
  await writeFile(join(dir, "..", "akt-key.pub.pem"), keys.publicKeyPem);
  const refused = await uptane("vehicle", "add", dir, "--vin", "AKTCLI0000000001", "--profile", "aktualizr", "--ecu", "a:b:c:primary");
  assert.is(refused.code, 2, refused.err);
  const noCert = await uptane("vehicle", "add", dir, "--vin", "AKTCLI0000000001", "--profile", "aktualizr");
  assert.is(noCert.code, 2, noCert.err);
  const r = await uptane("vehicle", "add", dir, "--vin", "AKTCLI0000000001", "--profile", "aktualizr", "--tls-public-key", join(dir, "..", "akt-key.pub.pem"), "--tls-cert-out", out, "--json");
  assert.is(r.code, 0, r.err);
  assert.is(JSON.parse(r.out).profile, "aktualizr");
  assert.is(new X509Certificate(await readFile(out)).subject, "CN=AKTCLI0000000001");
  assert.is(inventory((inv) => inv.clientProfile("AKTCLI0000000001")), "aktualizr");
  assert.equal(inventory((inv) => inv.ecusOf("AKTCLI0000000001")), []);
});

test.run();
