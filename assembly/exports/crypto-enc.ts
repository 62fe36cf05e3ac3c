// Decryption-side crypto exports (full-enc.wasm, partial-enc.wasm), for the host's tests
// and benchmarks: each primitive of per-ECU image decryption (README "Per-ECU image
// encryption: the ECU side") on its own. Image decryption itself calls assembly/crypto/
// directly. Every (pointer, length) pair is checked against memory (BadLength, never a
// trap); wrong key, nonce or tag sizes are BadLength; a tag that does not hold is Invalid.
import { CryptoStatus } from "../outcome";
import { readable } from "../util/bytes";
import { x25519, x25519Base } from "../crypto/x25519";
import { aeadOpen, aeadSeal } from "../crypto/chacha20poly1305";
import { aesGcmOpen, aesGcmSeal } from "../crypto/aes128gcm";
import { hkdfExpand, hkdfExtract, hmacSha256 } from "../crypto/hmac-sha256";
import { HPKE_MAX_INFO, hpkeOpenBase } from "../crypto/hpke";

function writable(ptr: usize, len: usize): bool {
  return ptr >= __heap_base && readable(ptr, len);
}

/** X25519(scalar, u) into 32 bytes at `out`: Valid, or Invalid when the result is all zeros (written anyway). */
export function x25519Bytes(scalar: usize, scalarLen: usize, u: usize, uLen: usize, out: usize): i32 {
  if (scalarLen != 32 || uLen != 32) return CryptoStatus.BadLength;
  if (!readable(scalar, 32) || !readable(u, 32) || !writable(out, 32)) return CryptoStatus.BadLength;
  return x25519(out, scalar, u) ? CryptoStatus.Valid : CryptoStatus.Invalid;
}

/** The X25519 public key of a 32-byte private key. */
export function x25519PublicKey(scalar: usize, scalarLen: usize, out: usize): i32 {
  if (scalarLen != 32 || !readable(scalar, 32) || !writable(out, 32)) return CryptoStatus.BadLength;
  x25519Base(out, scalar);
  return CryptoStatus.Valid;
}

// Shared size checks of the two AEADs: `sealed` is ciphertext | 16-byte tag.
function aeadArgs(key: usize, keyLen: usize, wantKey: usize, nonce: usize, nonceLen: usize, aad: usize, aadLen: usize): bool {
  // ChaCha20-Poly1305 takes 12-byte nonces only; AES-128-GCM any IV of 1 to 1024 bytes
  if (wantKey == 32 ? nonceLen != 12 : nonceLen == 0 || nonceLen > 1024) return false;
  return keyLen == wantKey && readable(key, keyLen) && readable(nonce, nonceLen) && readable(aad, aadLen);
}

/** ChaCha20-Poly1305 seal (32-byte key, 12-byte nonce): `len + 16` bytes to `out`. */
export function chacha20Poly1305Seal(key: usize, keyLen: usize, nonce: usize, nonceLen: usize, aad: usize, aadLen: usize, pt: usize, len: usize, out: usize): i32 {
  if (!aeadArgs(key, keyLen, 32, nonce, nonceLen, aad, aadLen) || !readable(pt, len) || !writable(out, len + 16)) return CryptoStatus.BadLength;
  aeadSeal(key, nonce, aad, aadLen, pt, len, out, out + len);
  return CryptoStatus.Valid;
}

/** ChaCha20-Poly1305 open of `sealedLen` bytes (ciphertext | tag): `sealedLen - 16` plaintext bytes to `out` when Valid. */
export function chacha20Poly1305Open(key: usize, keyLen: usize, nonce: usize, nonceLen: usize, aad: usize, aadLen: usize, sealed: usize, sealedLen: usize, out: usize): i32 {
  if (!aeadArgs(key, keyLen, 32, nonce, nonceLen, aad, aadLen) || sealedLen < 16 || !readable(sealed, sealedLen) || !writable(out, sealedLen - 16)) return CryptoStatus.BadLength;
  return aeadOpen(key, nonce, aad, aadLen, sealed, sealedLen - 16, sealed + sealedLen - 16, out) ? CryptoStatus.Valid : CryptoStatus.Invalid;
}

/** AES-128-GCM seal (16-byte key, 1 to 1024-byte IV, 16-byte tag): `len + 16` bytes to `out`. */
export function aes128GcmSeal(key: usize, keyLen: usize, iv: usize, ivLen: usize, aad: usize, aadLen: usize, pt: usize, len: usize, out: usize): i32 {
  if (!aeadArgs(key, keyLen, 16, iv, ivLen, aad, aadLen) || !readable(pt, len) || !writable(out, len + 16)) return CryptoStatus.BadLength;
  aesGcmSeal(key, iv, ivLen, aad, aadLen, pt, len, out, out + len);
  return CryptoStatus.Valid;
}

/** AES-128-GCM open of ciphertext | 16-byte tag. Other key sizes (AES-192/256) and an empty IV are BadLength. */
export function aes128GcmOpen(key: usize, keyLen: usize, iv: usize, ivLen: usize, aad: usize, aadLen: usize, sealed: usize, sealedLen: usize, out: usize): i32 {
  if (!aeadArgs(key, keyLen, 16, iv, ivLen, aad, aadLen) || sealedLen < 16 || !readable(sealed, sealedLen) || !writable(out, sealedLen - 16)) return CryptoStatus.BadLength;
  return aesGcmOpen(key, iv, ivLen, aad, aadLen, sealed, sealedLen - 16, sealed + sealedLen - 16, out) ? CryptoStatus.Valid : CryptoStatus.Invalid;
}

/** HMAC-SHA256 into 32 bytes at `out`. */
export function hmacSha256Bytes(key: usize, keyLen: usize, msg: usize, len: usize, out: usize): i32 {
  if (!readable(key, keyLen) || !readable(msg, len) || !writable(out, 32)) return CryptoStatus.BadLength;
  hmacSha256(key, keyLen, msg, len, out);
  return CryptoStatus.Valid;
}

const prk = memory.data(32, 16);

/** HKDF-SHA256 (RFC 5869) extract then expand to `outLen` bytes; BadLength above 255 * 32. */
export function hkdfSha256(ikm: usize, ikmLen: usize, salt: usize, saltLen: usize, info: usize, infoLen: usize, out: usize, outLen: usize): i32 {
  if (!readable(ikm, ikmLen) || !readable(salt, saltLen) || !readable(info, infoLen) || !writable(out, outLen)) return CryptoStatus.BadLength;
  if (outLen > 255 * 32) return CryptoStatus.BadLength;
  hkdfExtract(salt, saltLen, ikm, ikmLen, prk);
  hkdfExpand(prk, 32, info, infoLen, out, outLen);
  memory.fill(prk, 0, 32);
  return CryptoStatus.Valid;
}

/** HPKE base-mode single-shot Open (README "Per-ECU image encryption"): `ctLen - 16` bytes to `out` when Valid. */
export function hpkeOpen(skR: usize, skLen: usize, enc: usize, encLen: usize, info: usize, infoLen: usize, aad: usize, aadLen: usize, ct: usize, ctLen: usize, out: usize): i32 {
  if (skLen != 32 || encLen != 32 || ctLen < 16 || infoLen > HPKE_MAX_INFO) return CryptoStatus.BadLength;
  if (!readable(skR, 32) || !readable(enc, 32) || !readable(info, infoLen) || !readable(aad, aadLen) || !readable(ct, ctLen) || !writable(out, ctLen - 16)) return CryptoStatus.BadLength;
  return hpkeOpenBase(skR, enc, info, infoLen, aad, aadLen, ct, ctLen, out) ? CryptoStatus.Valid : CryptoStatus.Invalid;
}
