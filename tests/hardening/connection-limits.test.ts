// What the probe found about slow and greedy clients: a body sent at 1 byte/s held a socket
// for 310 s, 232 slow connections starved everyone else, and 1,000 manifests in a row from
// one vehicle were all taken. Time limits drop slow requests (408), connections are capped
// in all and per address, and requests are rate-limited per vehicle and per address (429).
// Limits are set small here; the tests assert what the server answers, never how fast.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { connect as tlsConnect } from "node:tls";
import { connect as tcpConnect, type Socket } from "node:net";
import { generateSigningKey } from "../../model/keys.ts";
import { openDirector } from "../../backend/director/part.ts";
import { serveBackend, type ServedBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import { DEFAULT_LIMITS, RateLimiter, type ServerLimits } from "../../backend/http/limits.ts";
import { tlsFetch, vehicleTls } from "../helpers/tls.ts";
import type { TlsClientOptions } from "../../host/primary/fetcher.ts";
import { newBackend, removeTempDirs } from "../helpers/image-backend.ts";

const VINS = ["VINLIMIT0001", "VINLIMIT0002"];
type Ctx = { dir: string; served: ServedBackend | null; tls: Record<string, Required<TlsClientOptions>> };
const test = suite<Ctx>("server limits");

test.before.each(async (ctx) => {
  ctx.dir = await newBackend();
  const director = openDirector(ctx.dir);
  for (const vin of VINS) director.addVehicle(vin, [{ serial: `${vin}-gw`, hardwareId: "gateway", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: true }]);
  director.close();
  ctx.tls = {};
  for (const vin of VINS) ctx.tls[vin] = (await vehicleTls(ctx.dir, vin)) as Required<TlsClientOptions>;
  ctx.served = null;
});
test.after.each(async (ctx) => {
  if (ctx.served) await close(ctx.served.server);
  await removeTempDirs();
});

async function serve(ctx: Ctx, limits: Partial<ServerLimits>): Promise<ServedBackend> {
  ctx.served = await serveBackend(ctx.dir, { limits });
  return ctx.served;
}

/** Sends `head`, then `body` one byte per `everyMs` until the server answers or closes; what it answered and whether the body was cut short. */
function drip(ctx: Ctx, head: string, body: string, everyMs: number): Promise<{ answer: string; cutShort: boolean }> {
  const { port } = new URL(ctx.served!.url);
  const { ca, cert, key } = ctx.tls[VINS[0]!] as { ca: string; cert: string; key: string };
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answer = "";
    let timer: NodeJS.Timeout | undefined;
    const socket = tlsConnect({ port: Number(port), host: "127.0.0.1", ca, cert, key }, () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent < body.length) socket.write(body[sent++]!);
      }, everyMs);
    });
    socket.on("data", (d) => (answer += d.toString()));
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ answer, cutShort: sent < body.length });
    });
    socket.on("error", (e) => (answer ? undefined : reject(e)));
  });
}

test("a body sent a byte at a time is answered 408 and the connection closed before it completes", async (ctx) => {
  await serve(ctx, { requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
  const body = "x".repeat(100); // 100 bytes at 10/s: 10 s if the server waited for all of it
  const r = await drip(ctx, `POST /director/vehicles/${VINS[0]}/manifest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body, 100);
  assert.ok(r.cutShort, "the server closed the connection before the body was complete");
  assert.match(r.answer, /^HTTP\/1\.1 408 /);
});

test("headers sent a byte at a time are answered 408 and the connection closed", async (ctx) => {
  await serve(ctx, { requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
  const r = await drip(ctx, "G", `ET /director/vehicles/${VINS[0]}/timestamp.json HTTP/1.1\r\nHost: x\r\nX-Padding: ${"p".repeat(60)}\r\n\r\n`, 100);
  assert.ok(r.cutShort);
  assert.match(r.answer, /^HTTP\/1\.1 408 /);
});

/** Opens `n` TCP connections that send nothing (a slow-loris client); resolves once each is established. */
async function idleSockets(url: string, n: number): Promise<Socket[]> {
  const { port } = new URL(url);
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    sockets.push(await new Promise<Socket>((resolve, reject) => {
      const s = tcpConnect({ port: Number(port), host: "127.0.0.1" }, () => resolve(s));
      s.on("error", reject);
    }));
  }
  return sockets;
}

async function statusOrError(url: string, tls: TlsClientOptions): Promise<number | string> {
  try {
    return (await tlsFetch(url, tls)).status;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? "error";
  }
}

test("connections over the per-address cap are closed as they arrive; freed slots serve again", async (ctx) => {
  const served = await serve(ctx, { maxConnectionsPerAddress: 4 });
  const url = `${served.url}/director/vehicles/${VINS[0]}/timestamp.json`;
  const held = await idleSockets(served.url, 4);
  const refused = await statusOrError(url, ctx.tls[VINS[0]!]!);
  assert.type(refused, "string", "a fifth connection from the address gets no answer");
  for (const s of held) s.destroy();
  let status: number | string = "none";
  for (let i = 0; i < 50 && status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 20)); // the server sees the closes (bounded)
    status = await statusOrError(url, ctx.tls[VINS[0]!]!);
  }
  assert.is(status, 200);
});

test("connections over the server's cap are closed as they arrive", async (ctx) => {
  const served = await serve(ctx, { maxConnections: 3 });
  const held = await idleSockets(served.url, 3);
  try {
    assert.type(await statusOrError(`${served.url}/director/vehicles/${VINS[0]}/timestamp.json`, ctx.tls[VINS[0]!]!), "string");
  } finally {
    for (const s of held) s.destroy();
  }
});

test("a vehicle over its request rate gets 429 with Retry-After; another vehicle is still served", async (ctx) => {
  const served = await serve(ctx, { vehicleRate: { burst: 5, perSecond: 0.01 } });
  const path = (vin: string) => `${served.url}/director/vehicles/${vin}/timestamp.json`;
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await tlsFetch(path(VINS[0]!), ctx.tls[VINS[0]!]!)).status);
  assert.equal(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
  const limited = await tlsFetch(path(VINS[0]!), ctx.tls[VINS[0]!]!);
  assert.is(limited.status, 429);
  assert.ok(Number(limited.headers["retry-after"]) >= 1);
  assert.is((await tlsFetch(path(VINS[1]!), ctx.tls[VINS[1]!]!)).status, 200);
  // Manifests count too: the probe's 1,000 in a row are refused past the burst.
  const manifest = await tlsFetch(`${served.url}/director/vehicles/${VINS[0]}/manifest`, ctx.tls[VINS[0]!]!, { method: "POST", body: "{}" });
  assert.is(manifest.status, 429);
});

test("an address over its request rate gets 429, whoever it claims to be", async (ctx) => {
  const served = await serve(ctx, { addressRate: { burst: 6, perSecond: 0.01 } });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await tlsFetch(`${served.url}/director/vehicles/${VINS[i % 2]}/timestamp.json`, ctx.tls[VINS[i % 2]!]!)).status);
  for (let i = 0; i < 4; i++) statuses.push((await tlsFetch(`${served.url}/image/timestamp.json`, { ca: ctx.tls[VINS[0]!]!.ca })).status);
  assert.equal(statuses.slice(0, 4), [200, 200, 200, 200]);
  assert.equal(statuses.slice(6), [429, 429]);
});

test("the rate limiter holds at most maxTracked buckets per kind", () => {
  const limiter = new RateLimiter({ ...DEFAULT_LIMITS, maxTracked: 100 }, () => 0);
  for (let i = 0; i < 1000; i++) limiter.admit(`10.0.${i >> 8}.${i & 255}`, `VIN${i}`);
  assert.equal(limiter.tracked, { vehicles: 100, addresses: 100 });
});

test.run();
