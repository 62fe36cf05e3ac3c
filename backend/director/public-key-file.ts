// Reads an ECU's Ed25519 public key from a file, in any of the forms an ECU team is likely
// to hand over: a PEM "PUBLIC KEY" (SPKI), a TUF key object
// {"keytype":"ed25519","keyval":{"public":HEX}}, or the 64 hex characters alone.
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { rawPublicKey } from "../../model/keys.ts";

export class PublicKeyFileError extends Error {}

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
