// `uptane simulate` from the bundled CLI against a backend served in this process: it
// enrols a vehicle from a config file, runs cycles, installs what the Director assigns,
// and prints the per-ECU table; bad configs are usage errors.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { newBackend, removeDir, tempDir } from "../helpers/image-backend.ts";
import { serveBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import { readApiToken, API_TOKEN_FILE } from "../../backend/http/api-token.ts";
import { addImage } from "../../backend/image/repository.ts";
import { Inventory, INVENTORY_FILE } from "../../backend/inventory/inventory.ts";
import { DirectorApi } from "../../app/vehicle/director-api.ts";

const CLI = join(import.meta.dirname, "../../dist/uptane.mjs");

/** Runs the CLI without blocking this process (the backend answers from here). */
function uptane(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const CONFIG = {
  vin: "SIMTEST1",
  primary: { serial: "gw-1", hardwareId: "gateway" },
  buses: { chassis: { bitrate: 500000, fd: true, dataBitrate: 5000000 } },
  secondaries: [
    { serial: "brake-1", hardwareId: "brake-ctl", mode: "partial", bus: "chassis" },
    { serial: "cam-1", hardwareId: "adas-cam", mode: "full", bus: "can-500k" },
  ],
};

test("uptane simulate enrols a vehicle from its config, installs what the Director assigns over the bus, and exits 0", async () => {
  const dir = await newBackend();
  const work = await tempDir();
  const { server, url } = await serveBackend(dir);
  try {
    const config = join(work, "car.json");
    await writeFile(config, JSON.stringify(CONFIG));
    const state = join(work, "state");
    const token = join(dir, API_TOKEN_FILE);

    const ca = join(dir, "tls", "server-ca.pem");
    let r = await uptane("simulate", "--config", config, "--server", url, "--state", state, "--token-file", token);
    assert.is(r.status, 2, "enrolling needs the server's CA");
    assert.match(r.stderr, /--ca/);
    r = await uptane("simulate", "--config", config, "--server", url, "--ca", ca, "--state", state, "--token-file", token);
    assert.is(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Enrolled SIMTEST1/);
    assert.match(r.stdout, /brake-1\s+secondary\s+partial\s+CAN FD 500k\/5M\s+.*NoUpdate/);

    // The same vehicle enrolled again into another folder: refused (409), and the keys made
    // for it are not left behind (issue 20: the folder once kept ecus/ and primary-key.pem).
    const again = join(work, "state-again");
    r = await uptane("simulate", "--config", config, "--server", url, "--ca", ca, "--state", again, "--token-file", token, "--json");
    assert.is(r.status, 1, r.stderr + r.stdout);
    const refused = JSON.parse(r.stdout);
    assert.is(refused.error, "registration-refused");
    assert.is(refused.apiError, "vehicle-exists");
    assert.is(refused.status, 409);
    assert.not.ok(existsSync(again), "nothing of the refused enrolment is left");

    await writeFile(join(work, "fw.bin"), Buffer.alloc(5000, 7));
    await addImage(dir, join(work, "fw.bin"), { name: "brake-3.bin", hardwareIds: ["brake-ctl"], releaseCounter: 3 });
    await new DirectorApi(url, readApiToken(dir), await readFile(ca, "utf8")).assign("SIMTEST1", "brake-1", "brake-3.bin");

    r = await uptane("simulate", "--config", config, "--server", url, "--state", state, "--cycles", "2", "--json");
    assert.is(r.status, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.is(out.ok, true);
    assert.is(out.cycles.length, 2);
    const brake = out.summary.find((e: { serial: string }) => e.serial === "brake-1");
    assert.is(brake.outcome, "Installed");
    assert.is(brake.installed.filename, "brake-3.bin", "the summary's installed is the same object as each cycle's");
    assert.equal(brake.installed, out.cycles[1].ecus.find((e: { serial: string }) => e.serial === "brake-1").installed);
    assert.ok(brake.bytes > 5000 && brake.busMs > 0);
    assert.is(out.summary.find((e: { serial: string }) => e.serial === "cam-1").outcome, "NoUpdate");
    // The second cycle's manifest carried the new report to the Director.
    const inventory = Inventory.open(join(dir, INVENTORY_FILE));
    try {
      assert.is(inventory.ecu("brake-1")!.installed_filename, "brake-3.bin");
    } finally {
      inventory.close();
    }
  } finally {
    await close(server);
    await removeDir(dir);
    await removeDir(work);
  }
});

test("uptane simulate refuses a bad config or a new vehicle without a token as usage errors (exit 2)", async () => {
  const work = await tempDir();
  try {
    const bad = join(work, "bad.json");
    await writeFile(bad, JSON.stringify({ ...CONFIG, secondaries: [{ ...CONFIG.secondaries[0], mode: "half" }] }));
    let r = await uptane("simulate", "--config", bad, "--server", "https://127.0.0.1:9");
    assert.is(r.status, 2);
    assert.match(r.stderr, /mode must be "full" or "partial"/);
    const good = join(work, "car.json");
    await writeFile(good, JSON.stringify(CONFIG));
    r = await uptane("simulate", "--config", good, "--server", "http://127.0.0.1:9");
    assert.is(r.status, 2);
    assert.match(r.stderr, /must be an https:\/\/ URL/);
    r = await uptane("simulate", "--config", good, "--server", "https://127.0.0.1:9");
    assert.is(r.status, 2);
    assert.match(r.stderr, /--token-file/);
  } finally {
    await removeDir(work);
  }
});

test.run();
