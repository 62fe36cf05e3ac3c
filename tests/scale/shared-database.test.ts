// Several `uptane serve` processes on one PostgreSQL inventory (README "Backend: the
// inventory on PostgreSQL"): two processes, each with its own copy of the backend folder,
// one database. A vehicle registered through one is served by the other, from the
// database (no per-vehicle files on either disk); manifests posted to both at once are
// each recorded exactly once; the timestamp versions a client sees never go backwards.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend } from "../../backend/init.ts";
import { readApiToken } from "../../backend/http/api-token.ts";
import { Inventory } from "../../backend/inventory/inventory.ts";
import { DIRECTOR_VEHICLES_DIR } from "../../backend/director/director.ts";
import { newTlsKeyPair } from "../../model/tls-key.ts";
import { generateSigningKey } from "../../model/keys.ts";
import { serverCa, tlsFetch } from "../helpers/tls.ts";
import { freshTestDatabase } from "../helpers/postgres.ts";
import { vehicleManifest, type TestVehicle } from "../director/fixture.ts";

const work = mkdtempSync(join(tmpdir(), "shared-database-"));
const children: ChildProcess[] = [];

/** `uptane serve DIR` on 127.0.0.1, a free port; resolves with its base URL. */
function serve(dir: string): Promise<string> {
  const child = spawn(process.execPath, ["dist/uptane.mjs", "serve", dir, "--port", "0", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (c) => (err += c));
    child.stdout!.on("data", (c) => {
      out += c;
      const line = out.split("\n")[0]!;
      if (out.includes("\n")) {
        const r = JSON.parse(line) as { ok: boolean; url?: string; error?: string };
        r.ok ? resolve(r.url!) : reject(new Error(r.error));
      }
    });
    child.on("exit", (code) => reject(new Error(`uptane serve exited (${code}): ${err}`)));
  });
}

test.after(async () => {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(child.pid!, "SIGTERM");
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

test("two uptane serve processes on one PostgreSQL database: registered through one, served by the other, manifests to both recorded once each", async () => {
  const database = freshTestDatabase();
  const dirA = join(work, "a");
  await initBackend(dirA, { values: { database: [database] }, flags: new Set(), now: new Date() });
  const dirB = join(work, "b");
  cpSync(dirA, dirB, { recursive: true }); // a second machine's copy: keys, Image repository, no vehicles
  const [a, b] = await Promise.all([serve(dirA), serve(dirB)]);
  const ca = serverCa(dirA);

  // Registered through A's write API, with its TLS key certified.
  const vin = "SHARED0000000001";
  const car: TestVehicle = {
    vin,
    ecus: [
      { serial: "sh-gw", hardwareId: "gateway", key: generateSigningKey(), primary: true },
      { serial: "sh-brake", hardwareId: "brake", key: generateSigningKey(), primary: false },
    ],
  };
  const pair = newTlsKeyPair();
  const registered = await tlsFetch(`${a}/director/api/vehicles`, { ca }, {
    method: "POST",
    headers: { authorization: `Bearer ${readApiToken(dirA)}`, "content-type": "application/json" },
    body: JSON.stringify({ vin, ecus: car.ecus.map((e) => ({ serial: e.serial, hardwareId: e.hardwareId, publicKey: e.key.publicKey.keyval.public, primary: e.primary })), tlsPublicKey: pair.publicKeyPem }),
  });
  assert.is(registered.status, 201, registered.text());
  const tls = { ca, cert: registered.json().tlsCertificate as string, key: pair.privateKeyPem };

  // B serves what A signed, byte for byte, from the database.
  const get = async (base: string, name: string) => {
    const r = await tlsFetch(`${base}/director/vehicles/${vin}/${name}`, tls);
    assert.is(r.status, 200, `${base} ${name}: ${r.text()}`);
    return r.body;
  };
  for (const name of ["timestamp.json", "1.snapshot.json", "1.targets.json"]) assert.equal(await get(b, name), await get(a, name), name);
  assert.is(JSON.parse((await get(b, "1.targets.json")).toString()).signed.custom.vin, vin);
  for (const dir of [dirA, dirB]) assert.is(existsSync(join(dir, DIRECTOR_VEHICLES_DIR, vin)), false, "no per-vehicle files on disk");

  // Manifests to both processes at once: every 200 is one row, none twice.
  const MANIFESTS = 12;
  const posts = Array.from({ length: MANIFESTS }, (_, i) =>
    tlsFetch(`${i % 2 === 0 ? a : b}/director/vehicles/${vin}/manifest`, tls, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(vehicleManifest(car)) }),
  );
  const results = await Promise.all(posts);
  for (const r of results) assert.is(r.status, 200, r.text());

  // Timestamps read alternately from both never go backwards.
  let seen = 0;
  for (let i = 0; i < 6; i++) {
    const version = JSON.parse((await get(i % 2 === 0 ? a : b, "timestamp.json")).toString()).signed.version as number;
    assert.ok(version >= seen, `timestamp version ${version} after ${seen}`);
    seen = version;
  }

  const inventory = Inventory.open(database);
  try {
    assert.is(inventory.count("manifests", "vin = ?", vin), MANIFESTS);
    assert.is(inventory.count("ecu_reports"), MANIFESTS * car.ecus.length);
    assert.is(inventory.count("director_metadata", "vin = ? AND role = 'timestamp'", vin), inventory.latestMetadata(vin, "timestamp")!.version, "timestamp versions 1..N, none twice");
  } finally {
    inventory.close();
  }
});

test.run();
