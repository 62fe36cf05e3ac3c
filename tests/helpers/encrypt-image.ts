// A test-side encryptor for the wire format of README "Per-ECU image encryption", on
// Node's crypto: what the Director's encryption produces, so the vehicle's decryption can
// be tested against an implementation that shares no code with the modules. HPKE base
// mode (RFC 9180) Seal is written out here from Node's X25519, HMAC and ChaCha20-Poly1305.
import { createCipheriv, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from "node:crypto";

export const METHOD_X25519 = "x25519-hkdf-sha256-chacha20poly1305";
export const METHOD_SHARED = "aes128gcm-shared";
export const CHUNK = 4096;

const PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI = Buffer.from("302a300506032b656e032100", "hex");

export function x25519KeyPair(): { privateKey: Buffer; publicKey: Buffer } {
  const k = generateKeyPairSync("x25519");
  return {
    privateKey: k.privateKey.export({ format: "der", type: "pkcs8" }).subarray(16),
    publicKey: k.publicKey.export({ format: "der", type: "spki" }).subarray(12),
  };
}

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const hmac = (key: Uint8Array, ...parts: Uint8Array[]) => {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest();
};
const extract = (salt: Uint8Array, ikm: Uint8Array) => hmac(salt.length ? salt : Buffer.alloc(32), ikm);
function expand(prk: Uint8Array, info: Uint8Array, len: number): Buffer {
  let t = Buffer.alloc(0);
  const out: Buffer[] = [];
  for (let i = 1; Buffer.concat(out).length < len; i++) {
    t = hmac(prk, t, info, Buffer.from([i]));
    out.push(t);
  }
  return Buffer.concat(out).subarray(0, len);
}
const V1 = Buffer.from("HPKE-v1");
const KEM = Buffer.concat([Buffer.from("KEM"), u16(0x20)]);
const SUITE = Buffer.concat([Buffer.from("HPKE"), u16(0x20), u16(1), u16(3)]);
const lExtract = (suite: Buffer, salt: Uint8Array, label: string, ikm: Uint8Array) => extract(salt, Buffer.concat([V1, suite, Buffer.from(label), ikm]));
const lExpand = (suite: Buffer, prk: Uint8Array, label: string, info: Uint8Array, len: number) => expand(prk, Buffer.concat([u16(len), V1, suite, Buffer.from(label), info]), len);

export function chachaSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Buffer {
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: pt.length });
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

/** RFC 9180 base-mode single-shot Seal for DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305. */
export function hpkeSeal(pkR: Uint8Array, info: Uint8Array, aad: Uint8Array, pt: Uint8Array): { enc: Buffer; ct: Buffer } {
  const e = generateKeyPairSync("x25519");
  const enc = e.publicKey.export({ format: "der", type: "spki" }).subarray(12);
  const dh = diffieHellman({ privateKey: e.privateKey, publicKey: createPublicKey({ key: Buffer.concat([SPKI, pkR]), format: "der", type: "spki" }) });
  const shared = lExpand(KEM, lExtract(KEM, Buffer.alloc(0), "eae_prk", dh), "shared_secret", Buffer.concat([enc, pkR]), 32);
  const ksc = Buffer.concat([Buffer.from([0]), lExtract(SUITE, Buffer.alloc(0), "psk_id_hash", Buffer.alloc(0)), lExtract(SUITE, Buffer.alloc(0), "info_hash", info)]);
  const secret = lExtract(SUITE, shared, "secret", Buffer.alloc(0));
  const key = lExpand(SUITE, secret, "key", ksc, 32);
  const nonce = lExpand(SUITE, secret, "base_nonce", ksc, 12);
  return { enc, ct: chachaSeal(key, nonce, aad, pt) };
}

export function wrapInfo(serial: string, plaintextName: string): Buffer {
  return Buffer.concat([Buffer.from("uptane-image-key"), Buffer.from([0]), Buffer.from(serial), Buffer.from([0]), Buffer.from(plaintextName)]);
}

export function chunkNonce(i: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  n[3] = last ? 1 : 0;
  n.writeBigUInt64BE(BigInt(i), 4);
  return n;
}

/** The chunked ciphertext (ct_i | tag_i for each 4096-byte chunk; an empty image is one empty chunk). */
export function sealChunks(key: Uint8Array, plaintext: Uint8Array): Buffer[] {
  const n = Math.max(1, Math.ceil(plaintext.length / CHUNK));
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) out.push(chachaSeal(key, chunkNonce(i, i === n - 1), new Uint8Array(0), plaintext.subarray(i * CHUNK, (i + 1) * CHUNK)));
  return out;
}

export const hashes = (b: Uint8Array) => ({ sha256: createHash("sha256").update(b).digest("hex"), sha512: createHash("sha512").update(b).digest("hex") });

export type Recipient = { method: typeof METHOD_X25519; publicKey: Uint8Array } | { method: typeof METHOD_SHARED; sharedKey: Uint8Array };

export interface Encrypted {
  name: string;
  ciphertext: Buffer;
  /** custom.encryption */
  encryption: Record<string, unknown>;
  contentKey: Buffer;
}

/** Encrypts `plaintext` (Image repository target `plaintextName`) for ECU `serial`, as the format says. */
export function encryptForEcu(plaintext: Uint8Array, plaintextName: string, serial: string, recipient: Recipient, contentKey = randomBytes(32)): Encrypted {
  const info = wrapInfo(serial, plaintextName);
  const ciphertext = Buffer.concat(sealChunks(contentKey, plaintext));
  const plain = { name: plaintextName, length: plaintext.length, hashes: hashes(plaintext) };
  const name = `${plaintextName}.${createHash("sha256").update(serial).digest("hex").slice(0, 16)}.enc`;
  if (recipient.method === METHOD_X25519) {
    const { enc, ct } = hpkeSeal(recipient.publicKey, info, new Uint8Array(0), contentKey);
    return { name, ciphertext, contentKey, encryption: { method: METHOD_X25519, chunkSize: CHUNK, enc: enc.toString("hex"), wrappedKey: ct.toString("hex"), plaintext: plain } };
  }
  const nonce = randomBytes(12);
  const c = createCipheriv("aes-128-gcm", recipient.sharedKey, nonce);
  c.setAAD(info);
  const wrapped = Buffer.concat([c.update(contentKey), c.final(), c.getAuthTag()]);
  return { name, ciphertext, contentKey, encryption: { method: METHOD_SHARED, chunkSize: CHUNK, nonce: nonce.toString("hex"), wrappedKey: wrapped.toString("hex"), plaintext: plain } };
}

export { createPrivateKey, PKCS8 };
