// End to end over HTTP with the built CLI: `uptane init`, `uptane image add`, `uptane vehicle
// add`, `uptane assign`, `uptane serve` on 127.0.0.1 port 0, and a Primary provisioned with
// `uptane primary init` running `uptane primary cycle` against it (real verifier, real
// Director, real time server).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Inventory, INVENTORY_FILE } from "../../backend/inventory/inventory.ts";

interface Run {
  code: number;
  out: string;
  err: string;
}

function uptane(...argv: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["dist/uptane.mjs", ...argv], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

async function serve(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["dist/uptane.mjs", "serve", dir, "--port", "0", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { url: JSON.parse(line).url, child };
}

let work = "";
test.before(async () => {
  work = await mkdtemp(join(tmpdir(), "primary-e2e-"));
});
test.after(async () => {
  await rm(work, { recursive: true, force: true });
});

test("uptane primary init provisions a Primary from the backend's pinned roots and writes its public key", async () => {
  const backend = join(work, "backend-a");
  assert.is((await uptane("init", backend)).code, 0);
  const state = join(work, "primary-a");
  const r = await uptane(
    "primary", "init", state,
    "--director-root", join(backend, "image", "repository", "1.root.json"), // any root file: this test has no Director
    "--image-root", join(backend, "image", "repository", "1.root.json"),
    "--vin", "WVWZZZ1JZXW000001", "--serial", "primary-001", "--hardware-id", "hw-primary", "--json",
  );
  assert.is(r.code, 0, r.err + r.out);
  const out = JSON.parse(r.out);
  assert.equal(out.vehicleEcus, ["primary-001"]);
  const pub = JSON.parse(await readFile(out.publicKeyFile, "utf8"));
  assert.is(pub.keytype, "ed25519");
  assert.match(pub.keyval.public, /^[0-9a-f]{64}$/);
  const again = await uptane("primary", "init", state, "--director-root", join(backend, "image", "repository", "1.root.json"), "--image-root", join(backend, "image", "repository", "1.root.json"), "--vin", "V", "--serial", "S", "--hardware-id", "H");
  assert.is(again.code, 1, "a provisioned Primary is not provisioned twice");
});

test("end to end: init, add an image, register the vehicle, assign, serve; the Primary installs over HTTP and the Director sees the new version", async () => {
  const backend = join(work, "backend-b");
  assert.is((await uptane("init", backend)).code, 0);
  const image = join(work, "fw-2.bin");
  await writeFile(image, Buffer.alloc(5000, 7));
  const added = await uptane("image", "add", backend, image, "--name", "fw-2.bin", "--hardware-id", "hw-primary", "--release-counter", "2");
  assert.is(added.code, 0, added.err);

  const state = join(work, "primary-b");
  const vin = "WVWZZZ1JZXW000002";
  const init = await uptane(
    "primary", "init", state,
    "--director-root", join(backend, "director", "root", "1.root.json"),
    "--image-root", join(backend, "image", "repository", "1.root.json"),
    "--vin", vin, "--serial", "primary-001", "--hardware-id", "hw-primary", "--json",
  );
  assert.is(init.code, 0, init.err + init.out);
  const registered = await uptane("vehicle", "add", backend, "--vin", vin, "--ecu", `primary-001:hw-primary:${JSON.parse(init.out).publicKeyFile}:primary`);
  assert.is(registered.code, 0, registered.err + registered.out);
  const assigned = await uptane("assign", backend, "--vin", vin, "--ecu", "primary-001", "--target", "fw-2.bin");
  assert.is(assigned.code, 0, assigned.err + assigned.out);

  const { url, child } = await serve(backend);
  try {
    const first = await uptane("primary", "cycle", state, "--url", url, "--json");
    assert.is(first.code, 0, first.err + first.out);
    const cycle = JSON.parse(first.out);
    assert.is(cycle.outcome, "Ok");
    assert.is(cycle.installed, "fw-2.bin");
    assert.ok(cycle.manifestAccepted, "the Director accepted the first manifest");

    // The next cycle's manifest carries the installed image; the Director records it.
    const second = await uptane("primary", "cycle", state, "--url", url, "--json");
    assert.is(second.code, 0, second.err + second.out);
    assert.is(JSON.parse(second.out).installed, null, "nothing left to install");
  } finally {
    child.kill("SIGTERM");
  }
  const inventory = Inventory.open(join(backend, INVENTORY_FILE));
  try {
    const ecu = inventory.ecu("primary-001")!;
    assert.is(ecu.installed_filename, "fw-2.bin");
    assert.is(ecu.installed_release_counter, 2);
  } finally {
    inventory.close();
  }
});

test.run();
