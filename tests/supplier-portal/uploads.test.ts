// What a supplier may upload (README "Backend: supplier portal"): bundles for its own
// delegated role(s) only, under the portal's size cap, that pass the import's checks
// against what is published now. An accepted upload is held for review (a 0600 file and
// a pending row): nothing is published. A refused one leaves nothing behind.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { serveBackend, type ServedBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import { repositoryDir } from "../../backend/image/layout.ts";
import { signSupplier } from "../../backend/supplier/workdir.ts";
import { SUBMISSIONS_DIR } from "../../backend/supplier-portal/submissions.ts";
import { hashTree, removeTempDirs } from "../helpers/image-backend.ts";
import { request } from "node:https";
import { basic, portal, portalWorld, signedBundle, type PortalWorld } from "../helpers/supplier-portal.ts";

let world: PortalWorld;
let served: ServedBackend;

test.before(async () => {
  world = await portalWorld();
  served = await serveBackend(world.dir);
});

test.after(async () => {
  await close(served.server);
  await removeTempDirs();
});

/** POSTs `bytes` in 1 KiB chunks without a Content-Length; resolves with the status. */
function streamedUpload(url: string, bytes: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", ca: world.ca, agent: false, headers: { authorization: basic(world.accounts.acme) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    for (let i = 0; i < bytes.length; i += 1024) req.write(bytes.subarray(i, i + 1024));
    req.end();
  });
}

const upload = (credentials: PortalWorld["accounts"]["acme"], bytes: Buffer, url = served.url) => portal(url, world.ca, "submissions", credentials, { method: "POST", body: bytes });
const stored = async () => (await readdir(join(world.dir, SUBMISSIONS_DIR))).filter((n) => !n.startsWith("."));
const listed = async (credentials: PortalWorld["accounts"]["acme"]) => (await portal(served.url, world.ca, "submissions", credentials)).json().submissions as Array<Record<string, unknown>>;

test("a supplier's bundle for its own role is held for review: 202, a 0600 file, a pending row, nothing published", async () => {
  const published = await hashTree(repositoryDir(world.dir));
  const signed = await signedBundle(world, "acme", "acme/brake-2.0.bin", randomBytes(2048), "brake-ctl", 2);
  const r = await upload(world.accounts.acme, await readFile(signed.bundle));
  assert.is(r.status, 202, r.text());
  const s = r.json().submission;
  assert.is(s.status, "pending");
  assert.is(s.sha256, signed.sha256, "the hash the supplier's sign printed");
  assert.equal(s.roles, [{ name: "acme", version: 1, targets: ["acme/brake-2.0.bin"] }]);
  const file = join(world.dir, SUBMISSIONS_DIR, `${signed.sha256}.bundle`);
  assert.is((await stat(file)).mode & 0o777, 0o600);
  assert.is((await stat(join(world.dir, SUBMISSIONS_DIR))).mode & 0o777, 0o700);
  assert.is(await hashTree(repositoryDir(world.dir)), published, "the Image repository is unchanged");
  assert.equal((await listed(world.accounts.acme)).map((x) => [x.id, x.status]), [[s.id, "pending"]]);
  const one = await portal(served.url, world.ca, `submissions/${s.id}`, world.accounts.acme);
  assert.is(one.json().submission.sha256, signed.sha256);
});

test("a supplier uploading another supplier's role is refused (403) and nothing is stored", async () => {
  const before = await stored();
  // bravo's own, genuinely signed bundle, sent with acme's credentials
  const bravos = await signedBundle(world, "bravo", "bravo/cam-1.0.bin", randomBytes(1024), "adas-cam");
  const r = await upload(world.accounts.acme, await readFile(bravos.bundle));
  assert.is(r.status, 403, r.text());
  assert.is(r.json().error, "role-not-yours");
  assert.match(r.json().detail, /account acme delivers acme .*holds bravo/);
  // acme's bundle carrying bravo's role along, as if bravo were its tier-2 supplier
  const both = await signSupplier(world.suppliers.acme, { includes: [bravos.bundle], out: join(world.work, "acme-with-bravo.bundle") });
  const mixed = await upload(world.accounts.acme, await readFile(both.bundle));
  assert.is(mixed.status, 403, mixed.text());
  assert.match(mixed.json().detail, /holds bravo$/);
  assert.equal(await stored(), before);
  assert.equal((await listed(world.accounts.bravo)).length, 0, "bravo has no submission either");
});

test("a supplier sees only its own submissions: another's id is 404 as a missing one", async () => {
  const acmes = await listed(world.accounts.acme);
  assert.ok(acmes.length > 0);
  const r = await portal(served.url, world.ca, `submissions/${acmes[0]!.id}`, world.accounts.bravo);
  assert.is(r.status, 404);
  assert.is((await portal(served.url, world.ca, "submissions/999999", world.accounts.bravo)).status, 404);
});

test("a bundle over the portal's cap is refused with 413, whether declared or streamed, and nothing is stored", async () => {
  const cap = 8 * 1024;
  const small = await serveBackend(world.dir, { supplierPortal: { maxBundleBytes: cap } });
  try {
    const before = await stored();
    const signed = await signedBundle(world, "acme", "acme/big.bin", randomBytes(cap), "brake-ctl");
    const bytes = await readFile(signed.bundle);
    assert.ok(bytes.length > cap);
    const r = await upload(world.accounts.acme, bytes, small.url);
    assert.is(r.status, 413, r.text());
    assert.is(r.json().error, "body-too-large");
    // without a Content-Length: the body is cut off at the cap as it streams
    assert.is(await streamedUpload(`${small.url}/supplier/submissions`, bytes), 413);
    assert.equal(await stored(), before);
  } finally {
    await close(small.server);
  }
});

test("what is not a bundle is 400; a bundle the import would refuse is 422 with the reason; neither is stored", async () => {
  const before = await stored();
  const junk = await upload(world.accounts.acme, Buffer.from("{\"format\":\"something else\"}"));
  assert.is(junk.status, 400);
  assert.is(junk.json().error, "invalid-bundle");
  // a camera image in acme's role: outside its delegation's hardware IDs
  const wrongHardware = await signedBundle(world, "acme", "acme/cam.bin", randomBytes(512), "adas-cam");
  const r = await upload(world.accounts.acme, await readFile(wrongHardware.bundle));
  assert.is(r.status, 422, r.text());
  assert.is(r.json().error, "bundle-refused");
  assert.match(r.json().detail, /outside the delegation's hardwareIds/);
  assert.equal(await stored(), before);
});

test("credentials are checked before the body is read: an unauthenticated upload is 401 and closes the connection", async () => {
  const signed = await signedBundle(world, "acme", "acme/x.bin", randomBytes(256), "brake-ctl");
  const r = await upload({ name: "acme", password: "wrong" }, await readFile(signed.bundle));
  assert.is(r.status, 401);
  assert.is(r.headers.connection, "close");
});

test.run();
