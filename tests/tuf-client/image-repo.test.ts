// The built `uptane tuf` (dist/uptane.mjs, the executable a conformance run would call)
// updates from our own Image repository as `uptane serve` publishes it (HTTPS on 127.0.0.1
// with the backend's CA pinned and a vehicle's client certificate; the server a child
// process stopped by its pid): an OEM image, a supplier's delegated image (the Uptane
// hardwareIds restriction is not a plain TUF client's concern), root and timestamp key
// rotations, and an image changed on the server's disk.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newBackend, removeTempDirs, tempDir, writeTemp } from "../helpers/image-backend.ts";
import { uptane } from "../helpers/uptane-cli.ts";
import { repositoryDir } from "../../backend/image/layout.ts";
import { registeredVehicleTls } from "../helpers/tls.ts";

let dir: string;
let work: string;
let server: ChildProcess | null = null;
let url: string;
let meta: string;
let targets: string;
const top = randomBytes(4000);
const brake = randomBytes(300);

async function ok(...argv: string[]): Promise<Record<string, unknown>> {
  const r = await uptane(...argv, "--json");
  assert.is(r.code, 0, `${argv.slice(0, 3).join(" ")}: ${r.out} ${r.err}`);
  return JSON.parse(r.out);
}

let tls: string[] = [];
const tuf = (...argv: string[]) => uptane("tuf", "--metadata-dir", meta, ...argv);
const download = (name: string) => tuf("--metadata-url", `${url}/image`, ...tls, "--target-name", name, "--target-base-url", `${url}/image/targets`, "--target-dir", targets, "download");

test.before(async () => {
  dir = await newBackend();
  work = await tempDir();
  meta = join(work, "metadata");
  targets = join(work, "targets");
  await ok("image", "add", dir, await writeTemp(work, "top.bin", top), "--name", "oem/top.bin", "--hardware-id", "gateway");
  const acme = join(work, "acme");
  const pub = (await ok("supplier", "init", acme, "--name", "acme")).publicKeyFile as string;
  await ok("delegate", dir, "--supplier", "acme", "--key", pub, "--paths", "acme/*", "--hardware-id", "brake");
  const bundle = join(work, "acme.bundle");
  await ok("supplier", "sign", acme, "--image", await writeTemp(work, "brake.bin", brake), "--name", "acme/brake.bin", "--hardware-id", "brake", "--out", bundle);
  await ok("supplier", "import", dir, bundle);
  const vehicle = await registeredVehicleTls(dir, "TUFCLIENT1");
  tls = ["--tls-ca", await writeTemp(work, "ca.pem", vehicle.ca as string), "--tls-cert", await writeTemp(work, "cert.pem", vehicle.cert as string), "--tls-key", await writeTemp(work, "key.pem", vehicle.key as string)];
  const child = spawn(process.execPath, ["dist/uptane.mjs", "serve", dir, "--port", "0", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  server = child;
  const line = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d) => {
      buf += d;
      if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code}`)));
  });
  url = JSON.parse(line).url;
});

test.after(async () => {
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once("exit", resolve));
    process.kill(server.pid, "SIGTERM");
    await exited;
  }
  await removeTempDirs();
});

test("without the vehicle's client certificate the Image repository does not answer: refresh exits 1 (unreachable), nothing kept", async () => {
  const init = await tuf("init", join(repositoryDir(dir), "1.root.json"));
  assert.is(init.code, 0, init.err);
  const r = await tuf("--metadata-url", `${url}/image`, "--tls-ca", tls[1]!, "refresh", "--json");
  assert.is(r.code, 1, r.out);
  assert.is(JSON.parse(r.out).error, "unreachable");
  assert.equal(readdirSync(meta), ["root.json"]);
});

test("init with the Image repository's root 1, then refresh over HTTPS as a vehicle: exit 0, the four top-level files kept", async () => {
  assert.match(url, /^https:\/\/127\.0\.0\.1:/);
  const r = await tuf("--metadata-url", `${url}/image`, ...tls, "refresh");
  assert.is(r.code, 0, r.err);
  assert.equal(readdirSync(meta).sort(), ["root.json", "snapshot.json", "targets.json", "timestamp.json"]);
});

test("download of the OEM's image (HASH.NAME under consistent snapshots) gives the same bytes", async () => {
  const r = await download("oem/top.bin");
  assert.is(r.code, 0, r.err);
  assert.equal(readFileSync(join(targets, encodeURIComponent("oem/top.bin"))), top);
});

test("download of a supplier's delegated image fetches the supplier's role and keeps it as acme.json", async () => {
  const r = await download("acme/brake.bin");
  assert.is(r.code, 0, r.err);
  assert.equal(readFileSync(join(targets, encodeURIComponent("acme/brake.bin"))), brake);
  assert.ok(readdirSync(meta).includes("acme.json"));
});

test("after the root key and the timestamp key are rotated the client follows root 2 and 3 and still downloads a new image", async () => {
  await ok("rotate", dir, "--role", "root");
  await ok("rotate", dir, "--role", "timestamp");
  const later = randomBytes(100);
  await ok("image", "add", dir, await writeTemp(work, "later.bin", later), "--name", "oem/later.bin", "--hardware-id", "gateway");
  const r = await download("oem/later.bin");
  assert.is(r.code, 0, r.err);
  assert.equal(readFileSync(join(targets, encodeURIComponent("oem/later.bin"))), later);
  assert.is(JSON.parse(readFileSync(join(meta, "root.json"), "utf8")).signed.version, 3);
});

test("an image changed on the server's disk after it was signed: the server will not serve it, the client exits 1 and writes nothing", async () => {
  const stored = join(repositoryDir(dir), "targets", "oem");
  const name = readdirSync(stored).find((f) => f.endsWith(".later.bin"))!;
  const bytes = readFileSync(join(stored, name));
  bytes[0] ^= 0xff;
  writeFileSync(join(stored, name), bytes); // the SHA-256 and SHA-512 names are one file (hard links)
  const fresh = join(work, "fresh-targets");
  const r = await uptane("tuf", "--metadata-dir", meta, "--metadata-url", `${url}/image`, ...tls, "--target-name", "oem/later.bin", "--target-base-url", `${url}/image/targets`, "--target-dir", fresh, "download", "--json");
  // (the module's own refusal of changed bytes: tests/tuf-client/attacks.test.ts)
  assert.is(r.code, 1, r.out);
  assert.match(JSON.parse(r.out).detail, "does not match the hash in its name");
  assert.equal(readdirSync(fresh), []);
});

test.run();
