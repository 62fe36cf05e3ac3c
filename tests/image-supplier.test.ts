// Supplier flow end to end (tier-1 and nested tier-2 delegations) and every refused bundle
// leaving the OEM's backend folder byte-for-byte unchanged.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Server } from "node:http";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { serveBackend } from "../backend/serve.ts";
import { close } from "../backend/http/server.ts";
import { delegate, importBundle, ImageRepository, refresh } from "../backend/image/repository.ts";
import { initSupplier, readPublicKeyFile, recordSupplierDelegation, signSupplier, supplierDelegate } from "../backend/supplier/workdir.ts";
import { publishedTargetsFile } from "./helpers/image-backend.ts";
import { signingKeyFromPem, signMetadata } from "../model/keys.ts";
import { hashTree, newBackend, TufClient, tempDir, writeTemp, removeTempDirs } from "./helpers/image-backend.ts";

let dir: string;
let server: Server;
let url: string;
let client: TufClient;
let work: string;
let acme: string;
let brakeImage: Buffer;
let firstBundle: string;

test.before(async () => {
  dir = await newBackend();
  ({ server, url } = await serveBackend(dir));
  client = await TufClient.create(dir, url);
  work = await tempDir();
  acme = join(work, "acme");
  const { publicKeyFile } = await initSupplier(acme, "acme");
  await delegate(dir, { role: "acme", keys: [await readPublicKeyFile(publicKeyFile)], paths: ["acme/*"], hardwareIds: ["brake", "abs"] });
});

test.after(async () => {
  await close(server);
  await removeTempDirs();
});

async function refusedUnchanged(bundle: string, message: RegExp): Promise<void> {
  const before = await hashTree(dir);
  try {
    await importBundle(dir, bundle);
    assert.unreachable("the bundle was accepted");
  } catch (err) {
    assert.instance(err, Error);
    assert.match((err as Error).message, message);
  }
  assert.is(await hashTree(dir), before, "the backend folder is byte-for-byte unchanged");
}

async function supplierKey(work: string) {
  const name = (await readdir(join(work, "keys")))[0]!;
  return signingKeyFromPem(await readFile(join(work, "keys", name), "utf8"));
}

test("a supplier's signed bundle is imported and a TUF client downloads its image", async () => {
  brakeImage = randomBytes(3000);
  firstBundle = join(work, "acme-1.bundle");
  await signSupplier(acme, { image: { file: await writeTemp(work, "brake.bin", brakeImage), name: "acme/brake.bin", hardwareIds: ["brake"], releaseCounter: 2 }, out: firstBundle });
  const result = await importBundle(dir, firstBundle);
  assert.equal(result.roles.map((r) => r.name), ["acme"]);
  const found = await new ImageRepository(dir).findTarget("acme/brake.bin");
  assert.is(found?.role, "acme");
  assert.is(found?.length, 3000);
  assert.equal(found?.custom, { hardwareIds: ["brake"], releaseCounter: 2 });
  assert.equal(Buffer.compare((await client.fetchTarget("acme/brake.bin"))!, brakeImage), 0);
});

test("a nested tier-2 delegation delivered through the tier-1 bundle is imported and served", async () => {
  const bolt = join(work, "bolt");
  const { publicKeyFile } = await initSupplier(bolt, "bolt");
  // The tier-1 folder learns what the OEM delegated to it before it delegates below it.
  await recordSupplierDelegation(acme, await publishedTargetsFile(dir));
  await supplierDelegate(acme, { role: "bolt", keys: [await readPublicKeyFile(publicKeyFile)], paths: ["acme/bolt-*"], terminating: true });
  const boltImage = randomBytes(500);
  const boltBundle = join(work, "bolt-1.bundle");
  await signSupplier(bolt, { image: { file: await writeTemp(work, "bolt.bin", boltImage), name: "acme/bolt-1.bin", hardwareIds: ["abs"] }, out: boltBundle });
  const acmeBundle = join(work, "acme-2.bundle");
  await signSupplier(acme, { includes: [boltBundle], out: acmeBundle });
  const result = await importBundle(dir, acmeBundle);
  assert.equal(result.roles.map((r) => r.name).sort(), ["acme", "bolt"]);
  const found = await new ImageRepository(dir).findTarget("acme/bolt-1.bin", { hardwareId: "abs" });
  assert.is(found?.role, "bolt");
  assert.equal(Buffer.compare((await client.fetchTarget("acme/bolt-1.bin"))!, boltImage), 0);
  assert.equal(Buffer.compare((await client.fetchTarget("acme/brake.bin"))!, brakeImage), 0);
  // The tier-1 supplier includes the same tier-2 bundle again with its next delivery.
  const again = join(work, "acme-3.bundle");
  const absImage = randomBytes(50);
  await signSupplier(acme, { image: { file: await writeTemp(work, "abs.bin", absImage), name: "acme/abs.bin", hardwareIds: ["abs"] }, includes: [boltBundle], out: again });
  assert.equal((await importBundle(dir, again)).roles.map((r) => r.name), ["acme"], "the unchanged tier-2 role is not published again");
  assert.equal(Buffer.compare((await client.fetchTarget("acme/abs.bin"))!, absImage), 0);
  assert.equal(Buffer.compare((await client.fetchTarget("acme/bolt-1.bin"))!, boltImage), 0);
  await refusedUnchanged(again, /bundle holds nothing new/);
});

test("a bundle with a forged signature is refused and changes nothing", async () => {
  const out = join(work, "forged.bundle");
  await signSupplier(acme, { out });
  const bundle = JSON.parse(await readFile(out, "utf8"));
  bundle.roles[0].metadata.signed.targets["acme/brake.bin"].custom.releaseCounter = 99;
  await writeFile(out, JSON.stringify(bundle));
  await refusedUnchanged(out, /role 'acme': 0 valid signature\(s\) from its delegated keys, needs 1/);
});

test("a bundle signed by a key the OEM did not delegate to is refused", async () => {
  const mallory = join(work, "mallory");
  await initSupplier(mallory, "acme");
  const out = join(work, "mallory.bundle");
  await signSupplier(mallory, { image: { file: await writeTemp(work, "m.bin", "evil"), name: "acme/brake.bin", hardwareIds: ["brake"], releaseCounter: 9 }, out });
  await refusedUnchanged(out, /0 valid signature/);
});

test("a rolled-back role version is refused", async () => {
  await refusedUnchanged(firstBundle, /role 'acme': version 1 is not newer than the published version 3 \(rollback refused\)/);
});

test("an expired role is refused", async () => {
  const out = join(work, "expired.bundle");
  await signSupplier(acme, { out, now: new Date(Date.now() - 400 * 86_400_000) });
  await refusedUnchanged(out, /role 'acme': expired at /);
});

test("an image whose bytes do not match the signed hash is refused", async () => {
  const out = join(work, "wrong-bytes.bundle");
  await signSupplier(acme, { out });
  const bundle = JSON.parse(await readFile(out, "utf8"));
  const sha = Object.keys(bundle.images).find((s) => Buffer.from(bundle.images[s], "base64").length === 3000)!;
  const bytes = Buffer.from(bundle.images[sha], "base64");
  bytes[0] ^= 1;
  bundle.images[sha] = bytes.toString("base64");
  await writeFile(out, JSON.stringify(bundle));
  await refusedUnchanged(out, /does not hash to its key/);
});

test("signed metadata listing a wrong SHA-512 or length for the delivered image is refused", async () => {
  const key = await supplierKey(acme);
  const good = join(work, "good.bundle");
  await signSupplier(acme, { out: good });
  for (const [field, message] of [
    ["sha512", /target 'acme\/brake.bin' sha512 is 0+ but the image hashes to/],
    ["length", /target 'acme\/brake.bin' length is 2999 but the image has 3000 bytes/],
  ] as const) {
    const bundle = JSON.parse(await readFile(good, "utf8"));
    const signed = bundle.roles[0].metadata.signed;
    if (field === "sha512") signed.targets["acme/brake.bin"].hashes.sha512 = "0".repeat(128);
    else signed.targets["acme/brake.bin"].length = 2999;
    signed.version += 10;
    bundle.roles[0].metadata = signMetadata(signed, [key]);
    const out = join(work, `wrong-${field}.bundle`);
    await writeFile(out, JSON.stringify(bundle));
    await refusedUnchanged(out, message);
  }
});

test("a tier-1 bundle that re-keys a published tier-2 delegation without the re-signed tier-2 role is refused", async () => {
  const newBolt = join(work, "bolt-new");
  const { publicKeyFile } = await initSupplier(newBolt, "bolt");
  await supplierDelegate(acme, { role: "bolt", keys: [await readPublicKeyFile(publicKeyFile)], paths: ["acme/bolt-*"], terminating: true });
  const out = join(work, "rekey.bundle");
  await signSupplier(acme, { out });
  await refusedUnchanged(out, /published role 'bolt' would no longer verify under the new delegation; include it in the bundle/);
});

test("a bundle holding the same role twice is refused", async () => {
  const out = join(work, "twice.bundle");
  await signSupplier(acme, { out });
  const bundle = JSON.parse(await readFile(out, "utf8"));
  bundle.roles.push(bundle.roles[0]);
  await writeFile(out, JSON.stringify(bundle));
  await refusedUnchanged(out, /bundle holds role 'acme' twice/);
});

test("a role larger than clients accept (5 MiB) is refused before anything else is checked", async () => {
  const out = join(work, "huge.bundle");
  await signSupplier(acme, { out });
  const bundle = JSON.parse(await readFile(out, "utf8"));
  bundle.roles[0].metadata.signed.targets["acme/brake.bin"].custom.pad = "x".repeat(5 * 1024 * 1024);
  await writeFile(out, JSON.stringify(bundle));
  await refusedUnchanged(out, /role 'acme' is \d+ bytes; clients accept at most 5242880 per targets document/);
});

test("a target outside the supplier's delegated paths is refused", async () => {
  // A folder without its delegation record (made before records existed) signs it; the
  // OEM's import is the check that never depends on the supplier's tools.
  await rm(join(acme, "delegation.json"));
  const out = join(work, "outside.bundle");
  await signSupplier(acme, { image: { file: await writeTemp(work, "o.bin", "x"), name: "engine/ecu.bin", hardwareIds: ["brake"] }, out });
  await refusedUnchanged(out, /target 'engine\/ecu.bin' is outside the paths delegated to 'acme' \(acme\/\*\)/);
});

test("a target for hardware outside the delegation's hardwareIds is refused", async () => {
  const fresh = join(work, "acme2");
  const { publicKeyFile } = await initSupplier(fresh, "acme2");
  await delegate(dir, { role: "acme2", keys: [await readPublicKeyFile(publicKeyFile)], paths: ["acme2/*"], hardwareIds: ["brake"] });
  const out = join(work, "hw.bundle");
  await signSupplier(fresh, { image: { file: await writeTemp(work, "h.bin", "y"), name: "acme2/engine.bin", hardwareIds: ["engine"] }, out });
  await refusedUnchanged(out, /is for hardware engine, outside the delegation's hardwareIds \(brake\)/);
});

test("a bundle for a role nobody delegated is refused", async () => {
  const ghost = join(work, "ghost");
  await initSupplier(ghost, "ghost");
  const out = join(work, "ghost.bundle");
  await signSupplier(ghost, { image: { file: await writeTemp(work, "g.bin", "z"), name: "acme/g.bin", hardwareIds: ["brake"] }, out });
  await refusedUnchanged(out, /role 'ghost' is not delegated/);
});

test("a bundle that is not JSON, or not a bundle, is refused with a clear message", async () => {
  await refusedUnchanged(await writeTemp(work, "junk.bundle", "{not json"), /bundle is not valid JSON/);
  await refusedUnchanged(await writeTemp(work, "other.bundle", '{"format":"zip"}'), /bundle format is 'zip'/);
  await refusedUnchanged(join(work, "missing.bundle"), /cannot read bundle .*ENOENT/);
});

test("refresh warns about supplier roles close to expiry", async () => {
  const soon = await refresh(dir, { now: new Date(Date.now() + 85 * 86_400_000) });
  assert.equal(soon.delegatedExpiringSoon.map((d) => d.role).sort(), ["acme", "bolt"]);
  assert.equal((await refresh(dir, { force: true })).delegatedExpiringSoon, []);
});

test.run();
