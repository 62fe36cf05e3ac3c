// The Director API's fleet operations over HTTPS with the token (README "Dependencies and
// conflicts", "Campaigns"): rules, assignments with `with`, campaign status and control,
// and refusals in the one error shape.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newBackend, removeTempDirs, tempDir } from "../helpers/image-backend.ts";
import { serveBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import { registeredVehicleTls, tlsFetch } from "../helpers/tls.ts";
import { API_TOKEN_FILE } from "../../backend/http/api-token.ts";
import { addImage } from "../../backend/image/repository.ts";
import { openDirector } from "../../backend/director/part.ts";
import { generateSigningKey } from "../../model/keys.ts";

test.after(async () => {
  await removeTempDirs();
});

test("rules and campaigns over the API: rules recorded, enforced on an assignment with `with`, listed and removed; a campaign watched, paused and cancelled; refusals as the error table says", async () => {
  const dir = await newBackend();
  const work = await tempDir();
  for (const [name, hw, rc] of [["brake-3.bin", "brake", 3], ["abs-2.bin", "abs", 2], ["gw-5.bin", "gateway", 5]] as const) {
    writeFileSync(join(work, name), `${name} firmware`);
    await addImage(dir, join(work, name), { name, hardwareIds: [hw], releaseCounter: rc });
  }
  const director = openDirector(dir);
  director.addVehicle("API1", [
    { serial: "gw", hardwareId: "gateway", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: true },
    { serial: "brk", hardwareId: "brake", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: false },
    { serial: "abs", hardwareId: "abs", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: false },
  ]);
  director.close();
  const tls = await registeredVehicleTls(dir, "READER");
  const token = readFileSync(join(dir, API_TOKEN_FILE), "utf8").trim();
  const { server, url } = await serveBackend(dir);
  const api = (path: string, method = "GET", body?: unknown, auth = token) =>
    tlsFetch(`${url}/director/api/${path}`, tls, { method, headers: { authorization: `Bearer ${auth}` }, body: body === undefined ? undefined : JSON.stringify(body) });
  try {
    assert.is((await api("rules", "GET", undefined, "wrong")).status, 401);
    const added = await api("rules", "POST", { image: "brake-3.bin", requiresHardwareId: "abs", minReleaseCounter: 2 });
    assert.is(added.status, 201, added.text());
    const id = added.json().rule.id as number;
    const bad = await api("rules", "POST", { image: "brake-3.bin", requires: "a.bin", conflicts: "b.bin" });
    assert.is(bad.status, 400);
    assert.equal(Object.keys(bad.json()).sort(), ["detail", "error", "ok"]);
    assert.is(bad.json().error, "invalid-rule");

    const refused = await api("assignments", "POST", { vin: "API1", ecuSerial: "brk", target: "brake-3.bin" });
    assert.is(refused.status, 409);
    assert.is(refused.json().error, "dependency-unmet");
    assert.match(refused.json().detail, `rule ${id}`);
    assert.match(refused.json().detail, "ECU abs");
    const both = await api("assignments", "POST", { vin: "API1", ecuSerial: "brk", target: "brake-3.bin", with: [{ ecuSerial: "abs", target: "abs-2.bin" }] });
    assert.is(both.status, 201, both.text());
    assert.equal(both.json().also.map((a: { ecuSerial: string }) => a.ecuSerial), ["abs"]);

    const listed = await api(`rules?image=brake-3.bin`);
    assert.equal(listed.json().rules.map((r: { id: number }) => r.id), [id]);
    assert.is((await api(`rules/${id}`, "DELETE")).json().removed.id, id);
    const gone = await api(`rules/${id}`, "DELETE");
    assert.is(gone.status, 404);
    assert.is(gone.json().error, "unknown-rule");
    assert.equal((await api("rules")).json().rules, []);

    // Campaigns: created with a threshold, watched, paused, not promoted while paused, cancelled.
    const created = await api("campaigns", "POST", { hardwareId: "gateway", target: "gw-5.bin", vins: ["API1"], maxFailures: 1 });
    assert.is(created.status, 201, created.text());
    const cid = created.json().campaignId as number;
    const st = (await api(`campaigns/${cid}?vehicles=1&limit=10`)).json();
    assert.equal([st.campaign.state, st.campaign.maxFailures, st.stages[0].stage, st.stages[0].assigned], ["active", 1, "group", 1]);
    assert.equal(st.vehicles.map((v: { vin: string; ecuSerial: string }) => [v.vin, v.ecuSerial]), [["API1", "gw"]]);
    assert.is((await api(`campaigns/${cid}/pause`, "POST")).json().state, "paused");
    const promote = await api(`campaigns/${cid}/promote`, "POST");
    assert.is(promote.status, 409);
    assert.is(promote.json().error, "campaign-not-active");
    assert.is((await api(`campaigns/${cid}/cancel`, "POST")).json().state, "cancelled");
    assert.equal((await api("campaigns")).json().campaigns.map((c: { id: number; state: string }) => [c.id, c.state]), [[cid, "cancelled"]]);
    assert.is((await api(`campaigns/${cid}/explode`, "POST")).status, 404);
    assert.is((await api(`campaigns/999`)).json().error, "unknown-campaign");
    assert.is((await api("campaigns", "POST", { hardwareId: "gateway", target: "gw-5.bin", maxFailurePercent: 0 })).json().error, "invalid-threshold");

    // Vehicles and alerts.
    const listedCars = (await api("vehicles?hardwareId=abs&limit=5")).json();
    assert.equal([listedCars.vehicles.map((v: { vin: string }) => v.vin), listedCars.nextAfter], [["API1"], null]);
    const shown = (await api("vehicles/API1")).json();
    assert.equal(shown.pending.map((p: { ecuSerial: string; target: string }) => [p.ecuSerial, p.target]).sort(), [["abs", "abs-2.bin"], ["brk", "brake-3.bin"]]);
    assert.is((await api("vehicles/NOPE")).json().error, "unknown-vin");
    assert.is((await api("vehicles?lastSeenBefore=soon")).json().error, "invalid-time");
    const alerts = (await api("alerts?open=1")).json();
    assert.ok(Array.isArray(alerts.alerts));
    assert.is((await api("alerts/424242/ack", "POST")).json().error, "unknown-alert");
  } finally {
    await close(server);
  }
});

test.run();
