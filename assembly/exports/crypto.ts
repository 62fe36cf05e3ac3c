// Crypto exports, for the host's tests and benchmarks. Verification code calls the
// primitives in assembly/crypto/ directly.
//
// Every export that takes a (pointer, length) pair checks that the range lies inside
// linear memory and returns CryptoStatus.BadLength instead of trapping (DESIGN.md
// section 3: untrusted input never traps). Hash algorithms are named by their digest
// size in bits (HashAlgorithm, assembly/abi.ts).
import { CryptoStatus } from "../outcome";
import { HashAlgorithm } from "../abi";
import { readable } from "../util/bytes";
import { sha256, sha256Final, sha256Init, sha256Update } from "../crypto/sha256";
import { SHA512_CTX_SIZE, sha512, sha512Final, sha512Init, sha512Update } from "../crypto/sha512";
import { ed25519Verify, ed25519VerifyAbandon, ed25519VerifyFinish, ed25519VerifyStart, ed25519VerifyUpdate } from "../crypto/ed25519";

/** True when [ptr, ptr + len) lies inside memory and above the module's static data. */
function writable(ptr: usize, len: usize): bool {
  return ptr >= __heap_base && readable(ptr, len);
}

// The one streaming hash the host drives (the modules are single-threaded).
const hashCtx: usize = memory.data(<i32>SHA512_CTX_SIZE, 16); // the larger of the two contexts
let hashAlg: i32 = 0; // 0: no hash in progress

/** Where the streaming context lives, so the host can park and restore one hash while running another. */
export function hashContext(): usize {
  return hashCtx;
}

/** Starts a streaming hash (HashAlgorithm). Invalid for another algorithm. */
export function hashInit(alg: i32): i32 {
  if (alg == HashAlgorithm.Sha256) sha256Init(hashCtx);
  else if (alg == HashAlgorithm.Sha512) sha512Init(hashCtx);
  else return CryptoStatus.Invalid;
  hashAlg = alg;
  return CryptoStatus.Valid;
}

/** Feeds `len` bytes at `ptr`. BadLength for a range outside memory, Invalid when no hash is in progress. */
export function hashUpdate(ptr: usize, len: usize): i32 {
  if (!readable(ptr, len)) return CryptoStatus.BadLength;
  if (hashAlg == HashAlgorithm.Sha256) sha256Update(hashCtx, ptr, len);
  else if (hashAlg == HashAlgorithm.Sha512) sha512Update(hashCtx, ptr, len);
  else return CryptoStatus.Invalid;
  return CryptoStatus.Valid;
}

/** Writes the digest (32 or 64 bytes) to `out` and ends the hash. */
export function hashFinal(out: usize): i32 {
  if (hashAlg == HashAlgorithm.Sha256) {
    if (!writable(out, 32)) return CryptoStatus.BadLength;
    sha256Final(hashCtx, out);
  } else if (hashAlg == HashAlgorithm.Sha512) {
    if (!writable(out, 64)) return CryptoStatus.BadLength;
    sha512Final(hashCtx, out);
  } else return CryptoStatus.Invalid;
  hashAlg = 0;
  return CryptoStatus.Valid;
}

/** One-shot SHA-256 of `len` bytes at `ptr` into 32 bytes at `out`. */
export function sha256Digest(ptr: usize, len: usize, out: usize): i32 {
  if (!readable(ptr, len) || !writable(out, 32)) return CryptoStatus.BadLength;
  sha256(ptr, len, out);
  return CryptoStatus.Valid;
}

/** One-shot SHA-512 of `len` bytes at `ptr` into 64 bytes at `out`. */
export function sha512Digest(ptr: usize, len: usize, out: usize): i32 {
  if (!readable(ptr, len) || !writable(out, 64)) return CryptoStatus.BadLength;
  sha512(ptr, len, out);
  return CryptoStatus.Valid;
}

/**
 * Ed25519 verification with the lengths the host was given: a key that is not 32 bytes
 * or a signature that is not 64 bytes is BadLength here, in the module, whatever the host did.
 */
export function ed25519VerifyBytes(
  publicKey: usize, publicKeyLen: usize, signature: usize, signatureLen: usize, message: usize, len: usize,
): i32 {
  if (publicKeyLen != 32 || signatureLen != 64) return CryptoStatus.BadLength;
  if (!readable(publicKey, 32) || !readable(signature, 64) || !readable(message, len)) return CryptoStatus.BadLength;
  return ed25519Verify(publicKey, signature, message, len);
}

/**
 * Streaming Ed25519 verification, for a message the host feeds in chunks: start with the
 * key and signature (BadLength for wrong lengths, BadEncoding for S >= L or a
 * non-canonical or invalid A or R), then update, then finish for the verdict.
 */
export function ed25519StreamStart(publicKey: usize, publicKeyLen: usize, signature: usize, signatureLen: usize): i32 {
  ed25519VerifyAbandon();
  if (publicKeyLen != 32 || signatureLen != 64) return CryptoStatus.BadLength;
  if (!readable(publicKey, 32) || !readable(signature, 64)) return CryptoStatus.BadLength;
  return ed25519VerifyStart(publicKey, signature);
}

/** Feeds `len` message bytes at `ptr`; BadLength for a range outside memory (the verification is then abandoned). */
export function ed25519StreamUpdate(ptr: usize, len: usize): i32 {
  if (!readable(ptr, len)) {
    ed25519VerifyAbandon();
    return CryptoStatus.BadLength;
  }
  ed25519VerifyUpdate(ptr, len);
  return CryptoStatus.Valid;
}

/** The verdict of the streamed verification; Invalid when none was started or it was abandoned. */
export function ed25519StreamFinish(): i32 {
  return ed25519VerifyFinish();
}
