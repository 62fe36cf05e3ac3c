// One place that knows the two kinds of key the backend's keys/ folders hold (README "Backend:
// keys in a PKCS#11 token"): a private key file `NAME.pem` (PKCS#8, 0600), or a reference
// `NAME.pkcs11.json` to a key that lives in a PKCS#11 token. The code that signs metadata
// sees only `SigningKey`, never which kind it has.
import { generateSigningKey, privateKeyPem, RSA_BITS, rsaBitsOf, signingKeyFromPem, type KeyType, type RsaBits, type SigningKey, type TufKey } from "../../model/keys.ts";
import { generateTokenKey, isTokenKey, TOKEN_REFERENCE_SUFFIX, tokenKeyFromReference, tokenKeyReference } from "./pkcs11-token.ts";
import type { TokenConfig } from "./pkcs11-uri.ts";

/** How a new key is made: its type (an RSA key's size), and the token it is made in (none: in memory, for a key file). */
export interface KeySpec {
  type: KeyType;
  rsaBits?: RsaBits;
  token?: TokenConfig | null;
}

/** A new key as `spec` says; `label` names it in the token (CKA_LABEL). */
export function makeKey(spec: KeySpec, label: string): SigningKey {
  if (spec.token) return generateTokenKey(spec.token, spec.type, label, spec.rsaBits);
  return generateSigningKey(spec.type, spec.rsaBits);
}

export const KEY_FILE_SUFFIXES = [".pem", TOKEN_REFERENCE_SUFFIX] as const;

/** The end of the file name a key is kept under. */
export function keyFileSuffix(key: SigningKey): string {
  return key.privateKey !== undefined ? ".pem" : TOKEN_REFERENCE_SUFFIX;
}

/** The bytes of a key's file: the private key's PEM, or the token key's reference. */
export function keyFileBytes(key: SigningKey): Buffer {
  if (key.privateKey !== undefined) return Buffer.from(privateKeyPem(key));
  if (isTokenKey(key)) return tokenKeyReference(key);
  throw new Error(`a key held by ${key.location} has no file form`);
}

/** The file name without its suffix (`image-root-KEYID`), or null for a file that is not a key's. */
export function keyFileStem(name: string): string | null {
  for (const suffix of KEY_FILE_SUFFIXES) if (name.endsWith(suffix)) return name.slice(0, -suffix.length);
  return null;
}

/** The key a key file holds or references (by its name's suffix). */
export function keyFromFile(name: string, text: string): SigningKey {
  return name.endsWith(TOKEN_REFERENCE_SUFFIX) ? tokenKeyFromReference(text) : signingKeyFromPem(text);
}

/** The size a rotation gives a new RSA key by default: the current key's, when the backend makes keys of that size. */
export function currentRsaBits(key: TufKey): RsaBits | undefined {
  const bits = rsaBitsOf(key);
  return (RSA_BITS as readonly number[]).includes(bits ?? 0) ? (bits as RsaBits) : undefined;
}
