// ChaCha20-Poly1305 AEAD (RFC 8439 section 2.8). Opening checks the tag over the
// ciphertext first and decrypts only when it holds, so no plaintext of a forged message
// is ever written. The one-time key and the MAC state are wiped after each call.
import { chacha20PolyKey, chacha20Xor } from "./chacha20";
import { POLY_CTX_SIZE, ctEqual, polyFinish, polyInit, polyPad16, polyUpdate } from "./poly1305";

const polyCtx = memory.data(<i32>POLY_CTX_SIZE, 16);
const otk = memory.data(32, 16);
const lengths = memory.data(16, 8);
const computed = memory.data(16, 8);

// Section 2.8: mac_data = aad | pad16 | ciphertext | pad16 | le64(aad length) | le64(ciphertext length).
function tag(key: usize, nonce: usize, aad: usize, aadLen: usize, ct: usize, ctLen: usize, out: usize): void {
  chacha20PolyKey(key, nonce, otk);
  polyInit(polyCtx, otk);
  memory.fill(otk, 0, 32);
  polyUpdate(polyCtx, aad, aadLen);
  polyPad16(polyCtx);
  polyUpdate(polyCtx, ct, ctLen);
  polyPad16(polyCtx);
  store<u64>(lengths, <u64>aadLen);
  store<u64>(lengths, <u64>ctLen, 8);
  polyUpdate(polyCtx, lengths, 16);
  polyFinish(polyCtx, out);
}

/** Encrypts `len` bytes from `pt` to `ct` (may be the same) and writes the 16-byte tag. */
export function aeadSeal(key: usize, nonce: usize, aad: usize, aadLen: usize, pt: usize, len: usize, ct: usize, tagOut: usize): void {
  chacha20Xor(key, nonce, 1, pt, ct, len);
  tag(key, nonce, aad, aadLen, ct, len, tagOut);
}

/**
 * Checks the tag over `len` ciphertext bytes; when it holds, decrypts them to `pt` (may be
 * `ct`) and returns true. When it does not, `pt` is left as it was.
 */
export function aeadOpen(key: usize, nonce: usize, aad: usize, aadLen: usize, ct: usize, len: usize, tagIn: usize, pt: usize): bool {
  tag(key, nonce, aad, aadLen, ct, len, computed);
  const ok = ctEqual(computed, tagIn, 16);
  memory.fill(computed, 0, 16);
  if (!ok) return false;
  chacha20Xor(key, nonce, 1, ct, pt, len);
  return true;
}
