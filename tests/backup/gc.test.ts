// Garbage collection of the Image repository (README "Backup, audit and garbage
// collection"): on a repository with 50 published versions, gc frees space, keeps every
// root and everything the current timestamp reaches, and tuf-js and our Primary still
// update, also after a gc killed mid-way (SIGKILL).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newBackend, removeTempDirs, tempDir, TufClient } from "../helpers/image-backend.ts";
import { addImage } from "../../backend/image/repository.ts";
import { repositoryDir } from "../../backend/image/layout.ts";
import { serveBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import { openDirector } from "../../backend/director/part.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { Primary, provisionPrimary } from "../../host/primary/primary.ts";
import { MemoryStore } from "../../host/primary/store.ts";
import { HttpFetcher } from "../../host/primary/fetcher.ts";
import { uptane } from "../helpers/uptane-in-process.ts";

const VIN = "GC0VIN00000000001";

test.after(removeTempDirs);

function metadataBytes(dir: string): number {
  const repo = repositoryDir(dir);
  return readdirSync(repo).filter((n) => n.endsWith(".json")).reduce((sum, n) => sum + statSync(join(repo, n)).size, 0);
}

function gcKilledAfter(dir: string, removals: number): void {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "gc-child.ts"), dir, String(removals)], { encoding: "utf8", timeout: 60_000 });
  assert.is(r.signal, "SIGKILL", `the gc child stopped itself: status ${r.status} ${r.stderr}`);
}

test("gc on 50 published versions frees space; killed mid-way or finished, tuf-js and the Primary still update", async () => {
  const dir = await newBackend();
  const work = await tempDir();
  const keys = SoftwareKeyStore.generate();
  const director = openDirector(dir);
  try {
    director.addVehicle(VIN, [{ serial: "gw-1", hardwareId: "gateway", publicKeyHex: keys.publicKey.keyval.public, primary: true }]);
  } finally {
    director.close();
  }
  for (let i = 1; i <= 50; i++) {
    writeFileSync(join(work, `fw-${i}.bin`), `gateway firmware ${i}\n`.repeat(20));
    await addImage(dir, join(work, `fw-${i}.bin`), { name: `fw-${i}.bin`, hardwareIds: ["gateway"], releaseCounter: i });
  }
  const repo = repositoryDir(dir);
  const roots = readdirSync(repo).filter((n) => n.endsWith(".root.json")).sort();
  const before = metadataBytes(dir);
  const served = await serveBackend(dir, { plainHttp: true });
  try {
    // A tuf-js client and a Primary that last updated before the gc.
    const early = await TufClient.create(dir, served.url);
    assert.ok(await early.fetchTarget("fw-1.bin"));
    const store = new MemoryStore();
    await provisionPrimary(store, { directorRoot: readFileSync(join(dir, "director", "root", "1.root.json")), imageRoot: readFileSync(join(repo, "1.root.json")) });
    const primary = await Primary.open({ vin: VIN, serial: "gw-1", hardwareId: "gateway", vehicleEcus: ["gw-1"], fetcher: new HttpFetcher(served.url), store, keys, secondaries: [] });
    assert.is((await primary.runCycle()).outcome, "NoUpdate");

    // Killed after a few removals: what is left still serves.
    gcKilledAfter(dir, 7);
    assert.ok(metadataBytes(dir) < before, "some space was freed before the kill");
    assert.ok(await (await TufClient.create(dir, served.url, "TUFCLIENT0000002")).fetchTarget("fw-50.bin"));

    const dry = await uptane("gc", dir, "--dry-run", "--json");
    assert.is(dry.code, 0, dry.err);
    const planned = JSON.parse(dry.out);
    assert.ok(planned.removed.length > 40, `${planned.removed.length} files to remove`);
    assert.ok(metadataBytes(dir) < before && readdirSync(repo).length > 0);
    const r = await uptane("gc", dir, "--json");
    assert.is(r.code, 0, r.err);
    const done = JSON.parse(r.out);
    assert.is(done.removed.length, planned.removed.length, "the dry run listed what gc removed");
    assert.ok(done.bytesFreed > 0);
    const after = metadataBytes(dir);
    assert.ok(after < before / 10, `metadata ${before} -> ${after} bytes`);
    assert.equal(readdirSync(repo).filter((n) => n.endsWith(".root.json")).sort(), roots, "every root kept");
    assert.ok(readdirSync(join(repo, "targets")).length >= 100, "images kept without --images");

    // Both clients update across the gc: the early tuf-js client and a fresh one, and the Primary installs the newest image.
    assert.ok((await early.fetchTarget("fw-50.bin"))?.equals(readFileSync(join(work, "fw-50.bin"))));
    const d = openDirector(dir);
    try {
      await d.assign(VIN, "gw-1", "fw-50.bin");
    } finally {
      d.close();
    }
    const cycle = await primary.runCycle();
    assert.is(cycle.outcome, "Ok", JSON.stringify(cycle.manifest));
    assert.is(cycle.installed?.name, "fw-50.bin");

    // --images: every image here is named by the current targets role (each image add kept the
    // earlier ones), so none goes, and the metadata left is what the timestamp reaches.
    const images = await uptane("gc", dir, "--images", "--json");
    assert.is(images.code, 0, images.err);
    assert.equal(JSON.parse(images.out).removed.filter((f: { path: string }) => f.path.startsWith("targets/")), []);
    assert.ok(await (await TufClient.create(dir, served.url, "TUFCLIENT0000003")).fetchTarget("fw-1.bin"), "every target of the current targets role is kept");
  } finally {
    await close(served.server);
  }
});

test.run();
