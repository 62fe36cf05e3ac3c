import { test } from "uvu";
import * as assert from "uvu/assert";
import { Agent, request } from "node:http";
import { SqliteEngine } from "../../backend/inventory/sqlite-engine.ts";
import { DirectorFixture, ecuReport, installedOf, vehicleManifest, type TestVehicle } from "./fixture.ts";

const VEHICLES = 200;

function post(agent: Agent, base: string, path: string, body: string): Promise<{ status: number; json: any }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("200 vehicles posting manifests at once are each recorded exactly once and the database stays consistent", async () => {
  const f = new DirectorFixture();
  try {
    const img = f.images.add("fw.bin", ["hw-1"], 3);
    const cars: TestVehicle[] = [];
    for (let i = 0; i < VEHICLES; i++) cars.push(f.addVehicle(`CAR${String(i).padStart(4, "0")}`, 2));
    // Half the fleet has an assignment that its manifest confirms, so posts also publish metadata.
    await f.director.campaign("hw-1", "fw.bin", cars.filter((_, i) => i % 2 === 0).map((c) => c.vin));
    await f.listen();

    const bodies = cars.map((car, i) => {
      const s1 = car.ecus[1]!;
      const reports = i % 2 === 0 ? { [s1.serial]: ecuReport(s1, { installed: installedOf(img), releaseCounter: 3 }) } : {};
      return JSON.stringify(vehicleManifest(car, { reports }));
    });
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const results = await Promise.all(cars.map((car, i) => post(agent, f.baseUrl, `/director/vehicles/${car.vin}/manifest`, bodies[i]!)));
    agent.destroy();

    for (const r of results) assert.is(r.status, 200, JSON.stringify(r.json));
    const inv = f.director.inventory;
    assert.is(inv.count("manifests"), VEHICLES);
    const perVin = inv.sql.all<{ vin: string; n: number }>("SELECT vin, COUNT(*) AS n FROM manifests GROUP BY vin");
    assert.is(perVin.length, VEHICLES);
    assert.ok(perVin.every((r) => r.n === 1), "every vehicle recorded exactly once");
    assert.is(inv.count("ecu_reports"), VEHICLES * 3);
    assert.is(inv.count("assignments", "status = 'installed'"), VEHICLES / 2);
    assert.is(inv.count("alerts"), 0);
    // SQLite checks its file and its foreign keys on request; PostgreSQL refuses a dangling key on every write.
    if (inv.sql instanceof SqliteEngine) assert.equal(inv.sql.integrity(), { integrity: "ok", foreignKeys: [] });

    // Posting the same 200 bodies again: every one is a replay, none recorded.
    const again = await Promise.all(cars.map((car, i) => post(new Agent(), f.baseUrl, `/director/vehicles/${car.vin}/manifest`, bodies[i]!)));
    assert.ok(again.every((r) => r.status === 409 && r.json.error === "replayed-nonce"));
    assert.is(inv.count("manifests"), VEHICLES);
  } finally {
    await f.close();
  }
});

test.run();
