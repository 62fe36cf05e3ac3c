// The signature schemes a key may use (TUF 1.0 key formats): `ed25519` in every module,
// and in the modules built with them (assembly/build.ts) `ecdsa-sha2-nistp256` (keytype
// "ecdsa", or "ecdsa-sha2-nistp256" as older tooling wrote it; keyval.public a PEM
// SubjectPublicKeyInfo; sig the hex of the DER ECDSA-Sig-Value) and `rsassa-pss-sha256`
// (keytype "rsa", PEM SubjectPublicKeyInfo of 2048 to 4096 bits; sig the hex of the
// modulus-length signature).
//
// A key's material, as a key set keeps it: Ed25519-only builds the 32 raw bytes; others a
// header (type, length, RSA exponent) and the bytes (X || Y for P-256, the modulus for
// RSA). Material is compared whole, so one key under two key ids counts once.
//
// One verification context per signature being checked: Ed25519 hashes the message in its
// own context (SHA-512 over R || A || M); ECDSA and RSA-PSS share one SHA-256 of the
// message, finished once, then each checks its equation against the digest.
import { CryptoStatus } from "../outcome";
import { HAS_P256, HAS_RSA } from "../build";
import { ed25519CtxStart, ed25519CtxUpdate, ed25519CtxFinish, ED25519_CTX_SIZE } from "../crypto/ed25519";
import { sha256Init, sha256Update, sha256Final, SHA256_CTX_SIZE } from "../crypto/sha256";
import { p256Verify, p256KeyValid } from "../crypto/p256";
import { rsaPssVerify, rsaKeySupported, RSA_MAX_BYTES } from "../crypto/rsa";
import { derEcdsaSignature, derP256PublicKey, derRsaPublicKey, pemPublicKey, rsaModulus, rsaModulusLength, rsaExponent } from "../crypto/der";
import { JsonType, tokType, tokStart, tokLen, objGet, strEqLit } from "../json/reader";
import { decoderFor, decNextCodePoint } from "../json/strings";
import { hexDecode, base64Decode } from "../util/encoding";
import * as N from "../json/names";

/** TUF 1.0, or aktualizr / OTA Connect (capitalised `_type`, base64 `sig`, key ids as given). */
export const enum Dialect {
  Tuf = 0,
  Aktualizr = 1,
}

/** ASCII case-insensitive equality of raw bytes with a lower-case literal. */
export function eqIgnoreCase(p: usize, n: u32, lit: usize): bool {
  if (n != <u32>load<u8>(lit)) return false;
  for (let k: u32 = 0; k < n; k++) {
    let c = <u32>load<u8>(p + <usize>k);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c != <u32>load<u8>(lit + 1 + <usize>k)) return false;
  }
  return true;
}

/** Whether keys carry a type header (any scheme besides Ed25519 built in). */
export const MULTI: bool = HAS_P256 || HAS_RSA;

export const enum KeyType {
  Ed25519 = 1,
  P256 = 2,
  Rsa = 3,
}

const K_TYPE: usize = 0;
const K_LEN: usize = 4;
const K_EXP: usize = 8;
const K_HEADER: usize = MULTI ? 12 : 0;
const K_BYTES_MAX: usize = HAS_RSA ? <usize>RSA_MAX_BYTES : HAS_P256 ? 64 : 32;
/** Bytes of one key's material in a key set. */
export const KEY_MATERIAL_SIZE: usize = K_HEADER + K_BYTES_MAX;

// Names this file looks for, length-prefixed UTF-8 (assembly/json/names.ts keeps the rest).
const NAMES: usize = !MULTI ? 0 : memory.data<u8>([
  5, 0x65, 0x63, 0x64, 0x73, 0x61, // ecdsa
  19, 0x65, 0x63, 0x64, 0x73, 0x61, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x2d, 0x6e, 0x69, 0x73, 0x74, 0x70, 0x32, 0x35, 0x36, // ecdsa-sha2-nistp256
  3, 0x72, 0x73, 0x61, // rsa
  17, 0x72, 0x73, 0x61, 0x73, 0x73, 0x61, 0x2d, 0x70, 0x73, 0x73, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, // rsassa-pss-sha256
]);
const k_ecdsa: usize = NAMES;
const k_ecdsa_nistp256: usize = NAMES + 6;
const k_rsa: usize = NAMES + 26;
const k_rsassa_pss_sha256: usize = NAMES + 30;

// A PEM key as decoded from its JSON string, its base64, its DER
const PEM_CAP: u32 = HAS_RSA ? 1024 : 256;
const DER_CAP: u32 = HAS_RSA ? 600 : 128;
const pemText: usize = MULTI ? memory.data(<i32>PEM_CAP, 8) : 0;
const pemWork: usize = MULTI ? memory.data(<i32>PEM_CAP, 8) : 0;
const derBytes: usize = MULTI ? memory.data(<i32>DER_CAP, 8) : 0;

/**
 * Reads key object `key` into `out` (KEY_MATERIAL_SIZE bytes): true when it is a usable
 * key of a scheme this module verifies. Keys of other types, or malformed ones, never count.
 */
export function readKey(doc: usize, key: i32, dialect: i32, out: usize): bool {
  if (MULTI) memory.fill(out, 0, KEY_MATERIAL_SIZE);
  const keytype = objGet(doc, key, N.k_keytype);
  const scheme = objGet(doc, key, N.k_scheme);
  const pub = objGet(doc, objGet(doc, key, N.k_keyval), N.k_public);
  if (tokType(doc, pub) != JsonType.String) return false;
  if (dialect == Dialect.Tuf) {
    if (strEqLit(doc, keytype, N.k_ed25519)) {
      if (!strEqLit(doc, scheme, N.k_ed25519)) return false;
      return ed25519Key(doc, pub, out);
    }
    if (HAS_P256) {
      if (strEqLit(doc, keytype, k_ecdsa) || strEqLit(doc, keytype, k_ecdsa_nistp256)) return p256Key(doc, scheme, pub, out);
    }
    if (HAS_RSA) {
      if (strEqLit(doc, keytype, k_rsa)) return rsaKey(doc, scheme, pub, out);
    }
    return false;
  }
  // aktualizr dialect: Ed25519 only (keytype "ED25519", any case)
  if (tokType(doc, keytype) != JsonType.String || !eqIgnoreCase(tokStart(doc, keytype), tokLen(doc, keytype), N.k_ed25519)) return false;
  return ed25519Key(doc, pub, out);
}

function p256Key(doc: usize, scheme: i32, pub: i32, out: usize): bool {
  if (!strEqLit(doc, scheme, k_ecdsa_nistp256)) return false;
  const n = pemToDer(doc, pub);
  if (n == 0 || !derP256PublicKey(derBytes, n, out + K_HEADER)) return false;
  // a key that is not a point of the curve can verify nothing: not a key
  if (!p256KeyValid(out + K_HEADER)) return false;
  store<u32>(out, KeyType.P256, K_TYPE);
  store<u32>(out, 64, K_LEN);
  return true;
}

function rsaKey(doc: usize, scheme: i32, pub: i32, out: usize): bool {
  if (!strEqLit(doc, scheme, k_rsassa_pss_sha256)) return false;
  const n = pemToDer(doc, pub);
  if (n == 0 || !derRsaPublicKey(derBytes, n)) return false;
  const len = rsaModulusLength;
  if (!rsaKeySupported(rsaModulus, len, rsaExponent)) return false;
  store<u32>(out, KeyType.Rsa, K_TYPE);
  store<u32>(out, len, K_LEN);
  store<u32>(out, rsaExponent, K_EXP);
  memory.copy(out + K_HEADER, rsaModulus, len);
  return true;
}

function ed25519Key(doc: usize, pub: i32, out: usize): bool {
  if (!hexDecode(tokStart(doc, pub), tokLen(doc, pub), out + K_HEADER, 32)) return false;
  if (MULTI) {
    store<u32>(out, KeyType.Ed25519, K_TYPE);
    store<u32>(out, 32, K_LEN);
  }
  return true;
}

// The DER of the PEM key in string token `pub` (escapes decoded; ASCII only), or 0.
function pemToDer(doc: usize, pub: i32): u32 {
  const d = decoderFor(tokStart(doc, pub), tokLen(doc, pub));
  let n: u32 = 0;
  while (true) {
    const cp = decNextCodePoint(d);
    if (cp < 0) break;
    if (cp >= 0x80 || n >= PEM_CAP) return 0;
    store<u8>(pemText + <usize>n, <u8>cp);
    n++;
  }
  return pemPublicKey(pemText, n, pemWork, derBytes, DER_CAP);
}

// ---- verification contexts ----

const C_TYPE: usize = 0;
const C_KEY: usize = 4; // the key's material (in its key set, which outlives the context)
const C_BODY: usize = MULTI ? 16 : 0;
const SIG_MAX: usize = HAS_RSA ? <usize>RSA_MAX_BYTES : 64;
/** Bytes of one verification context. */
export const SIG_CTX_SIZE: usize = C_BODY + (ED25519_CTX_SIZE > SIG_MAX ? ED25519_CTX_SIZE : SIG_MAX);

const shared: usize = MULTI ? memory.data(<i32>SHA256_CTX_SIZE, 8) : 0;
const digest: usize = MULTI ? memory.data(32, 8) : 0;
let sharedLive = false;
const sigBytes = memory.data(<i32>(MULTI ? 80 : 64));

/** Forgets the shared digest: call before starting a new set of contexts. */
export function sigsBegin(): void {
  sharedLive = false;
}

/**
 * Starts checking signature entry `entry` (its `sig` token `sig`) by the key with
 * material `key` in context `ctx`. False when the signature cannot be this key's
 * (malformed, wrong length): it then counts for nothing.
 */
export function sigStart(ctx: usize, key: usize, doc: usize, entry: i32, sig: i32): bool {
  const type = MULTI ? load<u32>(key, K_TYPE) : KeyType.Ed25519;
  if (MULTI) {
    store<u32>(ctx, type, C_TYPE);
    store<u32>(ctx, <u32>key, C_KEY);
  }
  if (type == KeyType.Ed25519) {
    if (!decodeEd25519Signature(doc, entry, sig, sigBytes)) return false;
    return ed25519CtxStart(ctx + C_BODY, key + K_HEADER, sigBytes) == CryptoStatus.Valid;
  }
  if (!MULTI) return false;
  // ECDSA and RSA-PSS: TUF hex only (no aktualizr `method`)
  if (objGet(doc, entry, N.k_method) >= 0) return false;
  let ok = false;
  if (HAS_P256) {
    if (type == KeyType.P256) ok = p256Signature(ctx + C_BODY, doc, sig);
  }
  if (HAS_RSA) {
    // RFC 8017 8.1.2 step 1: the signature is exactly as long as the modulus
    if (type == KeyType.Rsa) ok = hexDecode(tokStart(doc, sig), tokLen(doc, sig), ctx + C_BODY, load<u32>(key, K_LEN));
  }
  if (ok && !sharedLive) {
    sha256Init(shared);
    sharedLive = true;
  }
  return ok;
}

// r || s from the hex of a DER ECDSA-Sig-Value (at most 72 bytes for P-256)
function p256Signature(out: usize, doc: usize, sig: i32): bool {
  const hexLen = tokLen(doc, sig);
  if (hexLen > 144 || (hexLen & 1) != 0 || !hexDecode(tokStart(doc, sig), hexLen, sigBytes, hexLen >> 1)) return false;
  return derEcdsaSignature(sigBytes, hexLen >> 1, out);
}

/** Feeds message bytes to the `n` contexts at `ctxs`. */
export function sigsUpdate(ctxs: usize, n: u32, data: usize, len: usize): void {
  for (let i: u32 = 0; i < n; i++) {
    const c = ctxs + <usize>i * SIG_CTX_SIZE;
    if (!MULTI || load<u32>(c, C_TYPE) == KeyType.Ed25519) ed25519CtxUpdate(c + C_BODY, data, len);
  }
  if (MULTI) {
    if (sharedLive) sha256Update(shared, data, len);
  }
}

/** How many of the `n` contexts at `ctxs` hold a valid signature of the message fed. */
export function sigsFinish(ctxs: usize, n: u32): u32 {
  if (MULTI) {
    if (sharedLive) sha256Final(shared, digest);
    sharedLive = false;
  }
  let count: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = ctxs + <usize>i * SIG_CTX_SIZE;
    const type = MULTI ? load<u32>(c, C_TYPE) : KeyType.Ed25519;
    let status: i32 = CryptoStatus.Invalid;
    if (type == KeyType.Ed25519) status = ed25519CtxFinish(c + C_BODY);
    if (HAS_P256) {
      if (type == KeyType.P256) status = p256Verify(<usize>load<u32>(c, C_KEY) + K_HEADER, c + C_BODY, digest);
    }
    if (HAS_RSA) {
      if (type == KeyType.Rsa) {
        const key = <usize>load<u32>(c, C_KEY);
        status = rsaPssVerify(key + K_HEADER, load<u32>(key, K_LEN), load<u32>(key, K_EXP), c + C_BODY, digest);
      }
    }
    if (status == CryptoStatus.Valid) count++;
  }
  return count;
}

// 64 signature bytes from hex (TUF) or, when a `method` is given (aktualizr), base64.
function decodeEd25519Signature(doc: usize, entry: i32, sig: i32, out: usize): bool {
  const method = objGet(doc, entry, N.k_method);
  if (method < 0) return hexDecode(tokStart(doc, sig), tokLen(doc, sig), out, 64);
  if (tokType(doc, method) != JsonType.String || !eqIgnoreCase(tokStart(doc, method), tokLen(doc, method), N.k_ed25519)) return false;
  if (base64Decode(tokStart(doc, sig), tokLen(doc, sig), out, 64)) return true;
  return hexDecode(tokStart(doc, sig), tokLen(doc, sig), out, 64);
}
