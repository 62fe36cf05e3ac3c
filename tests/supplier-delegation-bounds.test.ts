// A tier-1 supplier cannot hand a tier-2 supplier more than the OEM handed it, nor sign an
// image outside it: its folder records the delegation it holds (`uptane supplier delegation
// WORK --from FILE`), and `uptane delegate WORK` and `uptane supplier sign` refuse what lies
// beyond, where it enters, leaving the folder as it was (issue 20).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { hashTree, newBackend, publishedTargetsFile, removeTempDirs, tempDir, writeTemp } from "./helpers/image-backend.ts";
import { uptane } from "./helpers/uptane-in-process.ts";
import { importBundle } from "../backend/image/repository.ts";
import { patternWithin } from "../backend/image/names.ts";

let dir: string;
let work: string;
let acme: string;
let bolt: string;
let nut: string;

async function ok(...argv: string[]): Promise<Record<string, unknown>> {
  const r = await uptane(...argv, "--json");
  assert.is(r.code, 0, `${argv.join(" ")}: ${r.out} ${r.err}`);
  return JSON.parse(r.out) as Record<string, unknown>;
}

/** The command is refused with `code` and exit 1, and leaves `folder` byte for byte as it was. */
async function refused(folder: string, code: string, detail: RegExp, ...argv: string[]): Promise<void> {
  const before = await hashTree(folder);
  const r = await uptane(...argv, "--json");
  const doc = JSON.parse(r.out) as { error: string; detail: string };
  assert.is(doc.error, code, r.out);
  assert.is(r.code, 1);
  assert.match(doc.detail, detail);
  assert.is(await hashTree(folder), before, `${argv.join(" ")}: the folder is unchanged`);
}

test.before(async () => {
  dir = await newBackend();
  work = await tempDir("uptane-bounds-");
  acme = join(work, "acme");
  bolt = join(work, "bolt");
  nut = join(work, "nut");
  await ok("supplier", "init", acme, "--name", "acme");
  await ok("supplier", "init", bolt, "--name", "bolt");
  await ok("supplier", "init", nut, "--name", "nut");
  await ok("delegate", dir, "--supplier", "acme", "--key", join(acme, "acme.pub.json"), "--paths", "acme/*", "--hardware-id", "brake", "--hardware-id", "abs");
});

test.after(async () => {
  await removeTempDirs();
});

test("path patterns: a pattern is within another only when every name it matches is matched too", () => {
  const within: [string, string][] = [["acme/bolt-*", "acme/*"], ["acme/*", "acme/*"], ["acme/b?x", "acme/b*"], ["acme/x", "acme/?"], ["a/x*y*z", "a/x*z"], ["a/*.bin", "a/*"]];
  const beyond: [string, string][] = [["acme/sub/*", "acme/*"], ["acme/*", "acme/b*"], ["acme/*", "acme/?"], ["acme/b*", "acme/b?*"], ["a/x*z", "a/x*y*z"], ["acme/*", "acme/*/*"], ["acmex/*", "acme/*"]];
  for (const [inner, outer] of within) assert.ok(patternWithin(inner, outer), `${inner} within ${outer}`);
  for (const [inner, outer] of beyond) assert.not.ok(patternWithin(inner, outer), `${inner} not within ${outer}`);
});

test("a tier-1 folder that does not know its delegation refuses to delegate below it, and says how to learn it", async () => {
  await refused(acme, "supplier-refused", /does not know the paths delegated to 'acme': record them first with uptane supplier delegation/, "delegate", acme, "--supplier", "bolt", "--key", join(bolt, "bolt.pub.json"), "--paths", "acme/bolt-*");
});

test("the OEM's targets that delegate the role to other keys, or not at all, record nothing", async () => {
  // nut's folder holds another key than the one the OEM delegated 'acme' to.
  const targets = await publishedTargetsFile(dir);
  await refused(nut, "role-not-delegated", /delegates nothing to 'nut'/, "supplier", "delegation", nut, "--from", targets);
  const impostor = join(work, "impostor");
  await ok("supplier", "init", impostor, "--name", "acme");
  await refused(impostor, "role-not-delegated", /delegates 'acme' to other keys than this folder's/, "supplier", "delegation", impostor, "--from", targets);
  const notMetadata = await writeTemp(work, "not-targets.json", '{"hello":1}');
  const r = await uptane("supplier", "delegation", acme, "--from", notMetadata, "--json");
  assert.is(r.code, 2, "a file that is not the delegating metadata is bad usage");
  assert.is(JSON.parse(r.out).error, "unreadable-file");
});

test("acme records what the OEM delegated; acme/sub/* beyond its acme/* is refused at uptane delegate, acme/bolt-* is accepted", async () => {
  const recorded = await ok("supplier", "delegation", acme, "--from", await publishedTargetsFile(dir));
  assert.equal(recorded.delegation, { delegator: "targets", version: 2, paths: ["acme/*"], hardwareIds: ["brake", "abs"] });
  const boltKey = join(bolt, "bolt.pub.json");
  await refused(acme, "outside-delegation", /cannot delegate 'acme\/sub\/\*' to 'bolt': it is not within what 'acme' holds \(paths acme\/\*/, "delegate", acme, "--supplier", "bolt", "--key", boltKey, "--paths", "acme/sub/*");
  await refused(acme, "outside-delegation", /cannot delegate 'engine\/\*'/, "delegate", acme, "--supplier", "bolt", "--key", boltKey, "--paths", "acme/bolt-*", "--paths", "engine/*");
  await refused(acme, "outside-delegation", /cannot delegate hardware 'engine' to 'bolt'/, "delegate", acme, "--supplier", "bolt", "--key", boltKey, "--paths", "acme/bolt-*", "--hardware-id", "engine");
  const done = await ok("delegate", acme, "--supplier", "bolt", "--key", boltKey, "--paths", "acme/bolt-*");
  // No hardware IDs named: the role's own restriction is written out (clients apply it anyway).
  assert.equal((done.delegation as { hardwareIds: string[] }).hardwareIds, ["brake", "abs"]);
});

test("acme signs no image outside what it holds: another path or another hardware ID is refused before anything is written", async () => {
  const image = await writeTemp(work, "fw.bin", "firmware");
  const out = join(work, "never.bundle");
  await refused(acme, "outside-delegation", /cannot sign 'engine\/fw.bin': it is outside what 'acme' holds/, "supplier", "sign", acme, "--image", image, "--name", "engine/fw.bin", "--hardware-id", "brake", "--out", out);
  await refused(acme, "outside-delegation", /cannot sign 'acme\/fw.bin' for hardware 'engine'/, "supplier", "sign", acme, "--image", image, "--name", "acme/fw.bin", "--hardware-id", "engine", "--out", out);
  await ok("supplier", "sign", acme, "--image", image, "--name", "acme/fw.bin", "--hardware-id", "brake", "--out", join(work, "acme-1.bundle"));
});

test("a tier-2 supplier records its delegation from the tier-1 bundle and is held to it the same way; the chain imports", async () => {
  const recorded = await ok("supplier", "delegation", bolt, "--from", join(work, "acme-1.bundle"));
  assert.equal(recorded.delegation, { delegator: "acme", version: 1, paths: ["acme/bolt-*"], hardwareIds: ["brake", "abs"] });
  await refused(bolt, "outside-delegation", /cannot delegate 'acme\/\*' to 'nut'/, "delegate", bolt, "--supplier", "nut", "--key", join(nut, "nut.pub.json"), "--paths", "acme/*");
  await ok("delegate", bolt, "--supplier", "nut", "--key", join(nut, "nut.pub.json"), "--paths", "acme/bolt-nut-*");
  const image = await writeTemp(work, "bolt.bin", "bolt firmware");
  await refused(bolt, "outside-delegation", /cannot sign 'acme\/other.bin'/, "supplier", "sign", bolt, "--image", image, "--name", "acme/other.bin", "--hardware-id", "abs", "--out", join(work, "never.bundle"));
  await ok("supplier", "sign", bolt, "--image", image, "--name", "acme/bolt-1.bin", "--hardware-id", "abs", "--out", join(work, "bolt-1.bundle"));
  await ok("supplier", "sign", acme, "--include", join(work, "bolt-1.bundle"), "--out", join(work, "acme-2.bundle"));
  const result = await importBundle(dir, join(work, "acme-2.bundle"));
  assert.equal(result.roles.map((r) => r.name).sort(), ["acme", "bolt"]);
});

test("a record the OEM later narrows: recording again warns of what the folder holds beyond it, and the next sign refuses it", async () => {
  await ok("delegate", dir, "--supplier", "acme", "--key", join(acme, "acme.pub.json"), "--paths", "acme/fw*", "--hardware-id", "brake");
  const recorded = await ok("supplier", "delegation", acme, "--from", await publishedTargetsFile(dir));
  assert.equal((recorded.delegation as { paths: string[] }).paths, ["acme/fw*"]);
  assert.equal(recorded.outside, ["'acme' cannot delegate 'acme/bolt-*' to 'bolt': it is not within what 'acme' holds (paths acme/fw*, hardware brake, from 'targets' version 3)"]);
  await refused(acme, "outside-delegation", /acme\/bolt-\*.*content\.json/, "supplier", "sign", acme, "--out", join(work, "never.bundle"));
  assert.match(await readFile(join(acme, "delegation.json"), "utf8"), /acme\/fw\*/);
});

test.run();
