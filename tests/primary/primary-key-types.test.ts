// A backend whose keys are ECDSA P-256 or RSA-PSS (README "Backend: key types"): `uptane init
// --key-type`, per-role types, ECU keys of any type at `vehicle add`, rotation to another
// type; each time a Primary (full.wasm) updates end to end over HTTPS and the Director
// records the version its signed reports state.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uptane } from "../helpers/uptane-cli.ts";
import { backendWithPrimaryVehicle, primaryFor } from "../helpers/primary-vehicle.ts";
import { Inventory, INVENTORY_FILE } from "../../backend/inventory/inventory.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { rsaBitsOf } from "../../model/keys.ts";
import "../../host/wasm/embedded.ts";

async function serve(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["dist/uptane.mjs", "serve", dir, "--port", "0", "--host", "127.0.0.1", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
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
  work = await mkdtemp(join(tmpdir(), "key-types-"));
});
test.after(async () => {
  await rm(work, { recursive: true, force: true });
});

const keyTypesIn = (root: { signed: { keys: Record<string, { keytype: string }>; roles: Record<string, { keyids: string[] }> } }) =>
  Object.fromEntries(Object.entries(root.signed.roles).map(([role, r]) => [role, r.keyids.map((id) => root.signed.keys[id]!.keytype).join(",")]));

/** A backend from `init ARGS`, an image for the Primary, a vehicle whose Primary key is `primaryKey`, the image assigned. */
async function backendWithVehicle(name: string, initArgs: string[], primaryKey: SoftwareKeyStore, vin: string): Promise<string> {
  return (await backendWithPrimaryVehicle(work, name, initArgs, primaryKey, vin, 4000)).backend;
}

function installed(backend: string): string | null {
  const inventory = Inventory.open(join(backend, INVENTORY_FILE));
  try {
    return inventory.ecu("primary-001")!.installed_filename;
  } finally {
    inventory.close();
  }
}

test("init --key-type ecdsa-p256, a Primary with an ECDSA key: every role of both repositories is P-256, and the Primary installs and is recorded", async () => {
  const vin = "KEYTYPE0000000001";
  const keys = SoftwareKeyStore.fromPrivateKey(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
  const backend = await backendWithVehicle("ecdsa", ["--key-type", "ecdsa-p256"], keys, vin);
  const imageRoot = JSON.parse(await readFile(join(backend, "image", "repository", "1.root.json"), "utf8"));
  const directorRoot = JSON.parse(await readFile(join(backend, "director", "root", "1.root.json"), "utf8"));
  for (const types of [keyTypesIn(imageRoot), keyTypesIn(directorRoot)]) for (const t of Object.values(types)) assert.is(t, "ecdsa");
  const { url, child } = await serve(backend);
  try {
    const primary = await primaryFor(backend, vin, keys, url);
    const first = await primary.runCycle();
    assert.ok(first.manifest.accepted, first.manifest.detail);
    assert.is(first.installed?.name, "ecdsa.bin");
    const second = await primary.runCycle();
    assert.ok(second.manifest.accepted, second.manifest.detail);
  } finally {
    child.kill("SIGTERM");
  }
  assert.is(installed(backend), "ecdsa.bin");
});

test("per role: RSA-PSS Image keys with an Ed25519 root, ECDSA Director keys, an RSA Primary key: the Primary installs", async () => {
  const vin = "KEYTYPE0000000002";
  const keys = SoftwareKeyStore.fromPrivateKey(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);
  const backend = await backendWithVehicle("mixed", ["--key-type", "rsa-pss", "--root-key-type", "ed25519", "--director-key-type", "ecdsa-p256"], keys, vin);
  const image = keyTypesIn(JSON.parse(await readFile(join(backend, "image", "repository", "1.root.json"), "utf8")));
  assert.equal(image, { root: "ed25519", targets: "rsa", snapshot: "rsa", timestamp: "rsa" });
  const director = keyTypesIn(JSON.parse(await readFile(join(backend, "director", "root", "1.root.json"), "utf8")));
  for (const t of Object.values(director)) assert.is(t, "ecdsa");
  const { url, child } = await serve(backend);
  try {
    const primary = await primaryFor(backend, vin, keys, url);
    const first = await primary.runCycle();
    assert.ok(first.manifest.accepted, first.manifest.detail);
    assert.is(first.installed?.name, "mixed.bin");
    assert.ok((await primary.runCycle()).manifest.accepted);
  } finally {
    child.kill("SIGTERM");
  }
  assert.is(installed(backend), "mixed.bin");
});

test("rotation to another key type: Image targets Ed25519 -> ECDSA, Director timestamp -> RSA-PSS, Director root -> ECDSA; the Primary follows the roots and installs", async () => {
  const vin = "KEYTYPE0000000003";
  const keys = SoftwareKeyStore.generate();
  const backend = await backendWithVehicle("rotated", [], keys, vin);
  const rotate = await uptane("rotate", backend, "--role", "targets", "--key-type", "ecdsa-p256", "--json");
  assert.is(rotate.code, 0, rotate.err + rotate.out);
  for (const [role, type] of [["timestamp", "rsa-pss"], ["root", "ecdsa-p256"]]) {
    const r = await uptane("director", "rotate", backend, "--role", role!, "--key-type", type!, "--json");
    assert.is(r.code, 0, r.err + r.out);
  }
  const bad = await uptane("rotate", backend, "--role", "targets", "--key-type", "dsa", "--json");
  assert.is(bad.code, 2, "an unknown key type is a usage error");
  const imageRoots = (await readdir(join(backend, "image", "repository"))).filter((f) => /^\d+\.root\.json$/.test(f)).sort((a, b) => parseInt(a) - parseInt(b));
  const latestImage = JSON.parse(await readFile(join(backend, "image", "repository", imageRoots.at(-1)!), "utf8"));
  assert.is(keyTypesIn(latestImage).targets, "ecdsa");
  const directorRoots = (await readdir(join(backend, "director", "root"))).sort((a, b) => parseInt(a) - parseInt(b));
  const latestDirector = JSON.parse(await readFile(join(backend, "director", "root", directorRoots.at(-1)!), "utf8"));
  assert.equal([keyTypesIn(latestDirector).timestamp, keyTypesIn(latestDirector).root], ["rsa", "ecdsa"]);
  const { url, child } = await serve(backend);
  try {
    const primary = await primaryFor(backend, vin, keys, url); // pinned to root 1 of each: it rotates through N+1, N+2
    const first = await primary.runCycle();
    assert.ok(first.manifest.accepted, first.manifest.detail);
    assert.is(first.installed?.name, "rotated.bin");
    assert.ok((await primary.runCycle()).manifest.accepted, "the next manifest reports the install");
  } finally {
    child.kill("SIGTERM");
  }
  assert.is(installed(backend), "rotated.bin");
});

test("RSA keys of 4096 and 3072 bits: init --key-type rsa-pss --rsa-bits 4096 for the Image keys, a Director timestamp rotated to RSA-PSS 3072; a Primary installs; --rsa-bits outside 2048/3072/4096 or without an RSA key is bad usage", async () => {
  const vin = "KEYTYPE0000000005";
  const keys = SoftwareKeyStore.generate();
  const backend = await backendWithVehicle("rsa4096", ["--key-type", "rsa-pss", "--rsa-bits", "4096", "--director-key-type", "ed25519"], keys, vin);
  const image = JSON.parse(await readFile(join(backend, "image", "repository", "1.root.json"), "utf8"));
  for (const id of Object.keys(image.signed.keys)) assert.is(rsaBitsOf(image.signed.keys[id]), 4096);
  const r = await uptane("director", "rotate", backend, "--role", "timestamp", "--key-type", "rsa-pss", "--rsa-bits", "3072", "--json");
  assert.is(r.code, 0, r.err + r.out);
  // an Image rotation keeps the current RSA size unless told
  const again = await uptane("rotate", backend, "--role", "timestamp", "--json");
  assert.is(again.code, 0, again.err + again.out);
  const roots = (await readdir(join(backend, "director", "root"))).sort((a, b) => parseInt(a) - parseInt(b));
  const director = JSON.parse(await readFile(join(backend, "director", "root", roots.at(-1)!), "utf8"));
  assert.is(rsaBitsOf(director.signed.keys[director.signed.roles.timestamp.keyids[0]]), 3072);
  const imageRoots = (await readdir(join(backend, "image", "repository"))).filter((f) => /^\d+\.root\.json$/.test(f)).sort((a, b) => parseInt(a) - parseInt(b));
  const latestImage = JSON.parse(await readFile(join(backend, "image", "repository", imageRoots.at(-1)!), "utf8"));
  assert.is(rsaBitsOf(latestImage.signed.keys[latestImage.signed.roles.timestamp.keyids[0]]), 4096);
  const { url, child } = await serve(backend);
  try {
    const primary = await primaryFor(backend, vin, keys, url);
    const first = await primary.runCycle();
    assert.ok(first.manifest.accepted, first.manifest.detail);
    assert.is(first.installed?.name, "rsa4096.bin");
  } finally {
    child.kill("SIGTERM");
  }
  for (const args of [["--key-type", "rsa-pss", "--rsa-bits", "1024"], ["--key-type", "rsa-pss", "--rsa-bits", "8192"], ["--rsa-bits", "3072"]]) {
    const bad = await uptane("init", join(work, "bad-rsa"), ...args, "--json");
    assert.is(bad.code, 2, `${args.join(" ")}: ${bad.out}`);
    assert.is(JSON.parse(bad.out).error, "usage");
  }
});

test("vehicle add refuses a public key the verifiers cannot read (RSA 1024, P-384) with invalid-public-key", async () => {
  const backend = join(work, "refuse");
  assert.is((await uptane("init", backend)).code, 0);
  for (const [name, pair] of [
    ["rsa1024", generateKeyPairSync("rsa", { modulusLength: 1024 })],
    ["p384", generateKeyPairSync("ec", { namedCurve: "P-384" })],
  ] as const) {
    await writeFile(join(work, `${name}.pem`), pair.publicKey.export({ format: "pem", type: "spki" }));
    const r = await uptane("vehicle", "add", backend, "--vin", `REFUSE${name.toUpperCase()}`, "--ecu", `p-${name}:hw:${join(work, `${name}.pem`)}:primary`, "--json");
    assert.is(r.code, 2, r.out); // the file named on the command line is not what --ecu takes
    assert.is(JSON.parse(r.out).error, "invalid-public-key", r.out);
  }
});

test.run();
