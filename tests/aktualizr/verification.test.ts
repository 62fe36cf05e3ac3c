// aktualizr's own verification holds against our dialect (README "Serving aktualizr"): a
// man in the middle holding the server's TLS key (a proxy on 127.0.0.1 that relays each
// request with the device's certificate) changes one byte of the image, or one byte of the
// signed Image targets; aktualizr refuses either, installs nothing, and the Director
// records no install. The unchanged path through the same proxy installs, so the refusals
// are the tampering's doing.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { serveBackend, type ServedBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import { openDirector } from "../../backend/director/part.ts";
import { addImage } from "../../backend/image/repository.ts";
import { SERVER_CERT_FILE, SERVER_KEY_FILE } from "../../backend/tls/layout.ts";
import type { Inventory } from "../../backend/inventory/inventory.ts";
import { newBackend, removeTempDirs, tempDir } from "../helpers/image-backend.ts";
import { aktualizrDevice, deviceCredentials, runAktualizrOnce, withInventory, type AktualizrDevice } from "../helpers/aktualizr.ts";

let dir = "";
let served: ServedBackend;
let proxy: Server;
let proxyUrl = "";
/** What the proxy does to a response body, by request path; absent: relayed unchanged. */
const tamper = new Map<string, (body: Buffer) => Buffer>();

test.before(async () => {
  dir = await newBackend();
  served = await serveBackend(dir);
  const upstream = new URL(served.url);
  proxy = createServer({ cert: readFileSync(join(dir, SERVER_CERT_FILE)), key: readFileSync(join(dir, SERVER_KEY_FILE)) }, (req: IncomingMessage, res: ServerResponse) => {
    void relay(req, res, upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address() as { port: number };
  proxyUrl = `https://127.0.0.1:${address.port}/aktualizr`;
});

test.after(async () => {
  proxy.closeAllConnections();
  await new Promise((r) => proxy.close(r));
  await close(served.server);
  await removeTempDirs();
});

/** The device the proxy relays for (its credentials); one at a time in this file. */
let relayed: { ca: string; cert: string; key: string } | null = null;

async function relay(req: IncomingMessage, res: ServerResponse, upstream: URL): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const up = request(
    { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { "content-type": String(req.headers["content-type"] ?? "application/json"), "content-length": body.length }, ...relayed!, agent: false },
    (r) => {
      const parts: Buffer[] = [];
      r.on("data", (c: Buffer) => parts.push(c));
      r.on("end", () => {
        const change = tamper.get(req.url ?? "");
        const out = change && r.statusCode === 200 ? change(Buffer.concat(parts)) : Buffer.concat(parts);
        res.writeHead(r.statusCode ?? 502, { "content-type": String(r.headers["content-type"] ?? "application/octet-stream"), "content-length": out.length });
        res.end(out);
      });
    },
  );
  up.on("error", () => res.destroy());
  up.end(body);
}

const inventory = <T>(fn: (inv: Inventory) => T): T => withInventory(dir, fn);

async function deviceWithAssignment(vin: string, name: string, fill: number): Promise<AktualizrDevice> {
  const device = await aktualizrDevice(dir, vin, proxyUrl);
  relayed = await deviceCredentials(dir, vin);
  assert.match((await runAktualizrOnce(device)).log, /ECUs have been successfully registered/);
  const file = join(await tempDir(), "fw.bin");
  await writeFile(file, Buffer.alloc(3000, fill));
  await addImage(dir, file, { name, hardwareIds: [device.hardwareId], releaseCounter: 1 });
  const director = openDirector(dir);
  try {
    await director.assign(vin, device.primarySerial, name);
  } finally {
    director.close();
  }
  return device;
}

const flipLast = (b: Buffer) => {
  const c = Buffer.from(b);
  c[c.length - 1] ^= 1;
  return c;
};

test("one byte of the image changed in transit: aktualizr's hash check refuses it, nothing is installed", async () => {
  const device = await deviceWithAssignment("AKTMITM000000001", "mitm/fw-a.bin", 1);
  tamper.set("/aktualizr/repo/targets/mitm/fw-a.bin", flipLast);
  const run = await runAktualizrOnce(device);
  tamper.clear();
  assert.not.match(run.log, /Installing package using fake package manager/, run.log);
  assert.match(run.log, /calculated hash did not match the hash in the metadata/, run.log);
  assert.is(inventory((inv) => inv.ecu(device.primarySerial))!.installed_filename, null);
  assert.not.ok(inventory((inv) => inv.assignmentsOf(device.vin)).some((a) => a.status === "installed"));
  // Relayed unchanged, the same assignment installs.
  const clean = await runAktualizrOnce(device);
  assert.match(clean.log, /Installing package using fake package manager/, clean.log);
  assert.is(inventory((inv) => inv.ecu(device.primarySerial))!.installed_filename, "mitm/fw-a.bin");
});

test("one byte of the signed Image targets changed in transit: aktualizr's metadata checks refuse it, nothing is downloaded", async () => {
  const device = await deviceWithAssignment("AKTMITM000000002", "mitm/fw-b.bin", 2);
  // The image's length inside the signed targets: still valid JSON, no longer what was signed.
  tamper.set("/aktualizr/repo/targets.json", (b) => Buffer.from(b.toString("utf8").replace('"length":3000', '"length":3001')));
  const run = await runAktualizrOnce(device);
  tamper.clear();
  assert.not.match(run.log, /Initiating download/, run.log);
  assert.not.match(run.log, /Installing package/);
  assert.is(inventory((inv) => inv.ecu(device.primarySerial))!.installed_filename, null);
  const clean = await runAktualizrOnce(device);
  assert.match(clean.log, /Installing package using fake package manager/, clean.log);
});

test.run();
