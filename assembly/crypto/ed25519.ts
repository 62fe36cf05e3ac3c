// Ed25519 signature verification (RFC 8032 section 5.1.7), strict and cofactorless as
// OpenSSL (so Node's crypto.verify) does it:
//   - S must be below L, A and R must be canonical encodings (y < p), A must decode;
//   - k = SHA-512(R || A || M) mod L, and the signature holds when the encoding of
//     [S]B - [k]A equals the bytes of R. R is never decoded: an R that is not the
//     canonical encoding of a point cannot equal an encoding we compute.
// Small-order and mixed-order A and R are accepted when that equation holds, as OpenSSL
// does. Verification handles no secrets, so this is variable time. No allocation: a
// verification in progress lives in a context the caller provides (or the module's own).
import { CryptoStatus } from "../outcome";
import { SHA512_CTX_SIZE, sha512Init, sha512Update, sha512Final } from "./sha512";
import { feBytesCanonical } from "./field25519";
import { POINT4, pointDecode, pointEncode, prepareKeyTable, baseMinusKeyMul, BASE_WINDOW, KEY_WINDOW } from "./edwards25519";
import { scIsCanonical, scReduce512, scWnaf } from "./scalar25519";
import { bytesEqual } from "../util/bytes";

const keyPoint = memory.data(<i32>POINT4, 8);
const digest = memory.data(64, 8);
const k = memory.data(32, 8);
const nafS = memory.data(256, 8);
const nafK = memory.data(256, 8);
const check = memory.data(<i32>POINT4, 8);
const checkBytes = memory.data(32, 8);

// A verification in progress (caller-provided, so several can hash one message stream):
// the SHA-512 context, R, S, the public key A, and whether it may still succeed.
const CTX_HASH: usize = 0;
const CTX_R: usize = SHA512_CTX_SIZE;
const CTX_S: usize = CTX_R + 32;
const CTX_A: usize = CTX_S + 32;
const CTX_LIVE: usize = CTX_A + 32;
export const ED25519_CTX_SIZE: usize = CTX_LIVE + 8;

/**
 * Starts a streaming verification in `ctx`: checks the key and signature encodings and
 * hashes R || A; the message bytes follow with update, the group equation at finish.
 * Returns a CryptoStatus; a failed start leaves `ctx` dead, so its finish is Invalid.
 */
export function ed25519CtxStart(ctx: usize, publicKey: usize, signature: usize): i32 {
  store<u32>(ctx, 0, CTX_LIVE);
  // 5.1.7 step 1: S in range [0, L), R and A canonical and A a point
  if (!scIsCanonical(signature + 32)) return CryptoStatus.BadEncoding;
  if (!feBytesCanonical(signature)) return CryptoStatus.BadEncoding;
  if (!pointDecode(keyPoint, publicKey)) return CryptoStatus.BadEncoding;
  memory.copy(ctx + CTX_R, signature, 64);
  memory.copy(ctx + CTX_A, publicKey, 32);
  // 5.1.7 step 2: k = SHA-512(dom2(F, C) || R || A || PH(M)), dom2 empty for Ed25519
  sha512Init(ctx + CTX_HASH);
  sha512Update(ctx + CTX_HASH, signature, 32);
  sha512Update(ctx + CTX_HASH, publicKey, 32);
  store<u32>(ctx, 1, CTX_LIVE);
  return CryptoStatus.Valid;
}

export function ed25519CtxUpdate(ctx: usize, data: usize, len: usize): void {
  if (load<u32>(ctx, CTX_LIVE) != 0) sha512Update(ctx + CTX_HASH, data, len);
}

export function ed25519CtxFinish(ctx: usize): i32 {
  if (load<u32>(ctx, CTX_LIVE) == 0) return CryptoStatus.Invalid;
  store<u32>(ctx, 0, CTX_LIVE);
  sha512Final(ctx + CTX_HASH, digest);
  scReduce512(k, digest);
  pointDecode(keyPoint, ctx + CTX_A);
  // 5.1.7 step 3, cofactorless: encode([S]B - [k]A) == R
  scWnaf(nafS, ctx + CTX_S, BASE_WINDOW);
  scWnaf(nafK, k, KEY_WINDOW);
  prepareKeyTable(keyPoint);
  baseMinusKeyMul(check, nafS, nafK);
  pointEncode(checkBytes, check);
  return bytesEqual(checkBytes, ctx + CTX_R, 32) ? CryptoStatus.Valid : CryptoStatus.Invalid;
}

// The module's own verification in progress, for callers that verify one at a time.
const single = memory.data(<i32>ED25519_CTX_SIZE, 8);

/** Streaming verification with the module's single context: start, update, finish. */
export function ed25519VerifyStart(publicKey: usize, signature: usize): i32 {
  return ed25519CtxStart(single, publicKey, signature);
}

export function ed25519VerifyUpdate(data: usize, len: usize): void {
  ed25519CtxUpdate(single, data, len);
}

/** Drops the verification in progress, if any: its finish will be Invalid. */
export function ed25519VerifyAbandon(): void {
  store<u32>(single, 0, CTX_LIVE);
}

export function ed25519VerifyFinish(): i32 {
  return ed25519CtxFinish(single);
}

/** One-shot: 32-byte key, 64-byte signature, message of `len` bytes. */
export function ed25519Verify(publicKey: usize, signature: usize, message: usize, len: usize): i32 {
  const status = ed25519VerifyStart(publicKey, signature);
  if (status != CryptoStatus.Valid) return status;
  ed25519VerifyUpdate(message, len);
  return ed25519VerifyFinish();
}
