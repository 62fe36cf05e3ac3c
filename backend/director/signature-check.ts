// Checks one TUF envelope against one registered ECU key (Ed25519, P-256 or RSA-PSS) with
// Node's crypto. Public key objects are cached: a manifest of 10 ECUs needs 11
// verifications and building key objects would otherwise cost as much as verifying.
import type { KeyObject } from "node:crypto";
import { canonicalBytes, CanonicalJsonError } from "../../model/canonical-json.ts";
import { ed25519PublicKey, verifyBytes, verifySignatureHex, tufKeyFromStored, type TufKey } from "../../model/keys.ts";

const KEY_CACHE_LIMIT = 100_000;
const keyCache = new Map<string, KeyObject | TufKey>();

// Ed25519 keys as Node key objects; the others as TUF keys (model/keys.ts verifies them)
function keyObject(stored: string): KeyObject | TufKey {
  let key = keyCache.get(stored);
  if (!key) {
    key = /^[0-9a-f]{64}$/.test(stored) ? ed25519PublicKey(stored) : tufKeyFromStored(stored);
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(stored, key);
  }
  return key;
}

function verifyStored(stored: string, bytes: Uint8Array, sig: string): boolean {
  const key = keyObject(stored);
  return "keytype" in key ? verifyBytes(key, bytes, sig) : verifySignatureHex(key, bytes, sig);
}

export interface RegisteredKey {
  keyid: string;
  publicKeyHex: string;
}

/**
 * How a signature's `sig` is written: `hex` (Uptane 2.1 and TUF as we speak them) or
 * `dialect` (aktualizr's: `method` "ed25519" and a base64 `sig` of 64 bytes). Returns the
 * signature as hex, or null when the entry is not of that encoding.
 */
export type SignatureEncoding = "hex" | "dialect";

const BASE64_SIG = /^[A-Za-z0-9+/]{86}==$/;

function sigHex(entry: { method?: unknown; sig?: unknown }, encoding: SignatureEncoding): string | null {
  if (typeof entry.sig !== "string") return null;
  if (encoding === "hex") return entry.sig;
  if (typeof entry.method !== "string" || entry.method.toLowerCase() !== "ed25519" || !BASE64_SIG.test(entry.sig)) return null;
  return Buffer.from(entry.sig, "base64").toString("hex");
}

/** True when a signature by `key` over the canonical JSON of `signed` is among `signatures`. */
export function signedBy(signed: unknown, signatures: unknown, key: RegisteredKey, encoding: SignatureEncoding = "hex"): boolean {
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
    const entry = s as { keyid?: unknown; method?: unknown; sig?: unknown };
    const sig = entry.keyid === key.keyid ? sigHex(entry, encoding) : null;
    if (sig !== null && verifyStored(key.publicKeyHex, bytes, sig)) return true;
  }
  return false;
}
