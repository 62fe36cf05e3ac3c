// Keys in TUF 1.0 form (Ed25519; ECDSA P-256 and RSA-PSS as README "ECDSA P-256 and
// RSA-PSS" describes), signing with Node's crypto, and key files on disk.
import { constants, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, KeyObject } from "node:crypto";
import { canonicalBytes } from "./canonical-json.ts";

/** The key types the verifiers read; `ed25519` everywhere, the others in full.wasm (and partial-p256.wasm for P-256). */
export const KEY_TYPES = ["ed25519", "ecdsa-p256", "rsa-pss"] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** A public key as it appears in root / delegations. */
export type TufKey = Ed25519TufKey | EcdsaTufKey | RsaTufKey;
export interface Ed25519TufKey {
  keytype: "ed25519";
  scheme: "ed25519";
  keyval: { public: string };
}
/** keyval.public: PEM SubjectPublicKeyInfo of a P-256 point (uncompressed); sig: hex of the DER signature. */
export interface EcdsaTufKey {
  keytype: "ecdsa";
  scheme: "ecdsa-sha2-nistp256";
  keyval: { public: string };
}
/** keyval.public: PEM SubjectPublicKeyInfo, 2048 to 4096 bits; sig: hex, MGF1-SHA-256, a 32-byte salt. */
export interface RsaTufKey {
  keytype: "rsa";
  scheme: "rsassa-pss-sha256";
  keyval: { public: string };
}

/** RSA-PSS salt length, the digest's (the verifiers accept no other: README "ECDSA P-256 and RSA-PSS"). */
export const RSA_PSS_SALT_LENGTH = 32;

export interface Signature {
  keyid: string;
  sig: string;
}

/** A key the backend, a vehicle or a simulator signs with: a software key, or one held by a token. */
export type SigningKey = SoftwareSigningKey | ExternalSigningKey;

/** A key pair in this process's memory (from a key file, or just made). */
export interface SoftwareSigningKey {
  keyid: string;
  publicKey: TufKey;
  privateKey: KeyObject;
}

/**
 * A key whose private half never enters this process (a PKCS#11 token: README "Backend:
 * keys in a PKCS#11 token"): `signRaw` returns the signature bytes in the TUF form of the
 * key's scheme (DER for ECDSA) and throws when the holder refuses.
 */
export interface ExternalSigningKey {
  keyid: string;
  publicKey: TufKey;
  privateKey?: undefined;
  signRaw(bytes: Uint8Array): Buffer;
  /** Where the key lives, for messages (never a secret). */
  location: string;
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

/** The TUF form of a public key Node holds; an error for a type or size the verifiers do not read. */
export function tufKeyOf(publicKey: KeyObject): TufKey {
  const type = publicKey.asymmetricKeyType;
  if (type === "ed25519") return tufKeyFromRaw(rawPublicKey(publicKey));
  const pem = publicKey.export({ format: "pem", type: "spki" }).toString();
  if (type === "ec") {
    if (publicKey.asymmetricKeyDetails?.namedCurve !== "prime256v1") throw new Error(`an ECDSA key must be on P-256, not ${publicKey.asymmetricKeyDetails?.namedCurve}`);
    return { keytype: "ecdsa", scheme: "ecdsa-sha2-nistp256", keyval: { public: pem } };
  }
  if (type === "rsa") {
    const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048 || bits > 4096) throw new Error(`an RSA key must have 2048 to 4096 bits, not ${bits}`);
    return { keytype: "rsa", scheme: "rsassa-pss-sha256", keyval: { public: pem } };
  }
  throw new Error(`unsupported key type ${type} (ed25519, P-256 ECDSA or RSA)`);
}

/** A key type name as the CLI takes it, or null. */
export function parseKeyType(name: string): KeyType | null {
  return (KEY_TYPES as readonly string[]).includes(name) ? (name as KeyType) : null;
}

/** Whether a value read from stored metadata is a TUF key of one of the three types, in the form the verifiers read. */
export function isTufKey(v: unknown): v is TufKey {
  if (typeof v !== "object" || v === null) return false;
  const k = v as { keytype?: unknown; scheme?: unknown; keyval?: { public?: unknown } };
  const pub = typeof k.keyval === "object" && k.keyval !== null ? k.keyval.public : undefined;
  if (typeof pub !== "string") return false;
  if (k.keytype === "ed25519") return k.scheme === "ed25519" && /^[0-9a-f]{64}$/.test(pub);
  if (!((k.keytype === "ecdsa" && k.scheme === "ecdsa-sha2-nistp256") || (k.keytype === "rsa" && k.scheme === "rsassa-pss-sha256"))) return false;
  try {
    const again = tufKeyOf(createPublicKey(pub));
    return again.keytype === k.keytype && again.keyval.public === pub;
  } catch {
    return false;
  }
}

/**
 * A registered ECU's public key as the inventory stores it: an Ed25519 key as 64 lowercase
 * hex characters (as before), a P-256 or RSA key as the PEM SubjectPublicKeyInfo Node writes.
 */
export function storedPublicKey(key: TufKey): string {
  return key.keytype === "ed25519" ? key.keyval.public.toLowerCase() : key.keyval.public;
}

/** The TUF key of a stored ECU public key (storedPublicKey's inverse); an error when it is neither form. */
export function tufKeyFromStored(stored: string): TufKey {
  if (/^[0-9a-f]{64}$/.test(stored)) return tufKeyFromRaw(Buffer.from(stored, "hex"));
  if (!stored.startsWith("-----BEGIN PUBLIC KEY-----")) throw new Error("a public key is 64 hex characters (Ed25519) or a PEM public key");
  const key = tufKeyOf(createPublicKey(stored));
  if (key.keyval.public !== stored) throw new Error("a PEM public key must be in the form Node writes (64-character lines, final newline)");
  return key;
}

/** Our name for the type of a TUF key. */
export function keyTypeOf(key: TufKey): KeyType {
  return key.keytype === "ed25519" ? "ed25519" : key.keytype === "ecdsa" ? "ecdsa-p256" : "rsa-pss";
}

export function signingKeyFrom(privateKey: KeyObject): SoftwareSigningKey {
  const publicKey = tufKeyOf(createPublicKey(privateKey));
  return { keyid: keyIdOf(publicKey), publicKey, privateKey };
}

/** RSA modulus sizes the backend makes (the verifiers read 2048 to 4096 bits). */
export const RSA_BITS = [2048, 3072, 4096] as const;
export type RsaBits = (typeof RSA_BITS)[number];

/** A new key; an RSA key has `rsaBits` bits (default 2048). */
export function generateSigningKey(type: KeyType = "ed25519", rsaBits: RsaBits = 2048): SoftwareSigningKey {
  if (type === "ecdsa-p256") return signingKeyFrom(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
  if (type === "rsa-pss") {
    if (!(RSA_BITS as readonly number[]).includes(rsaBits)) throw new Error(`an RSA key has ${RSA_BITS.join(", ")} bits, not ${rsaBits}`);
    return signingKeyFrom(generateKeyPairSync("rsa", { modulusLength: rsaBits }).privateKey);
  }
  return signingKeyFrom(generateKeyPairSync("ed25519").privateKey);
}

/** Signature bytes over `bytes` with a private key of any of the three types. */
export function signRaw(privateKey: KeyObject, bytes: Uint8Array): Buffer {
  const type = privateKey.asymmetricKeyType;
  if (type === "ed25519") return sign(null, bytes, privateKey);
  if (type === "ec") return sign("sha256", bytes, privateKey);
  if (type === "rsa") return sign("sha256", bytes, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: RSA_PSS_SALT_LENGTH });
  throw new Error(`unsupported key type ${type}`);
}

export function signBytes(key: SigningKey, bytes: Uint8Array): Signature {
  const sig = key.privateKey !== undefined ? signRaw(key.privateKey, bytes) : key.signRaw(bytes);
  return { keyid: key.keyid, sig: sig.toString("hex") };
}

/** The modulus size of an RSA TUF key (null for the other types, or a key Node cannot read). */
export function rsaBitsOf(key: TufKey): number | null {
  if (key.keytype !== "rsa") return null;
  try {
    return createPublicKey(key.keyval.public).asymmetricKeyDetails?.modulusLength ?? null;
  } catch {
    return null;
  }
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

/** Node's verification of one TUF signature over `bytes` (used by the backend); a key or signature of the wrong form is false. */
export function verifyBytes(key: TufKey, bytes: Uint8Array, sigHex: string): boolean {
  if (key.keytype === "ed25519") {
    if (key.scheme !== "ed25519" || !/^[0-9a-f]{64}$/i.test(key.keyval.public)) return false;
    return verifySignatureHex(ed25519PublicKey(key.keyval.public), bytes, sigHex);
  }
  if (typeof sigHex !== "string" || sigHex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(sigHex)) return false;
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(key.keyval.public);
    tufKeyOf(publicKey); // the curve or size the verifiers read
  } catch {
    return false;
  }
  const sig = Buffer.from(sigHex, "hex");
  if (key.keytype === "ecdsa" && key.scheme === "ecdsa-sha2-nistp256" && publicKey.asymmetricKeyType === "ec") {
    return verify("sha256", bytes, publicKey, sig);
  }
  if (key.keytype === "rsa" && key.scheme === "rsassa-pss-sha256" && publicKey.asymmetricKeyType === "rsa") {
    return verify("sha256", bytes, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: RSA_PSS_SALT_LENGTH }, sig);
  }
  return false;
}

/** What makes two TUF keys the same key, whatever their key ids: the type and the public key's DER. */
export function keyMaterialId(key: TufKey): string {
  if (key.keytype === "ed25519") return `ed25519:${key.keyval.public.toLowerCase()}`;
  try {
    return `${key.keytype}:${createPublicKey(key.keyval.public).export({ format: "der", type: "spki" }).toString("hex")}`;
  } catch {
    return `${key.keytype}:unreadable:${key.keyval.public}`;
  }
}

/** PKCS#8 PEM text of a private key, for key files (write them with mode 0600). */
export function privateKeyPem(key: SoftwareSigningKey): string {
  return key.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
}

export function signingKeyFromPem(pem: string): SoftwareSigningKey {
  const key = createPrivateKey(pem);
  const type = key.asymmetricKeyType;
  if (type !== "ed25519" && type !== "ec" && type !== "rsa") throw new Error(`expected an ed25519, P-256 or RSA private key, got ${type}`);
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
  // distinct keys, not key ids: one key under two key ids counts once (as in the modules)
  const counted = new Set<string>();
  for (const s of doc.signatures as unknown[]) {
    if (typeof s !== "object" || s === null) continue;
    const { keyid, sig } = s as { keyid?: unknown; sig?: unknown };
    if (typeof keyid !== "string" || typeof sig !== "string" || !keyids.includes(keyid) || !Object.hasOwn(keys, keyid)) continue;
    const key = keys[keyid]!;
    const material = keyMaterialId(key);
    if (!counted.has(material) && verifyBytes(key, bytes, sig)) counted.add(material);
  }
  return counted.size;
}
