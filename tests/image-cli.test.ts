// The Image repository and supplier commands as a user runs them: the built `uptane` bundle
// for serve and help, the command objects in-process for the rest (fast), exit codes and
// --json output, and clear errors on bad input.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, readdir, rename, rm, writeFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { commands } from "../app/cli/commands.ts";
import { uptane } from "./helpers/uptane-in-process.ts";
import { hashTree, tempDir, writeTemp, TufClient, removeTempDirs, publishedTargetsFile } from "./helpers/image-backend.ts";
import { repositoryDir } from "../backend/image/layout.ts";

function json(out: string): Record<string, any> {
  return JSON.parse(out.trim().split("\n").pop()!);
}

let work: string;
let dir: string;

test.before(async () => {
  work = await tempDir();
  dir = join(work, "backend");
});

test.after(async () => {
  await removeTempDirs();
});

test("init creates the backend with offline and online keys apart, private keys mode 0600, and refuses to run twice", async () => {
  const r = await uptane("init", dir, "--root-threshold", "2", "--timestamp-expiry-days", "2", "--json");
  assert.is(r.code, 0, r.err);
  assert.is(json(r.out).parts.image.rootKeyIds.length, 2);
  const root = JSON.parse(await readFile(join(repositoryDir(dir), "1.root.json"), "utf8"));
  assert.is(root.signed.roles.root.threshold, 2);
  assert.is(root.signatures.length, 2);
  for (const [folder, roles] of [["offline", ["root", "targets"]], ["online", ["snapshot", "timestamp"]]] as const) {
    const files = await readdir(join(dir, "keys", folder));
    // The Image repository's keys (other parts keep theirs beside them, e.g. director-*.pem).
    const imageKeys = files.filter((f) => f.startsWith("image-"));
    assert.equal([...new Set(imageKeys.map((f) => f.split("-")[1]))].sort(), [...roles]);
    for (const f of files) assert.is((await stat(join(dir, "keys", folder, f))).mode & 0o777, 0o600, f);
  }
  const again = await uptane("init", dir);
  assert.is(again.code, 1);
  assert.match(again.err, /already holds a backend/);
  const full = join(work, "full");
  await mkdir(full);
  await writeFile(join(full, "notes.txt"), "mine");
  const notEmpty = await uptane("init", full);
  assert.is(notEmpty.code, 1);
  assert.match(notEmpty.err, /is not empty/);
  assert.is(await readFile(join(full, "notes.txt"), "utf8"), "mine");
  const bad = await uptane("init", join(work, "other"), "--root-threshold", "zero");
  assert.is(bad.code, 2);
  assert.match(bad.err, /--root-threshold must be a positive integer/);
});

test("image add publishes; invalid names, a missing file and a lowered release counter are refused and change nothing", async () => {
  const file = await writeTemp(work, "fw.bin", randomBytes(200));
  const ok = await uptane("image", "add", dir, file, "--name", "ecu/fw.bin", "--hardware-id", "hw-a", "--release-counter", "4", "--json");
  assert.is(ok.code, 0, ok.err);
  assert.is(json(ok.out).custom.releaseCounter, 4);
  const before = await hashTree(dir);
  for (const name of ["../escape.bin", "/etc/passwd", "a//b", "a/./b", ".hidden", "a\\b", "sp ace"]) {
    const r = await uptane("image", "add", dir, file, "--name", name, "--hardware-id", "hw-a");
    assert.is(r.code, 2, name);
    assert.match(r.err, /target name/, name);
  }
  const missing = await uptane("image", "add", dir, join(work, "nope.bin"), "--name", "x.bin", "--hardware-id", "hw-a");
  assert.is(missing.code, 2, "a missing file named on the command line is bad usage (README CLI)");
  assert.match(missing.err, /FILE .*nope.bin does not exist/);
  const lowered = await uptane("image", "add", dir, file, "--name", "ecu/fw.bin", "--hardware-id", "hw-a", "--release-counter", "3");
  assert.is(lowered.code, 1);
  assert.match(lowered.err, /release counter 3 for 'ecu\/fw.bin' is below the published 4/);
  const noHw = await uptane("image", "add", dir, file, "--name", "x.bin");
  assert.is(noHw.code, 2);
  assert.is(await hashTree(dir), before);
});

test("supplier init, delegate, supplier sign and supplier import work end to end; a refused import exits 1 with the reason", async () => {
  const acme = join(work, "acme");
  const init = await uptane("supplier", "init", acme, "--name", "acme", "--json");
  assert.is(init.code, 0, init.err);
  const pub = json(init.out).publicKeyFile;
  const del = await uptane("delegate", dir, "--supplier", "acme", "--key", pub, "--paths", "acme/*", "--hardware-id", "brake", "--terminating", "--json");
  assert.is(del.code, 0, del.err);
  assert.equal(json(del.out).delegation.hardwareIds, ["brake"]);
  const img = await writeTemp(work, "brake.bin", randomBytes(300));
  const bundle = join(work, "acme.bundle");
  const sign = await uptane("supplier", "sign", acme, "--image", img, "--name", "acme/brake.bin", "--hardware-id", "brake", "--out", bundle, "--json");
  assert.is(sign.code, 0, sign.err);
  const imp = await uptane("supplier", "import", dir, bundle, "--json");
  assert.is(imp.code, 0, imp.err);
  assert.equal(json(imp.out).roles[0].targets, ["acme/brake.bin"]);
  // Tier 2 through the CLI: the supplier folder records its delegation, delegates, signs, includes; the OEM imports.
  const recorded = await uptane("supplier", "delegation", acme, "--from", await publishedTargetsFile(dir), "--json");
  assert.equal(json(recorded.out).delegation.paths, ["acme/*"], recorded.err);
  const bolt = join(work, "bolt");
  const boltPub = json((await uptane("supplier", "init", bolt, "--name", "bolt", "--json")).out).publicKeyFile;
  const nested = await uptane("delegate", acme, "--supplier", "bolt", "--key", boltPub, "--paths", "acme/bolt-*", "--json");
  assert.is(json(nested.out).signedBy, "supplier (next supplier sign)");
  const boltBundle = join(work, "bolt.bundle");
  const boltImg = await writeTemp(work, "bolt.bin", randomBytes(30));
  assert.is((await uptane("supplier", "sign", bolt, "--image", boltImg, "--name", "acme/bolt-1.bin", "--hardware-id", "brake", "--out", boltBundle)).code, 0);
  const acmeBundle2 = join(work, "acme-2.bundle");
  assert.is((await uptane("supplier", "sign", acme, "--include", boltBundle, "--out", acmeBundle2)).code, 0);
  const imp2 = await uptane("supplier", "import", dir, acmeBundle2, "--json");
  assert.equal(json(imp2.out).roles.map((r: { name: string }) => r.name), ["acme", "bolt"]);
  const again = await uptane("supplier", "import", dir, acmeBundle2, "--json");
  assert.is(again.code, 1);
  assert.equal(json(again.out), { ok: false, error: "bundle-refused", detail: "bundle holds nothing new: every role in it is published already" });
});

test("rotate and refresh report what they did; a bad role name is a usage error", async () => {
  const r = await uptane("rotate", dir, "--role", "timestamp", "--json");
  assert.is(r.code, 0, r.err);
  assert.is(json(r.out).rootVersion, 2);
  const f = await uptane("refresh", dir, "--force", "--json");
  assert.equal(json(f.out).resigned, ["snapshot", "timestamp"]);
  const bad = await uptane("rotate", dir, "--role", "director");
  assert.is(bad.code, 2);
});

test("corrupt metadata on disk or an unreadable keys folder gives a clear error and loses nothing", async () => {
  const copy = join(work, "corrupt");
  await uptane("init", copy);
  const file = await writeTemp(work, "c.bin", "c");
  const ts = join(repositoryDir(copy), "timestamp.json");
  const good = await readFile(ts);
  await writeFile(ts, good.subarray(0, 50));
  const before = await hashTree(copy);
  const r = await uptane("image", "add", copy, file, "--name", "c.bin", "--hardware-id", "hw");
  assert.is(r.code, 1);
  assert.match(r.err, /timestamp.json .* is not valid JSON/);
  assert.is(await hashTree(copy), before, "a refused command writes nothing");
  const tampered = JSON.parse(good.toString());
  tampered.signed.version = 7;
  await writeFile(ts, JSON.stringify(tampered));
  const r2 = await uptane("refresh", copy);
  assert.match(r2.err, /corrupt metadata on disk: timestamp.json has 0 valid signature\(s\), needs 1/);
  await writeFile(ts, good);
  if (process.getuid?.() !== 0) {
    await chmod(join(copy, "keys", "offline"), 0o000);
    const r3 = await uptane("image", "add", copy, file, "--name", "c.bin", "--hardware-id", "hw");
    await chmod(join(copy, "keys", "offline"), 0o700);
    assert.match(r3.err, /cannot read the key folder .*offline: EACCES/);
  } else {
    // root ignores permissions: a key folder that is a file stands in for an unreadable one
    await rename(join(copy, "keys", "offline"), join(copy, "keys", "offline.moved"));
    await writeFile(join(copy, "keys", "offline"), "");
    const r3 = await uptane("image", "add", copy, file, "--name", "c.bin", "--hardware-id", "hw");
    assert.match(r3.err, /cannot read the key folder .*offline: ENOTDIR/);
    await rm(join(copy, "keys", "offline"));
    await rename(join(copy, "keys", "offline.moved"), join(copy, "keys", "offline"));
  }
  const ok = await uptane("image", "add", copy, file, "--name", "c.bin", "--hardware-id", "hw");
  assert.is(ok.code, 0, ok.err);
});

test("the built uptane serves DIR over HTTPS on 127.0.0.1, prints the URL, and a TUF client updates from it with the CA and a vehicle certificate", async () => {
  const child = spawn(process.execPath, ["dist/uptane.mjs", "serve", dir, "--port", "0", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let buf = "";
      child.stdout.on("data", (d) => {
        buf += d;
        if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
      });
      child.on("exit", (code) => reject(new Error(`serve exited ${code}`)));
    });
    const { url } = JSON.parse(line);
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const client = await TufClient.create(dir, url);
    const got = await client.fetchTarget("acme/brake.bin");
    assert.is(got?.length, 300);
  } finally {
    child.kill("SIGTERM");
  }
});

test.run();
