// Per-ECU image encryption in the Director (README "Per-ECU image encryption"): an ECU
// registered with an encryption key gets, per assignment, its own Director entry naming
// the ciphertext's length and hashes with custom.encryption; the ciphertext is served at
// /director/vehicles/VIN/images/NAME and decrypts, with that ECU's key only, to the Image
// repository's bytes (checked with the reference decryptor of model/image-encryption.ts).
// Keys stay in the key service (DIR/keyservice/, 0700/0600); no symmetric key and no
// content key reaches the inventory or the log. Runs on SQLite and on PostgreSQL.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Server } from "node:http";
import { DirectorFixture, ecuReport, refusal, vehicleManifest, type TestEcu, type TestVehicle } from "./fixture.ts";
import { generateSigningKey } from "../../model/keys.ts";
import { targetEntriesOf } from "../../backend/director/publisher.ts";
import { directorRoutes, ecuList } from "../../backend/director/http-routes.ts";
import { Router, listen, close as closeServer } from "../../backend/http/server.ts";
import { targetFilePath } from "../../backend/image/layout.ts";
import { KEYSERVICE_DIR } from "../../backend/keyservice/keyservice.ts";
import { inventoryEngineUnderTest } from "../helpers/postgres.ts";
import type { ImageTarget } from "../../backend/director/image-targets.ts";
import type { DirectorTargetEntry } from "../../backend/director/metadata.ts";
import {
  CHUNK_SIZE, METHOD_SHARED, METHOD_X25519, ImageDecryptionError, decryptImage, encryptedTargetName, parseImageEncryption, unwrapContentKey,
  x25519RawPrivateKey, x25519RawPublicKey, type DecryptionKey,
} from "../../model/image-encryption.ts";

interface EncEcu extends TestEcu {
  decryption: DecryptionKey | null;
}
interface Ctx {
  f: DirectorFixture;
  car: TestVehicle & { ecus: EncEcu[] };
  shared: Buffer;
  log: string[];
  server?: Server;
  url: string;
}

const test = suite<Ctx>("director per-ECU image encryption");

function x25519Pair(): { publicKey: Buffer; privateKey: Buffer } {
  const k = generateKeyPairSync("x25519");
  return { publicKey: x25519RawPublicKey(k.publicKey), privateKey: x25519RawPrivateKey(k.privateKey) };
}

/** A vehicle: Primary (no encryption), S1 and S2 with X25519 keys (both hw-1), S3 with a shared AES-128 key (hw-1). */
function addEncryptedVehicle(f: DirectorFixture, vin: string, shared: Buffer): Ctx["car"] {
  const ecus: EncEcu[] = [{ serial: `${vin}-P`, hardwareId: "hw-primary", key: generateSigningKey(), primary: true, decryption: null }];
  const regs = [];
  for (const s of ["S1", "S2"]) {
    const pair = x25519Pair();
    const e: EncEcu = { serial: `${vin}-${s}`, hardwareId: "hw-1", key: generateSigningKey(), primary: false, decryption: { method: METHOD_X25519, privateKey: pair.privateKey } };
    ecus.push(e);
    regs.push({ e, encryptionKey: pair.publicKey });
  }
  const s3: EncEcu = { serial: `${vin}-S3`, hardwareId: "hw-1", key: generateSigningKey(), primary: false, decryption: { method: METHOD_SHARED, sharedKey: shared } };
  ecus.push(s3);
  f.director.addVehicle(vin, [
    { serial: ecus[0]!.serial, hardwareId: "hw-primary", publicKeyHex: ecus[0]!.key.publicKey.keyval.public, primary: true },
    ...regs.map(({ e, encryptionKey }) => ({ serial: e.serial, hardwareId: e.hardwareId, publicKeyHex: e.key.publicKey.keyval.public, primary: false, encryptionKey })),
    { serial: s3.serial, hardwareId: "hw-1", publicKeyHex: s3.key.publicKey.keyval.public, primary: false, sharedEncryptionKey: Buffer.from(shared) },
  ]);
  return { vin, ecus };
}

/** An image in the fake Image repository, its file where the Image repository keeps it (HASH.name). */
function addImage(f: DirectorFixture, name: string, bytes: Buffer, releaseCounter = 1): ImageTarget {
  const t: ImageTarget = {
    name,
    length: bytes.length,
    hashes: { sha256: createHash("sha256").update(bytes).digest("hex"), sha512: createHash("sha512").update(bytes).digest("hex") },
    custom: { hardwareIds: ["hw-1"], releaseCounter },
  };
  f.images.targets.set(name, t);
  const path = targetFilePath(f.dir, name, t.hashes.sha256!);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return t;
}

function entries(f: DirectorFixture, vin: string): Map<string, DirectorTargetEntry> {
  return new Map(targetEntriesOf(f.director.inventory.latestMetadata(vin, "targets")!).map((e) => [e.name, e as DirectorTargetEntry]));
}

async function fetchImage(url: string, vin: string, name: string): Promise<{ status: number; bytes: Buffer }> {
  const res = await fetch(`${url}/director/vehicles/${vin}/images/${name.split("/").map(encodeURIComponent).join("/")}`);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

test.before.each(async (ctx) => {
  ctx.f = new DirectorFixture();
  ctx.shared = randomBytes(16);
  ctx.car = addEncryptedVehicle(ctx.f, "ENC001", ctx.shared);
  ctx.log = [];
  const router = new Router();
  router.mount("director", directorRoutes(ctx.f.director, ctx.f.apiToken, (line) => ctx.log.push(line)));
  const { server, url } = await listen(router, "127.0.0.1", 0);
  ctx.server = server;
  ctx.url = url;
});
test.after.each(async (ctx) => {
  if (ctx.server) await closeServer(ctx.server);
  await ctx.f.close();
});

test("an image assigned to an ECU with an X25519 key is its own Director entry whose served ciphertext decrypts, with that ECU's key, to the Image repository's bytes", async ({ f, car, url }) => {
  const s1 = car.ecus[1]!;
  const plain = randomBytes(3 * CHUNK_SIZE + 123);
  const image = addImage(f, "fw/app-1.bin", plain, 7);
  assert.is((await f.director.assign(car.vin, s1.serial, image.name)).status, "published");
  const name = encryptedTargetName(image.name, s1.serial);
  const all = entries(f, car.vin);
  assert.equal([...all.keys()], [name], "only the encrypted entry is listed, not the plaintext one");
  const entry = all.get(name)!;
  assert.equal(entry.custom.ecuIdentifiers, { [s1.serial]: { hardwareId: "hw-1" } });
  assert.equal(entry.custom.hardwareIds, ["hw-1"]);
  assert.is(entry.custom.releaseCounter, 7);
  const enc = parseImageEncryption(entry.custom.encryption);
  assert.is(enc.method, METHOD_X25519);
  assert.equal(enc.plaintext, { name: image.name, length: image.length, hashes: image.hashes as { sha256: string; sha512: string } });

  const served = await fetchImage(url, car.vin, name);
  assert.is(served.status, 200);
  assert.is(served.bytes.length, entry.length);
  assert.is(createHash("sha256").update(served.bytes).digest("hex"), entry.hashes.sha256);
  assert.is(createHash("sha512").update(served.bytes).digest("hex"), entry.hashes.sha512);
  assert.ok(decryptImage(enc, s1.decryption!, s1.serial, served.bytes).equals(plain));
  assert.not.ok(served.bytes.includes(plain.subarray(0, 64)), "the served bytes are not the plaintext");
});

test("two ECUs assigned one image get one entry each, each opened by its own key only; an ECU without a key gets the plaintext entry", async ({ f, car, url }) => {
  const [, s1, s2] = car.ecus;
  const plain = randomBytes(5000);
  const image = addImage(f, "shared.bin", plain);
  f.images.add("primary.bin", ["hw-primary"], 1);
  const p = car.ecus[0]!;
  await f.director.assign(car.vin, s1!.serial, image.name, { with: [{ ecuSerial: s2!.serial, target: image.name }, { ecuSerial: p.serial, target: "primary.bin" }] });
  const all = entries(f, car.vin);
  const n1 = encryptedTargetName(image.name, s1!.serial);
  const n2 = encryptedTargetName(image.name, s2!.serial);
  assert.equal([...all.keys()].sort(), [n1, n2, "primary.bin"].sort());
  assert.equal(Object.keys(all.get("primary.bin")!.custom.ecuIdentifiers), [p.serial]);
  assert.is(all.get("primary.bin")!.custom.encryption, undefined);
  const c1 = (await fetchImage(url, car.vin, n1)).bytes;
  const c2 = (await fetchImage(url, car.vin, n2)).bytes;
  const e1 = parseImageEncryption(all.get(n1)!.custom.encryption);
  const e2 = parseImageEncryption(all.get(n2)!.custom.encryption);
  assert.ok(decryptImage(e1, s1!.decryption!, s1!.serial, c1).equals(plain));
  assert.ok(decryptImage(e2, s2!.decryption!, s2!.serial, c2).equals(plain));
  assert.is.not(c1.toString("hex"), c2.toString("hex"), "a fresh content key per ECU");
  // S2's key does not open S1's image, under either serial.
  for (const serial of [s1!.serial, s2!.serial]) assert.throws(() => decryptImage(e1, s2!.decryption!, serial, c1), (e: Error) => e instanceof ImageDecryptionError);
  // S1's wrapped key with S2's ciphertext: the content keys differ, the first chunk fails.
  assert.throws(() => decryptImage(e1, s1!.decryption!, s1!.serial, c2), (e: Error) => e instanceof ImageDecryptionError);
});

test("an ECU registered with a shared AES-128 key gets aes128gcm-shared, opened by that key only", async ({ f, car, url }) => {
  const s3 = car.ecus[3]!;
  const plain = randomBytes(CHUNK_SIZE);
  const image = addImage(f, "she.bin", plain);
  await f.director.assign(car.vin, s3.serial, image.name);
  const name = encryptedTargetName(image.name, s3.serial);
  const enc = parseImageEncryption(entries(f, car.vin).get(name)!.custom.encryption);
  assert.is(enc.method, METHOD_SHARED);
  const ct = (await fetchImage(url, car.vin, name)).bytes;
  assert.ok(decryptImage(enc, s3.decryption!, s3.serial, ct).equals(plain));
  assert.throws(() => decryptImage(enc, { method: METHOD_SHARED, sharedKey: randomBytes(16) }, s3.serial, ct), (e: Error) => e instanceof ImageDecryptionError);
  assert.is(f.director.inventory.ecu(s3.serial)!.encryption, METHOD_SHARED);
  assert.is(f.director.inventory.ecu(car.ecus[1]!.serial)!.encryption, METHOD_X25519);
  assert.is(f.director.inventory.ecu(car.ecus[0]!.serial)!.encryption, null);
});

test("the key service's store is 0700 with 0600 key files, apart from keys/ and the inventory", async ({ f, car }) => {
  const store = join(f.dir, KEYSERVICE_DIR);
  assert.is(statSync(store).mode & 0o777, 0o700);
  const files = readdirSync(store).sort();
  assert.equal(files, [`${car.ecus[1]!.serial}.x25519.pub`, `${car.ecus[2]!.serial}.x25519.pub`, `${car.ecus[3]!.serial}.aes128.key`].sort());
  for (const file of files) assert.is(statSync(join(store, file)).mode & 0o777, 0o600, file);
  assert.not.ok(readdirSync(join(f.dir, "keys"), { recursive: true }).some((p) => /x25519|aes128/.test(String(p))), "nothing of the key service under keys/");
});

test("the inventory and the log hold no shared key and no content key: the DB rows, the SQLite file and every log line searched for their bytes", async ({ f, car, url, shared, log }) => {
  const [, s1, , s3] = car.ecus;
  const image = addImage(f, "secret.bin", randomBytes(9000));
  await f.director.assign(car.vin, s1!.serial, image.name, { with: [{ ecuSerial: s3!.serial, target: image.name }] });
  const all = entries(f, car.vin);
  const k1 = unwrapContentKey(parseImageEncryption(all.get(encryptedTargetName(image.name, s1!.serial))!.custom.encryption), s1!.decryption!, s1!.serial);
  const k3 = unwrapContentKey(parseImageEncryption(all.get(encryptedTargetName(image.name, s3!.serial))!.custom.encryption), s3!.decryption!, s3!.serial);
  await fetchImage(url, car.vin, encryptedTargetName(image.name, s1!.serial));
  const said = [(await fetchImage(url, car.vin, "not-there.enc")).bytes.toString()];
  const secrets: Array<[string, Buffer]> = [["shared key", Buffer.from(readFileSync(join(f.dir, KEYSERVICE_DIR, `${s3!.serial}.aes128.key`)))], ["content key of S1", k1], ["content key of S3", k3]];
  assert.ok(secrets[0]![1].equals(shared), "the store holds the registered key");
  // A key file damaged (one byte appended): the refusal names the file and sizes, not the key.
  const keyFile = join(f.dir, KEYSERVICE_DIR, `${s3!.serial}.aes128.key`);
  writeFileSync(keyFile, Buffer.concat([shared, Buffer.from([0])]), { mode: 0o600 });
  const damaged = await refusal(f.director.assign(car.vin, s3!.serial, image.name));
  assert.is(damaged.code, "keystore-corrupt");
  said.push(damaged.message, JSON.stringify(damaged.toJSON()));
  // Every row of every table, blobs as hex.
  const sql = f.director.inventory.sql;
  const rows = sql.tableNames().flatMap((t) => sql.all<Record<string, unknown>>(`SELECT * FROM "${t}"`)).map((r) =>
    JSON.stringify(r, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v && v.type === "Buffer" && Array.isArray(v.data) ? Buffer.from(v.data).toString("hex") : v)),
  );
  const text = rows.join("\n").toLowerCase();
  assert.ok(text.includes(createHash("sha256").update(Buffer.from((await fetchImage(url, car.vin, encryptedTargetName(image.name, s1!.serial))).bytes)).digest("hex")), "the rows were read (the ciphertext hash is there)");
  for (const [what, key] of secrets) {
    assert.not.ok(text.includes(key.toString("hex")), `${what} (hex) in the inventory`);
    assert.not.ok(text.includes(key.toString("base64").toLowerCase()), `${what} (base64) in the inventory`);
      for (const line of [...log, ...said]) assert.not.ok(line.includes(key.toString("hex")) || line.includes(key.toString("base64")), `${what} in the log`);
  }
  if (inventoryEngineUnderTest() === "sqlite") {
    const files = readdirSync(f.dir).filter((n) => n.startsWith("inventory.sqlite"));
    assert.ok(files.length > 0);
    for (const file of files) {
      const bytes = readFileSync(join(f.dir, file));
      for (const [what, key] of secrets) {
        assert.is(bytes.indexOf(key), -1, `${what} (raw) in ${file}`);
        assert.is(bytes.indexOf(Buffer.from(key.toString("hex"))), -1, `${what} (hex) in ${file}`);
      }
    }
  }
});

test("the ciphertext is removed when the vehicle reports the install (the signed entry stays); a failure reported under the encrypted name closes the assignment", async ({ f, car, url }) => {
  const [, s1, s2] = car.ecus;
  const image = addImage(f, "app.bin", randomBytes(2000));
  await f.director.assign(car.vin, s1!.serial, image.name, { with: [{ ecuSerial: s2!.serial, target: image.name }] });
  const n1 = encryptedTargetName(image.name, s1!.serial);
  const n2 = encryptedTargetName(image.name, s2!.serial);
  const before = entries(f, car.vin);
  // S1 reports the plaintext installed; S2 reports a failure under the Director's (encrypted) name.
  const installed = { filename: image.name, length: image.length, hashes: image.hashes };
  const reports = {
    [s1!.serial]: ecuReport(s1!, { installed, releaseCounter: 1, lastInstall: { filename: image.name, success: true, code: "Ok", detail: "" } }),
    [s2!.serial]: ecuReport(s2!, { lastInstall: { filename: n2, success: false, code: "LengthOrHashMismatch", detail: "chunk 0 does not verify" } }),
  };
  f.director.receiveManifest(car.vin, Buffer.from(JSON.stringify(vehicleManifest(car, { reports }))));
  const inv = f.director.inventory;
  assert.is(inv.count("assignments", "status = 'installed'"), 1);
  assert.is(inv.count("assignments", "status = 'failed'"), 1);
  assert.is((await fetchImage(url, car.vin, n1)).status, 404, "installed: no longer served");
  assert.is((await fetchImage(url, car.vin, n2)).status, 404, "failed: no longer served");
  const stored = inv.sql.all<{ bytes: unknown }>("SELECT bytes FROM encrypted_images");
  assert.is(stored.length, 2);
  assert.ok(stored.every((r) => r.bytes === null), "both ciphertexts dropped from the inventory");
  // The installed entry stays in the targets as it was signed (the ECU already has it).
  assert.equal(entries(f, car.vin).get(n1), before.get(n1));
});

test("a queued encrypted assignment superseded by a newer one is never served, and gc finds nothing left to drop", async ({ f, car, url }) => {
  const s1 = car.ecus[1]!;
  const a = addImage(f, "a.bin", randomBytes(100), 1);
  const b = addImage(f, "b.bin", randomBytes(100), 2);
  const c = addImage(f, "c.bin", randomBytes(100), 3);
  await f.director.assign(car.vin, s1.serial, a.name);
  assert.is((await f.director.assign(car.vin, s1.serial, b.name)).status, "queued");
  assert.is((await f.director.assign(car.vin, s1.serial, c.name)).status, "queued"); // supersedes b's
  assert.is((await fetchImage(url, car.vin, encryptedTargetName(b.name, s1.serial))).status, 404, "queued: not served");
  assert.is((await fetchImage(url, car.vin, encryptedTargetName(a.name, s1.serial))).status, 200);
  const inv = f.director.inventory;
  assert.is(inv.count("assignments", "status = 'superseded'"), 1);
  assert.equal(inv.transaction(() => inv.dropClosedEncryptedImages(undefined, true)), { images: 0, bytes: 0 }, "the superseding publication dropped b's already");
  // A row whose bytes outlived its assignment (as from an older version) is what gc drops.
  const bRow = inv.sql.get<{ assignment_id: number }>("SELECT assignment_id FROM encrypted_images WHERE name = ?", [encryptedTargetName(b.name, s1.serial)])!;
  inv.sql.run("UPDATE encrypted_images SET bytes = ? WHERE assignment_id = ?", [Buffer.alloc(116, 1), bRow.assignment_id]);
  assert.equal(inv.transaction(() => inv.dropClosedEncryptedImages()), { images: 1, bytes: 116 });
  assert.equal(inv.transaction(() => inv.dropClosedEncryptedImages()), { images: 0, bytes: 0 });
});

test("a campaign encrypts the image for every ECU of its hardware ID that has a key, in each vehicle, and the rest get the plaintext entry", async ({ f, car, shared, url }) => {
  const other = addEncryptedVehicle(f, "ENC002", shared);
  const plain = randomBytes(700);
  const image = addImage(f, "campaign.bin", plain);
  const r = await f.director.campaign("hw-1", image.name);
  assert.is(r.assigned.length, 6);
  for (const v of [car, other]) {
    const all = entries(f, v.vin);
    assert.is(all.size, 3, `${v.vin}: one entry per encrypting ECU`);
    for (const e of (v.ecus as EncEcu[]).slice(1)) {
      const name = encryptedTargetName(image.name, e.serial);
      const ct = await fetchImage(url, v.vin, name);
      assert.is(ct.status, 200);
      assert.ok(decryptImage(parseImageEncryption(all.get(name)!.custom.encryption), e.decryption!, e.serial, ct.bytes).equals(plain), e.serial);
    }
  }
  // A vehicle cannot fetch another's: the path's VIN names whose assignment is looked up.
  assert.is((await fetchImage(url, car.vin, encryptedTargetName(image.name, other.ecus[1]!.serial))).status, 404);
});

test("an encrypting ECU's assignment is refused, changing nothing, when the Image repository's file is missing or differs from its entry", async ({ f, car }) => {
  const s1 = car.ecus[1]!;
  f.images.add("nofile.bin", ["hw-1"], 1);
  const before = f.dump();
  assert.is((await refusal(f.director.assign(car.vin, s1.serial, "nofile.bin"))).code, "image-file-missing");
  assert.is(f.dump(), before);
  const t = addImage(f, "changed.bin", randomBytes(50));
  writeFileSync(targetFilePath(f.dir, t.name, t.hashes.sha256!), randomBytes(50));
  assert.is((await refusal(f.director.assign(car.vin, s1.serial, "changed.bin"))).code, "image-not-encryptable");
  assert.is(f.dump(), before);
});

test("bad encryption keys at registration are refused with their code; nothing is registered and no key file is written", async ({ f }) => {
  const primary = { serial: "BAD-P", hardwareId: "hw-primary", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: true };
  const ecu = (extra: object) => ({ serial: "BAD-S1", hardwareId: "hw-1", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: false, ...extra });
  const good = x25519Pair().publicKey;
  const cases: Array<[string, object[], string]> = [
    ["an X25519 key of 31 bytes", [ecu({ encryptionKey: good.subarray(0, 31) })], "invalid-encryption-key"],
    ["the all-zero (low-order) X25519 point", [ecu({ encryptionKey: Buffer.alloc(32) })], "invalid-encryption-key"],
    ["a low-order point of order 8", [ecu({ encryptionKey: Buffer.from("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", "hex") })], "invalid-encryption-key"],
    ["an X25519 key and a shared key for one ECU", [ecu({ encryptionKey: good, sharedEncryptionKey: randomBytes(16) })], "invalid-encryption-key"],
    ["a shared key of 15 bytes", [ecu({ sharedEncryptionKey: randomBytes(15) })], "invalid-shared-key"],
    ["a shared key of all zeros", [ecu({ sharedEncryptionKey: Buffer.alloc(16) })], "invalid-shared-key"],
    ["one encryption key for two ECUs", [ecu({ encryptionKey: good }), { ...ecu({ encryptionKey: good }), serial: "BAD-S2" }], "duplicate-encryption-key"],
  ];
  const before = f.dump();
  const store = join(f.dir, KEYSERVICE_DIR);
  const filesBefore = existsSync(store) ? readdirSync(store).sort() : [];
  for (const [what, ecus, code] of cases) {
    const e = await refusal(Promise.resolve().then(() => f.director.addVehicle("BAD001", [primary, ...(ecus as never[])])));
    assert.is(e.code, code, what);
    assert.is(e.status, 400, what);
    assert.is(f.dump(), before, `${what}: nothing registered`);
    assert.equal(existsSync(store) ? readdirSync(store).sort() : [], filesBefore, `${what}: no key file`);
  }
});

test("a registration refused after the key service stored an ECU's key leaves no key behind", async ({ f, car }) => {
  const store = join(f.dir, KEYSERVICE_DIR);
  const filesBefore = readdirSync(store).sort();
  const before = f.dump();
  const ecus = [
    { serial: "NEW-P", hardwareId: "hw-primary", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: true },
    { serial: "NEW-S1", hardwareId: "hw-1", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: false, sharedEncryptionKey: randomBytes(16) },
    // already registered (the first vehicle's): refused inside the transaction, after NEW-S1's key was stored
    { serial: car.ecus[1]!.serial, hardwareId: "hw-1", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: false },
  ];
  assert.is((await refusal(Promise.resolve().then(() => f.director.addVehicle("NEW001", ecus)))).code, "ecu-exists");
  assert.is(f.dump(), before);
  assert.equal(readdirSync(store).sort(), filesBefore);
});

test("the registration API takes an ECU's X25519 encryptionKey as 64 hex, refuses a malformed one and any shared key over HTTP", async () => {
  // The write API needs TLS; its body's ECU list is read by ecuList before anything is registered.
  const pair = x25519Pair();
  const ok = ecuList([{ serial: "H-P", hardwareId: "hw-primary", publicKey: generateSigningKey().publicKey.keyval.public, primary: true, encryptionKey: pair.publicKey.toString("hex") }]);
  assert.ok(Buffer.from(ok[0]!.encryptionKey!).equals(pair.publicKey));
  for (const [body, code] of [
    [{ encryptionKey: pair.publicKey.toString("hex").toUpperCase() }, "invalid-encryption-key"],
    [{ encryptionKey: "00" }, "invalid-encryption-key"],
    [{ encryptionKey: 7 }, "invalid-request"],
    [{ sharedEncryptionKey: randomBytes(16).toString("hex") }, "shared-key-over-http"],
  ] as const) {
    const e = await refusal(Promise.resolve().then(() => ecuList([{ serial: "H-P", hardwareId: "hw-primary", publicKey: "00".repeat(32), primary: true, ...body }])));
    assert.is(e.code, code, JSON.stringify(body));
  }
});

test.run();
