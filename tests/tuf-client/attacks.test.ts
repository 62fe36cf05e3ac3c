// The attack catalogue's rows that apply to one repository (README "Attack catalogue"),
// through `uptane tuf` against a repository made with tuf-js: each test names the attack,
// asserts the module's outcome and role as the CLI reports them (exit 1), and that the
// refused document never became trusted metadata (nor a refused file a download).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MetadataKind } from "@tufjs/models";
import { generateSigningKey, keyIdOf, type SoftwareSigningKey as SigningKey, type TufKey } from "../../model/keys.ts";
import { TufJsRepo, inDays } from "./tufjs-repo.ts";
import { Client, expectOk, expectRefused, removeClients } from "./harness.ts";

const repos: TufJsRepo[] = [];

/** A started repository with one target, and a client that refreshed from it once. */
async function setup(prepare?: (repo: TufJsRepo) => void): Promise<{ repo: TufJsRepo; c: Client }> {
  const repo = new TufJsRepo();
  repo.addTarget("fw.bin", randomBytes(1000));
  prepare?.(repo);
  repo.publish();
  repos.push(repo);
  await repo.start();
  const c = new Client(repo.metadataUrl, repo.targetsUrl);
  expectOk(await c.init(repo.files.get("metadata/1.root.json")!), "init");
  expectOk(await c.refresh(), "first refresh");
  return { repo, c };
}

const trusted = (c: Client, role: string) => readFileSync(join(c.metadataDir, `${role}.json`));
const bytesOf = (doc: unknown) => Buffer.from(JSON.stringify(doc));

test.after(async () => {
  for (const r of repos.splice(0)) await r.stop();
  removeClients();
});

// ---- rollback (TUF 5.4.3, 5.5.5; Uptane 5.4.4.4 step 3, 5.4.4.5 steps 4-6) ----

test("rollback of the timestamp (version 1 after trusted 2): RollbackAttack (image timestamp), the trusted one kept", async () => {
  const { repo, c } = await setup();
  const old = repo.files.get("metadata/timestamp.json")!;
  repo.publish();
  expectOk(await c.refresh());
  const kept = trusted(c, "timestamp");
  repo.overrides.set("metadata/timestamp.json", old);
  expectRefused(await c.refresh(), "RollbackAttack", "timestamp");
  assert.equal(trusted(c, "timestamp"), kept);
});

test("rollback of the snapshot (a new timestamp lists snapshot 1 after trusted 2): RollbackAttack (image timestamp)", async () => {
  const { repo, c } = await setup();
  repo.publish();
  expectOk(await c.refresh());
  const s1 = repo.files.get("metadata/1.snapshot.json")!;
  repo.publishTimestamp({ "snapshot.json": { version: 1, length: s1.length } });
  expectRefused(await c.refresh(), "RollbackAttack", "timestamp");
});

test("rollback of the targets (a new snapshot lists targets 1 after trusted 2): RollbackAttack (image snapshot)", async () => {
  const { repo, c } = await setup();
  repo.publish();
  expectOk(await c.refresh());
  const before = c.version("snapshot");
  repo.publishSnapshot({ "targets.json": { version: 1 } });
  expectRefused(await c.refresh(), "RollbackAttack", "snapshot");
  assert.is(c.version("snapshot"), before, "the refused snapshot is not kept");
});

test("rollback of a delegated role (the snapshot lists acme 1 after trusted 2): RollbackAttack (image snapshot)", async () => {
  const { repo, c } = await setup((r) => r.delegate({ name: "acme", parent: "targets", keys: [generateSigningKey()], threshold: 1, paths: ["acme/*"] }));
  repo.publish();
  expectOk(await c.refresh());
  const snap = repo.doc(`metadata/${repo.version("snapshot")}.snapshot.json`).signed;
  repo.publishSnapshot({ ...snap.meta, "acme.json": { version: 1 } });
  expectRefused(await c.refresh(), "RollbackAttack", "snapshot");
});

test("rollback of the root: 4.root.json holds root 2 (signed by the current keys) after root 3 is trusted: RollbackAttack (image root)", async () => {
  const { repo, c } = await setup();
  const keys = repo.roles.root.keys;
  repo.rotate("root", keys);
  repo.rotate("root", keys);
  expectOk(await c.refresh());
  assert.is(c.version("root"), 3);
  repo.overrides.set("metadata/4.root.json", repo.files.get("metadata/2.root.json")!);
  expectRefused(await c.refresh(), "RollbackAttack", "root");
});

test("replay of the whole previous repository state (every document older): RollbackAttack (image timestamp)", async () => {
  const { repo, c } = await setup();
  const before = new Map(repo.files);
  repo.publish();
  expectOk(await c.refresh());
  for (const [path, bytes] of before) repo.overrides.set(path, bytes);
  for (const path of repo.files.keys()) if (!before.has(path)) repo.overrides.set(path, null);
  expectRefused(await c.refresh(), "RollbackAttack", "timestamp");
});

// ---- freeze (TUF 5.3.10, 5.4.4, 5.5.6, 5.6.4) ----

for (const role of ["timestamp", "snapshot", "targets"] as const) {
  test(`expired ${role}: ExpiredMetadata (image ${role}), not kept`, async () => {
    const { repo, c } = await setup();
    const before = c.version(role);
    repo.expires.set(role, inDays(-1));
    repo.publish();
    expectRefused(await c.refresh(), "ExpiredMetadata", role);
    assert.is(c.version(role), before, `${role}.json is still the trusted one`);
  });
}

test("expired root after a rotation (the newest root has expired): ExpiredMetadata (image root)", async () => {
  const { repo, c } = await setup();
  repo.expires.set("root", inDays(-1));
  repo.rotate("root", [generateSigningKey()]);
  expectRefused(await c.refresh(), "ExpiredMetadata", "root");
});

test("an expired intermediate root in a rotation chain is fine when the last one is current", async () => {
  const { repo, c } = await setup();
  repo.expires.set("root", inDays(-1));
  repo.rotate("root", [generateSigningKey()]);
  repo.expires.delete("root");
  repo.rotate("root", [generateSigningKey()]);
  expectOk(await c.refresh());
  assert.is(c.version("root"), 3);
});

test("freeze: metadata valid yesterday served again after it expired (a later reference time): ExpiredMetadata (image timestamp)", async () => {
  const { c } = await setup();
  expectRefused(await c.refresh("--time", inDays(2)), "ExpiredMetadata", "timestamp");
});

test("an expired delegated role: ExpiredMetadata (image acme)", async () => {
  const { repo, c } = await setup((r) => {
    r.delegate({ name: "acme", parent: "targets", keys: [generateSigningKey()], threshold: 1, paths: ["acme/*"] });
    r.addTarget("acme/a.bin", randomBytes(10), "acme");
    r.expires.set("acme", inDays(-1));
  });
  void repo;
  expectRefused(await c.download("acme/a.bin"), "ExpiredMetadata", "acme");
  assert.not.ok(c.files().includes("acme.json"));
});

// ---- arbitrary software, endless data (TUF 5.7; Uptane 5.4.3) ----

test("arbitrary software: the target file with one byte flipped: LengthOrHashMismatch (image), nothing written", async () => {
  const { repo, c } = await setup();
  for (const [path, bytes] of repo.files) {
    if (!path.startsWith("targets/")) continue;
    const bad = Buffer.from(bytes);
    bad[7] ^= 1;
    repo.overrides.set(path, bad);
  }
  expectRefused(await c.download("fw.bin"), "LengthOrHashMismatch", "file");
  assert.equal(c.downloaded(), []);
});

test("a target file shorter than its length: LengthOrHashMismatch (image)", async () => {
  const { repo, c } = await setup();
  for (const [path, bytes] of repo.files) if (path.startsWith("targets/")) repo.overrides.set(path, bytes.subarray(0, 999));
  expectRefused(await c.download("fw.bin"), "LengthOrHashMismatch", "file");
  assert.equal(c.downloaded(), []);
});

test("endless data: a target file that never ends is cut one byte past its length: LengthOrHashMismatch (image)", async () => {
  const { repo, c } = await setup();
  for (const path of repo.files.keys()) if (path.startsWith("targets/")) repo.overrides.set(path, "endless");
  expectRefused(await c.download("fw.bin"), "LengthOrHashMismatch", "file");
  assert.equal(c.downloaded(), []);
});

test("endless data: a timestamp that never ends is cut past 16 KiB: OversizedMetadata (image timestamp)", async () => {
  const { repo, c } = await setup();
  repo.overrides.set("metadata/timestamp.json", "endless");
  expectRefused(await c.refresh(), "OversizedMetadata", "timestamp");
});

test("endless data: a root rotation that never ends is cut past 512 KiB: OversizedMetadata (image root)", async () => {
  const { repo, c } = await setup();
  repo.overrides.set("metadata/2.root.json", "endless");
  expectRefused(await c.refresh(), "OversizedMetadata", "root");
});

test("endless data: a snapshot longer than the length the timestamp lists: LengthOrHashMismatch (image snapshot)", async () => {
  const { repo, c } = await setup();
  repo.publish();
  repo.overrides.set(`metadata/${repo.version("snapshot")}.snapshot.json`, "endless");
  expectRefused(await c.refresh(), "LengthOrHashMismatch", "snapshot");
});

test("endless data: a snapshot with no listed length that never ends is cut past 2 MiB: OversizedMetadata (image snapshot)", async () => {
  const { repo, c } = await setup((r) => (r.hashesInMeta = false));
  repo.publish();
  repo.overrides.set(`metadata/${repo.version("snapshot")}.snapshot.json`, "endless");
  expectRefused(await c.refresh(), "OversizedMetadata", "snapshot");
});

test("endless data: top-level targets with no listed length, larger than 5 MiB: OversizedMetadata (image targets)", async () => {
  const { repo, c } = await setup((r) => (r.hashesInMeta = false));
  repo.publish();
  repo.overrides.set(`metadata/${repo.version("targets")}.targets.json`, "endless");
  expectRefused(await c.refresh(), "OversizedMetadata", "targets");
});

test("endless data within the caps: a targets file the module's memory limit cannot hold is refused (--max-pages), not kept", async () => {
  const { repo, c } = await setup();
  const before = c.version("targets");
  for (let i = 0; i < 1_500; i++) repo.content.get("targets")!.set(`bulk/${i}.bin`, Buffer.alloc(1, i & 0xff));
  repo.publish();
  const r = await c.refresh("--max-pages", "8");
  assert.is(r.code, 1, JSON.stringify(r.doc));
  assert.ok(["OversizedMetadata", "InvalidMetadata"].includes(String(r.doc.outcome)), JSON.stringify(r.doc));
  assert.match(String(r.doc.detail), /^\w+ \(image targets\)/);
  assert.is(c.version("targets"), before);
  expectOk(await c.refresh(), "the default limit holds it");
});

// ---- mix-and-match (TUF 5.5.2, 5.6.2; Uptane 5.4.4.5 step 2, 5.4.4.6 steps 1-2) ----

test("mix-and-match: a snapshot whose hash differs from the one the timestamp lists: LengthOrHashMismatch (image snapshot)", async () => {
  const { repo, c } = await setup();
  repo.publish();
  const path = `metadata/${repo.version("snapshot")}.snapshot.json`;
  const doc = repo.doc(path);
  repo.overrides.set(path, repo.sign(MetadataKind.Snapshot, { ...doc.signed, expires: inDays(29) }, repo.roles.snapshot.keys));
  const before = c.version("snapshot");
  expectRefused(await c.refresh(), "LengthOrHashMismatch", "snapshot");
  assert.is(c.version("snapshot"), before);
});

test("mix-and-match: targets whose hash differs from the one the snapshot lists: LengthOrHashMismatch (image targets)", async () => {
  const { repo, c } = await setup();
  repo.publish();
  const path = `metadata/${repo.version("targets")}.targets.json`;
  repo.overrides.set(path, repo.sign(MetadataKind.Targets, { ...repo.doc(path).signed, expires: inDays(29) }, repo.roles.targets.keys));
  expectRefused(await c.refresh(), "LengthOrHashMismatch", "targets");
});

test("mix-and-match: a snapshot version other than the one the timestamp lists: BadVersion (image snapshot)", async () => {
  const { repo, c } = await setup((r) => (r.hashesInMeta = false));
  repo.publish();
  repo.overrides.set(`metadata/${repo.version("snapshot")}.snapshot.json`, repo.files.get(`metadata/${repo.version("snapshot") - 1}.snapshot.json`)!);
  expectRefused(await c.refresh(), "BadVersion", "snapshot");
});

test("wrong consistent-snapshot file: N.targets.json holding another version: BadVersion (image targets)", async () => {
  const { repo, c } = await setup((r) => (r.hashesInMeta = false));
  repo.publish();
  repo.overrides.set(`metadata/${repo.version("targets")}.targets.json`, repo.files.get(`metadata/${repo.version("targets") - 1}.targets.json`)!);
  expectRefused(await c.refresh(), "BadVersion", "targets");
});

test("wrong consistent-snapshot file: HASH.NAME holding another image: LengthOrHashMismatch (image)", async () => {
  const { repo, c } = await setup();
  const other = randomBytes(1000);
  for (const path of repo.files.keys()) if (path.startsWith("targets/")) repo.overrides.set(path, other);
  expectRefused(await c.download("fw.bin"), "LengthOrHashMismatch", "file");
});

test("the timestamp served as the snapshot (validly signed, another role's type): RoleTypeMismatch (image snapshot)", async () => {
  const { repo, c } = await setup();
  repo.rotate("snapshot", repo.roles.timestamp.keys);
  repo.hashesInMeta = false;
  repo.publish();
  repo.overrides.set(`metadata/${repo.version("snapshot")}.snapshot.json`, repo.files.get("metadata/timestamp.json")!);
  expectRefused(await c.refresh(), "RoleTypeMismatch", "snapshot");
});

// ---- threshold not met (TUF 5.3.4-5.3.5, 5.4.1, 5.5.3, 5.6.3) ----

test("unsigned targets: UnmetThreshold (image targets)", async () => {
  const { repo, c } = await setup();
  const before = c.version("targets");
  repo.signers.set("targets", []);
  repo.publish();
  expectRefused(await c.refresh(), "UnmetThreshold", "targets");
  assert.is(c.version("targets"), before);
});

test("a timestamp signed by a key the root does not know: UnmetThreshold (image timestamp)", async () => {
  const { repo, c } = await setup();
  repo.signers.set("timestamp", [generateSigningKey()]);
  repo.publish();
  expectRefused(await c.refresh(), "UnmetThreshold", "timestamp");
});

test("a snapshot signed by another role's key (the targets key): UnmetThreshold (image snapshot)", async () => {
  const { repo, c } = await setup();
  repo.signers.set("snapshot", repo.roles.targets.keys);
  repo.publish();
  expectRefused(await c.refresh(), "UnmetThreshold", "snapshot");
});

test("one key signing twice counts once toward a threshold of 2: UnmetThreshold (image targets)", async () => {
  const { repo, c } = await setup();
  const [a, b] = [generateSigningKey(), generateSigningKey()];
  repo.rotate("targets", [a, b], 2);
  repo.publish();
  const path = `metadata/${repo.version("targets")}.targets.json`;
  const doc = repo.doc(path);
  const mine = doc.signatures.find((s) => s.keyid === a.keyid)!;
  repo.overrides.set(path, bytesOf({ ...doc, signatures: [mine, { ...mine }] }));
  repo.hashesInMeta = false;
  repo.publishSnapshot({ "targets.json": { version: repo.version("targets") } });
  expectRefused(await c.refresh(), "UnmetThreshold", "targets");
});

test("a signature copied under the key id of an authorised key but made by another key: UnmetThreshold (image targets)", async () => {
  const { repo, c } = await setup((r) => (r.hashesInMeta = false));
  const intruder = generateSigningKey();
  const path = () => `metadata/${repo.version("targets")}.targets.json`;
  repo.signers.set("targets", [intruder]);
  repo.publish();
  const doc = repo.doc(path());
  repo.overrides.set(path(), bytesOf({ ...doc, signatures: [{ keyid: repo.roles.targets.keys[0]!.keyid, sig: doc.signatures[0]!.sig }] }));
  expectRefused(await c.refresh(), "UnmetThreshold", "targets");
});

test("signed content changed after signing: UnmetThreshold (image targets)", async () => {
  const { repo, c } = await setup((r) => (r.hashesInMeta = false));
  repo.publish();
  const path = `metadata/${repo.version("targets")}.targets.json`;
  const doc = repo.doc(path);
  doc.signed.targets["evil.bin"] = { length: 1, hashes: { sha256: "00".repeat(32) } };
  repo.overrides.set(path, bytesOf(doc));
  expectRefused(await c.refresh(), "UnmetThreshold", "targets");
});

test("a key whose key id is not the SHA-256 of its canonical form (in a new root): InvalidMetadata (image root)", async () => {
  const { repo, c } = await setup();
  const signed = repo.rootSigned(2) as { keys: Record<string, unknown>; roles: Record<string, { keyids: string[] }> };
  const k = repo.roles.targets.keys[0]!;
  const fake = "ab".repeat(32);
  signed.keys[fake] = k.publicKey;
  delete signed.keys[k.keyid];
  signed.roles.targets!.keyids = [fake];
  repo.overrides.set("metadata/2.root.json", repo.signRaw(signed, repo.roles.root.keys));
  expectRefused(await c.refresh(), "InvalidMetadata", "root");
});

// ---- root rotation (TUF 5.3.3-5.3.9, 5.3.11) ----

test("an expired trusted root with no rotation (the repository has no newer one): ExpiredMetadata (image root)", async () => {
  const repo = new TufJsRepo();
  repo.expires.set("root", inDays(-1));
  repo.publishRoot();
  repos.push(repo);
  await repo.start();
  const c = new Client(repo.metadataUrl, repo.targetsUrl);
  expectOk(await c.init(repo.files.get("metadata/2.root.json")!));
  expectRefused(await c.refresh(), "ExpiredMetadata", "root");
});

test("a zero threshold in the trusted root: init refuses it, InvalidMetadata (image root)", async () => {
  const repo = new TufJsRepo();
  const signed = repo.rootSigned(1) as { roles: Record<string, { threshold: number }> };
  signed.roles.snapshot!.threshold = 0;
  const c = new Client("http://127.0.0.1:1/metadata", "http://127.0.0.1:1/targets");
  expectRefused(await c.init(repo.signRaw(signed, repo.roles.root.keys)), "InvalidMetadata", "root");
});

test("a zero threshold introduced by a root rotation: InvalidMetadata (image root)", async () => {
  const { repo, c } = await setup();
  const signed = repo.rootSigned(2) as { roles: Record<string, { threshold: number }> };
  signed.roles.targets!.threshold = 0;
  repo.overrides.set("metadata/2.root.json", repo.signRaw(signed, repo.roles.root.keys));
  expectRefused(await c.refresh(), "InvalidMetadata", "root");
});

test("a key listed twice in the root's snapshot key ids still counts once toward threshold 2: UnmetThreshold (image snapshot)", async () => {
  const { repo, c } = await setup((r) => (r.hashesInMeta = false));
  const k = repo.roles.snapshot.keys[0]!;
  const signed = repo.rootSigned(2) as { roles: Record<string, { keyids: string[]; threshold: number }> };
  signed.roles.snapshot = { keyids: [k.keyid, k.keyid], threshold: 2 };
  repo.overrides.set("metadata/2.root.json", repo.signRaw(signed, repo.roles.root.keys));
  repo.publish();
  const path = `metadata/${repo.version("snapshot")}.snapshot.json`;
  const doc = repo.doc(path);
  repo.overrides.set(path, bytesOf({ ...doc, signatures: [doc.signatures[0], doc.signatures[0]] }));
  expectRefused(await c.refresh(), "UnmetThreshold", "snapshot");
});

test("the same ECDSA key under two key ids (python-tuf's extra field), targets threshold 2: UnmetThreshold (image targets)", async () => {
  const { repo, c } = await setup();
  const k = generateSigningKey("ecdsa-p256");
  const twinKey = { ...k.publicKey, keyid_hash_algorithms: ["sha256", "sha512"] } as unknown as TufKey;
  const twin: SigningKey = { keyid: keyIdOf(twinKey), publicKey: twinKey, privateKey: k.privateKey };
  repo.rotate("targets", [k, twin], 2);
  repo.publish();
  expectRefused(await c.refresh(), "UnmetThreshold", "targets");
});

test("after a targets key rotation the old targets key no longer counts: UnmetThreshold (image targets)", async () => {
  const { repo, c } = await setup();
  const old = repo.roles.targets.keys;
  repo.rotate("targets", [generateSigningKey()]);
  repo.signers.set("targets", old);
  repo.publish();
  expectRefused(await c.refresh(), "UnmetThreshold", "targets");
});

test("fast-forward recovery: after a snapshot key rotation an inflated snapshot version is dropped", async () => {
  const { repo, c } = await setup();
  for (let i = 0; i < 3; i++) repo.publish();
  expectOk(await c.refresh());
  repo.rotate("snapshot", [generateSigningKey()]);
  repo.versions.set("snapshot", 0);
  repo.publish();
  expectOk(await c.refresh());
  assert.is(c.version("snapshot"), 1);
});

test("top-level targets with _type root: RoleTypeMismatch (image targets)", async () => {
  const { repo, c } = await setup((r) => (r.hashesInMeta = false));
  repo.publish();
  repo.overrides.set(`metadata/${repo.version("targets")}.targets.json`, repo.files.get("metadata/1.root.json")!);
  expectRefused(await c.refresh(), "RoleTypeMismatch", "targets");
});

test("a new root not signed by the old root keys: UnmetThreshold (image root), root.json unchanged", async () => {
  const { repo, c } = await setup();
  repo.roles.root = { keys: [generateSigningKey()], threshold: 1 };
  repo.publishRoot(repo.roles.root.keys);
  expectRefused(await c.refresh(), "UnmetThreshold", "root");
  assert.is(c.version("root"), 1);
});

test("a new root not signed by its own new root keys: UnmetThreshold (image root)", async () => {
  const { repo, c } = await setup();
  const old = repo.roles.root.keys;
  repo.roles.root = { keys: [generateSigningKey()], threshold: 1 };
  repo.publishRoot(old);
  expectRefused(await c.refresh(), "UnmetThreshold", "root");
});

test("a new root that meets the old threshold of 2 with only one old key: UnmetThreshold (image root)", async () => {
  const { repo, c } = await setup();
  const two = [generateSigningKey(), generateSigningKey()];
  repo.rotate("root", two, 2);
  expectOk(await c.refresh());
  repo.roles.root = { keys: [generateSigningKey()], threshold: 1 };
  repo.publishRoot([two[0]!, ...repo.roles.root.keys]);
  expectRefused(await c.refresh(), "UnmetThreshold", "root");
  assert.is(c.version("root"), 2);
});

test("a root rotation skipping a version (2.root.json holds version 3): BadVersion (image root)", async () => {
  const { repo, c } = await setup();
  repo.overrides.set("metadata/2.root.json", repo.sign(MetadataKind.Root, repo.rootSigned(3), repo.roles.root.keys));
  expectRefused(await c.refresh(), "BadVersion", "root");
});

test("a root 'rotation' that keeps the version (2.root.json holds version 1): BadVersion (image root)", async () => {
  const { repo, c } = await setup();
  repo.overrides.set("metadata/2.root.json", repo.files.get("metadata/1.root.json")!);
  expectRefused(await c.refresh(), "BadVersion", "root");
});

test("257 root rotations in one refresh, beyond the module's cap of 256: OversizedMetadata (image root)", async () => {
  const { repo, c } = await setup();
  for (let i = 0; i < 257; i++) repo.publishRoot();
  expectRefused(await c.refresh(), "OversizedMetadata", "root");
  assert.is(c.version("root"), 257, "the 256 accepted roots were kept");
});

test("without a timestamp key rotation an inflated timestamp version still stands: RollbackAttack (image timestamp)", async () => {
  const { repo, c } = await setup();
  for (let i = 0; i < 3; i++) repo.publish();
  expectOk(await c.refresh());
  repo.versions.set("timestamp", 0);
  repo.publish();
  expectRefused(await c.refresh(), "RollbackAttack", "timestamp");
});

// ---- delegations (TUF 5.6.7; Uptane 5.4.4.7) ----

function delegated(extra: Partial<{ keys: SigningKey[]; threshold: number; paths: string[]; terminating: boolean }> = {}) {
  return (r: TufJsRepo) => {
    r.delegate({ name: "acme", parent: "targets", keys: extra.keys ?? [generateSigningKey()], threshold: extra.threshold ?? 1, paths: extra.paths ?? ["acme/*"], terminating: extra.terminating });
    r.addTarget("acme/a.bin", randomBytes(10), "acme");
  };
}

test("a delegated role signed by a key it was not delegated to: UnmetThreshold (image acme), not kept", async () => {
  const { repo, c } = await setup((r) => {
    delegated()(r);
    r.signers.set("acme", [generateSigningKey()]);
  });
  void repo;
  expectRefused(await c.download("acme/a.bin"), "UnmetThreshold", "acme");
  assert.not.ok(c.files().includes("acme.json"));
  assert.equal(c.downloaded(), []);
});

test("a delegated role with threshold 2 signed by one key: UnmetThreshold (image acme)", async () => {
  const two = [generateSigningKey(), generateSigningKey()];
  const { c } = await setup((r) => {
    delegated({ keys: two, threshold: 2 })(r);
    r.signers.set("acme", [two[0]!]);
  });
  expectRefused(await c.download("acme/a.bin"), "UnmetThreshold", "acme");
});

test("a delegation with threshold 0: DelegationError (image acme)", async () => {
  const { c } = await setup(delegated({ threshold: 0 }));
  expectRefused(await c.download("acme/a.bin"), "DelegationError", "acme");
});

test("a snapshot that drops a role the trusted snapshot listed: RollbackAttack (image snapshot)", async () => {
  const { repo, c } = await setup(delegated());
  repo.publishSnapshot({ "targets.json": repo.doc(`metadata/${repo.version("snapshot")}.snapshot.json`).signed.meta["targets.json"] });
  expectRefused(await c.download("acme/a.bin"), "RollbackAttack", "snapshot");
});

test("a delegated role missing from the snapshot (a new client): DelegationError (image acme), nothing fetched for it", async () => {
  const { repo } = await setup(delegated());
  repo.publishSnapshot({ "targets.json": repo.doc(`metadata/${repo.version("snapshot")}.snapshot.json`).signed.meta["targets.json"] });
  const c = new Client(repo.metadataUrl, repo.targetsUrl);
  expectOk(await c.init(repo.files.get("metadata/1.root.json")!));
  repo.requests.length = 0;
  expectRefused(await c.download("acme/a.bin"), "DelegationError", "acme");
  assert.not.ok(repo.requests.some((p) => p.includes("acme")));
});

test("a delegated role whose version differs from the snapshot's: BadVersion (image acme)", async () => {
  const { repo, c } = await setup((r) => {
    delegated()(r);
    r.hashesInMeta = false;
  });
  repo.publish();
  repo.overrides.set(`metadata/${repo.version("acme")}.acme.json`, repo.files.get(`metadata/${repo.version("acme") - 1}.acme.json`)!);
  expectRefused(await c.download("acme/a.bin"), "BadVersion", "acme");
});

test("a delegated role whose hash differs from the one the snapshot lists: LengthOrHashMismatch (image acme)", async () => {
  const { repo, c } = await setup(delegated());
  const path = `metadata/${repo.version("acme")}.acme.json`;
  const d = repo.delegations[0]!;
  repo.overrides.set(path, repo.sign(MetadataKind.Targets, { ...repo.doc(path).signed, expires: inDays(29) }, d.keys));
  expectRefused(await c.download("acme/a.bin"), "LengthOrHashMismatch", "acme");
});

test("a target signed by a role whose paths do not cover it: MissingTarget (image targets)", async () => {
  const { repo, c } = await setup((r) => {
    r.delegate({ name: "acme", parent: "targets", keys: [generateSigningKey()], threshold: 1, paths: ["acme/*"] });
    r.addTarget("bolt/x.bin", randomBytes(10), "acme");
  });
  void repo;
  expectRefused(await c.download("bolt/x.bin"), "MissingTarget", "targets");
});

test("a terminating role that does not sign the target stops the search before the role that does: MissingTarget (image targets)", async () => {
  const { repo, c } = await setup((r) => {
    r.delegate({ name: "first", parent: "targets", keys: [generateSigningKey()], threshold: 1, paths: ["acme/*"], terminating: true });
    r.delegate({ name: "second", parent: "targets", keys: [generateSigningKey()], threshold: 1, paths: ["acme/*"] });
    r.addTarget("acme/a.bin", randomBytes(10), "second");
  });
  repo.requests.length = 0;
  expectRefused(await c.download("acme/a.bin"), "MissingTarget", "targets");
  assert.not.ok(repo.requests.some((p) => p.includes("second")), "the role after a terminating one is never fetched");
});

test("the same role not terminating does not stop the search: Ok, and the roles come in pre-order", async () => {
  const { repo, c } = await setup((r) => {
    r.delegate({ name: "first", parent: "targets", keys: [generateSigningKey()], threshold: 1, paths: ["acme/*"] });
    r.delegate({ name: "second", parent: "targets", keys: [generateSigningKey()], threshold: 1, paths: ["acme/*"] });
    r.addTarget("acme/a.bin", randomBytes(10), "second");
  });
  repo.requests.length = 0;
  expectOk(await c.download("acme/a.bin"));
  const roles = repo.requests.filter((p) => p.includes("first") || p.includes("second"));
  assert.equal(roles, [`metadata/${repo.version("first")}.first.json`, `metadata/${repo.version("second")}.second.json`]);
});

test("priority order: the first role that signs the target decides, even if a later one lists the right file: LengthOrHashMismatch (image)", async () => {
  const { repo, c } = await setup((r) => {
    r.delegate({ name: "first", parent: "targets", keys: [generateSigningKey()], threshold: 1, paths: ["acme/*"] });
    r.delegate({ name: "second", parent: "targets", keys: [generateSigningKey()], threshold: 1, paths: ["acme/*"] });
    r.addTarget("acme/a.bin", randomBytes(10), "first");
    r.addTarget("acme/a.bin", randomBytes(10), "second");
  });
  // the server holds the second role's file under every name (HASH.NAME of the first one's too)
  const second = repo.content.get("second")!.get("acme/a.bin")!;
  for (const path of repo.files.keys()) if (path.startsWith("targets/acme/")) repo.overrides.set(path, second);
  expectRefused(await c.download("acme/a.bin"), "LengthOrHashMismatch", "file");
});

test("a delegation chain 32 roles deep (the cap): Ok", async () => {
  const { c } = await setup((r) => {
    let parent = "targets";
    for (let i = 0; i < 32; i++) {
      r.delegate({ name: `level-${i}`, parent, keys: [generateSigningKey()], threshold: 1, paths: ["deep/*"] });
      parent = `level-${i}`;
    }
    r.addTarget("deep/x.bin", randomBytes(10), parent);
  });
  expectOk(await c.download("deep/x.bin"));
});

test("a delegation chain 33 roles deep, beyond the cap of 32: DelegationError (image level-31, whose delegation goes past it)", async () => {
  const { c } = await setup((r) => {
    let parent = "targets";
    for (let i = 0; i < 33; i++) {
      r.delegate({ name: `level-${i}`, parent, keys: [generateSigningKey()], threshold: 1, paths: ["deep/*"] });
      parent = `level-${i}`;
    }
    r.addTarget("deep/x.bin", randomBytes(10), parent);
  });
  expectRefused(await c.download("deep/x.bin"), "DelegationError", "level-31");
});

test("a delegated role document withheld by the mirror (404): the download fails (exit 1) and nothing is written", async () => {
  const { repo, c } = await setup(delegated());
  repo.overrides.set(`metadata/${repo.version("acme")}.acme.json`, null);
  const r = await c.download("acme/a.bin");
  assert.is(r.code, 1);
  assert.equal(c.downloaded(), []);
});

test.run();
