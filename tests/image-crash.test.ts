// Crash safety of publishing: each operation is interrupted at every file write (a clean
// failure, and a crash that leaves a torn temporary file), and a TUF client (tuf-js) must
// still update from what is on disk; the operation then succeeds when run again.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Server } from "node:http";
import { randomBytes } from "node:crypto";
import { cp, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { close, listen, Router, serveStaticFile } from "../backend/http/server.ts";
import type { FileWriter } from "../backend/fs/atomic-write.ts";
import { addImage, delegate, importBundle, refresh, rotate, ImageRepository, type OperationOptions } from "../backend/image/repository.ts";
import { repositoryDir } from "../backend/image/layout.ts";
import { initSupplier, readPublicKeyFile, signSupplier } from "../backend/supplier/workdir.ts";
import { newBackend, TufClient, tempDir, writeTemp, removeTempDirs } from "./helpers/image-backend.ts";

class InjectedFailure extends Error {}

/** Temp file + rename like the real writer, without fsync (these crashes are simulated, and fsync is slow). */
const quickWriter: FileWriter = {
  async write(path, bytes, mode = 0o644) {
    await mkdir(dirname(path), { recursive: true });
    const temp = join(dirname(path), `.${basename(path)}.quick.tmp`);
    await writeFile(temp, bytes, { mode });
    await rename(temp, path);
  },
  async copy(source, path) {
    await quickWriter.write(path, await readFile(source));
  },
};

/** Fails at write number `failAt` (0-based); `torn` first leaves half a temporary file, as a power cut would. */
function failingWriter(failAt: number, torn: boolean): FileWriter & { count: number } {
  const w = {
    count: 0,
    async write(path: string, bytes: Uint8Array, mode?: number) {
      if (w.count++ === failAt) {
        await mkdir(dirname(path), { recursive: true });
        if (torn) await writeFile(join(dirname(path), `.${basename(path)}.crash.tmp`), bytes.subarray(0, bytes.length >> 1));
        throw new InjectedFailure(`injected failure at write ${failAt} (${basename(path)})`);
      }
      await quickWriter.write(path, bytes, mode);
    },
    async copy(source: string, path: string) {
      await w.write(path, await readFile(source));
    },
  };
  return w;
}

let base: string;
let work: string;
let server: Server;
let url: string;
let served = "";
const baseImage = randomBytes(700);

test.before(async () => {
  base = await newBackend();
  work = await tempDir();
  await addImage(base, await writeTemp(work, "base.bin", baseImage), { name: "base.bin", hardwareIds: ["hw"] });
  const router = new Router();
  router.mount("image", (request) => serveStaticFile(request, repositoryDir(served)));
  ({ server, url } = await listen(router));
});

test.after(async () => {
  await close(server);
  await removeTempDirs();
});

let copies = 0;
async function copyOf(dir: string): Promise<string> {
  const copy = join(work, `copy-${copies++}`);
  await cp(dir, copy, { recursive: true });
  return copy;
}

/**
 * Runs `op` on a copy of `from` failing at each write in turn; after each failure a fresh
 * tuf-js client must update and download the earlier image, and the retried operation must
 * succeed and be seen (`after`).
 */
async function interruptEverywhere(
  from: string,
  op: (dir: string, o: OperationOptions) => Promise<unknown>,
  after: (dir: string, client: TufClient) => Promise<void>,
  modes: boolean[] = [false],
): Promise<number> {
  const probe = await copyOf(from);
  const counter = failingWriter(-1, false);
  await op(probe, { writer: counter });
  const steps = counter.count;
  assert.ok(steps >= 2, `the operation writes files (${steps})`);
  for (let k = 0; k < steps; k++) {
    for (const torn of modes) {
      const dir = await copyOf(from);
      served = dir;
      await op(dir, { writer: failingWriter(k, torn) }).then(
        () => assert.unreachable(`write ${k} was not reached`),
        (err) => assert.ok(err instanceof InjectedFailure, String(err)),
      );
      const client = await TufClient.create(dir, url);
      const got = await client.fetchTarget("base.bin");
      assert.ok(got && Buffer.compare(got, baseImage) === 0, `after a failure at write ${k} the client still updates`);
      await new ImageRepository(dir).published(); // our own tools still read it
      await op(dir, { writer: quickWriter });
      await after(dir, client); // the same client, which trusted the state after the failure, updates again
    }
  }
  return steps;
}

test("image add interrupted (cleanly or with a torn temporary file) at every write leaves a repository tuf-js updates from", async () => {
  const img = randomBytes(300);
  const file = await writeTemp(work, "new.bin", img);
  await interruptEverywhere(base, (dir, o) => addImage(dir, file, { name: "dir/new.bin", hardwareIds: ["hw"], ...o }), async (_dir, client) => {
    assert.equal(Buffer.compare((await client.fetchTarget("dir/new.bin"))!, img), 0);
  }, [false, true]);
});

test("root, timestamp and targets key rotations interrupted at every write leave a repository tuf-js updates from", async () => {
  for (const role of ["root", "timestamp", "targets"] as const) {
    await interruptEverywhere(base, (dir, o) => rotate(dir, role, o), async (dir, client) => {
      assert.ok(await client.fetchTarget("base.bin"));
      assert.is(await client.trustedVersion("root"), (await new ImageRepository(dir).published()).root.signed.version);
    });
  }
});

test("a supplier import and a delegation interrupted at every write leave a repository tuf-js updates from", async () => {
  const acme = join(work, "acme");
  const { publicKeyFile } = await initSupplier(acme, "acme");
  const key = await readPublicKeyFile(publicKeyFile);
  await interruptEverywhere(base, (dir, o) => delegate(dir, { role: "acme", keys: [key], paths: ["acme/*"], ...o }), async (dir) => {
    assert.is((await new ImageRepository(dir).published()).targets.signed.delegations?.roles[0]?.name, "acme");
  });
  const delegated = await copyOf(base);
  await delegate(delegated, { role: "acme", keys: [key], paths: ["acme/*"] });
  const img = randomBytes(400);
  const bundle = join(work, "acme.bundle");
  await signSupplier(acme, { image: { file: await writeTemp(work, "acme.bin", img), name: "acme/a.bin", hardwareIds: ["hw"] }, out: bundle });
  await interruptEverywhere(delegated, (dir, o) => importBundle(dir, bundle, o), async (_dir, client) => {
    assert.equal(Buffer.compare((await client.fetchTarget("acme/a.bin"))!, img), 0);
  });
});

test("refresh interrupted at every write leaves a repository tuf-js updates from", async () => {
  await interruptEverywhere(base, (dir, o) => refresh(dir, { force: true, ...o }), async (_dir, client) => {
    assert.ok(await client.fetchTarget("base.bin"));
  });
});

test.run();
