// Ed25519 keys in TUF 1.0 form, signing with Node's crypto, and key files on disk.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, KeyObject } from "node:crypto";
import { canonicalBytes } from "./canonical-json.ts";

/** A public key as it appears in root / delegations. */
export interface TufKey {
  keytype: "ed25519";
  scheme: "ed25519";
  keyval: { public: string };
}

export interface Signature {
  keyid: string;
  sig: string;
}

/** A key pair the backend or a simulator can sign with. */
export interface SigningKey {
  keyid: string;
  publicKey: TufKey;
  privateKey: KeyObject;
}

const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export function tufKeyFromRaw(raw: Uint8Array): TufKey {
  if (raw.length !== 32) throw new Error(`an Ed25519 public key is 32 bytes, got ${raw.length}`);
  return { keytype: "ed25519", scheme: "ed25519", keyval: { public: Buffer.from(raw).toString("hex") } };
}

/** keyid = hex SHA-256 of the key's canonical JSON (DESIGN.md section 4). */
export function keyIdOf(key: TufKey): string {
  return createHash("sha256").update(canonicalBytes(key)).digest("hex");
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: "der", type: "spki" });
  return der.subarray(der.length - 32);
}

export function signingKeyFrom(privateKey: KeyObject): SigningKey {
  const publicKey = tufKeyFromRaw(rawPublicKey(createPublicKey(privateKey)));
  return { keyid: keyIdOf(publicKey), publicKey, privateKey };
}

export function generateSigningKey(): SigningKey {
  return signingKeyFrom(generateKeyPairSync("ed25519").privateKey);
}

export function signBytes(key: SigningKey, bytes: Uint8Array): Signature {
  return { keyid: key.keyid, sig: sign(null, bytes, key.privateKey).toString("hex") };
}

/** Key objects made so far: building one costs about as much as a verification (bounded, emptied when full). */
const publicKeyObjects = new Map<string, KeyObject>();
const PUBLIC_KEY_OBJECTS_LIMIT = 10_000;

/** Node's public key object for a raw Ed25519 public key given as hex (64 digits). */
export function ed25519PublicKey(publicHex: string): KeyObject {
  let key = publicKeyObjects.get(publicHex);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicHex, "hex")]), format: "der", type: "spki" });
    if (publicKeyObjects.size >= PUBLIC_KEY_OBJECTS_LIMIT) publicKeyObjects.clear();
    publicKeyObjects.set(publicHex, key);
  }
  return key;
}

/** Node's verification of one Ed25519 signature (128 hex digits) over `bytes`; anything malformed is false. */
export function verifySignatureHex(publicKey: KeyObject, bytes: Uint8Array, sigHex: string): boolean {
  if (!/^[0-9a-f]{128}$/i.test(sigHex)) return false;
  return verify(null, bytes, publicKey, Buffer.from(sigHex, "hex"));
}

/** Node's verification of one TUF signature over `bytes` (used by the backend). */
export function verifyBytes(key: TufKey, bytes: Uint8Array, sigHex: string): boolean {
  if (key.keytype !== "ed25519" || !/^[0-9a-f]{64}$/i.test(key.keyval.public)) return false;
  return verifySignatureHex(ed25519PublicKey(key.keyval.public), bytes, sigHex);
}

/** PKCS#8 PEM text of a private key, for key files (write them with mode 0600). */
export function privateKeyPem(key: SigningKey): string {
  return key.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
}

export function signingKeyFromPem(pem: string): SigningKey {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`expected an ed25519 private key, got ${key.asymmetricKeyType}`);
  return signingKeyFrom(key);
}

/** Signs `signed` as TUF does: over its canonical JSON. */
export function signMetadata<T>(signed: T, keys: SigningKey[]): { signatures: Signature[]; signed: T } {
  const bytes = canonicalBytes(signed);
  return { signatures: keys.map((k) => signBytes(k, bytes)), signed };
}

/**
 * Counts distinct keys among `keyids` (found in `keys`) with a valid signature over the
 * canonical form of `doc.signed` (TUF 1.0 threshold signatures); malformed entries,
 * unknown keyids and bad signatures count for nothing.
 */
export function countValidSignatures(doc: { signed: unknown; signatures: unknown }, keys: Record<string, TufKey>, keyids: readonly string[]): number {
  if (!Array.isArray(doc.signatures)) return 0;
  let bytes: Buffer;
  try {
    bytes = canonicalBytes(doc.signed);
  } catch {
    return 0;
  }
  const counted = new Set<string>();
  for (const s of doc.signatures as unknown[]) {
    if (typeof s !== "object" || s === null) continue;
    const { keyid, sig } = s as { keyid?: unknown; sig?: unknown };
    if (typeof keyid !== "string" || typeof sig !== "string" || counted.has(keyid) || !keyids.includes(keyid) || !Object.hasOwn(keys, keyid)) continue;
    if (verifyBytes(keys[keyid]!, bytes, sig)) counted.add(keyid);
  }
  return counted.size;
}
