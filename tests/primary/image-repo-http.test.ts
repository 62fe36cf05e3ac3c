// The Primary's downloads against the real Image repository served by `uptane serve`:
// the paths it builds (root rotations, versioned snapshot/targets/delegated roles,
// consistent-snapshot image files in subfolders) are the ones the backend publishes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import { addImage, delegate, rotate } from "../../backend/image/repository.ts";
import { generateSigningKey } from "../../model/keys.ts";
import { serveBackend } from "../../backend/serve.ts";
import { collect, HttpFetcher } from "../../host/primary/fetcher.ts";
import { imagePath } from "../../host/primary/primary.ts";
import { DEFAULT_METADATA_CAPS, downloadRepository, signedVersion, type DocumentGetter } from "../../host/primary/repository-download.ts";
import { DEFAULT_RETRIEVAL_POLICY, guarded } from "../../host/primary/slow-retrieval.ts";
import { newBackend, removeDir } from "../helpers/image-backend.ts";

let dir = "";
let imageDir = "";
let server: Server;
let fetcher: HttpFetcher;
const image = new Uint8Array(Buffer.from("firmware for the brakes, version 2\n".repeat(50)));

test.before(async () => {
  dir = await newBackend();
  imageDir = await mkdtemp(join(tmpdir(), "primary-img-"));
  const file = join(imageDir, "fw.bin");
  await writeFile(file, image);
  await addImage(dir, file, { name: "brakes/fw-2.bin", hardwareIds: ["hw-brakes"], releaseCounter: 2 });
  await delegate(dir, { role: "supplier-a", keys: [generateSigningKey().publicKey], paths: ["supplier-a/*"] });
  await rotate(dir, "root");
  const served = await serveBackend(dir, { host: "127.0.0.1", port: 0, plainHttp: true });
  server = served.server;
  fetcher = new HttpFetcher(served.url);
});

test.after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await removeDir(dir);
  await removeDir(imageDir);
});

const get: DocumentGetter = (path, maxBytes) => collect(guarded(path, (signal) => fetcher.get(path, { maxBytes, signal }), DEFAULT_RETRIEVAL_POLICY));
const signed = (b: Uint8Array) => JSON.parse(Buffer.from(b).toString("utf8")).signed;

test("the Primary downloads the served Image repository: root rotation, timestamp, snapshot, targets", async () => {
  const { files, newRoots } = await downloadRepository(get, { repo: "image", base: "/image/", delegations: true }, 1, DEFAULT_METADATA_CAPS);
  assert.equal(newRoots.map((r) => r.version), [2]);
  assert.is(signedVersion(files.rootRotations[0]!), 2);
  assert.is(signed(files.timestamp)._type, "timestamp");
  assert.is(signed(files.snapshot).version, signed(files.timestamp).meta["snapshot.json"].version);
  assert.is(signed(files.targets).version, signed(files.snapshot).meta["targets.json"].version);
  assert.ok(signed(files.targets).targets["brakes/fw-2.bin"]);
  // A delegation whose supplier has published nothing yet has no document to fetch.
  assert.equal(signed(files.targets).delegations.roles.map((r: { name: string }) => r.name), ["supplier-a"]);
  assert.equal([...files.delegations!.keys()], []);
});

test("the Primary fetches an image in a subfolder by its consistent-snapshot path", async () => {
  const { files } = await downloadRepository(get, { repo: "image", base: "/image/", delegations: true }, 2, DEFAULT_METADATA_CAPS);
  const entry = signed(files.targets).targets["brakes/fw-2.bin"];
  const path = imagePath({ name: "brakes/fw-2.bin", length: entry.length, hashes: entry.hashes, hardwareId: "hw-brakes", releaseCounter: 2 });
  const got = await get(path, entry.length + 1);
  assert.not.ok(got.oversized);
  assert.is(createHash("sha256").update(got.bytes).digest("hex"), entry.hashes.sha256);
});

test.run();
