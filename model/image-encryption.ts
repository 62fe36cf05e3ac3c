// Per-ECU image encryption (README "Per-ECU image encryption"): the wire format shared by
// the Director (which encrypts) and the vehicle (which decrypts), defined once here, plus a
// reference implementation on Node's crypto. The Director uses it to encrypt; the module's
// tests use its decryptor as the oracle.
//
// Content: a fresh 32-byte key K per (image, ECU); ChaCha20-Poly1305 (RFC 8439) over the
// image cut into CHUNK_SIZE chunks, chunk i sealed under the nonce 00 00 00 ‖ LAST ‖ u64be(i)
// (the STREAM construction: a chunk moved, dropped or appended fails its tag), empty AAD.
// Key wrapping: HPKE (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 /
// ChaCha20-Poly1305, single-shot Seal of K; or AES-128-GCM under a key shared with the ECU.
// Both bind K to the ECU's serial and the image's name through `info` / AAD.
import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, timingSafeEqual, type KeyObject } from "node:crypto";
import { isEcuSerial, isTargetName } from "./identifiers.ts";

export const METHOD_X25519 = "x25519-hkdf-sha256-chacha20poly1305";
export const METHOD_SHARED = "aes128gcm-shared";
export const ENCRYPTION_METHODS = [METHOD_X25519, METHOD_SHARED] as const;
export type EncryptionMethod = (typeof ENCRYPTION_METHODS)[number];

/** Plaintext bytes per chunk; the last chunk may be shorter, an empty image is one empty chunk. */
export const CHUNK_SIZE = 4096;
/** Poly1305 tag after each chunk's ciphertext. */
export const TAG_LENGTH = 16;
/** ChaCha20-Poly1305 nonce length (RFC 8439), also the AES-GCM wrap nonce's. */
export const NONCE_LENGTH = 12;
/** The content key K. */
export const CONTENT_KEY_LENGTH = 32;
/** An X25519 public key, and HPKE's `enc` for DHKEM(X25519). */
export const X25519_KEY_LENGTH = 32;
/** The shared (SHE-class) ECU key: AES-128. */
export const SHARED_KEY_LENGTH = 16;
/** K sealed: 32 bytes of ciphertext and a 16-byte tag, for either method. */
export const WRAPPED_KEY_LENGTH = CONTENT_KEY_LENGTH + TAG_LENGTH;
/** Suffix of an encrypted target's name. */
export const ENCRYPTED_SUFFIX = ".enc";
/** The label that starts the wrap's `info` (HPKE) or AAD (AES-GCM). */
export const WRAP_LABEL = "uptane-image-key";

/** `custom.encryption.plaintext`: the image as the Image repository signs it. */
export interface PlaintextTarget {
  name: string;
  length: number;
  hashes: { sha256: string; sha512: string };
}

/** `custom.encryption` of a Director target for an encrypted image (README "Per-ECU image encryption"). */
export type ImageEncryption =
  | { method: typeof METHOD_X25519; chunkSize: number; enc: string; wrappedKey: string; plaintext: PlaintextTarget }
  | { method: typeof METHOD_SHARED; chunkSize: number; nonce: string; wrappedKey: string; plaintext: PlaintextTarget };

/** An encryption field that breaks the format; the message names the field. */
export class ImageEncryptionFormatError extends Error {
  override name = "ImageEncryptionFormatError";
}

// ---------------------------------------------------------------------------------------
// The format

/** Number of chunks an image of `length` bytes is cut into (at least one). */
export function chunkCount(length: number, chunkSize = CHUNK_SIZE): number {
  return Math.max(1, Math.ceil(length / chunkSize));
}

/** Length of the ciphertext file for a plaintext of `length` bytes: L + 16 × max(1, ceil(L / chunkSize)). */
export function ciphertextLength(length: number, chunkSize = CHUNK_SIZE): number {
  return length + TAG_LENGTH * chunkCount(length, chunkSize);
}

/** Chunk i's nonce: 00 00 00 ‖ LAST ‖ u64 big-endian i. */
export function chunkNonce(index: number, last: boolean): Buffer {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`chunk index ${index} is not a non-negative safe integer`);
  const nonce = Buffer.alloc(NONCE_LENGTH);
  nonce[3] = last ? 1 : 0;
  nonce.writeBigUInt64BE(BigInt(index), 4);
  return nonce;
}

/** The wrap's binding: UTF-8 "uptane-image-key" ‖ 00 ‖ ECU serial ‖ 00 ‖ plaintext target name. */
export function wrapInfo(serial: string, plaintextName: string): Buffer {
  if (!isEcuSerial(serial)) throw new ImageEncryptionFormatError(`'${String(serial).slice(0, 80)}' is not an ECU serial`);
  if (!isTargetName(plaintextName)) throw new ImageEncryptionFormatError("the plaintext name is not a target name");
  return Buffer.concat([Buffer.from(WRAP_LABEL, "utf8"), Buffer.from([0]), Buffer.from(serial, "utf8"), Buffer.from([0]), Buffer.from(plaintextName, "utf8")]);
}

/** The encrypted target's name: PLAINTEXT_NAME "." first 16 hex of SHA-256(serial) ".enc". */
export function encryptedTargetName(plaintextName: string, serial: string): string {
  if (!isEcuSerial(serial)) throw new ImageEncryptionFormatError(`'${String(serial).slice(0, 80)}' is not an ECU serial`);
  const name = `${plaintextName}.${createHash("sha256").update(serial, "utf8").digest("hex").slice(0, 16)}${ENCRYPTED_SUFFIX}`;
  if (!isTargetName(plaintextName) || !isTargetName(name)) throw new ImageEncryptionFormatError(`the encrypted name of '${String(plaintextName).slice(0, 80)}' is not a target name (at most 255 characters)`);
  return name;
}

const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);
const HEX_24 = HEX(NONCE_LENGTH * 2);
const HEX_64 = HEX(64);
const HEX_96 = HEX(WRAPPED_KEY_LENGTH * 2);
const HEX_128 = HEX(128);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyFields(where: string, v: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new ImageEncryptionFormatError(`${where}: unknown field '${k.slice(0, 40)}'`);
}

/**
 * The strict reading of `custom.encryption`: every field present with its type and size, no
 * unknown field, `enc` only with the X25519 method and `nonce` only with the shared one,
 * `chunkSize` exactly CHUNK_SIZE (the ECU's buffers are sized by it). Throws
 * ImageEncryptionFormatError naming the field otherwise.
 */
export function parseImageEncryption(value: unknown): ImageEncryption {
  const at = "custom.encryption";
  if (!isRecord(value)) throw new ImageEncryptionFormatError(`${at} must be an object`);
  const method = value.method;
  if (method !== METHOD_X25519 && method !== METHOD_SHARED) throw new ImageEncryptionFormatError(`${at}.method must be one of ${ENCRYPTION_METHODS.join(", ")}`);
  onlyFields(at, value, ["method", "chunkSize", method === METHOD_X25519 ? "enc" : "nonce", "wrappedKey", "plaintext"]);
  if (value.chunkSize !== CHUNK_SIZE) throw new ImageEncryptionFormatError(`${at}.chunkSize must be ${CHUNK_SIZE}`);
  if (typeof value.wrappedKey !== "string" || !HEX_96.test(value.wrappedKey)) throw new ImageEncryptionFormatError(`${at}.wrappedKey must be ${WRAPPED_KEY_LENGTH * 2} lower-case hex digits`);
  const plaintext = parsePlaintext(`${at}.plaintext`, value.plaintext);
  if (method === METHOD_X25519) {
    if (typeof value.enc !== "string" || !HEX_64.test(value.enc)) throw new ImageEncryptionFormatError(`${at}.enc must be ${X25519_KEY_LENGTH * 2} lower-case hex digits`);
    return { method, chunkSize: CHUNK_SIZE, enc: value.enc, wrappedKey: value.wrappedKey, plaintext };
  }
  if (typeof value.nonce !== "string" || !HEX_24.test(value.nonce)) throw new ImageEncryptionFormatError(`${at}.nonce must be ${NONCE_LENGTH * 2} lower-case hex digits`);
  return { method, chunkSize: CHUNK_SIZE, nonce: value.nonce, wrappedKey: value.wrappedKey, plaintext };
}

function parsePlaintext(at: string, v: unknown): PlaintextTarget {
  if (!isRecord(v)) throw new ImageEncryptionFormatError(`${at} must be an object`);
  onlyFields(at, v, ["name", "length", "hashes"]);
  if (!isTargetName(v.name)) throw new ImageEncryptionFormatError(`${at}.name must be a target name (1 to 255 printable characters)`);
  if (typeof v.length !== "number" || !Number.isSafeInteger(v.length) || v.length < 0) throw new ImageEncryptionFormatError(`${at}.length must be a non-negative integer`);
  const h = v.hashes;
  if (!isRecord(h)) throw new ImageEncryptionFormatError(`${at}.hashes must be an object`);
  onlyFields(`${at}.hashes`, h, ["sha256", "sha512"]);
  if (typeof h.sha256 !== "string" || !HEX_64.test(h.sha256)) throw new ImageEncryptionFormatError(`${at}.hashes.sha256 must be 64 lower-case hex digits`);
  if (typeof h.sha512 !== "string" || !HEX_128.test(h.sha512)) throw new ImageEncryptionFormatError(`${at}.hashes.sha512 must be 128 lower-case hex digits`);
  return { name: v.name, length: v.length, hashes: { sha256: h.sha256, sha512: h.sha512 } };
}

// ---------------------------------------------------------------------------------------
// X25519 keys as bytes (RFC 7748); Node holds them as KeyObjects

const X25519_SPKI_PREFIX = Buffer.from("302a300506032b656e032100", "hex");
const X25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

export function x25519PublicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== X25519_KEY_LENGTH) throw new ImageEncryptionFormatError(`an X25519 public key is ${X25519_KEY_LENGTH} bytes, got ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

export function x25519PrivateKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== X25519_KEY_LENGTH) throw new ImageEncryptionFormatError(`an X25519 private key is ${X25519_KEY_LENGTH} bytes`);
  const der = Buffer.concat([X25519_PKCS8_PREFIX, raw]);
  try {
    return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  } finally {
    der.fill(0);
  }
}

/** The raw 32 bytes of an X25519 public key Node holds. */
export function x25519RawPublicKey(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== "x25519") throw new ImageEncryptionFormatError(`an encryption key must be X25519, not ${key.asymmetricKeyType ?? key.type}`);
  const der = key.export({ format: "der", type: "spki" });
  return Buffer.from(der.subarray(der.length - X25519_KEY_LENGTH));
}

/** The raw 32 bytes of an X25519 private key Node holds (the caller wipes them). */
export function x25519RawPrivateKey(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== "x25519" || key.type !== "private") throw new ImageEncryptionFormatError("not an X25519 private key");
  const der = key.export({ format: "der", type: "pkcs8" });
  const raw = Buffer.from(der.subarray(der.length - X25519_KEY_LENGTH));
  der.fill(0);
  return raw;
}

// ---------------------------------------------------------------------------------------
// HPKE (RFC 9180), base mode, the one suite: KEM 0x0020, KDF 0x0001, AEAD 0x0003

const HPKE_VERSION = Buffer.from("HPKE-v1", "ascii");
const KEM_SUITE_ID = Buffer.from([0x4b, 0x45, 0x4d, 0x00, 0x20]); // "KEM" ‖ I2OSP(0x0020, 2)
const HPKE_SUITE_ID = Buffer.from([0x48, 0x50, 0x4b, 0x45, 0x00, 0x20, 0x00, 0x01, 0x00, 0x03]); // "HPKE" ‖ kem ‖ kdf ‖ aead
const MODE_BASE = 0x00;
const NH = 32; // HKDF-SHA256 output

/** RFC 5869 HKDF-Extract with SHA-256 (exported for the Wycheproof test). */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Buffer {
  // RFC 5869 2.2: an empty salt is HashLen zero bytes; HMAC pads a short key with zeros anyway.
  return createHmac("sha256", salt.length === 0 ? Buffer.alloc(NH) : salt).update(ikm).digest();
}

/** RFC 5869 HKDF-Expand with SHA-256 (exported for the Wycheproof test). */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  // RFC 5869 2.3
  if (length > 255 * NH) throw new RangeError("HKDF-Expand length too large");
  const out = Buffer.alloc(length);
  let t: Buffer = Buffer.alloc(0);
  for (let i = 1, done = 0; done < length; i++) {
    t = createHmac("sha256", prk).update(t).update(info).update(Buffer.from([i])).digest();
    done += t.copy(out, done);
  }
  t.fill(0);
  return out;
}

// RFC 9180 4: LabeledExtract / LabeledExpand
function labeledExtract(suiteId: Buffer, salt: Uint8Array, label: string, ikm: Uint8Array): Buffer {
  const labeled = Buffer.concat([HPKE_VERSION, suiteId, Buffer.from(label, "ascii"), ikm]);
  try {
    return hkdfExtract(salt, labeled);
  } finally {
    labeled.fill(0);
  }
}

function labeledExpand(suiteId: Buffer, prk: Uint8Array, label: string, info: Uint8Array, length: number): Buffer {
  const lengthPrefix = Buffer.alloc(2);
  lengthPrefix.writeUInt16BE(length);
  return hkdfExpand(prk, Buffer.concat([lengthPrefix, HPKE_VERSION, suiteId, Buffer.from(label, "ascii"), info]), length);
}

/** RFC 9180 4.1 ExtractAndExpand, with the X25519 all-zero check of 7.1.4. */
function kemSharedSecret(dh: Buffer, enc: Uint8Array, pkR: Uint8Array): Buffer {
  let acc = 0;
  for (const b of dh) acc |= b;
  if (acc === 0) throw new ImageEncryptionFormatError("X25519 gave the all-zero shared secret (a low-order public key)");
  const eaePrk = labeledExtract(KEM_SUITE_ID, new Uint8Array(0), "eae_prk", dh);
  try {
    return labeledExpand(KEM_SUITE_ID, eaePrk, "shared_secret", Buffer.concat([enc, pkR]), NH);
  } finally {
    eaePrk.fill(0);
  }
}

function x25519(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  try {
    return diffieHellman({ privateKey, publicKey });
  } catch {
    // OpenSSL refuses a low-order point itself (RFC 9180 7.1.4, the all-zero output).
    throw new ImageEncryptionFormatError("X25519 failed (a low-order or invalid public key)");
  }
}

/** RFC 9180 5.1 KeySchedule, base mode: the AEAD key and base nonce (the exporter is not used). */
export function hpkeKeySchedule(sharedSecret: Uint8Array, info: Uint8Array): { key: Buffer; baseNonce: Buffer; keyScheduleContext: Buffer; secret: Buffer } {
  const pskIdHash = labeledExtract(HPKE_SUITE_ID, new Uint8Array(0), "psk_id_hash", new Uint8Array(0));
  const infoHash = labeledExtract(HPKE_SUITE_ID, new Uint8Array(0), "info_hash", info);
  const keyScheduleContext = Buffer.concat([Buffer.from([MODE_BASE]), pskIdHash, infoHash]);
  const secret = labeledExtract(HPKE_SUITE_ID, sharedSecret, "secret", new Uint8Array(0));
  const key = labeledExpand(HPKE_SUITE_ID, secret, "key", keyScheduleContext, 32);
  const baseNonce = labeledExpand(HPKE_SUITE_ID, secret, "base_nonce", keyScheduleContext, NONCE_LENGTH);
  return { key, baseNonce, keyScheduleContext, secret };
}

function chachaSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Buffer {
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_LENGTH });
  c.setAAD(aad, { plaintextLength: pt.length });
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

/** null when the tag does not verify. */
function chachaOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Buffer | null {
  if (sealed.length < TAG_LENGTH) return null;
  const d = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_LENGTH });
  d.setAAD(aad, { plaintextLength: sealed.length - TAG_LENGTH });
  d.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
  const pt = d.update(sealed.subarray(0, sealed.length - TAG_LENGTH));
  try {
    d.final();
    return pt;
  } catch {
    pt.fill(0);
    return null;
  }
}

/**
 * RFC 9180 6.1 single-shot Seal, base mode, sequence number 0. `ephemeralPrivateKey` is for
 * known-answer tests only: HPKE needs a fresh ephemeral key per Seal.
 */
export function hpkeSealBase(recipientPublicKey: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, ephemeralPrivateKey?: Uint8Array): { enc: Buffer; ct: Buffer } {
  const pkR = x25519PublicKeyObject(recipientPublicKey);
  const skE = ephemeralPrivateKey ? x25519PrivateKeyObject(ephemeralPrivateKey) : generateKeyPairSync("x25519").privateKey;
  const enc = x25519RawPublicKey(createPublicKey(skE));
  const dh = x25519(skE, pkR);
  const sharedSecret = kemSharedSecret(dh, enc, recipientPublicKey);
  dh.fill(0);
  const { key, baseNonce, secret } = hpkeKeySchedule(sharedSecret, info);
  sharedSecret.fill(0);
  secret.fill(0);
  try {
    return { enc, ct: chachaSeal(key, baseNonce, aad, plaintext) };
  } finally {
    key.fill(0);
  }
}

/** RFC 9180 6.1 single-shot Open, base mode; null when it does not open (wrong key, info, aad or bytes). */
export function hpkeOpenBase(recipientPrivateKey: Uint8Array, enc: Uint8Array, info: Uint8Array, aad: Uint8Array, ct: Uint8Array): Buffer | null {
  const skR = x25519PrivateKeyObject(recipientPrivateKey);
  const pkR = x25519RawPublicKey(createPublicKey(skR));
  let dh: Buffer;
  try {
    dh = x25519(skR, x25519PublicKeyObject(enc));
  } catch {
    return null;
  }
  let sharedSecret: Buffer;
  try {
    sharedSecret = kemSharedSecret(dh, enc, pkR);
  } catch {
    return null;
  } finally {
    dh.fill(0);
  }
  const { key, baseNonce, secret } = hpkeKeySchedule(sharedSecret, info);
  sharedSecret.fill(0);
  secret.fill(0);
  try {
    return chachaOpen(key, baseNonce, aad, ct);
  } finally {
    key.fill(0);
  }
}

/** The recipient's shared secret, for known-answer tests of the KEM step alone. */
export function hpkeDecapForTest(recipientPrivateKey: Uint8Array, enc: Uint8Array): Buffer {
  const skR = x25519PrivateKeyObject(recipientPrivateKey);
  const dh = x25519(skR, x25519PublicKeyObject(enc));
  try {
    return kemSharedSecret(dh, enc, x25519RawPublicKey(createPublicKey(skR)));
  } finally {
    dh.fill(0);
  }
}

// ---------------------------------------------------------------------------------------
// Encrypting for one ECU

/** What the key is wrapped for: the ECU's X25519 public key, or the AES-128 key it shares with the OEM. */
export type EncryptionRecipient =
  | { method: typeof METHOD_X25519; publicKey: Uint8Array }
  | { method: typeof METHOD_SHARED; sharedKey: Uint8Array };

export interface EncryptedImage {
  /** The Director's target name for it (encryptedTargetName). */
  name: string;
  ciphertext: Buffer;
  length: number;
  hashes: { sha256: string; sha512: string };
  /** `custom.encryption` of the Director's entry. */
  encryption: ImageEncryption;
}

export function hashesOfBytes(bytes: Uint8Array): { sha256: string; sha512: string } {
  return { sha256: createHash("sha256").update(bytes).digest("hex"), sha512: createHash("sha512").update(bytes).digest("hex") };
}

/** The chunked AEAD over `plaintext` under `contentKey` (the caller owns and wipes the key). */
export function sealChunks(contentKey: Uint8Array, plaintext: Uint8Array, chunkSize = CHUNK_SIZE): Buffer {
  if (contentKey.length !== CONTENT_KEY_LENGTH) throw new RangeError(`the content key is ${CONTENT_KEY_LENGTH} bytes`);
  const n = chunkCount(plaintext.length, chunkSize);
  const out = Buffer.alloc(ciphertextLength(plaintext.length, chunkSize));
  let at = 0;
  for (let i = 0; i < n; i++) {
    // Empty AAD: no setAAD call (RFC 8439 2.8 with an empty AAD is the same), and each
    // chunk's ciphertext and tag written in place (one cipher object per nonce is Node's cost).
    const c = createCipheriv("chacha20-poly1305", contentKey, chunkNonce(i, i === n - 1), { authTagLength: TAG_LENGTH });
    at += c.update(plaintext.subarray(i * chunkSize, Math.min(plaintext.length, (i + 1) * chunkSize))).copy(out, at);
    c.final();
    at += c.getAuthTag().copy(out, at);
  }
  return out;
}

/** K wrapped for the recipient: the `enc`/`nonce` and `wrappedKey` fields. */
export function wrapContentKey(contentKey: Uint8Array, recipient: EncryptionRecipient, serial: string, plaintextName: string): { enc?: string; nonce?: string; wrappedKey: string } {
  const info = wrapInfo(serial, plaintextName);
  if (recipient.method === METHOD_X25519) {
    const { enc, ct } = hpkeSealBase(recipient.publicKey, info, new Uint8Array(0), contentKey);
    return { enc: enc.toString("hex"), wrappedKey: ct.toString("hex") };
  }
  if (recipient.sharedKey.length !== SHARED_KEY_LENGTH) throw new ImageEncryptionFormatError(`a shared ECU key is ${SHARED_KEY_LENGTH} bytes (AES-128)`);
  const nonce = randomBytes(NONCE_LENGTH);
  const c = createCipheriv("aes-128-gcm", recipient.sharedKey, nonce, { authTagLength: TAG_LENGTH });
  c.setAAD(info);
  const ct = Buffer.concat([c.update(contentKey), c.final(), c.getAuthTag()]);
  return { nonce: nonce.toString("hex"), wrappedKey: ct.toString("hex") };
}

/**
 * Encrypts one image for one ECU: a fresh content key (wiped before returning), the chunked
 * AEAD, the key wrapped for the ECU and bound to its serial and the image's name. The
 * plaintext's length and hashes go into `custom.encryption.plaintext`; `expected` (the Image
 * repository's entry) is compared with the bytes first, so a changed file is refused.
 */
export function encryptImageForEcu(input: {
  plaintext: Uint8Array;
  plaintextName: string;
  serial: string;
  recipient: EncryptionRecipient;
  expected?: { length: number; hashes: Partial<Record<"sha256" | "sha512", string>> };
  /** The plaintext's hashes when the caller computed them from these bytes already (one image, many ECUs). */
  plaintextHashes?: { sha256: string; sha512: string };
}): EncryptedImage {
  const { plaintext, plaintextName, serial, recipient } = input;
  const name = encryptedTargetName(plaintextName, serial);
  const plainHashes = input.plaintextHashes ?? hashesOfBytes(plaintext);
  if (input.expected) {
    const e = input.expected;
    if (e.length !== plaintext.length || (["sha256", "sha512"] as const).some((a) => e.hashes[a] !== undefined && e.hashes[a] !== plainHashes[a])) {
      throw new ImageEncryptionFormatError(`the bytes of ${plaintextName} do not match its Image repository entry`);
    }
  }
  const contentKey = randomBytes(CONTENT_KEY_LENGTH);
  try {
    const wrapped = wrapContentKey(contentKey, recipient, serial, plaintextName);
    const ciphertext = sealChunks(contentKey, plaintext);
    const plain: PlaintextTarget = { name: plaintextName, length: plaintext.length, hashes: plainHashes };
    const encryption: ImageEncryption =
      recipient.method === METHOD_X25519
        ? { method: METHOD_X25519, chunkSize: CHUNK_SIZE, enc: wrapped.enc!, wrappedKey: wrapped.wrappedKey, plaintext: plain }
        : { method: METHOD_SHARED, chunkSize: CHUNK_SIZE, nonce: wrapped.nonce!, wrappedKey: wrapped.wrappedKey, plaintext: plain };
    return { name, ciphertext, length: ciphertext.length, hashes: hashesOfBytes(ciphertext), encryption };
  } finally {
    contentKey.fill(0);
  }
}

// ---------------------------------------------------------------------------------------
// Decrypting (the reference the ECU's module is tested against)

/** What the ECU holds: its X25519 private key, or the shared AES-128 key. */
export type DecryptionKey = { method: typeof METHOD_X25519; privateKey: Uint8Array } | { method: typeof METHOD_SHARED; sharedKey: Uint8Array };

export class ImageDecryptionError extends Error {
  override name = "ImageDecryptionError";
}

/** K from `custom.encryption` for this ECU (the caller wipes it); an ImageDecryptionError when it does not open. */
export function unwrapContentKey(encryption: ImageEncryption, key: DecryptionKey, serial: string): Buffer {
  if (key.method !== encryption.method) throw new ImageDecryptionError(`the image is wrapped with ${encryption.method}, the ECU holds a ${key.method} key`);
  const info = wrapInfo(serial, encryption.plaintext.name);
  const wrapped = Buffer.from(encryption.wrappedKey, "hex");
  let k: Buffer | null = null;
  if (encryption.method === METHOD_X25519 && key.method === METHOD_X25519) {
    k = hpkeOpenBase(key.privateKey, Buffer.from(encryption.enc, "hex"), info, new Uint8Array(0), wrapped);
  } else if (encryption.method === METHOD_SHARED && key.method === METHOD_SHARED) {
    if (key.sharedKey.length !== SHARED_KEY_LENGTH) throw new ImageDecryptionError(`a shared ECU key is ${SHARED_KEY_LENGTH} bytes`);
    const d = createDecipheriv("aes-128-gcm", key.sharedKey, Buffer.from(encryption.nonce, "hex"), { authTagLength: TAG_LENGTH });
    d.setAAD(info);
    d.setAuthTag(wrapped.subarray(CONTENT_KEY_LENGTH));
    const pt = d.update(wrapped.subarray(0, CONTENT_KEY_LENGTH));
    try {
      d.final();
      k = pt;
    } catch {
      pt.fill(0);
    }
  }
  if (!k || k.length !== CONTENT_KEY_LENGTH) throw new ImageDecryptionError("the wrapped content key does not open for this ECU and image");
  return k;
}

/**
 * Streaming decryption: push ciphertext as it arrives; each call returns the plaintext of the
 * chunks whose tags verified. A full record is only known not to be the last one when more
 * bytes follow it, so one record stays buffered until `finish()`, which opens it as the LAST
 * chunk and then checks the plaintext's length and hashes against `custom.encryption.plaintext`.
 * Memory is one record. After any failure the decryptor refuses everything.
 */
export class ImageDecryptor {
  private readonly record: number;
  private readonly chunkSize: number;
  private buffered = Buffer.alloc(0);
  private index = 0;
  private total = 0;
  private failed = false;
  private done = false;
  private readonly sha256 = createHash("sha256");
  private readonly sha512 = createHash("sha512");
  private readonly key: Buffer;

  constructor(
    contentKey: Uint8Array,
    private readonly plaintext: PlaintextTarget,
    chunkSize = CHUNK_SIZE,
  ) {
    if (contentKey.length !== CONTENT_KEY_LENGTH) throw new RangeError(`the content key is ${CONTENT_KEY_LENGTH} bytes`);
    this.key = Buffer.from(contentKey);
    this.record = chunkSize + TAG_LENGTH;
    this.chunkSize = chunkSize;
  }

  private fail(message: string): never {
    this.failed = true;
    this.key.fill(0);
    this.buffered = Buffer.alloc(0);
    throw new ImageDecryptionError(message);
  }

  private open(record: Uint8Array, last: boolean): Buffer {
    const pt = chachaOpen(this.key, chunkNonce(this.index, last), new Uint8Array(0), record);
    if (!pt) this.fail(`chunk ${this.index} does not verify (altered, reordered, truncated or for another key)`);
    this.index++;
    this.total += pt.length;
    if (this.total > this.plaintext.length) this.fail(`the plaintext is longer than ${this.plaintext.length} bytes`);
    this.sha256.update(pt);
    this.sha512.update(pt);
    return pt;
  }

  push(bytes: Uint8Array): Buffer[] {
    if (this.failed || this.done) throw new ImageDecryptionError("the decryptor was already finished or failed");
    if (this.index * this.record + this.buffered.length + bytes.length > ciphertextLength(this.plaintext.length, this.chunkSize)) {
      this.fail(`more ciphertext than ${ciphertextLength(this.plaintext.length, this.chunkSize)} bytes`);
    }
    this.buffered = Buffer.concat([this.buffered, bytes]);
    const out: Buffer[] = [];
    while (this.buffered.length > this.record) {
      out.push(this.open(this.buffered.subarray(0, this.record), false));
      this.buffered = Buffer.from(this.buffered.subarray(this.record));
    }
    return out;
  }

  /** Opens the final chunk and checks length and hashes; returns its plaintext. */
  finish(): Buffer {
    if (this.failed || this.done) throw new ImageDecryptionError("the decryptor was already finished or failed");
    if (this.buffered.length < TAG_LENGTH) this.fail("the ciphertext ends inside a tag (truncated)");
    const pt = this.open(this.buffered, true);
    this.done = true;
    this.key.fill(0);
    if (this.total !== this.plaintext.length) this.fail(`the plaintext is ${this.total} bytes, the metadata says ${this.plaintext.length}`);
    const got = { sha256: this.sha256.digest(), sha512: this.sha512.digest() };
    const same = timingSafeEqual(got.sha256, Buffer.from(this.plaintext.hashes.sha256, "hex")) && timingSafeEqual(got.sha512, Buffer.from(this.plaintext.hashes.sha512, "hex"));
    if (!same) this.fail("the decrypted image's hashes differ from the metadata's");
    return pt;
  }
}

/** Whole-buffer convenience over unwrapContentKey + ImageDecryptor. */
export function decryptImage(encryption: ImageEncryption, key: DecryptionKey, serial: string, ciphertext: Uint8Array): Buffer {
  const k = unwrapContentKey(encryption, key, serial);
  try {
    const d = new ImageDecryptor(k, encryption.plaintext, encryption.chunkSize);
    const parts = d.push(ciphertext);
    parts.push(d.finish());
    return Buffer.concat(parts);
  } finally {
    k.fill(0);
  }
}
