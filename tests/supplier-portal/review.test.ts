// The OEM's review of portal submissions (README "Backend: supplier portal"), through the
// built `uptane` command: approval needs the bundle's SHA-256 as the supplier gave it out
// of band (`supplier sign` prints it) and then runs `supplier import`'s checks; the happy
// path ends with the supplier's image published and downloaded by a vehicle over HTTPS.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { serveBackend, type ServedBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import { repositoryDir } from "../../backend/image/layout.ts";
import { hashTree, removeTempDirs, TufClient, writeTemp } from "../helpers/image-backend.ts";
import { portal, portalWorld, signedBundle, type PortalWorld } from "../helpers/supplier-portal.ts";
import { uptane } from "../helpers/uptane-cli.ts";

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

async function submit(bundle: string): Promise<number> {
  const r = await portal(served.url, world.ca, "submissions", world.accounts.acme, { method: "POST", body: await readFile(bundle) });
  assert.is(r.status, 202, r.text());
  return r.json().submission.id;
}

const statusOf = async (id: number) => (await portal(served.url, world.ca, `submissions/${id}`, world.accounts.acme)).json().submission;

test("supplier account add prints the password once; the account works at the portal and a second add is refused", async () => {
  await uptane("delegate", world.dir, "--supplier", "carco", "--key", join(world.suppliers.acme, "acme.pub.json"), "--paths", "carco/*").then((r) => assert.is(r.code, 0, r.err));
  const added = await uptane("supplier", "account", "add", world.dir, "carco", "--role", "carco", "--json");
  assert.is(added.code, 0, added.err);
  const { password, roles } = JSON.parse(added.out);
  assert.equal(roles, ["carco"]);
  assert.is((await portal(served.url, world.ca, "account", { name: "carco", password })).status, 200);
  const again = await uptane("supplier", "account", "add", world.dir, "carco", "--role", "carco");
  assert.is(again.code, 1);
  assert.match(again.err, /exists already/);
  const undelegated = await uptane("supplier", "account", "add", world.dir, "dave", "--role", "dave");
  assert.is(undelegated.code, 1);
  assert.match(undelegated.err, /not delegated/);
});

test("account list shows names and roles, never a secret; a disabled account is refused from its next request, its submissions kept", async () => {
  const list = await uptane("supplier", "account", "list", world.dir, "--json");
  assert.is(list.code, 0, list.err);
  assert.equal(JSON.parse(list.out).accounts.map((a: { name: string; roles: string[]; disabled: boolean }) => [a.name, a.roles, a.disabled]), [["acme", ["acme"], false], ["bravo", ["bravo"], false], ["carco", ["carco"], false]]);
  assert.not.ok(list.out.includes(world.accounts.acme.password) || /scrypt|hash/.test(list.out));
  const signed = await signedBundle(world, "bravo", "bravo/cam-1.0.bin", randomBytes(100), "adas-cam");
  const id = (await portal(served.url, world.ca, "submissions", world.accounts.bravo, { method: "POST", body: await readFile(signed.bundle) })).json().submission.id;
  const disabled = await uptane("supplier", "account", "disable", world.dir, "bravo");
  assert.is(disabled.code, 0, disabled.err);
  const r = await portal(served.url, world.ca, "account", world.accounts.bravo);
  assert.is(r.status, 401);
  assert.is(r.json().detail, "wrong account name or password");
  const pending = JSON.parse((await uptane("supplier", "submissions", world.dir, "--account", "bravo", "--json")).out).submissions;
  assert.equal(pending.map((s: { id: number; status: string }) => [s.id, s.status]), [[id, "pending"]]);
  assert.is((await uptane("supplier", "account", "disable", world.dir, "bravo")).code, 1, "disabled already");
});

test("approval with a hash other than the bundle's is refused: nothing published, still pending", async () => {
  const signed = await signedBundle(world, "acme", "acme/brake-2.0.bin", randomBytes(4096), "brake-ctl", 2);
  const id = await submit(signed.bundle);
  const published = await hashTree(repositoryDir(world.dir));
  const other = (await signedBundle(world, "acme", "acme/brake-2.1.bin", randomBytes(64), "brake-ctl", 2)).sha256;
  const r = await uptane("supplier", "approve", world.dir, String(id), "--expect-sha256", other);
  assert.is(r.code, 1);
  assert.match(r.err, new RegExp(`submission ${id} is bundle ${signed.sha256}, not the ${other} confirmed out of band`));
  assert.is(await hashTree(repositoryDir(world.dir)), published);
  assert.is((await statusOf(id)).status, "pending");
  const malformed = await uptane("supplier", "approve", world.dir, String(id), "--expect-sha256", "abc");
  assert.is(malformed.code, 2, "a malformed hash is fixed on the command line: bad usage (README CLI)");
  assert.match(malformed.err, /64 hexadecimal digits/);
});

test("happy path: sign prints the hash, upload, the OEM lists and approves with it, a vehicle downloads the image", async () => {
  const image = randomBytes(5000);
  const file = await writeTemp(world.work, "brake-3.0.bin", image);
  const bundle = join(world.work, "acme-3.bundle");
  const sign = await uptane("supplier", "sign", world.suppliers.acme, "--image", file, "--name", "acme/brake-3.0.bin", "--hardware-id", "brake-ctl", "--release-counter", "3", "--out", bundle);
  assert.is(sign.code, 0, sign.err);
  const sha256 = /Bundle SHA-256 \(give it to the OEM out of band\): ([0-9a-f]{64})/.exec(sign.out)?.[1];
  assert.ok(sha256, sign.out);
  const id = await submit(bundle);

  const list = await uptane("supplier", "submissions", world.dir, "--status", "pending", "--json");
  assert.is(list.code, 0, list.err);
  const pending = JSON.parse(list.out).submissions.find((s: { id: number }) => s.id === id);
  assert.is(pending.sha256, sha256);
  assert.ok(pending.roles[0].targets.includes("acme/brake-3.0.bin"));

  const approve = await uptane("supplier", "approve", world.dir, String(id), "--expect-sha256", sha256!.toUpperCase());
  assert.is(approve.code, 0, approve.err);
  assert.match(approve.out, new RegExp(`Approved submission ${id} from acme: imported acme v\\d+ \\(\\d+ target\\(s\\)\\)`));
  const decided = await statusOf(id);
  assert.is(decided.status, "approved");
  assert.ok(decided.snapshotVersion > 1);

  const vehicle = await TufClient.create(world.dir, served.url, "PORTALVEHICLE001");
  const downloaded = await vehicle.fetchTarget("acme/brake-3.0.bin");
  assert.ok(downloaded && Buffer.compare(downloaded, image) === 0, "the vehicle gets the supplier's image");
});

test("the same checks as supplier import at approval: a submission made stale by a newer approved one is refused, with the reason shown to the supplier", async () => {
  // Both signed before either is approved: the first carries version N, the second N+1.
  const older = await signedBundle(world, "acme", "acme/brake-4.0.bin", randomBytes(100), "brake-ctl", 4);
  const newer = await signedBundle(world, "acme", "acme/brake-5.0.bin", randomBytes(100), "brake-ctl", 5);
  const olderId = await submit(older.bundle);
  const newerId = await submit(newer.bundle);
  assert.is((await uptane("supplier", "approve", world.dir, String(newerId), "--expect-sha256", newer.sha256)).code, 0);
  const published = await hashTree(repositoryDir(world.dir));
  const r = await uptane("supplier", "approve", world.dir, String(olderId), "--expect-sha256", older.sha256);
  assert.is(r.code, 1);
  assert.match(r.err, /not newer than the published version .*rollback refused/);
  assert.is(await hashTree(repositoryDir(world.dir)), published);
  const seen = await statusOf(olderId);
  assert.is(seen.status, "refused");
  assert.match(seen.reason, /rollback refused/);
  const twice = await uptane("supplier", "approve", world.dir, String(newerId), "--expect-sha256", newer.sha256);
  assert.is(twice.code, 1);
  assert.match(twice.err, /is approved already/);
});

test("reject: nothing published, the supplier sees the OEM's reason", async () => {
  const signed = await signedBundle(world, "acme", "acme/brake-6.0.bin", randomBytes(100), "brake-ctl", 6);
  const id = await submit(signed.bundle);
  const published = await hashTree(repositoryDir(world.dir));
  const r = await uptane("supplier", "reject", world.dir, String(id), "--reason", "hash not confirmed by phone");
  assert.is(r.code, 0, r.err);
  assert.is(await hashTree(repositoryDir(world.dir)), published);
  const seen = await statusOf(id);
  assert.is(seen.status, "rejected");
  assert.is(seen.reason, "hash not confirmed by phone");
  assert.is((await uptane("supplier", "approve", world.dir, String(id), "--expect-sha256", signed.sha256)).code, 1, "a rejected submission cannot be approved");
});

test.run();
