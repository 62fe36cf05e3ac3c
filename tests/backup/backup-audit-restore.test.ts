// Backup, audit and restore (README "Backup, audit and garbage collection"): a backup,
// then one image and one metadata file tampered with; the audit names both and exits 1;
// the restore serves what was backed up, byte for byte, and tuf-js updates from it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newBackend, removeTempDirs, tempDir, TufClient } from "../helpers/image-backend.ts";
import { uptane } from "../helpers/uptane-in-process.ts";
import { addImage } from "../../backend/image/repository.ts";
import { repositoryDir } from "../../backend/image/layout.ts";
import { serveBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";

test.after(async () => {
  await removeTempDirs();
});

test("backup, tamper with an image and a metadata file: audit names both (exit 1); restore serves the backup and tuf-js updates from it", async () => {
  const dir = await newBackend();
  const work = await tempDir();
  const firmware = Buffer.from("brake controller firmware 2.0\n".repeat(40));
  writeFileSync(join(work, "fw.bin"), firmware);
  await addImage(dir, join(work, "fw.bin"), { name: "fw.bin", hardwareIds: ["brake"], releaseCounter: 2 });
  const out = join(work, "backup");
  const b = await uptane("backup", dir, out, "--include-online-keys", "--json");
  assert.is(b.code, 0, b.out + b.err);
  const backedUp = JSON.parse(b.out);
  assert.match(backedUp.listingSha256, /^[0-9a-f]{64}$/);
  const clean = await uptane("audit", dir, "--backup", out, "--expect-sha256", backedUp.listingSha256, "--json");
  assert.is(clean.code, 0, clean.out + clean.err);

  // Incremental: nothing new is copied a second time but the inventory's fresh copy.
  const again = JSON.parse((await uptane("backup", dir, out, "--include-online-keys", "--json")).out);
  assert.ok(again.copied <= 1, `copied ${again.copied}`);

  const repo = repositoryDir(dir);
  const original = { timestamp: readFileSync(join(repo, "timestamp.json")) };
  const imageFile = readdirSync(join(repo, "targets")).find((n) => /^[0-9a-f]{64}\.fw\.bin$/.test(n))!;
  const tamperedImage = Buffer.from(firmware);
  tamperedImage[7] ^= 1;
  writeFileSync(join(repo, "targets", imageFile), tamperedImage);
  const targetsFile = readdirSync(repo).filter((n) => /^\d+\.targets\.json$/.test(n)).sort((x, y) => parseInt(y) - parseInt(x))[0]!;
  writeFileSync(join(repo, targetsFile), readFileSync(join(repo, targetsFile), "utf8").replace('"releaseCounter":2', '"releaseCounter":9'));

  const audit = await uptane("audit", dir, "--backup", out, "--json");
  assert.is(audit.code, 1, audit.out);
  const report = JSON.parse(audit.out);
  assert.is(report.error, "audit-findings");
  const named = (kind: string) => report.findings.filter((f: { kind: string }) => f.kind === kind).map((f: { path: string }) => f.path);
  assert.ok(named("changed").includes(`image/repository/targets/${imageFile}`), report.detail);
  assert.ok(named("changed").includes(`image/repository/${targetsFile}`), report.detail);
  assert.ok(named("image-hash-mismatch").includes(`image/repository/targets/${imageFile}`));
  assert.equal(named("does-not-verify"), ["image/repository"]);
  const text = await uptane("audit", dir, "--backup", out);
  assert.is(text.code, 1);
  assert.match(text.err, imageFile);
  assert.match(text.err, targetsFile);

  // The restore (of the first listing) serves exactly what was backed up.
  const restored = join(work, "restored");
  const r = await uptane("restore", out, restored, "--listing", backedUp.listing.split("/").at(-1), "--expect-sha256", backedUp.listingSha256, "--json");
  assert.is(r.code, 0, r.out + r.err);
  assert.ok(readFileSync(join(repositoryDir(restored), "timestamp.json")).equals(original.timestamp));
  const { server, url } = await serveBackend(restored);
  try {
    const client = await TufClient.create(restored, url);
    const fetched = await client.fetchTarget("fw.bin");
    assert.ok(fetched?.equals(firmware), "tuf-js downloads and verifies the backed-up image");
  } finally {
    await close(server);
  }
  // A changed backup folder is refused: the listing no longer matches the SHA-256 kept offline.
  const listingPath = backedUp.listing as string;
  writeFileSync(listingPath, readFileSync(listingPath, "utf8").replace('"keys"', '"keyz"'));
  const refused = await uptane("restore", out, join(work, "restored-2"), "--listing", listingPath.split("/").at(-1)!, "--json");
  assert.is(refused.code, 1);
  assert.is(JSON.parse(refused.out).error, "backup-refused");
});

test.run();
