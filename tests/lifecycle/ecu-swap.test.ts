// End to end through a served backend and a simulated vehicle (README "Backend: vehicle
// lifecycle"): a Secondary swapped for a new part (new serial and key) is alerted by name and
// gets nothing until a workshop, with its own account over HTTPS, records the replacement;
// then it updates over the bus. A part that keeps its serial with a new key is held the same
// way. The workshop API refuses missing, wrong and disabled credentials.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { removeTempDirs } from "../helpers/image-backend.ts";
import { uptane } from "../helpers/uptane-in-process.ts";
import { addWorkshopAccount, disableWorkshopAccount } from "../../backend/director/workshop-accounts.ts";
import { Vehicle } from "../../app/vehicle/vehicle.ts";
import { tlsFetch } from "../helpers/tls.ts";
import { servedVehicle, type ServedVehicle } from "../helpers/served-vehicle.ts";

let world: ServedVehicle;
let garage: { name: string; password: string };

test.before(async () => {
  world = await servedVehicle("SWAP1", [["brake-2.bin", 2], ["brake-3.bin", 3]], async (dir) => {
    garage = { name: "garage-7", password: (await addWorkshopAccount(dir, "garage-7", { scrypt: { N: 1024, r: 8, p: 1 } })).password };
  });
});

test.after(async () => {
  await world.stop();
  await removeTempDirs();
});

function workshop(path: string, credentials: { name: string; password: string } | null, body?: unknown) {
  const headers: Record<string, string> = credentials ? { authorization: `Basic ${Buffer.from(`${credentials.name}:${credentials.password}`).toString("base64")}` } : {};
  return tlsFetch(`${world.served.url}/director/workshop/${path}`, { ca: world.ca }, body === undefined ? { headers } : { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });
}

test("a swapped Secondary is alerted by name and gets nothing until a workshop records it; then it installs", async () => {
  assert.is((await world.cycle()).report.manifestAccepted, true);
  const fitted = Vehicle.swapSecondary(world.state, "brake-1", { serial: "brake-1b" });
  const first = await world.cycle();
  assert.is(first.report.manifestAccepted, true, first.report.detail);
  const seen = (await workshop(`vehicles/${world.config.vin}`, garage)).json();
  const alert = seen.alerts.find((a: { kind: string }) => a.kind === "report-unknown-ecu");
  assert.is(alert?.ecuSerial, "brake-1b", JSON.stringify(seen.alerts));
  assert.is(await world.assignment("brake-1b", "brake-2.bin"), "unknown-ecu");

  const recorded = await workshop(`vehicles/${world.config.vin}/replace-ecu`, garage, { serial: "brake-1", ecu: { serial: fitted.serial, hardwareId: fitted.hardwareId, publicKey: fitted.publicKeyHex } });
  assert.is(recorded.status, 201, recorded.text());
  assert.is(recorded.json().change.actor, "workshop:garage-7");
  assert.is(await world.assignment("brake-1", "brake-2.bin"), "unknown-ecu");
  assert.is((await world.api.assign(world.config.vin, "brake-1b", "brake-2.bin")).status, "published");
  const after = await world.cycle();
  assert.is(after.installed.get("brake-1b")?.filename, "brake-2.bin", JSON.stringify(after.report.ecus));
  const record = (await workshop(`vehicles/${world.config.vin}`, garage)).json();
  assert.equal(record.ecus.map((e: { serial: string }) => e.serial), ["brake-1b", "gw-1"]);
  assert.is(record.history[0].actor, "workshop:garage-7");
});

test("a part that keeps its serial with a new key is held until the workshop records the key; then it installs", async () => {
  const fitted = Vehicle.swapSecondary(world.state, "brake-1b", { serial: "brake-1b" });
  assert.is((await world.cycle()).report.manifestAccepted, true);
  const seen = (await workshop(`vehicles/${world.config.vin}`, garage)).json();
  assert.match(String(seen.ecus.find((e: { serial: string }) => e.serial === "brake-1b").held), /not signed by its registered key/);
  assert.is(await world.assignment("brake-1b", "brake-3.bin"), "ecu-held");
  // This time through the CLI, as the workshop runs it: its account, the server's CA, no backend folder.
  const keyFile = join(world.work, "brake-1b.pub");
  writeFileSync(keyFile, fitted.publicKeyHex);
  const passwordFile = join(world.work, "garage.password");
  writeFileSync(passwordFile, `${garage.password}\n`);
  const credentials = ["--ca", join(world.dir, "tls", "server-ca.pem"), "--account", garage.name, "--password-file", passwordFile, "--json"];
  const recorded = await uptane("workshop", "change", world.served.url, world.config.vin, "replace-ecu", "--serial", "brake-1b", "--ecu", `brake-1b:brake-ctl:${keyFile}`, ...credentials);
  assert.is(recorded.code, 0, recorded.out + recorded.err);
  assert.is(JSON.parse(recorded.out).change.actor, "workshop:garage-7");
  const shown = JSON.parse((await uptane("workshop", "show", world.served.url, world.config.vin, ...credentials)).out);
  assert.is(shown.ecus.find((e: { serial: string }) => e.serial === "brake-1b").held, null);
  const wrong = await uptane("workshop", "show", world.served.url, world.config.vin, ...credentials.map((c) => (c === passwordFile ? keyFile : c)));
  assert.is(wrong.code, 1);
  assert.is(JSON.parse(wrong.out).error, "unauthenticated");
  assert.is((await world.api.assign(world.config.vin, "brake-1b", "brake-3.bin")).status, "published");
  const after = await world.cycle();
  assert.is(after.installed.get("brake-1b")?.filename, "brake-3.bin", JSON.stringify(after.report.ecus));
});

test("the workshop API: missing, wrong, unknown and disabled credentials are 401; a malformed change is 400 and changes nothing", async () => {
  assert.is((await workshop(`vehicles/${world.config.vin}`, null)).status, 401);
  assert.is((await workshop(`vehicles/${world.config.vin}`, { name: "garage-7", password: "wrong" })).status, 401);
  assert.is((await workshop(`vehicles/${world.config.vin}`, { name: "nobody", password: garage.password })).status, 401);
  const before = (await workshop(`vehicles/${world.config.vin}`, garage)).json().history.length;
  const bad = await workshop(`vehicles/${world.config.vin}/add-ecu`, garage, { ecu: { serial: "x-1" } });
  assert.is(bad.status, 400);
  assert.is(bad.json().error, "invalid-request");
  assert.is((await workshop(`vehicles/${world.config.vin}/paint`, garage, {})).status, 404);
  assert.is((await workshop(`vehicles/${world.config.vin}`, garage)).json().history.length, before);
  disableWorkshopAccount(world.dir, "garage-7");
  assert.is((await workshop(`vehicles/${world.config.vin}`, garage)).status, 401);
});

test.run();
