// Ed25519 signature verification (RFC 8032 section 5.1.7), strict and cofactorless as
// OpenSSL (so Node's crypto.verify) does it:
//   - S must be below L, A and R must be canonical encodings (y < p), A must decode;
//   - k = SHA-512(R || A || M) mod L, and the signature holds when the encoding of
//     [S]B - [k]A equals the bytes of R. R is never decoded: an R that is not the
//     canonical encoding of a point cannot equal an encoding we compute.
// Small-order and mixed-order A and R are accepted when that equation holds, as OpenSSL
// does. Verification handles no secrets, so this is variable time. No allocation: the
// one verification in progress lives in the static buffers below.
import { CryptoStatus } from "../outcome";
import { SHA512_CTX_SIZE, sha512Init, sha512Update, sha512Final } from "./sha512";
import { feBytesCanonical } from "./field25519";
import { POINT4, pointDecode, pointEncode, prepareKeyTable, baseMinusKeyMul, BASE_WINDOW, KEY_WINDOW } from "./edwards25519";
import { scIsCanonical, scReduce512, scWnaf } from "./scalar25519";

const sigR = memory.data(32, 8);
const sigS = memory.data(32, 8);
const keyPoint = memory.data(<i32>POINT4, 8);
const hashCtx = memory.data(<i32>SHA512_CTX_SIZE, 8);
const digest = memory.data(64, 8);
const k = memory.data(32, 8);
const nafS = memory.data(256, 8);
const nafK = memory.data(256, 8);
const check = memory.data(<i32>POINT4, 8);
const checkBytes = memory.data(32, 8);

// Streaming state: whether a verification has started and is still possible.
let inProgress = false;

/**
 * Streaming verification, so a caller can hash canonical JSON as it produces it:
 * start (checks the key and signature encodings, hashes R || A), update with the
 * message bytes, finish (checks the group equation). Returns a CryptoStatus.
 * The one verification in progress lives in module-static state; a failed start leaves
 * none in progress, so its finish is Invalid.
 */
export function ed25519VerifyStart(publicKey: usize, signature: usize): i32 {
  inProgress = false;
  // 5.1.7 step 1: S in range [0, L), R and A canonical and A a point
  if (!scIsCanonical(signature + 32)) return CryptoStatus.BadEncoding;
  if (!feBytesCanonical(signature)) return CryptoStatus.BadEncoding;
  if (!pointDecode(keyPoint, publicKey)) return CryptoStatus.BadEncoding;
  memory.copy(sigR, signature, 32);
  memory.copy(sigS, signature + 32, 32);
  // 5.1.7 step 2: k = SHA-512(dom2(F, C) || R || A || PH(M)), dom2 empty for Ed25519
  sha512Init(hashCtx);
  sha512Update(hashCtx, signature, 32);
  sha512Update(hashCtx, publicKey, 32);
  inProgress = true;
  return CryptoStatus.Valid;
}

export function ed25519VerifyUpdate(data: usize, len: usize): void {
  if (inProgress) sha512Update(hashCtx, data, len);
}

/** Drops the verification in progress, if any: its finish will be Invalid. */
export function ed25519VerifyAbandon(): void {
  inProgress = false;
}

export function ed25519VerifyFinish(): i32 {
  if (!inProgress) return CryptoStatus.Invalid;
  inProgress = false;
  sha512Final(hashCtx, digest);
  scReduce512(k, digest);
  // 5.1.7 step 3, cofactorless: encode([S]B - [k]A) == R
  scWnaf(nafS, sigS, BASE_WINDOW);
  scWnaf(nafK, k, KEY_WINDOW);
  prepareKeyTable(keyPoint);
  baseMinusKeyMul(check, nafS, nafK);
  pointEncode(checkBytes, check);
  return memory.compare(checkBytes, sigR, 32) == 0 ? CryptoStatus.Valid : CryptoStatus.Invalid;
}

/** One-shot: 32-byte key, 64-byte signature, message of `len` bytes. */
export function ed25519Verify(publicKey: usize, signature: usize, message: usize, len: usize): i32 {
  const status = ed25519VerifyStart(publicKey, signature);
  if (status != CryptoStatus.Valid) return status;
  ed25519VerifyUpdate(message, len);
  return ed25519VerifyFinish();
}
