// Ed25519 signature verification (RFC 8032 section 5.1.7), cofactorless as OpenSSL.
// STUB: the foundations issue replaces the bodies; the signatures are the contract.
import { CryptoStatus } from "../outcome";

/**
 * Streaming verification, so a caller can hash canonical JSON as it produces it:
 * start (checks the key and signature encodings, hashes R || A), update with the
 * message bytes, finish (checks the group equation). Returns a CryptoStatus.
 * The one verification in progress lives in module-static state.
 */
export function ed25519VerifyStart(publicKey: usize, signature: usize): i32 {
  return CryptoStatus.Invalid;
}
export function ed25519VerifyUpdate(data: usize, len: usize): void {}
export function ed25519VerifyFinish(): i32 {
  return CryptoStatus.Invalid;
}

/** One-shot: 32-byte key, 64-byte signature, message of `len` bytes. */
export function ed25519Verify(publicKey: usize, signature: usize, message: usize, len: usize): i32 {
  const status = ed25519VerifyStart(publicKey, signature);
  if (status != CryptoStatus.Valid) return status;
  ed25519VerifyUpdate(message, len);
  return ed25519VerifyFinish();
}
