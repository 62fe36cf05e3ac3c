// PURE-2 offline updates on the backend (README "Offline updates"): the two roles in the
// Director root (and gained by rotation on a backend made before them), `uptane offline
// create` and its bundle, and the Offline-update Snapshot served to vehicles.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { uptane } from "../helpers/uptane-in-process.ts";
import { DIRECTOR_ROOT_DIR } from "../../backend/director/director.ts";
import { DIRECTOR_ROOT_KEY_FILE, rootSignedOf } from "../../backend/director/director-keys.ts";
import { canonicalJson } from "../../model/canonical-json.ts";
import { countValidSignatures, signMetadata, signingKeyFromPem } from "../../model/keys.ts";

const work = mkdtempSync(join(tmpdir(), "uptane-offline-backend-"));
test.after(() => rmSync(work, { recursive: true, force: true }));

async function backendWithImages(name: string): Promise<string> {
  const dir = join(work, name);
  const init = await uptane("init", dir, "--json");
  assert.is(init.code, 0, init.err);
  for (const [file, hw, rc] of [["brake-2.bin", "brake-ctl", "2"], ["cam-4.bin", "adas-cam", "4"], ["brake-3.bin", "brake-ctl", "3"]] as const) {
    writeFileSync(join(work, `${name}-${file}`), createHash("sha512").update(file).digest());
    const add = await uptane("image", "add", dir, join(work, `${name}-${file}`), "--name", `oem/${file}`, "--hardware-id", hw, "--release-counter", rc, "--json");
    assert.is(add.code, 0, add.out + add.err);
  }
  return dir;
}

function json(path: string): { signatures: unknown[]; signed: Record<string, any> } {
  return JSON.parse(readFileSync(path, "utf8"));
}

test("a new backend's Director root has the Offline-update Snapshot and Targets roles, each with its own offline key", async () => {
  const dir = await backendWithImages("fresh");
  const root = rootSignedOf(readFileSync(join(dir, DIRECTOR_ROOT_DIR, "1.root.json")));
  const snap = root.roles["offline-update-snapshot"]!;
  const targ = root.roles["offline-update-targets"]!;
  assert.ok(snap && targ, "both roles listed");
  assert.is(snap.keyids.length, 1);
  assert.is.not(snap.keyids[0], targ.keyids[0], "each role its own key");
  assert.not.ok(root.roles.targets.keyids.includes(targ.keyids[0]!), "not the Director targets key");
  assert.ok(existsSync(join(dir, "keys/offline/director-offline-update-targets.pem")));
});

test("offline create signs the targets and the snapshot by their roles, writes the bundle with its listing, and bumps versions", async () => {
  const dir = await backendWithImages("create");
  const out = join(work, "bundle-1");
  const r = await uptane("offline", "create", dir, "--name", "EMEA-standard", "--target", "brake-ctl=oem/brake-2.bin", "--target", "adas-cam=oem/cam-4.bin", "--out", out, "--json");
  assert.is(r.code, 0, r.out + r.err);
  const root = rootSignedOf(readFileSync(join(dir, DIRECTOR_ROOT_DIR, "1.root.json")));
  const targets = json(join(out, "metadata/director/EMEA-standard.json"));
  const snapshot = json(join(out, "metadata/director/offline-update-snapshot.json"));
  assert.is(targets.signed._type, "offline-targets");
  assert.is(countValidSignatures(targets, root.keys, root.roles["offline-update-targets"]!.keyids), 1);
  assert.is(countValidSignatures(targets, root.keys, root.roles.targets.keyids), 0, "not signed by the Director targets key");
  assert.is(countValidSignatures(snapshot, root.keys, root.roles["offline-update-snapshot"]!.keyids), 1);
  assert.equal(Object.keys(targets.signed.targets).sort(), ["oem/brake-2.bin", "oem/cam-4.bin"]);
  assert.equal(targets.signed.targets["oem/brake-2.bin"].custom.hardwareIds, ["brake-ctl"]);
  assert.is(targets.signed.targets["oem/brake-2.bin"].custom.releaseCounter, 2);
  assert.is(snapshot.signed.meta["EMEA-standard.json"].version, 1);
  assert.is(targets.signed.delegations, undefined, "no delegations (PURE-2)");

  // The listing names every file with its length and SHA-256; nothing else is in the bundle.
  const listing = JSON.parse(readFileSync(join(out, "listing.json"), "utf8")) as { files: Record<string, { length: number; sha256: string }> };
  for (const [path, e] of Object.entries(listing.files)) {
    const bytes = readFileSync(join(out, path));
    assert.is(bytes.length, e.length, path);
    assert.is(createHash("sha256").update(bytes).digest("hex"), e.sha256, path);
  }
  for (const f of ["metadata/director/1.root.json", "metadata/image-repo/1.root.json", "metadata/image-repo/snapshot.json", "metadata/image-repo/targets.json", "images/oem/brake-2.bin", "images/oem/cam-4.bin"]) assert.ok(listing.files[f], f);
  assert.is(readFileSync(join(out, "images/oem/brake-2.bin")).length, 64);

  // A second update of the same name: targets version 2, snapshot version 2, the other entry kept.
  const other = await uptane("offline", "create", dir, "--name", "workshop", "--target", "brake-ctl=oem/brake-3.bin", "--out", join(work, "bundle-2"), "--json");
  assert.is(other.code, 0, other.err);
  const again = await uptane("offline", "create", dir, "--name", "EMEA-standard", "--target", "brake-ctl=oem/brake-3.bin", "--out", join(work, "bundle-3"), "--json");
  assert.is(again.code, 0, again.err);
  const snap3 = json(join(work, "bundle-3/metadata/director/offline-update-snapshot.json"));
  assert.is(snap3.signed.version, 3);
  assert.is(snap3.signed.meta["EMEA-standard.json"].version, 2);
  assert.is(snap3.signed.meta["workshop.json"].version, 1);
  assert.equal(readFileSync(join(dir, "director/offline/offline-update-snapshot.json")), readFileSync(join(work, "bundle-3/metadata/director/offline-update-snapshot.json")));
});

test("offline create refuses two targets for one hardware ID, an image for other hardware, and an existing BUNDLE, changing nothing", async () => {
  const dir = await backendWithImages("refuse");
  const cases: Array<[string[], string]> = [
    [["--target", "brake-ctl=oem/brake-2.bin", "--target", "brake-ctl=oem/brake-3.bin"], "hardware-id-mismatch"],
    [["--target", "adas-cam=oem/brake-2.bin"], "hardware-id-mismatch"],
    [["--target", "brake-ctl=oem/none.bin"], "target-not-signed"],
  ];
  for (const [targets, code] of cases) {
    const r = await uptane("offline", "create", dir, "--name", "x", ...targets, "--out", join(work, "refused"), "--json");
    assert.is(r.code, 1, r.out);
    assert.is(JSON.parse(r.out).error, code, r.out);
    assert.not.ok(existsSync(join(work, "refused")), "no bundle");
    assert.not.ok(existsSync(join(dir, "director/offline")), "no offline documents");
  }
});

test("a backend made before the PURE-2 roles gains them by Director root rotation, then creates offline updates", async () => {
  const dir = await backendWithImages("legacy");
  // Root 1 as a backend made before the roles signed it: re-signed by the root key without them.
  const rootFile = join(dir, DIRECTOR_ROOT_DIR, "1.root.json");
  const signed = rootSignedOf(readFileSync(rootFile)) as any;
  for (const role of ["offline-update-snapshot", "offline-update-targets"]) {
    delete signed.keys[signed.roles[role].keyids[0]];
    delete signed.roles[role];
  }
  const rootKey = signingKeyFromPem(readFileSync(join(dir, DIRECTOR_ROOT_KEY_FILE), "utf8"));
  const legacy = canonicalJson(signMetadata(signed, [rootKey]));
  writeFileSync(rootFile, legacy);
  const db = new Database(join(dir, "inventory.sqlite"));
  db.prepare("UPDATE director_roots SET json = ? WHERE version = 1").run(legacy);
  db.close();

  const before = await uptane("offline", "create", dir, "--name", "factory", "--target", "brake-ctl=oem/brake-2.bin", "--out", join(work, "legacy-bundle"), "--json");
  assert.is(before.code, 1);
  assert.match(JSON.parse(before.out).detail, /has no offline-update-targets role/);
  for (const role of ["offline-update-snapshot", "offline-update-targets"]) {
    const r = await uptane("director", "rotate", dir, "--role", role, "--json");
    assert.is(r.code, 0, r.out + r.err);
  }
  const root3 = rootSignedOf(readFileSync(join(dir, DIRECTOR_ROOT_DIR, "3.root.json")));
  assert.ok(root3.roles["offline-update-snapshot"] && root3.roles["offline-update-targets"]);
  const after = await uptane("offline", "create", dir, "--name", "factory", "--target", "brake-ctl=oem/brake-2.bin", "--out", join(work, "legacy-bundle"), "--json");
  assert.is(after.code, 0, after.out + after.err);
  for (const v of [1, 2, 3]) assert.ok(existsSync(join(work, `legacy-bundle/metadata/director/${v}.root.json`)), `root ${v} in the bundle`);
});

test.run();
