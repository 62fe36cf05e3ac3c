// The backend's files are checked against what was signed before they are served or built
// upon: a byte flipped in a Director file is refused with the file named, alerted, and the
// file rebuilt from the inventory database; a flipped Image timestamp.json is never served.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { initBackend } from "../backend/init.ts";
import { serveBackend, ServeError } from "../backend/serve.ts";
import { close } from "../backend/http/server.ts";
import { addImage } from "../backend/image/repository.ts";
import { repositoryDir } from "../backend/image/layout.ts";
import { openDirector } from "../backend/director/part.ts";
import { StateMismatch } from "../backend/director/director.ts";
import { FILE_MISMATCH_ALERT } from "../backend/director/state-check.ts";
import { Inventory, INVENTORY_FILE } from "../backend/inventory/inventory.ts";
import { generateSigningKey } from "../model/keys.ts";
import { hashTree, removeTempDirs, tempDir } from "./helpers/image-backend.ts";
import { uptane } from "./helpers/uptane-cli.ts";

const VIN = "STATE0VIN00000001";

async function backend(): Promise<string> {
  const dir = join(await tempDir("state-"), "backend");
  await initBackend(dir, { values: {}, flags: new Set(), now: new Date() });
  const image = join(dir, "..", "fw-1.bin");
  await writeFile(image, Buffer.alloc(2000, 3));
  await addImage(dir, image, { name: "fw-1.bin", hardwareIds: ["hw-primary"], releaseCounter: 1 });
  const director = openDirector(dir);
  try {
    director.addVehicle(VIN, [{ serial: "primary-1", hardwareId: "hw-primary", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: true }]);
  } finally {
    director.close();
  }
  return dir;
}

/** Flips one byte in the middle of `path`; returns the original bytes. */
async function flipByte(path: string): Promise<Buffer> {
  const good = await readFile(path);
  const bad = Buffer.from(good);
  const at = Math.floor(bad.length / 2);
  bad[at] = bad[at]! ^ 0x01;
  await writeFile(path, bad);
  return good;
}

function alerts(dir: string, vin: string) {
  const inventory = Inventory.open(join(dir, INVENTORY_FILE));
  try {
    return inventory.alertsOf(vin).filter((a) => a.kind === FILE_MISMATCH_ALERT);
  } finally {
    inventory.close();
  }
}

test.after(removeTempDirs);

const directorFiles: Array<[string, string, string]> = [
  // [file, alert vin, what it is]
  [`director/vehicles/${VIN}/1.targets.json`, VIN, "the vehicle's targets"],
  [`director/vehicles/${VIN}/timestamp.json`, VIN, "the vehicle's timestamp"],
  ["director/root/1.root.json", "", "the Director root"],
  ["uptane-backend.json", "", "the backend marker"],
];

for (const [file, alertVin, what] of directorFiles) {
  test(`a byte flipped in ${what} (${file}) is refused by assign with the file named, alerted, and rebuilt from the database`, async () => {
    const dir = await backend();
    const good = await flipByte(join(dir, file));
    const director = openDirector(dir);
    try {
      await director.assign(VIN, "primary-1", "fw-1.bin");
      assert.unreachable("assign built upon a corrupted file");
    } catch (e) {
      assert.instance(e, StateMismatch);
      assert.is((e as StateMismatch).file, file);
      assert.ok((e as Error).message.includes(file) && /rebuilt from/.test((e as Error).message), (e as Error).message);
    } finally {
      director.close();
    }
    assert.ok((await readFile(join(dir, file))).equals(good), "the file is rebuilt byte for byte");
    const rows = alerts(dir, alertVin);
    assert.is(rows.length, 1);
    assert.ok(rows[0]!.detail.includes(file));
    const again = openDirector(dir);
    try {
      assert.is((await again.assign(VIN, "primary-1", "fw-1.bin")).status, "published", "once rebuilt, the assignment goes through");
    } finally {
      again.close();
    }
  });
}

test("the CLI: assign and vehicle add exit 1 naming a flipped Director file", async () => {
  const dir = await backend();
  await flipByte(join(dir, "director", "vehicles", VIN, "1.targets.json"));
  const r = await uptane("assign", dir, "--vin", VIN, "--ecu", "primary-1", "--target", "fw-1.bin");
  assert.is(r.code, 1, r.out + r.err);
  assert.ok(r.err.includes(`director/vehicles/${VIN}/1.targets.json`), r.err);
  await flipByte(join(dir, "director", "root", "1.root.json"));
  const keyFile = join(dir, "..", "ecu.hex");
  await writeFile(keyFile, generateSigningKey().publicKey.keyval.public);
  const v = await uptane("vehicle", "add", dir, "--vin", "OTHER0VIN00000001", "--ecu", `p:hw-primary:${keyFile}:primary`);
  assert.is(v.code, 1, v.out + v.err);
  assert.ok(v.err.includes("director/root/1.root.json"), v.err);
  assert.is(alerts(dir, "OTHER0VIN00000001").length + alerts(dir, "").length + alerts(dir, VIN).length, 2);
});

test("serve refuses a flipped Director file with 503 naming it, alerts, and serves the rebuilt copy next", async () => {
  const dir = await backend();
  const lines: string[] = [];
  const served = await serveBackend(dir, { log: (l) => lines.push(l), plainHttp: true });
  try {
    for (const name of ["1.root.json", "timestamp.json", "1.targets.json"]) {
      const url = `${served.url}/director/vehicles/${VIN}/${name}`;
      const path = name === "1.root.json" ? join(dir, "director", "root", name) : join(dir, "director", "vehicles", VIN, name);
      // timestamp.json is re-signed when stale only; its bytes now are what the server signed.
      const good = Buffer.from(await (await fetch(url)).arrayBuffer());
      assert.ok(good.equals(await readFile(path)));
      const bad = await readFile(await flipByte(path).then(() => path));
      const refused = await fetch(url);
      assert.is(refused.status, 503);
      const body = await refused.text();
      assert.ok(body.includes(name), body);
      assert.not.ok(body.includes(bad.toString()), "the corrupted bytes are never sent");
      const rebuilt = await fetch(url);
      assert.is(rebuilt.status, 200);
      assert.ok(Buffer.from(await rebuilt.arrayBuffer()).equals(good), `${name} served as signed after the rebuild`);
    }
  } finally {
    await close(served.server);
  }
  assert.is(alerts(dir, VIN).length + alerts(dir, "").length, 3);
  assert.is(lines.filter((l) => l.includes("ALERT")).length, 3, lines.join("\n"));
});

test("serve checks every Director file at start: a flipped one is alerted, logged and rebuilt before the first request", async () => {
  const dir = await backend();
  const file = `director/vehicles/${VIN}/1.snapshot.json`;
  const good = await flipByte(join(dir, file));
  const lines: string[] = [];
  const served = await serveBackend(dir, { log: (l) => lines.push(l), plainHttp: true });
  await close(served.server);
  assert.ok(lines.some((l) => l.includes("ALERT") && l.includes(file)), lines.join("\n"));
  assert.ok((await readFile(join(dir, file))).equals(good), "rebuilt from the database");
  assert.is(alerts(dir, VIN).length, 1);
});

test("a flipped Image timestamp.json is not served: serve refuses to start, a running server answers 503 naming it, and nothing is changed", async () => {
  const dir = await backend();
  const ts = join(repositoryDir(dir), "timestamp.json");
  const good = await flipByte(ts);
  const before = await hashTree(dir);
  try {
    await serveBackend(dir, { plainHttp: true });
    assert.unreachable("served a chain that does not verify");
  } catch (e) {
    assert.instance(e, ServeError);
    assert.match((e as Error).message, /timestamp\.json/);
  }
  assert.is(await hashTree(dir), before, "the refusal left the backend byte-identical");

  await writeFile(ts, good);
  const lines: string[] = [];
  const served = await serveBackend(dir, { log: (l) => lines.push(l), plainHttp: true });
  try {
    assert.is((await fetch(`${served.url}/image/timestamp.json`)).status, 200);
    await flipByte(ts);
    const corrupted = await hashTree(dir);
    for (const path of ["timestamp.json", "1.root.json", "targets/x"]) {
      const r = await fetch(`${served.url}/image/${path}`);
      assert.is(r.status, 503, path);
      assert.match(await r.text(), /timestamp\.json/);
    }
    assert.is(await hashTree(dir), corrupted, "refusing to serve changes nothing on disk");
    await writeFile(ts, good);
    assert.is((await fetch(`${served.url}/image/timestamp.json`)).status, 200, "served again once the file verifies");
  } finally {
    await close(served.server);
  }
  assert.ok(lines.some((l) => /ALERT the Image repository does not verify.*timestamp\.json/.test(l)), lines.join("\n"));
});

test("an image whose bytes no longer match its hash is not served", async () => {
  const dir = await backend();
  const served = await serveBackend(dir, { plainHttp: true });
  try {
    const { createHash } = await import("node:crypto");
    const hash = createHash("sha256").update(Buffer.alloc(2000, 3)).digest("hex");
    const url = `${served.url}/image/targets/${hash}.fw-1.bin`;
    assert.is((await fetch(url)).status, 200);
    await flipByte(join(repositoryDir(dir), "targets", `${hash}.fw-1.bin`));
    const r = await fetch(url);
    assert.is(r.status, 503);
    assert.match(await r.text(), /fw-1\.bin does not match the hash in its name/);
  } finally {
    await close(served.server);
  }
});

test.run();
