// A real TUF 1.0 client (tuf-js) updates from `uptane serve` over HTTPS (the backend's CA
// pinned, a vehicle's client certificate): first fetch, then after an image is added, the
// root key rotated and the timestamp key rotated. One server per file.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Server } from "node:http";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { Metadata, MetadataKind } from "@tufjs/models";
import { serveBackend } from "../backend/serve.ts";
import { close } from "../backend/http/server.ts";
import { addImage, rotate, refresh, ImageRepository } from "../backend/image/repository.ts";
import { repositoryDir } from "../backend/image/layout.ts";
import { newBackend, TufClient, tempDir, writeTemp, removeTempDirs } from "./helpers/image-backend.ts";
import { tlsFetch } from "./helpers/tls.ts";

let dir: string;
let server: Server;
let url: string;
let client: TufClient;
let work: string;
let firstImage: Buffer;

test.before(async () => {
  dir = await newBackend();
  ({ server, url } = await serveBackend(dir));
  client = await TufClient.create(dir, url);
  work = await tempDir();
});

test.after(async () => {
  await close(server);
  await removeTempDirs();
});

test("tuf-js refreshes, finds an added image and downloads the same bytes", async () => {
  const bytes = randomBytes(5000);
  firstImage = bytes;
  await addImage(dir, await writeTemp(work, "a.bin", bytes), { name: "ecu-a/firmware.bin", hardwareIds: ["ecu-a"], releaseCounter: 3 });
  const got = await client.fetchTarget("ecu-a/firmware.bin");
  assert.ok(got);
  assert.equal(Buffer.compare(got!, bytes), 0);
  assert.is(await client.fetchTarget("ecu-a/missing.bin"), null);
});

test("a second image published later is seen on the next refresh", async () => {
  const before = await client.trustedVersion("timestamp");
  const bytes = randomBytes(100);
  await addImage(dir, await writeTemp(work, "b.bin", bytes), { name: "top.bin", hardwareIds: ["ecu-b"] });
  const got = await client.fetchTarget("top.bin");
  assert.equal(Buffer.compare(got!, bytes), 0);
  assert.ok((await client.trustedVersion("timestamp")) > before);
});

test("after rotating the root key the client follows root N+1 and still updates", async () => {
  const result = await rotate(dir, "root");
  assert.is.not(result.newKeyIds[0], result.oldKeyIds[0]);
  const bytes = randomBytes(64);
  await addImage(dir, await writeTemp(work, "c.bin", bytes), { name: "after-root.bin", hardwareIds: ["ecu-c"] });
  assert.equal(Buffer.compare((await client.fetchTarget("after-root.bin"))!, bytes), 0);
  assert.is(await client.trustedVersion("root"), result.rootVersion);
});

test("after rotating the timestamp key the client accepts the newly signed timestamp", async () => {
  const result = await rotate(dir, "timestamp");
  const bytes = randomBytes(64);
  await addImage(dir, await writeTemp(work, "d.bin", bytes), { name: "after-ts.bin", hardwareIds: ["ecu-d"] });
  assert.equal(Buffer.compare((await client.fetchTarget("after-ts.bin"))!, bytes), 0);
  const ts = JSON.parse(await readFile(join(client.local, "metadata", "timestamp.json"), "utf8"));
  assert.ok(ts.signatures.some((s: { keyid: string }) => s.keyid === result.newKeyIds[0]));
  assert.not.ok(ts.signatures.some((s: { keyid: string }) => s.keyid === result.oldKeyIds[0]), "the old key no longer signs");
});

test("after rotating the snapshot and targets keys the client still updates", async () => {
  await rotate(dir, "snapshot");
  await rotate(dir, "targets");
  const bytes = randomBytes(64);
  await addImage(dir, await writeTemp(work, "e.bin", bytes), { name: "after-all.bin", hardwareIds: ["ecu-e"] });
  assert.equal(Buffer.compare((await client.fetchTarget("after-all.bin"))!, bytes), 0);
  assert.equal(Buffer.compare((await client.fetchTarget("ecu-a/firmware.bin"))!, firstImage), 0, "earlier images stay listed");
});

test("refresh re-signs snapshot and timestamp and the client accepts them", async () => {
  const before = await client.trustedVersion("timestamp");
  const r = await refresh(dir, { force: true });
  assert.equal(r.resigned, ["snapshot", "timestamp"]);
  assert.ok(await client.fetchTarget("top.bin"));
  assert.ok((await client.trustedVersion("timestamp")) > before);
  const notDue = await refresh(dir);
  assert.equal(notDue.resigned, [], "fresh online roles are not re-signed");
  const later = await refresh(dir, { now: new Date(Date.now() + 80 * 86_400_000) });
  assert.equal(later.resigned, ["snapshot", "timestamp"], "online roles near expiry are re-signed");
  assert.equal(later.offlineExpiringSoon, ["targets"], "targets (90 days) is reported, not re-signed");
});

test("@tufjs/models independently verifies every published document", async () => {
  const repo = repositoryDir(dir);
  const state = await new ImageRepository(dir).published();
  const load = async <T extends MetadataKind>(kind: T, file: string) =>
    Metadata.fromJSON(kind as MetadataKind.Root, JSON.parse(await readFile(join(repo, file), "utf8")));
  // Every root N+1 is signed by root N's keys and its own.
  for (let v = 1; v < state.root.signed.version; v++) {
    const older = await load(MetadataKind.Root, `${v}.root.json`);
    const newer = await load(MetadataKind.Root, `${v + 1}.root.json`);
    older.verifyDelegate(MetadataKind.Root, newer);
    newer.verifyDelegate(MetadataKind.Root, newer);
  }
  const root = await load(MetadataKind.Root, `${state.root.signed.version}.root.json`);
  const timestamp = Metadata.fromJSON(MetadataKind.Timestamp, JSON.parse(await readFile(join(repo, "timestamp.json"), "utf8")));
  root.verifyDelegate(MetadataKind.Timestamp, timestamp);
  const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, JSON.parse(await readFile(join(repo, `${timestamp.signed.snapshotMeta.version}.snapshot.json`), "utf8")));
  root.verifyDelegate(MetadataKind.Snapshot, snapshot);
  const targets = Metadata.fromJSON(MetadataKind.Targets, JSON.parse(await readFile(join(repo, `${snapshot.signed.meta["targets.json"]!.version}.targets.json`), "utf8")));
  root.verifyDelegate(MetadataKind.Targets, targets);
  assert.ok(targets.signed.targets["ecu-a/firmware.bin"]);
  assert.equal(targets.signed.targets["ecu-a/firmware.bin"]!.unrecognizedFields.custom, { hardwareIds: ["ecu-a"], releaseCounter: 3 });
  assert.ok(root.signed.consistentSnapshot);
});

test("the server answers unknown paths with 404 JSON and never serves files outside the repository", async () => {
  for (const path of ["/nothing", "/image/keys", "/image/../keys/offline", "/image/%2e%2e/config.json", "/image/.lock", "/image/targets/..%2f..%2fconfig.json"]) {
    const res = await tlsFetch(url + path, client.tls!);
    assert.ok(res.status === 404 || res.status === 400, `${path} gave ${res.status}`);
    assert.is(res.headers["content-type"], "application/json; charset=utf-8");
    assert.type(res.json().error, "string");
  }
  const res = await tlsFetch(`${url}/image/timestamp.json`, client.tls!);
  assert.is(res.status, 200);
  assert.is(res.headers["content-type"], "application/json");
  assert.is(Number(res.headers["content-length"]), res.body.length);
  assert.equal(res.body, await readFile(join(repositoryDir(dir), "timestamp.json")));
});

test.run();
