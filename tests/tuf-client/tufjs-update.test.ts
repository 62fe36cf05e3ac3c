// `uptane tuf` updates from a repository made with tuf-js (README "TUF client"): init,
// refresh and download in TUF order, consistent snapshots and plain names, a delegated
// target (a role fetched only when the search needs it), root rotations, key rotations with
// fast-forward recovery, ECDSA keys as python-tuf writes them, and the trusted files kept
// as the conformance suite reads them.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { MetadataKind } from "@tufjs/models";
import { join } from "node:path";
import { generateSigningKey, keyIdOf, type SoftwareSigningKey as SigningKey, type TufKey } from "../../model/keys.ts";
import { TufJsRepo, inDays } from "./tufjs-repo.ts";
import { Client, expectOk, expectRefused, removeClients } from "./harness.ts";

const repos: TufJsRepo[] = [];
async function started(repo = new TufJsRepo()): Promise<TufJsRepo> {
  repos.push(repo);
  await repo.start();
  return repo;
}
async function client(repo: TufJsRepo): Promise<Client> {
  const c = new Client(repo.metadataUrl, repo.targetsUrl);
  expectOk(await c.init(repo.files.get("metadata/1.root.json")!), "init");
  return c;
}

test.after(async () => {
  for (const r of repos.splice(0)) await r.stop();
  removeClients();
});

test("init keeps the trusted root as root.json and fetches nothing", async () => {
  const repo = await started();
  const c = await client(repo);
  assert.equal(c.files(), ["root.json"]);
  assert.equal(repo.requests, []);
  assert.is(statSync(join(c.metadataDir, "root.json")).mode & 0o777, 0o644);
});

test("init refuses a root not signed by a threshold of its own keys, and writes nothing", async () => {
  const repo = await started();
  const c = new Client(repo.metadataUrl, repo.targetsUrl);
  const bad = repo.doc("metadata/1.root.json");
  bad.signatures = [];
  expectRefused(await c.init(Buffer.from(JSON.stringify(bad))), "UnmetThreshold", "root");
  assert.equal(c.downloaded(), []);
});

test("refresh fetches timestamp, snapshot and targets in TUF order (consistent snapshot names) and keeps each as ROLE.json", async () => {
  const repo = await started();
  const c = await client(repo);
  expectOk(await c.refresh());
  assert.equal(repo.requests, ["metadata/2.root.json", "metadata/timestamp.json", "metadata/1.snapshot.json", "metadata/1.targets.json"]);
  assert.equal(c.files(), ["root.json", "snapshot.json", "targets.json", "timestamp.json"]);
  for (const f of c.files()) assert.is(statSync(join(c.metadataDir, f)).mode & 0o777, 0o644, f);
  assert.is(c.version("timestamp"), 1);
});

test("a second refresh with nothing new fetches only root N+1 and the timestamp: the trusted snapshot and targets of the listed versions are used", async () => {
  const repo = await started();
  const c = await client(repo);
  expectOk(await c.refresh());
  repo.requests.length = 0;
  expectOk(await c.refresh());
  assert.equal(repo.requests, ["metadata/2.root.json", "metadata/timestamp.json"]);
  repo.publish();
  repo.requests.length = 0;
  expectOk(await c.refresh());
  assert.equal(repo.requests, ["metadata/2.root.json", "metadata/timestamp.json", `metadata/${repo.version("snapshot")}.snapshot.json`, `metadata/${repo.version("targets")}.targets.json`]);
});

test("a trusted snapshot.json changed on disk is refused by the module, and the cycle runs again with everything fetched", async () => {
  const repo = await started();
  const c = await client(repo);
  expectOk(await c.refresh());
  const path = join(c.metadataDir, "snapshot.json");
  const doc = JSON.parse(readFileSync(path, "utf8"));
  doc.signed.meta["targets.json"].version = 7;
  writeFileSync(path, JSON.stringify(doc));
  repo.requests.length = 0;
  expectOk(await c.refresh());
  assert.ok(repo.requests.includes("metadata/1.snapshot.json"), repo.requests.join(" "));
  assert.equal(readFileSync(path), Buffer.from(repo.files.get("metadata/1.snapshot.json")!));
});

test("without consistent snapshots the plain names are fetched, and the target by its own name", async () => {
  const repo = new TufJsRepo();
  repo.consistent = false;
  repo.roles.root.keys.push(generateSigningKey());
  repo.publishRoot();
  repo.addTarget("plain.bin", randomBytes(100));
  repo.publish();
  await started(repo);
  const c = new Client(repo.metadataUrl, repo.targetsUrl);
  expectOk(await c.init(repo.files.get("metadata/2.root.json")!));
  expectOk(await c.download("plain.bin"));
  assert.equal(repo.requests, ["metadata/3.root.json", "metadata/timestamp.json", "metadata/snapshot.json", "metadata/targets.json", "targets/plain.bin"]);
  assert.equal(c.file("plain.bin"), Buffer.from(repo.files.get("targets/plain.bin")!));
});

test("download fetches HASH.NAME, writes the file once it matches, and does not fetch it again", async () => {
  const repo = await started();
  const bytes = randomBytes(3000);
  repo.addTarget("dir/fw.bin", bytes);
  repo.publish();
  const c = await client(repo);
  const first = await c.download("dir/fw.bin");
  expectOk(first);
  assert.is(first.doc.fetched, true);
  assert.ok(repo.requests.some((p) => /^targets\/dir\/[0-9a-f]{64}\.fw\.bin$/.test(p)), repo.requests.join(" "));
  assert.equal(c.file("dir/fw.bin"), bytes);
  repo.requests.length = 0;
  const again = await c.download("dir/fw.bin");
  expectOk(again);
  assert.is(again.doc.fetched, false);
  assert.not.ok(repo.requests.some((p) => p.startsWith("targets/")));
});

test("a target nobody signs is MissingTarget and nothing is written to the target folder", async () => {
  const repo = await started();
  const c = await client(repo);
  expectRefused(await c.download("nobody.bin"), "MissingTarget", "targets");
  assert.equal(c.downloaded(), []);
});

test("a delegated target: the role is fetched only when the search reaches it (VERSION.ROLE.json) and kept as ROLE.json", async () => {
  const repo = await started();
  const supplier = generateSigningKey();
  repo.delegate({ name: "acme", parent: "targets", keys: [supplier], threshold: 1, paths: ["acme/*"] });
  repo.delegate({ name: "other", parent: "targets", keys: [generateSigningKey()], threshold: 1, paths: ["other/*"] });
  const bytes = randomBytes(500);
  repo.addTarget("acme/brake.bin", bytes, "acme");
  repo.addTarget("top.bin", randomBytes(10));
  repo.publish();
  const c = await client(repo);
  expectOk(await c.download("top.bin"));
  assert.not.ok(repo.requests.some((p) => p.includes("acme") || p.includes("other")), "no delegated role for a top-level target");
  repo.requests.length = 0;
  expectOk(await c.download("acme/brake.bin"));
  assert.equal(repo.requests.filter((p) => p.startsWith("metadata/") && !p.includes("root") && !p.includes("timestamp") && !p.includes("snapshot") && !p.includes(".targets.")), [`metadata/${repo.version("acme")}.acme.json`]);
  assert.equal(c.file("acme/brake.bin"), bytes);
  assert.equal(c.files(), ["acme.json", "root.json", "snapshot.json", "targets.json", "timestamp.json"]);
  repo.requests.length = 0;
  expectOk(await c.download("acme/brake.bin"));
  assert.equal(repo.requests, ["metadata/2.root.json", "metadata/timestamp.json"], "the trusted acme.json of the listed version is used, the file kept");
});

test("nested delegations in pre-order: targets -> tier1 -> tier2; a path pattern and path_hash_prefixes both lead there", async () => {
  const repo = await started();
  repo.delegate({ name: "tier1", parent: "targets", keys: [generateSigningKey()], threshold: 1, paths: ["parts/*"] });
  repo.delegate({ name: "tier2", parent: "tier1", keys: [generateSigningKey()], threshold: 1, pathHashPrefixes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"] });
  const bytes = randomBytes(64);
  repo.addTarget("parts/deep.bin", bytes, "tier2");
  repo.publish();
  const c = await client(repo);
  expectOk(await c.download("parts/deep.bin"));
  assert.equal(c.file("parts/deep.bin"), bytes);
  assert.equal(c.files(), ["root.json", "snapshot.json", "targets.json", "tier1.json", "tier2.json", "timestamp.json"]);
});

test("root rotation: the client follows 2.root.json, 3.root.json (new root keys) and updates; root.json is the newest", async () => {
  const repo = await started();
  const c = await client(repo);
  expectOk(await c.refresh());
  repo.rotate("root", [generateSigningKey()]);
  repo.rotate("root", [generateSigningKey(), generateSigningKey()], 2);
  repo.addTarget("after-rotation.bin", randomBytes(10));
  repo.publish();
  expectOk(await c.download("after-rotation.bin"));
  assert.is(c.version("root"), 3);
});

test("fast-forward recovery: after the timestamp key is rotated, a lower timestamp version signed by the new key is accepted", async () => {
  const repo = await started();
  const c = await client(repo);
  for (let i = 0; i < 3; i++) repo.publish();
  expectOk(await c.refresh());
  assert.is(c.version("timestamp"), 4);
  repo.rotate("timestamp", [generateSigningKey()]);
  repo.versions.set("timestamp", 0);
  repo.publish();
  expectOk(await c.refresh());
  assert.is(c.version("timestamp"), 1);
});

test("a timestamp of the trusted version (re-signed with another expiry) does not replace the trusted timestamp.json", async () => {
  const repo = await started();
  const c = await client(repo);
  expectOk(await c.refresh());
  const kept = readFileSync(join(c.metadataDir, "timestamp.json"));
  const doc = repo.doc("metadata/timestamp.json");
  repo.overrides.set("metadata/timestamp.json", repo.sign(MetadataKind.Timestamp, { ...doc.signed, expires: inDays(2) }, repo.roles.timestamp.keys));
  expectOk(await c.refresh());
  assert.equal(readFileSync(join(c.metadataDir, "timestamp.json")), kept);
});

test("metadata signed by ECDSA keys as python-tuf writes them (keytype ecdsa-sha2-nistp256, keyid_hash_algorithms) verifies", async () => {
  const repo = new TufJsRepo("ecdsa-p256");
  const pythonStyle = (k: SigningKey): SigningKey => {
    const key = { keytype: "ecdsa-sha2-nistp256", scheme: "ecdsa-sha2-nistp256", keyid_hash_algorithms: ["sha256", "sha512"], keyval: { public: k.publicKey.keyval.public } } as unknown as TufKey;
    return { keyid: keyIdOf(key), publicKey: key, privateKey: k.privateKey };
  };
  for (const role of ["timestamp", "snapshot", "targets"] as const) repo.roles[role].keys = repo.roles[role].keys.map(pythonStyle);
  repo.rotate("root", [pythonStyle(generateSigningKey("ecdsa-p256"))]);
  repo.addTarget("ecdsa.bin", randomBytes(20));
  repo.publish();
  await started(repo);
  const c = await client(repo);
  expectOk(await c.download("ecdsa.bin"));
  assert.is(c.version("root"), 2);
});

test("RSA-PSS and Ed25519 keys together meet a targets threshold of 2", async () => {
  const repo = await started();
  repo.rotate("targets", [generateSigningKey("rsa-pss"), generateSigningKey("ed25519")], 2);
  repo.addTarget("two-keys.bin", randomBytes(20));
  repo.publish();
  const c = await client(repo);
  expectOk(await c.download("two-keys.bin"));
});

test.run();
