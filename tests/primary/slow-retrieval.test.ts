import { test } from "uvu";
import * as assert from "uvu/assert";
import { collect } from "../../host/primary/fetcher.ts";
import { MemoryFetcher } from "../../host/primary/memory-fetcher.ts";
import { SlowRetrievalError } from "../../host/primary/errors.ts";
import { guarded, type RetrievalPolicy } from "../../host/primary/slow-retrieval.ts";
import { rejects } from "./helpers.ts";

const POLICY: RetrievalPolicy = { minBytesPerSecond: 10_000, windowMs: 60 };
const LENIENT: RetrievalPolicy = { minBytesPerSecond: 1000, windowMs: 300 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function get(f: MemoryFetcher, path: string, policy = POLICY) {
  return collect(guarded(path, (signal) => f.get(path, { maxBytes: 1 << 20, signal }), policy));
}

test("a download that stalls after its first bytes is aborted as slow retrieval", async () => {
  const f = new MemoryFetcher();
  f.handle("GET", "/stall", () => ({
    status: 200,
    body: (async function* () {
      yield new Uint8Array(10);
      await new Promise(() => {}); // never sends again
    })(),
  }));
  const e = await rejects(() => get(f, "/stall"), SlowRetrievalError);
  assert.match(e.message, /stalled|below the minimum/);
});

test("a server that never answers is aborted as slow retrieval", async () => {
  const f = new MemoryFetcher();
  f.handle("GET", "/silent", () => new Promise(() => {}));
  const e = await rejects(() => get(f, "/silent"), SlowRetrievalError);
  assert.is(e.bytesReceived, 0);
});

test("a download dripping below the minimum rate is aborted", async () => {
  const f = new MemoryFetcher();
  let sent = 0;
  f.handle("GET", "/drip", () => ({
    status: 200,
    body: (async function* () {
      for (;;) {
        sent++;
        yield new Uint8Array(1); // the first byte comes at once: every window sees some data
        await sleep(10);
      }
    })(),
  }));
  const e = await rejects(() => get(f, "/drip"), SlowRetrievalError);
  assert.match(e.message, /below the minimum/);
  const after = sent;
  await sleep(40);
  assert.ok(sent <= after + 1, "the source is no longer read after the abort");
});

test("a download at a healthy rate passes the guard whole, across several windows", async () => {
  const f = new MemoryFetcher();
  f.handle("GET", "/ok", () => ({
    status: 200,
    body: (async function* () {
      for (let i = 0; i < 20; i++) {
        await sleep(10);
        yield new Uint8Array(5000).fill(i);
      }
    })(),
  }));
  const got = await get(f, "/ok", LENIENT);
  assert.is(got.bytes.length, 100_000);
  assert.is(got.bytes[99_999], 19);
});

test.run();
