// Reads an ECU's public key from a file, in any of the forms an ECU team is likely to hand
// over: a PEM "PUBLIC KEY" (SPKI), a TUF key object {"keytype":"ed25519","keyval":{"public":HEX}}
// (or an ecdsa / rsa one with a PEM), or the 64 hex characters of an Ed25519 key alone.
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { rawPublicKey, storedPublicKey, tufKeyOf, type TufKey } from "../../model/keys.ts";

export class PublicKeyFileError extends Error {}

/**
 * An ECU's public key of any of the three types, in its stored form (model/keys.ts
 * storedPublicKey): a PEM "PUBLIC KEY" (Ed25519, P-256 or RSA 2048-4096), a TUF key
 * object (ed25519 hex, or ecdsa / rsa with a PEM), or 64 hex characters (Ed25519).
 */
export function readEcuPublicKey(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (e) {
    throw new PublicKeyFileError(`cannot read public key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let pem: string | null = null;
  if (text.startsWith("-----BEGIN PUBLIC KEY-----")) pem = text;
  else if (text.startsWith("{")) {
    let doc: { keytype?: unknown; keyval?: { public?: unknown } };
    try {
      doc = JSON.parse(text);
    } catch {
      throw new PublicKeyFileError(`${path} is not valid JSON`);
    }
    const pub = doc.keyval?.public;
    if ((doc.keytype === "ecdsa" || doc.keytype === "ecdsa-sha2-nistp256" || doc.keytype === "rsa") && typeof pub === "string") pem = pub;
  }
  if (pem === null) return readEd25519PublicKeyHex(path);
  let key: TufKey;
  try {
    key = tufKeyOf(createPublicKey(pem));
  } catch (e) {
    throw new PublicKeyFileError(`${path} holds no usable public key: ${(e as Error).message}`);
  }
  return storedPublicKey(key);
}

/** The key as 64 lowercase hex characters. */
export function readEd25519PublicKeyHex(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (e) {
    throw new PublicKeyFileError(`cannot read public key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (/^[0-9a-fA-F]{64}$/.test(text)) return text.toLowerCase();
  if (text.startsWith("-----BEGIN PUBLIC KEY-----")) {
    let key;
    try {
      key = createPublicKey(text);
    } catch {
      throw new PublicKeyFileError(`${path} is not a readable PEM public key`);
    }
    if (key.asymmetricKeyType !== "ed25519") throw new PublicKeyFileError(`${path} holds a ${key.asymmetricKeyType} key, not Ed25519`);
    return rawPublicKey(key).toString("hex");
  }
  if (text.startsWith("{")) {
    let doc: { keytype?: unknown; keyval?: { public?: unknown } };
    try {
      doc = JSON.parse(text);
    } catch {
      throw new PublicKeyFileError(`${path} is not valid JSON`);
    }
    const hex = doc.keyval?.public;
    if (typeof doc.keytype !== "string" || doc.keytype.toLowerCase() !== "ed25519" || typeof hex !== "string" || !/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new PublicKeyFileError(`${path} is not an ed25519 TUF key with a 64-hex-character keyval.public`);
    }
    return hex.toLowerCase();
  }
  throw new PublicKeyFileError(`${path}: expected a PEM public key, a TUF key JSON object, or 64 hex characters`);
}
