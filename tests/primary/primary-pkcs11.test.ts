// Backend keys in a PKCS#11 token (README "Backend: keys in a PKCS#11 token"), with SoftHSM2:
// `uptane init` makes the online keys (or every key) inside the token, DIR/keys/ holds
// references instead of private keys, `uptane serve` signs through the token, and a Primary
// (full.wasm) updates end to end over HTTPS; an online key rotated into the token while the
// server runs; refusals (PIN, label, PIN file mode, a key gone from the token) say what is
// wrong and never the PIN. Every command runs as a child process with this file's own
// SOFTHSM2_CONF over a temporary token folder.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uptane } from "../helpers/uptane-cli.ts";
import { backendWithPrimaryVehicle, primaryFor } from "../helpers/primary-vehicle.ts";
import { destroyTokenKey, initToken, inspectToken, SOFTHSM_MODULE, softHsmConfig, softHsmInstalled } from "../helpers/softhsm.ts";
import { Inventory, INVENTORY_FILE } from "../../backend/inventory/inventory.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { keyIdOf, rsaBitsOf, signingKeyFromPem, type TufKey } from "../../model/keys.ts";
import { tokenKeyFromUri } from "../../backend/keys/pkcs11-uri.ts";
import "../../host/wasm/embedded.ts";

const PIN = "pin-7f3a9c";
const LABEL = "uptane-test";
let work = "";
let conf = "";
let pinFile = "";
let savedConf: string | undefined;

test.before(async () => {
  assert.ok(softHsmInstalled(), `SoftHSM2 is installed (${SOFTHSM_MODULE}, softhsm2-util): Debian softhsm2, as .ci/run installs it`);
  work = await mkdtemp(join(tmpdir(), "pkcs11-"));
  conf = softHsmConfig(work);
  initToken(conf, LABEL, PIN);
  initToken(conf, "second-token", "another-pin");
  pinFile = join(work, "pin");
  await writeFile(pinFile, `${PIN}\n`, { mode: 0o600 });
  // every `uptane` child of this file reads this configuration
  savedConf = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
});
test.after(async () => {
  if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
  else process.env.SOFTHSM2_CONF = savedConf;
  await rm(work, { recursive: true, force: true });
});

const TOKEN_ARGS = () => ["--pkcs11-module", SOFTHSM_MODULE, "--pkcs11-token", LABEL, "--pkcs11-pin-file", pinFile];

async function serve(dir: string): Promise<{ url: string; child: ChildProcess; log: () => string }> {
  const child = spawn(process.execPath, ["dist/uptane.mjs", "serve", dir, "--port", "0", "--host", "127.0.0.1", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const line = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${buf} ${err}`)));
  });
  return { url: JSON.parse(line).url, child, log: () => err };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** A backend from `init ARGS`, an image for the Primary, a vehicle, the image assigned. */
async function backendWithVehicle(name: string, initArgs: string[], keys: SoftwareKeyStore, vin: string): Promise<string> {
  const { backend, init } = await backendWithPrimaryVehicle(work, name, [...initArgs, "--json"], keys, vin, 3000);
  assert.not.ok(init.out.includes(PIN) || init.err.includes(PIN), "the PIN is never printed");
  return backend;
}

/** The Primary installs `name` in its first cycle and reports it in the next; the Director records it. */
async function primaryInstalls(backend: string, vin: string, keys: SoftwareKeyStore, url: string, name: string): Promise<void> {
  const primary = await primaryFor(backend, vin, keys, url);
  const first = await primary.runCycle();
  assert.ok(first.manifest.accepted, first.manifest.detail);
  assert.is(first.installed?.name, name);
  const second = await primary.runCycle();
  assert.ok(second.manifest.accepted, second.manifest.detail);
  const inventory = Inventory.open(join(backend, INVENTORY_FILE));
  try {
    assert.is(inventory.ecu("primary-001")!.installed_filename, name);
  } finally {
    inventory.close();
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

interface Reference {
  file: string;
  keyid: string;
  publicKey: TufKey;
  id: string;
}

/** Every key reference under DIR/keys/. */
async function references(backend: string): Promise<Reference[]> {
  const out: Reference[] = [];
  for (const file of await filesUnder(join(backend, "keys"))) {
    if (!file.endsWith(".pkcs11.json")) continue;
    const doc = JSON.parse(await readFile(file, "utf8")) as { keyid: string; publicKey: TufKey; uri: string };
    assert.is(keyIdOf(doc.publicKey), doc.keyid);
    assert.ok(!doc.uri.includes(PIN), "a reference names the PIN file, never the PIN");
    out.push({ file, keyid: doc.keyid, publicKey: doc.publicKey, id: tokenKeyFromUri(doc.uri).id.toString("hex") });
  }
  return out;
}

/**
 * The private key never on disk: every private key PEM under DIR is some other key than the
 * token's, and the token's keys are sensitive and never extractable (CKA_VALUE unreadable).
 */
async function tokenKeysStayInToken(backend: string, refs: Reference[]): Promise<void> {
  const tokenKeyIds = new Set(refs.map((r) => r.keyid));
  for (const file of await filesUnder(backend)) {
    const text = (await readFile(file)).toString("latin1");
    for (const m of text.matchAll(/-----BEGIN PRIVATE KEY-----[^-]+-----END PRIVATE KEY-----/g)) {
      const key = signingKeyFromPem(m[0]);
      assert.not.ok(tokenKeyIds.has(key.keyid), `${file} holds the private key of token key ${key.keyid}`);
    }
  }
  const inToken = inspectToken(conf, LABEL, PIN);
  for (const ref of refs) {
    const k = inToken.find((t) => t.id === ref.id);
    assert.ok(k, `token key ${ref.id} of ${ref.file} is in the token`);
    assert.equal([k!.sensitive, k!.extractable, k!.alwaysSensitive, k!.neverExtractable], [true, false, true, true], `${ref.file}: CKA_SENSITIVE, not CKA_EXTRACTABLE, always sensitive, never extractable`);
    assert.is(k!.valueRead, "CKR_ATTRIBUTE_SENSITIVE", `${ref.file}: the private value cannot be read`);
  }
}

/** Key types of each role of a root document. */
const rolesOf = (root: { signed: { keys: Record<string, TufKey>; roles: Record<string, { keyids: string[] }> } }) =>
  Object.fromEntries(Object.entries(root.signed.roles).map(([role, r]) => [role, r.keyids.map((id) => root.signed.keys[id]!)]));

test("init with the online keys in the token (Ed25519 through CKM_EDDSA): references in DIR/keys/online, serve signs through the token, a Primary installs; the keys never leave the token", async () => {
  const vin = "PKCS11VIN00000001";
  const keys = SoftwareKeyStore.generate();
  const backend = await backendWithVehicle("ed25519-online", TOKEN_ARGS(), keys, vin);
  const online = (await readdir(join(backend, "keys", "online"))).sort();
  for (const name of ["director-targets", "director-snapshot", "director-timestamp", "timeserver"]) {
    assert.ok(online.includes(`${name}.pkcs11.json`), `${name} is a reference`);
    assert.not.ok(online.includes(`${name}.pem`), `${name} has no key file`);
  }
  assert.is(online.filter((n) => /^image-(snapshot|timestamp)-[0-9a-f]{64}\.pkcs11\.json$/.test(n)).length, 2);
  assert.is(online.filter((n) => n.startsWith("image-") && n.endsWith(".pem")).length, 0);
  // the roots (offline) stay key files by default
  assert.ok(existsSync(join(backend, "keys", "offline", "director-root.pem")));
  const refs = await references(backend);
  assert.is(refs.length, 6);
  const director = rolesOf(JSON.parse(await readFile(join(backend, "director", "root", "1.root.json"), "utf8")));
  const image = rolesOf(JSON.parse(await readFile(join(backend, "image", "repository", "1.root.json"), "utf8")));
  for (const role of ["targets", "snapshot", "timestamp", "timeserver"]) assert.ok(refs.some((r) => keyIdOf(director[role]![0]!) === r.keyid), `Director ${role} key is a token key`);
  for (const role of ["snapshot", "timestamp"]) assert.ok(refs.some((r) => keyIdOf(image[role]![0]!) === r.keyid), `Image ${role} key is a token key`);
  for (const r of refs) assert.is(r.publicKey.keytype, "ed25519");
  const { url, child, log } = await serve(backend);
  try {
    await primaryInstalls(backend, vin, keys, url, "ed25519-online.bin");
  } finally {
    await stop(child);
  }
  assert.not.ok(log().includes(PIN), "the PIN is never logged");
  await tokenKeysStayInToken(backend, refs);
});

test("ECDSA P-256 with every key in the token (--pkcs11-uri, --pkcs11-keys all): CKM_ECDSA signatures in DER verify in full.wasm, offline operations sign through the token, a Primary installs", async () => {
  const vin = "PKCS11VIN00000002";
  const keys = SoftwareKeyStore.generate();
  const uri = `pkcs11:token=${LABEL}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`;
  const backend = await backendWithVehicle("ecdsa-all", ["--key-type", "ecdsa-p256", "--pkcs11-uri", uri, "--pkcs11-keys", "all"], keys, vin);
  const pems = (await filesUnder(join(backend, "keys"))).filter((f) => f.endsWith(".pem") && !/tls-/.test(f));
  assert.equal(pems, [], "no key file but the TLS keys");
  const refs = await references(backend);
  assert.is(refs.length, 4 + 7, "Image root, targets, snapshot, timestamp; Director root, four online, two offline-update");
  for (const r of refs) assert.is(r.publicKey.keytype, "ecdsa");
  const { url, child } = await serve(backend);
  try {
    await primaryInstalls(backend, vin, keys, url, "ecdsa-all.bin");
  } finally {
    await stop(child);
  }
  // the offline roles renewed (every one expires within 400 days): the roots and Image targets signed through the token
  const renewed = await uptane("refresh", backend, "--offline", "--warn-days", "400", "--json");
  assert.is(renewed.code, 0, renewed.err + renewed.out);
  assert.ok(existsSync(join(backend, "director", "root", "2.root.json")), renewed.out);
  assert.ok(existsSync(join(backend, "image", "repository", "2.root.json")), renewed.out);
  await tokenKeysStayInToken(backend, refs);
});

test("RSA-PSS 3072 in the token (CKM_SHA256_RSA_PKCS_PSS, salt 32): --rsa-bits sizes every RSA key, a Primary installs", async () => {
  const vin = "PKCS11VIN00000003";
  const keys = SoftwareKeyStore.generate();
  const backend = await backendWithVehicle("rsa-online", ["--key-type", "rsa-pss", "--rsa-bits", "3072", ...TOKEN_ARGS()], keys, vin);
  const refs = await references(backend);
  assert.is(refs.length, 6);
  const image = rolesOf(JSON.parse(await readFile(join(backend, "image", "repository", "1.root.json"), "utf8")));
  const director = rolesOf(JSON.parse(await readFile(join(backend, "director", "root", "1.root.json"), "utf8")));
  for (const role of Object.values({ ...image, ...director })) for (const k of role) assert.is(rsaBitsOf(k), 3072);
  const { url, child } = await serve(backend);
  try {
    await primaryInstalls(backend, vin, keys, url, "rsa-online.bin");
  } finally {
    await stop(child);
  }
  await tokenKeysStayInToken(backend, refs);
});

test("online keys rotated into the token while serve runs (Director targets and timestamp, Image snapshot): the running server signs through the token, a Primary pinned to root 1 installs", async () => {
  const vin = "PKCS11VIN00000004";
  const keys = SoftwareKeyStore.generate();
  const backend = await backendWithVehicle("rotated", [], keys, vin);
  assert.equal(await references(backend), [], "made with key files");
  const { url, child } = await serve(backend);
  try {
    for (const role of ["targets", "timestamp"]) {
      const r = await uptane("director", "rotate", backend, "--role", role, "--key-type", "ecdsa-p256", ...TOKEN_ARGS(), "--json");
      assert.is(r.code, 0, r.err + r.out);
      assert.match(JSON.parse(r.out).keyFiles[0], /director-[a-z]+-[0-9a-f]{64}\.pkcs11\.json$/);
    }
    const r = await uptane("rotate", backend, "--role", "snapshot", ...TOKEN_ARGS(), "--json");
    assert.is(r.code, 0, r.err + r.out);
    const refs = await references(backend);
    assert.is(refs.length, 3);
    const latest = (await readdir(join(backend, "director", "root"))).sort((a, b) => parseInt(a) - parseInt(b)).at(-1)!;
    const director = rolesOf(JSON.parse(await readFile(join(backend, "director", "root", latest), "utf8")));
    for (const role of ["targets", "timestamp"]) assert.ok(refs.some((ref) => ref.keyid === keyIdOf(director[role]![0]!)), `Director ${role}: the token key`);
    await primaryInstalls(backend, vin, keys, url, "rotated.bin");
    // what the server signed after the rotation: the vehicle's timestamp by the token key
    const ts = JSON.parse(await readFile(join(backend, "director", "vehicles", vin, "timestamp.json"), "utf8")) as { signatures: { keyid: string }[] };
    assert.ok(ts.signatures.some((s) => s.keyid === keyIdOf(director.timestamp![0]!)));
    await tokenKeysStayInToken(backend, refs);
  } finally {
    await stop(child);
  }
});

test("refusals: a wrong PIN, an unknown label, a PIN file open to others, a half-given token, a PIN in a URI; nothing made, the PIN never said", async () => {
  const json = async (...argv: string[]) => {
    const r = await uptane(...argv, "--json");
    assert.not.ok(r.out.includes(PIN) || r.err.includes(PIN) || r.out.includes("another-pin"), "the PIN is never printed");
    return { code: r.code, doc: JSON.parse(r.out) as { ok: boolean; error?: string; detail?: string } };
  };
  const target = join(work, "refused");
  const wrong = join(work, "wrong-pin");
  await writeFile(wrong, "not-the-pin\n", { mode: 0o600 });
  let r = await json("init", target, "--pkcs11-module", SOFTHSM_MODULE, "--pkcs11-token", LABEL, "--pkcs11-pin-file", wrong);
  assert.equal([r.code, r.doc.error], [1, "pkcs11-refused"]);
  assert.match(r.doc.detail!, "CKR_PIN_INCORRECT");
  r = await json("init", target, "--pkcs11-module", SOFTHSM_MODULE, "--pkcs11-token", "no-such-token", "--pkcs11-pin-file", pinFile);
  assert.equal([r.code, r.doc.error], [1, "pkcs11-refused"]);
  assert.match(r.doc.detail!, "no token labelled 'no-such-token'");
  const open = join(work, "open-pin");
  await writeFile(open, `${PIN}\n`);
  await chmod(open, 0o644);
  r = await json("init", target, "--pkcs11-module", SOFTHSM_MODULE, "--pkcs11-token", LABEL, "--pkcs11-pin-file", open);
  assert.equal([r.code, r.doc.error], [2, "unreadable-file"]);
  assert.match(r.doc.detail!, "mode 0644");
  r = await json("init", target, "--pkcs11-module", SOFTHSM_MODULE, "--pkcs11-token", LABEL);
  assert.equal([r.code, r.doc.error], [2, "usage"]);
  r = await json("init", target, "--pkcs11-uri", `pkcs11:token=${LABEL}?module-path=${SOFTHSM_MODULE}&pin-value=${PIN}`);
  assert.equal([r.code, r.doc.error], [2, "usage"]);
  assert.not.ok(existsSync(target), "a refused init leaves no folder");
  // the other token's keys are untouched, and nothing was made in ours by the refused runs
  assert.equal(inspectToken(conf, "second-token", "another-pin"), []);
});

test("serve refuses to start when a referenced key is gone from the token (serve-failed, naming the key), and a rotation with a wrong PIN changes nothing", async () => {
  const backend = join(work, "lost-key");
  assert.is((await uptane("init", backend, "--pkcs11-module", SOFTHSM_MODULE, "--pkcs11-token", "second-token", "--pkcs11-pin-file", await pinFileFor("another-pin"))).code, 0);
  const refs = await references(backend);
  const timestamp = refs.find((r) => r.file.endsWith("director-timestamp.pkcs11.json"))!;
  destroyTokenKey(conf, "second-token", "another-pin", timestamp.id);
  const r = await uptane("serve", backend, "--port", "0", "--json");
  assert.is(r.code, 1, r.out + r.err);
  const doc = JSON.parse(r.out) as { error: string; detail: string };
  assert.is(doc.error, "serve-failed");
  assert.match(doc.detail, `no private key with id ${timestamp.id}`);
  const before = (await readdir(join(backend, "director", "root"))).sort();
  const wrong = join(work, "wrong-pin-2");
  await writeFile(wrong, "nope\n", { mode: 0o600 });
  const rot = await uptane("director", "rotate", backend, "--role", "snapshot", "--pkcs11-module", SOFTHSM_MODULE, "--pkcs11-token", "second-token", "--pkcs11-pin-file", wrong, "--json");
  assert.equal([rot.code, JSON.parse(rot.out).error], [1, "pkcs11-refused"]);
  assert.equal((await readdir(join(backend, "director", "root"))).sort(), before);
});

async function pinFileFor(pin: string): Promise<string> {
  const file = join(work, `pin-${pin}`);
  await writeFile(file, pin, { mode: 0o600 });
  return file;
}

test.run();
