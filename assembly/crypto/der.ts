// A minimal, strict DER reader (ITU-T X.690 section 10) for what TUF keys and signatures
// hold: SubjectPublicKeyInfo (RFC 5280 section 4.1; EC keys RFC 5480, RSA keys RFC 8017
// appendix A.1.1) and ECDSA-Sig-Value (RFC 5480 section 2.2), plus the PEM armour around
// a public key (RFC 7468 section 13). Definite lengths in their shortest form only,
// INTEGERs positive and minimal, every element ending exactly where its parent does:
// anything else is refused, never read "leniently". Every read is bounds-checked.
import { base64Decode } from "../util/encoding";
import { HAS_P256, HAS_RSA } from "../build";
import { bytesEqual } from "../util/bytes";

/** Content of the element derElement read last. */
export let derValue: usize = 0;
export let derLength: u32 = 0;

/**
 * Reads one element with tag `tag` at `p` (before `end`): returns the position after it
 * (its content in derValue / derLength), or 0 when it is not there or not strict DER.
 */
export function derElement(p: usize, end: usize, tag: u32): usize {
  if (p >= end || end - p < 2 || <u32>load<u8>(p) != tag) return 0;
  let len = <u32>load<u8>(p, 1);
  let q = p + 2;
  if (len >= 0x80) {
    const bytes = len - 0x80;
    // long form: one or two length bytes, and only where the short form cannot say it
    if (bytes < 1 || bytes > 2 || end - q < <usize>bytes) return 0;
    len = <u32>load<u8>(q);
    if (bytes == 2) len = (len << 8) | <u32>load<u8>(q, 1);
    if (len < (bytes == 1 ? 0x80 : <u32>0x100)) return 0;
    q += <usize>bytes;
  }
  if (<usize>len > end - q) return 0;
  derValue = q;
  derLength = len;
  return q + <usize>len;
}

/** A non-negative INTEGER in minimal form; derValue / derLength its magnitude without the sign byte. */
export function derUnsigned(p: usize, end: usize): usize {
  const next = derElement(p, end, 0x02);
  if (next == 0 || derLength == 0) return 0;
  const first = <u32>load<u8>(derValue);
  if (first >= 0x80) return 0; // negative
  if (first == 0 && derLength > 1) {
    if (<u32>load<u8>(derValue, 1) < 0x80) return 0; // a leading zero that is not needed
    derValue++;
    derLength--;
  }
  return next;
}

// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }
/** r || s as 32 + 32 big-endian bytes from a DER ECDSA-Sig-Value; false when malformed or over 256 bits. */
export function derEcdsaSignature(sig: usize, len: u32, out: usize): bool {
  const end = sig + <usize>len;
  if (derElement(sig, end, 0x30) != end) return false;
  let p = derValue;
  const seqEnd = end;
  for (let k: usize = 0; k < 2; k++) {
    p = derUnsigned(p, seqEnd);
    if (p == 0 || derLength > 32) return false;
    const o = out + k * 32;
    memory.fill(o, 0, 32);
    memory.copy(o + 32 - <usize>derLength, derValue, derLength);
  }
  return p == seqEnd;
}

// SubjectPublicKeyInfo of an uncompressed P-256 point: SEQUENCE { SEQUENCE { id-ecPublicKey,
// prime256v1 }, BIT STRING { 0 unused bits, 04 X Y } }; DER admits no other encoding of it.
const P256_SPKI_PREFIX: usize = !HAS_P256 ? 0 : memory.data<u8>([
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
  0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
]);
export const P256_SPKI_SIZE: u32 = 91;

/** The 64 bytes X || Y of a P-256 SubjectPublicKeyInfo (uncompressed point only), or false. */
export function derP256PublicKey(spki: usize, len: u32, out: usize): bool {
  if (len != P256_SPKI_SIZE || !bytesEqual(spki, P256_SPKI_PREFIX, 27)) return false;
  memory.copy(out, spki + 27, 64);
  return true;
}

// AlgorithmIdentifier { rsaEncryption, NULL }
const RSA_ALGORITHM: usize = !HAS_RSA ? 0 : memory.data<u8>([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]);

/** Modulus of the RSA key derRsaPublicKey read (big-endian, no leading zero) and its public exponent. */
export let rsaModulus: usize = 0;
export let rsaModulusLength: u32 = 0;
export let rsaExponent: u32 = 0;

/**
 * An rsaEncryption SubjectPublicKeyInfo: SEQUENCE { AlgorithmIdentifier, BIT STRING { 0
 * unused bits, RSAPublicKey { modulus, publicExponent } } }. The exponent must fit 32
 * bits (TUF tooling writes 65537). Sets rsaModulus / rsaModulusLength / rsaExponent.
 */
export function derRsaPublicKey(spki: usize, len: u32): bool {
  const end = spki + <usize>len;
  if (derElement(spki, end, 0x30) != end) return false;
  let p = derValue;
  if (end - p < 15 || !bytesEqual(p, RSA_ALGORITHM, 15)) return false;
  p += 15;
  if (derElement(p, end, 0x03) != end || derLength < 1 || load<u8>(derValue) != 0) return false;
  const keyEnd = derValue + <usize>derLength;
  if (derElement(derValue + 1, keyEnd, 0x30) != keyEnd) return false;
  p = derUnsigned(derValue, keyEnd);
  if (p == 0) return false;
  rsaModulus = derValue;
  rsaModulusLength = derLength;
  if (derUnsigned(p, keyEnd) != keyEnd || derLength > 4) return false;
  let e: u32 = 0;
  for (let i: u32 = 0; i < derLength; i++) e = (e << 8) | <u32>load<u8>(derValue + <usize>i);
  rsaExponent = e;
  return true;
}

const LABEL_LEN: u32 = 26; // "-----BEGIN PUBLIC KEY-----"; the END line is 24

function asciiAt(p: usize, n: u32, lit: string): bool {
  if (<u32>lit.length != n) return false;
  for (let i: i32 = 0; i < lit.length; i++) if (<u32>load<u8>(p + <usize>i) != <u32>lit.charCodeAt(i)) return false;
  return true;
}

/**
 * The DER inside a PEM public key (`len` bytes at `pem`, line ends "\n"): the BEGIN line,
 * base64 lines, the END line, one optional final "\n". The base64 (newlines dropped) goes
 * through `work` (at least `len` bytes), the DER to `out` (at most `cap` bytes).
 * Returns the DER's length, or 0.
 */
export function pemPublicKey(pem: usize, len: u32, work: usize, out: usize, cap: u32): u32 {
  if (len < LABEL_LEN + 26 || !asciiAt(pem, LABEL_LEN, "-----BEGIN PUBLIC KEY-----") || load<u8>(pem + <usize>LABEL_LEN) != 0x0a) return 0;
  let end = len;
  if (load<u8>(pem + <usize>(end - 1)) == 0x0a) end--;
  if (!asciiAt(pem + <usize>(end - 24), 24, "-----END PUBLIC KEY-----") || load<u8>(pem + <usize>(end - 25)) != 0x0a) return 0;
  // base64 lines between, each ending "\n" (no empty lines)
  let n: u32 = 0;
  let lineLen: u32 = 0;
  for (let i: u32 = LABEL_LEN + 1; i < end - 24; i++) {
    const c = load<u8>(pem + <usize>i);
    if (c == 0x0a) {
      if (lineLen == 0) return 0;
      lineLen = 0;
      continue;
    }
    store<u8>(work + <usize>n, c);
    n++;
    lineLen++;
  }
  if (n == 0 || n % 4 != 0) return 0;
  let pad: u32 = 0;
  if (load<u8>(work + <usize>(n - 1)) == 0x3d) pad++;
  if (load<u8>(work + <usize>(n - 2)) == 0x3d) pad++;
  const der = (n / 4) * 3 - pad;
  if (der > cap || !base64Decode(work, n, out, der)) return 0;
  return der;
}
