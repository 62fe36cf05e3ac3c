// The backend HTTP server's router and helpers: JSON errors, 404 for unknown paths, path
// segments that can never climb out of a served folder, body-size cap, HEAD and methods.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Server } from "node:http";
import { request } from "node:http";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { close, HttpError, listen, parseRequestPath, readJsonBody, Router, sendJson, serveStaticFile } from "../backend/http/server.ts";
import { tempDir, removeTempDirs } from "./helpers/image-backend.ts";

let server: Server;
let url: string;
let root: string;

test.before(async () => {
  const base = await tempDir();
  root = join(base, "served");
  await mkdir(join(root, "sub"), { recursive: true });
  await writeFile(join(root, "sub", "a.json"), '{"a":1}');
  await writeFile(join(root, "blob.bin"), Buffer.alloc(1000, 7));
  await writeFile(join(base, "secret.txt"), "secret");
  await symlink(join(base, "secret.txt"), join(root, "link.txt"));
  const router = new Router();
  router.mount("files", (r) => serveStaticFile(r, root));
  router.mount("echo", async (r) => {
    if (r.method !== "POST") throw new HttpError(405, "POST only");
    sendJson(r.res, 200, { got: await readJsonBody(r.req, 64) });
  });
  ({ server, url } = await listen(router));
});

test.after(async () => {
  await close(server);
  await removeTempDirs();
});

/** A raw request (fetch would normalise `..` away before sending). */
function raw(method: string, path: string, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url + "/", { method, path }, (res) => {
      let data = "";
      res.on("data", (d) => (data += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("request paths with .., encoded slashes or NUL are refused before any file name is built", () => {
  for (const bad of ["/files/../x", "/files/%2e%2e/x", "/files/a%2fb", "/files/a%5cb", "/files/a%00b", "/files//x", "/files/%zz"]) {
    assert.throws(() => parseRequestPath(bad), (e: unknown) => e instanceof HttpError && e.status === 400, bad);
  }
  assert.equal(parseRequestPath("/files/sub/a.json?x=1").segments, ["files", "sub", "a.json"]);
});

test("a served file has the right content type and length; HEAD sends no body", async () => {
  const json = await raw("GET", "/files/sub/a.json");
  assert.is(json.status, 200);
  assert.is(json.headers["content-type"], "application/json");
  assert.is(json.headers["content-length"], "7");
  const blob = await raw("HEAD", "/files/blob.bin");
  assert.is(blob.headers["content-type"], "application/octet-stream");
  assert.is(blob.headers["content-length"], "1000");
  assert.is(blob.body, "");
});

test("traversal attempts, symlinks out of the folder, folders and unknown prefixes get JSON errors", async () => {
  for (const [path, status] of [
    ["/files/../secret.txt", 400],
    ["/files/%2e%2e/secret.txt", 400],
    ["/files/link.txt", 404],
    ["/files/sub", 404],
    ["/files/none.json", 404],
    ["/other/x", 404],
    ["/", 404],
  ] as const) {
    const r = await raw("GET", path);
    assert.is(r.status, status, path);
    assert.is(r.headers["content-type"], "application/json; charset=utf-8", path);
    assert.type(JSON.parse(r.body).error, "string");
    assert.not.match(r.body, /secret/);
  }
  assert.is((await raw("DELETE", "/files/blob.bin")).status, 405);
});

test("POST bodies over the cap get 413 and bodies that are not JSON get 400", async () => {
  assert.equal(JSON.parse((await raw("POST", "/echo", '{"n":1}')).body), { got: { n: 1 } });
  const big = await raw("POST", "/echo", JSON.stringify({ pad: "x".repeat(100) }));
  assert.is(big.status, 413);
  assert.match(JSON.parse(big.body).error, /larger than 64 bytes/);
  const bad = await raw("POST", "/echo", "{nope");
  assert.is(bad.status, 400);
  assert.is((await raw("GET", "/echo")).status, 405);
});

test("a prefix cannot be mounted twice or be a path", () => {
  const router = new Router();
  router.mount("image", () => {});
  assert.throws(() => router.mount("image", () => {}), /already mounted/);
  assert.throws(() => router.mount("../x", () => {}), /invalid mount prefix/);
});

test.run();
