// Checks one TUF envelope against one registered ECU key with Node's Ed25519. Public key
// objects are cached: a manifest of 10 ECUs needs 11 verifications and building key
// objects would otherwise cost as much as verifying.
import type { KeyObject } from "node:crypto";
import { canonicalBytes, CanonicalJsonError } from "../../model/canonical-json.ts";
import { ed25519PublicKey, verifySignatureHex } from "../../model/keys.ts";

const KEY_CACHE_LIMIT = 100_000;
const keyCache = new Map<string, KeyObject>();

function keyObject(publicHex: string): KeyObject {
  let key = keyCache.get(publicHex);
  if (!key) {
    key = ed25519PublicKey(publicHex);
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(publicHex, key);
  }
  return key;
}

export interface RegisteredKey {
  keyid: string;
  publicKeyHex: string;
}

/** True when a signature by `key` over the canonical JSON of `signed` is among `signatures`. */
export function signedBy(signed: unknown, signatures: unknown, key: RegisteredKey): boolean {
  if (!Array.isArray(signatures)) return false;
  let bytes: Buffer;
  try {
    bytes = canonicalBytes(signed);
  } catch (e) {
    if (e instanceof CanonicalJsonError) return false;
    throw e;
  }
  for (const s of signatures) {
    if (typeof s !== "object" || s === null) continue;
    const { keyid, sig } = s as { keyid?: unknown; sig?: unknown };
    if (keyid !== key.keyid || typeof sig !== "string") continue;
    if (verifySignatureHex(keyObject(key.publicKeyHex), bytes, sig)) return true;
  }
  return false;
}
