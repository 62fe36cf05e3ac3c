// ECDSA P-256 export (modules built with P-256: full.wasm, partial-p256.wasm), for the
// host's tests and benchmarks; verification code calls assembly/crypto/p256.ts directly.
import { CryptoStatus } from "../outcome";
import { sha256 } from "../crypto/sha256";
import { p256Verify } from "../crypto/p256";
import { derEcdsaSignature, derP256PublicKey } from "../crypto/der";
import { readable } from "../util/bytes";

const point = memory.data(64, 8);
const rs = memory.data(64, 8);
const digest = memory.data(32, 8);

/**
 * ECDSA P-256 with SHA-256 over `len` message bytes: the key a DER SubjectPublicKeyInfo
 * (uncompressed point), the signature a DER ECDSA-Sig-Value. BadEncoding for a key or
 * signature that is not strict DER or a key off the curve; Invalid for r or s out of
 * range or a signature that does not hold; BadLength for a range outside memory.
 */
export function ecdsaP256VerifyBytes(spki: usize, spkiLen: usize, signature: usize, signatureLen: usize, message: usize, len: usize): i32 {
  if (!readable(spki, spkiLen) || !readable(signature, signatureLen) || !readable(message, len)) return CryptoStatus.BadLength;
  if (!derP256PublicKey(spki, <u32>spkiLen, point)) return CryptoStatus.BadEncoding;
  if (signatureLen > 0xffff || !derEcdsaSignature(signature, <u32>signatureLen, rs)) return CryptoStatus.BadEncoding;
  sha256(message, len, digest);
  return p256Verify(point, rs, digest);
}
