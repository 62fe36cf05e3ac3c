import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { collect, HttpFetcher, type Fetcher } from "../../host/primary/fetcher.ts";
import { MemoryFetcher } from "../../host/primary/memory-fetcher.ts";
import { NotFoundError, OversizedResponseError, SlowRetrievalError, TransportError } from "../../host/primary/errors.ts";
import { guarded } from "../../host/primary/slow-retrieval.ts";
import { rejects } from "./helpers.ts";

let server: Server;
let base = "";
let endlessStopped = false;

test.before(async () => {
  server = createServer((req, res) => {
    if (req.url === "/image/timestamp.json") return res.end('{"signed":{}}');
    if (req.url === "/broken") return res.writeHead(503).end('{"ok":false,"error":"down"}');
    if (req.url === "/echo" && req.method === "POST") {
      const parts: Buffer[] = [];
      req.on("data", (d: Buffer) => parts.push(d));
      req.on("end", () => res.end(Buffer.concat(parts)));
      return;
    }
    if (req.url === "/endless") {
      // Endless data: writes until the client goes away.
      res.writeHead(200);
      const block = Buffer.alloc(16 * 1024, 0x41);
      const pump = () => {
        while (res.write(block)) if (res.destroyed) return;
        res.once("drain", pump);
      };
      res.on("close", () => (endlessStopped = true));
      return pump();
    }
    if (req.url === "/drip") {
      res.writeHead(200);
      const timer = setInterval(() => res.write("x"), 20);
      res.on("close", () => clearInterval(timer));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after(() => {
  server.closeAllConnections();
  server.close();
});

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");

test("HttpFetcher: GET returns the body; 404 is NotFoundError, not a transport failure", async () => {
  const f = new HttpFetcher(base);
  assert.is(text((await collect(await f.get("/image/timestamp.json", { maxBytes: 100 }))).bytes), '{"signed":{}}');
  const e = await rejects(() => f.get("/image/1.root.json", { maxBytes: 100 }), NotFoundError);
  assert.not.instance(e, TransportError);
});

test("HttpFetcher: a server error is a TransportError with its status", async () => {
  const e = await rejects(() => new HttpFetcher(base).get("/broken", { maxBytes: 100 }), TransportError);
  assert.is(e.status, 503);
});

test("HttpFetcher: an unreachable server is a TransportError", async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await rejects(() => new HttpFetcher(`http://127.0.0.1:${port}`).get("/x", { maxBytes: 10 }), TransportError);
});

test("HttpFetcher: endless data is cut off at the cap and the download stops", async () => {
  endlessStopped = false;
  const body = await new HttpFetcher(base).get("/endless", { maxBytes: 100_000 });
  const got = await collect(body);
  assert.ok(got.oversized);
  assert.is(got.bytes.length, 100_000);
  for (let i = 0; i < 50 && !endlessStopped; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(endlessStopped, "the server saw the client go away");
});

test("HttpFetcher: POST sends the body and reads the answer", async () => {
  const body = await new HttpFetcher(base).post("/echo", new Uint8Array(Buffer.from('{"nonces":["a"]}')), { maxBytes: 1000 });
  assert.is(text((await collect(body)).bytes), '{"nonces":["a"]}');
});

test("HttpFetcher: a drip-feeding server is aborted by the slow-retrieval guard", async () => {
  const f: Fetcher = new HttpFetcher(base);
  const e = await rejects(() => collect(guarded("/drip", (signal) => f.get("/drip", { maxBytes: 1_000_000, signal }), { minBytesPerSecond: 1000, windowMs: 100 })), SlowRetrievalError);
  // On a busy machine the first window may close before the first byte: a stall, also slow retrieval.
  assert.match(e.message, /below the minimum|stalled/);
});

test("MemoryFetcher: files, 404 as NotFoundError, handlers with status codes, caps", async () => {
  const f = new MemoryFetcher();
  f.setFile("/a", new Uint8Array([1, 2, 3, 4]));
  f.handle("POST", "/p", (req) => ({ status: 200, body: req.body }));
  f.handle("GET", "/down", () => ({ status: 500 }));
  assert.equal([...(await collect(await f.get("/a", { maxBytes: 10 }))).bytes], [1, 2, 3, 4]);
  const capped = await collect(await f.get("/a", { maxBytes: 3 }));
  assert.ok(capped.oversized);
  assert.equal([...capped.bytes], [1, 2, 3]);
  await rejects(async () => {
    for await (const _ of await f.get("/a", { maxBytes: 2 }));
  }, OversizedResponseError);
  await rejects(() => f.get("/b", { maxBytes: 10 }), NotFoundError);
  assert.is((await rejects(() => f.get("/down", { maxBytes: 10 }), TransportError)).status, 500);
  assert.equal([...(await collect(await f.post("/p", new Uint8Array([9]), { maxBytes: 10 }))).bytes], [9]);
  assert.equal(f.log, ["GET /a", "GET /a", "GET /a", "GET /b", "GET /down", "POST /p"]);
});

test.run();
