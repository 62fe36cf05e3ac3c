// What the probe found in the Director's file serving and housekeeping: symbolic links
// followed out of its folder, `01.root.json` served as `1.root.json`, a world-readable
// inventory database, and a stack trace logged for every client that drops mid-body.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "node:tls";
import { mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSigningKey } from "../../model/keys.ts";
import { openDirector } from "../../backend/director/part.ts";
import { serveBackend, type ServedBackend } from "../../backend/serve.ts";
import { tlsFetch, vehicleTls } from "../helpers/tls.ts";
import type { TlsClientOptions } from "../../host/primary/fetcher.ts";
import { close } from "../../backend/http/server.ts";
import { INVENTORY_FILE } from "../../backend/inventory/inventory.ts";
import { newBackend, removeTempDirs, tempDir } from "../helpers/image-backend.ts";

const VIN = "VINSERVED0001";
const test = suite<{ dir: string; served: ServedBackend; log: string[]; tls: TlsClientOptions }>("Director served files");

test.before.each(async (ctx) => {
  ctx.dir = await newBackend();
  const director = openDirector(ctx.dir);
  director.addVehicle(VIN, [{ serial: "gw", hardwareId: "gateway", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: true }]);
  director.close();
  ctx.log = [];
  ctx.served = await serveBackend(ctx.dir, { log: (line) => ctx.log.push(line) });
  ctx.tls = await vehicleTls(ctx.dir, VIN);
});
test.after.each(async (ctx) => {
  await close(ctx.served.server);
  await removeTempDirs();
});

async function get(ctx: { served: ServedBackend; tls: TlsClientOptions }, path: string): Promise<{ status: number; body: string }> {
  const res = await tlsFetch(`${ctx.served.url}${path}`, ctx.tls);
  return { status: res.status, body: res.text() };
}

test("a root version with a leading zero is not another name for the same file", async (ctx) => {
  assert.is((await get(ctx, `/director/vehicles/${VIN}/1.root.json`)).status, 200);
  for (const name of ["01.root.json", "001.root.json", "0.root.json", "01.targets.json", "01.snapshot.json"]) {
    assert.is((await get(ctx, `/director/vehicles/${VIN}/${name}`)).status, 404, name);
  }
});

test("a symbolic link to a file outside the Director's folder is never served, whatever it holds", async (ctx) => {
  const outside = join(await tempDir(), "secret.json");
  writeFileSync(outside, '{"secret":"outside the served folder"}');
  const vehicleDir = join(ctx.dir, "director/vehicles", VIN);
  symlinkSync(outside, join(vehicleDir, "1.targets.json.tmp-link"));
  renameSync(join(vehicleDir, "1.targets.json.tmp-link"), join(vehicleDir, "1.targets.json"));
  const res = await get(ctx, `/director/vehicles/${VIN}/1.targets.json`);
  assert.not.match(res.body, "secret");
  assert.is(res.status, 503);
  // Replaced from the database: the next read serves the signed targets, the outside file untouched.
  const again = await get(ctx, `/director/vehicles/${VIN}/1.targets.json`);
  assert.is(again.status, 200);
  assert.match(again.body, '"_type":"targets"');
  assert.is(readFileSync(outside, "utf8"), '{"secret":"outside the served folder"}');
});

test("a symbolic link holding exactly the signed bytes is not followed either", async (ctx) => {
  const rootDir = join(ctx.dir, "director/root");
  const copy = join(await tempDir(), "1.root.json");
  writeFileSync(copy, readFileSync(join(rootDir, "1.root.json")));
  renameSync(join(rootDir, "1.root.json"), join(rootDir, "moved"));
  symlinkSync(copy, join(rootDir, "1.root.json"));
  assert.is((await get(ctx, `/director/vehicles/${VIN}/1.root.json`)).status, 503);
  assert.ok(statSync(join(rootDir, "1.root.json")).isFile());
});

test("a vehicle folder that is a symbolic link out of the Director's folder is refused, not rebuilt through", async (ctx) => {
  const elsewhere = join(await tempDir(), "elsewhere");
  mkdirSync(elsewhere);
  const vehicleDir = join(ctx.dir, "director/vehicles", VIN);
  for (const name of ["timestamp.json", "1.snapshot.json", "1.targets.json"]) writeFileSync(join(elsewhere, name), readFileSync(join(vehicleDir, name)));
  renameSync(vehicleDir, join(ctx.dir, "director/vehicles-moved"));
  symlinkSync(elsewhere, vehicleDir);
  const res = await get(ctx, `/director/vehicles/${VIN}/1.targets.json`);
  assert.is(res.status, 503);
  assert.match(res.body, "symbolic link");
});

test("the inventory database is readable by its owner only", async (ctx) => {
  assert.is(statSync(join(ctx.dir, INVENTORY_FILE)).mode & 0o777, 0o600);
});

test("a client dropping mid-body is one log line, not a stack trace", async (ctx) => {
  const written: string[] = [];
  const error = console.error;
  const stderrWrite = process.stderr.write.bind(process.stderr);
  console.error = (...a: unknown[]) => void written.push(a.join(" "));
  process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const { port } = new URL(ctx.served.url);
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        const { ca, cert, key } = ctx.tls as { ca: string; cert: string; key: string };
        const socket = connect({ port: Number(port), host: "127.0.0.1", ca, cert, key }, () => {
          socket.write(`POST /director/vehicles/${VIN}/manifest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"signatures":[`);
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on("close", () => resolve());
        socket.on("error", reject);
      });
    }
    // Bounded wait for the server to notice the three closes.
    for (let i = 0; i < 100 && ctx.log.filter((l) => l.includes("/manifest")).length < 3; i++) await new Promise((r) => setTimeout(r, 20));
  } finally {
    console.error = error;
    process.stderr.write = stderrWrite;
  }
  const lines = ctx.log.filter((l) => l.includes("/manifest"));
  assert.is(lines.length, 3, ctx.log.join("\n"));
  for (const l of lines) assert.match(l, `POST /director/vehicles/${VIN}/manifest aborted`);
  assert.is(ctx.log.filter((l) => /ERROR|\n\s+at /.test(l)).length, 0, ctx.log.join("\n"));
  assert.equal(written, []);
});

test.run();
