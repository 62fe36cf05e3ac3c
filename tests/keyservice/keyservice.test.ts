// The key service (backend/keyservice/keyservice.ts, README "Per-ECU image encryption"):
// its own store (0700, key files 0600), registration of an ECU's X25519 public key or shared
// AES-128 key with refusals of bad input, the one operation "encrypt this image for that
// ECU" checked with the reference decryptor, and refusal of a store open to other users.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KEYSERVICE_DIR, KeyService, KeyServiceError, parseHexKey, readSharedKey, readX25519PublicKey } from "../../backend/keyservice/keyservice.ts";
import { METHOD_SHARED, METHOD_X25519, decryptImage, hashesOfBytes, x25519RawPrivateKey, x25519RawPublicKey } from "../../model/image-encryption.ts";

function fresh(): { dir: string; ks: KeyService } {
  const dir = mkdtempSync(join(tmpdir(), "keyservice-test-"));
  return { dir, ks: new KeyService(dir) };
}

function refused(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: Error) => e instanceof KeyServiceError && e.code === code, code);
}

function pair(): { publicKey: Buffer; privateKey: Buffer } {
  const k = generateKeyPairSync("x25519");
  return { publicKey: x25519RawPublicKey(k.publicKey), privateKey: x25519RawPrivateKey(k.privateKey) };
}

test("registration writes DIR/keyservice/ 0700 with one 0600 file per ECU, even under a permissive umask", () => {
  const { dir, ks } = fresh();
  const old = process.umask(0o000);
  try {
    ks.registerEncryptionKey("ecu-1", pair().publicKey);
    ks.registerSharedKey("ecu-2", randomBytes(16));
  } finally {
    process.umask(old);
  }
  const store = join(dir, KEYSERVICE_DIR);
  assert.is(statSync(store).mode & 0o777, 0o700);
  assert.equal(readdirSync(store).sort(), ["ecu-1.x25519.pub", "ecu-2.aes128.key"]);
  for (const f of readdirSync(store)) assert.is(statSync(join(store, f)).mode & 0o777, 0o600, f);
  assert.is(ks.methodOf("ecu-1"), METHOD_X25519);
  assert.is(ks.methodOf("ecu-2"), METHOD_SHARED);
  assert.is(ks.methodOf("ecu-3"), null);
  rmSync(dir, { recursive: true, force: true });
});

test("encrypt this image for that ECU: the result decrypts with the ECU's key only, for both methods", () => {
  const { dir, ks } = fresh();
  const a = pair();
  const shared = randomBytes(16);
  ks.registerEncryptionKey("ecu-a", a.publicKey);
  ks.registerSharedKey("ecu-s", shared);
  const bytes = randomBytes(10_000);
  const expected = { length: bytes.length, hashes: hashesOfBytes(bytes) };
  const ea = ks.encryptForEcu("ecu-a", { name: "fw.bin", bytes, expected });
  assert.ok(decryptImage(ea.encryption, { method: METHOD_X25519, privateKey: a.privateKey }, "ecu-a", ea.ciphertext).equals(bytes));
  assert.throws(() => decryptImage(ea.encryption, { method: METHOD_X25519, privateKey: pair().privateKey }, "ecu-a", ea.ciphertext));
  const es = ks.encryptForEcu("ecu-s", { name: "fw.bin", bytes, expected });
  assert.ok(decryptImage(es.encryption, { method: METHOD_SHARED, sharedKey: shared }, "ecu-s", es.ciphertext).equals(bytes));
  refused(() => ks.encryptForEcu("ecu-none", { name: "fw.bin", bytes, expected }), "no-encryption-key");
  rmSync(dir, { recursive: true, force: true });
});

test("bad registrations are refused and write nothing: wrong sizes, low-order points, all-zero shared key, bad serial, a second kind of key", () => {
  const { dir, ks } = fresh();
  refused(() => ks.registerEncryptionKey("e", randomBytes(31)), "invalid-encryption-key");
  refused(() => ks.registerEncryptionKey("e", Buffer.alloc(32)), "invalid-encryption-key");
  refused(() => ks.registerEncryptionKey("e", Buffer.from("0100000000000000000000000000000000000000000000000000000000000000", "hex")), "invalid-encryption-key");
  refused(() => ks.registerSharedKey("e", randomBytes(15)), "invalid-shared-key");
  refused(() => ks.registerSharedKey("e", randomBytes(17)), "invalid-shared-key");
  refused(() => ks.registerSharedKey("e", Buffer.alloc(16)), "invalid-shared-key");
  refused(() => ks.registerEncryptionKey("../../etc", pair().publicKey), "invalid-serial");
  refused(() => ks.registerSharedKey("a/b", randomBytes(16)), "invalid-serial");
  assert.equal(readdirSync(dir), [], "no store made for refused input");
  ks.registerEncryptionKey("e", pair().publicKey);
  refused(() => ks.registerSharedKey("e", randomBytes(16)), "encryption-key-exists");
  assert.equal(readdirSync(join(dir, KEYSERVICE_DIR)), ["e.x25519.pub"]);
  rmSync(dir, { recursive: true, force: true });
});

test("a store or key file open to other users, a symlinked store or key file, or a key file of the wrong size is refused before any key is used", () => {
  const { dir, ks } = fresh();
  ks.registerSharedKey("s", randomBytes(16));
  const store = join(dir, KEYSERVICE_DIR);
  const image = { name: "x.bin", bytes: Buffer.from("x"), expected: { length: 1, hashes: {} } };
  chmodSync(store, 0o755);
  refused(() => ks.encryptForEcu("s", image), "keystore-unsafe");
  refused(() => ks.registerSharedKey("t", randomBytes(16)), "keystore-unsafe");
  chmodSync(store, 0o700);
  chmodSync(join(store, "s.aes128.key"), 0o644);
  refused(() => ks.encryptForEcu("s", image), "keystore-unsafe");
  chmodSync(join(store, "s.aes128.key"), 0o600);
  writeFileSync(join(store, "s.aes128.key"), randomBytes(20), { mode: 0o600 });
  refused(() => ks.encryptForEcu("s", image), "keystore-corrupt");
  // A symlink in a key file's place (to a file the attacker controls) is not followed.
  writeFileSync(join(store, "s.aes128.key"), randomBytes(16), { mode: 0o600 });
  const other = mkdtempSync(join(tmpdir(), "keyservice-link-"));
  writeFileSync(join(other, "planted.key"), randomBytes(16), { mode: 0o600 });
  rmSync(join(store, "s.aes128.key"));
  symlinkSync(join(other, "planted.key"), join(store, "s.aes128.key"));
  refused(() => ks.encryptForEcu("s", image), "keystore-unsafe");
  const linked = mkdtempSync(join(tmpdir(), "keyservice-test-"));
  symlinkSync(store, join(linked, KEYSERVICE_DIR));
  refused(() => new KeyService(linked).methodOf("s"), "keystore-unsafe");
  for (const d of [dir, other, linked]) rmSync(d, { recursive: true, force: true });
});

test("removeKey undoes a registration", () => {
  const { dir, ks } = fresh();
  ks.registerSharedKey("s", randomBytes(16));
  assert.ok(ks.removeKey("s"));
  assert.is(ks.methodOf("s"), null);
  assert.not.ok(ks.removeKey("s"));
  rmSync(dir, { recursive: true, force: true });
});

test("key files as the CLI reads them: X25519 PEM or 64 hex (an Ed25519 key or a private key refused); shared key 16 raw bytes or 32 hex", () => {
  const x = generateKeyPairSync("x25519");
  const raw = x25519RawPublicKey(x.publicKey);
  assert.ok(readX25519PublicKey(Buffer.from(x.publicKey.export({ type: "spki", format: "pem" }) as string)).equals(raw));
  assert.ok(readX25519PublicKey(Buffer.from(raw.toString("hex") + "\n")).equals(raw));
  const ed = generateKeyPairSync("ed25519");
  refused(() => readX25519PublicKey(Buffer.from(ed.publicKey.export({ type: "spki", format: "pem" }) as string)), "invalid-encryption-key");
  refused(() => readX25519PublicKey(Buffer.from(x.privateKey.export({ type: "pkcs8", format: "pem" }) as string)), "invalid-encryption-key");
  refused(() => readX25519PublicKey(Buffer.from("zz".repeat(32))), "invalid-encryption-key");
  const k = randomBytes(16);
  assert.ok(readSharedKey(k).equals(k));
  assert.ok(readSharedKey(Buffer.from(k.toString("hex").toUpperCase() + "\r\n")).equals(k));
  refused(() => readSharedKey(Buffer.from("g".repeat(32))), "invalid-shared-key");
  refused(() => readSharedKey(randomBytes(24)), "invalid-shared-key");
  assert.is(parseHexKey(Buffer.from("0g"), 1), null);
  assert.is(parseHexKey(Buffer.from("/0"), 1), null);
  assert.is(parseHexKey(Buffer.from(":0"), 1), null);
  assert.is(parseHexKey(Buffer.from("@0"), 1), null);
  assert.equal([...parseHexKey(Buffer.from("00ff9aFA"), 4)!], [0x00, 0xff, 0x9a, 0xfa]);
});

test("the shared key file holds the key's 16 raw bytes only, and the caller's buffer is left to the caller to wipe", () => {
  const { dir, ks } = fresh();
  const k = randomBytes(16);
  const copy = Buffer.from(k);
  ks.registerSharedKey("s", k);
  assert.ok(readFileSync(join(dir, KEYSERVICE_DIR, "s.aes128.key")).equals(copy));
  assert.ok(k.equals(copy), "not wiped behind the caller's back");
  rmSync(dir, { recursive: true, force: true });
});

test.run();
