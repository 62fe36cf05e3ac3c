// RSASSA-PSS export (modules built with RSA: full.wasm), for the host's tests and
// benchmarks; verification code calls assembly/crypto/rsa.ts directly.
import { CryptoStatus } from "../outcome";
import { sha256 } from "../crypto/sha256";
import { rsaPssVerify, rsaKeySupported } from "../crypto/rsa";
import { derRsaPublicKey, rsaModulus, rsaModulusLength, rsaExponent } from "../crypto/der";
import { readable } from "../util/bytes";

const digest = memory.data(32, 8);

/**
 * RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt over `len` message bytes: the
 * key a DER rsaEncryption SubjectPublicKeyInfo of 2048 to 4096 bits with an odd exponent.
 * BadEncoding for another key; BadLength for a signature not as long as the modulus or a
 * range outside memory; Invalid for a signature that does not hold.
 */
export function rsaPssVerifyBytes(spki: usize, spkiLen: usize, signature: usize, signatureLen: usize, message: usize, len: usize): i32 {
  if (!readable(spki, spkiLen) || !readable(signature, signatureLen) || !readable(message, len)) return CryptoStatus.BadLength;
  if (spkiLen > 0xffff || !derRsaPublicKey(spki, <u32>spkiLen)) return CryptoStatus.BadEncoding;
  const n = rsaModulusLength;
  if (!rsaKeySupported(rsaModulus, n, rsaExponent)) return CryptoStatus.BadEncoding;
  if (<usize>n != signatureLen) return CryptoStatus.BadLength;
  sha256(message, len, digest);
  return rsaPssVerify(rsaModulus, n, rsaExponent, signature, digest);
}
