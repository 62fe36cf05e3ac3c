// RSASSA-PSS verification with SHA-256 and MGF1-SHA-256 (RFC 8017 sections 8.1.2 and
// 9.1.2), for TUF's `rsassa-pss-sha256` keys of 2048 to 4096 bits.
//
// Salt length: exactly 32 bytes (the digest length) is accepted, no other. That is what
// TUF tooling writes (securesystemslib and OTA Connect sign with sLen = hLen) and what
// RFC 8017 9.1 note 4 recommends; fixing it means one encoding per message, so a
// signature made with another salt length (Node's default maximum, for example) is
// refused rather than recovered "automatically".
// Big numbers and Montgomery multiplication are assembly/crypto/bignum.ts; verification
// handles no secrets, so this is variable time.
import { CryptoStatus } from "../outcome";
import { HAS_RSA } from "../build";
import { MOD_N, MAX_LIMBS, modSetup, montMul, modAdd, bnCompare, bnFromBytes, bnToBytes } from "./bignum";
import { sha256Init, sha256Update, sha256Final, SHA256_CTX_SIZE } from "./sha256";
import { bytesEqual } from "../util/bytes";

export const RSA_MIN_BYTES: u32 = 256;
export const RSA_MAX_BYTES: u32 = 512;
const H_LEN: u32 = 32;
const S_LEN: u32 = 32;

const NB: usize = <usize>MAX_LIMBS << 2;
const mod: usize = HAS_RSA ? memory.data(<i32>(8 + NB), 8) : 0;
const s: usize = HAS_RSA ? memory.data(<i32>NB, 8) : 0;
const rr: usize = HAS_RSA ? memory.data(<i32>NB, 8) : 0; // 2^(64 n) mod m
const y: usize = HAS_RSA ? memory.data(<i32>NB, 8) : 0;
const one: usize = HAS_RSA ? memory.data(<i32>NB, 8) : 0;
const em: usize = HAS_RSA ? memory.data(<i32>RSA_MAX_BYTES, 8) : 0;
const ctx: usize = HAS_RSA ? memory.data(<i32>SHA256_CTX_SIZE, 8) : 0;
const block: usize = HAS_RSA ? memory.data(40, 8) : 0;
const hash: usize = HAS_RSA ? memory.data(32, 8) : 0;

/** Whether a key is one this verifier takes: 2048 to 4096 bits, an odd modulus, an odd exponent of at least 3. */
export function rsaKeySupported(modulus: usize, len: u32, exponent: u32): bool {
  if (len < RSA_MIN_BYTES || len > RSA_MAX_BYTES || load<u8>(modulus) == 0) return false;
  if (len == RSA_MIN_BYTES && (load<u8>(modulus) & 0x80) == 0) return false;
  return exponent >= 3 && (exponent & 1) != 0 && (load<u8>(modulus + <usize>len - 1) & 1) != 0;
}

// rr = R^2 mod m for R = 2^(32 n), m of `bits` bits
function montgomerySquare(n: u32, bits: u32): void {
  // 2^(bits - 1) < m, doubled up to R mod m
  memory.fill(rr, 0, <usize>n << 2);
  const top = bits - 1;
  store<u32>(rr + (<usize>(top >> 5) << 2), 1 << (top & 31));
  for (let i = top; i < 32 * n; i++) modAdd(rr, rr, rr, mod);
  // rr is now R mod m, the Montgomery form of 1; raise 2 to the power 32 n in that form
  const e = 32 * n;
  let started = false;
  for (let i = 31; i >= 0; i--) {
    if (started) montMul(rr, rr, rr, mod);
    if (((e >> <u32>i) & 1) != 0) {
      modAdd(rr, rr, rr, mod);
      started = true;
    }
  }
}

/**
 * Verifies a `len`-byte signature (len the modulus length) over a SHA-256 `digest` with
 * the key (`modulus`, `len` big-endian bytes, top byte non-zero; `exponent` odd).
 */
export function rsaPssVerify(modulus: usize, len: u32, exponent: u32, signature: usize, digest: usize): i32 {
  if (!rsaKeySupported(modulus, len, exponent)) return CryptoStatus.BadEncoding;
  const n = (len + 3) >> 2;
  store<u32>(mod, n);
  bnFromBytes(mod + MOD_N, modulus, len, n);
  modSetup(mod);
  let bits = len * 8;
  for (let b = <u32>load<u8>(modulus); (b & 0x80) == 0; b <<= 1) bits--;
  // 8.1.2 step 2.b: RSAVP1, the signature representative below the modulus
  bnFromBytes(s, signature, len, n);
  if (bnCompare(s, mod + MOD_N, n) >= 0) return CryptoStatus.Invalid;
  // m = s^e mod n, in Montgomery form then out of it
  montgomerySquare(n, bits);
  montMul(s, s, rr, mod);
  memory.copy(y, s, <usize>n << 2);
  let top = 31;
  while (((exponent >> <u32>top) & 1) == 0) top--;
  for (let i = top - 1; i >= 0; i--) {
    montMul(y, y, y, mod);
    if (((exponent >> <u32>i) & 1) != 0) montMul(y, y, s, mod);
  }
  memory.fill(one, 0, <usize>n << 2);
  store<u32>(one, 1);
  montMul(y, y, one, mod);
  // step 2.c: EM of emLen = ceil((modBits - 1) / 8) bytes
  const emBits = bits - 1;
  const emLen = (emBits + 7) >> 3;
  bnToBytes(em, y, n, len);
  let e = em;
  if (emLen < len) {
    if (load<u8>(em) != 0) return CryptoStatus.Invalid;
    e = em + 1;
  }
  return emsaPssVerify(e, emLen, emBits, digest);
}

// RFC 8017 9.1.2, with hLen = sLen = 32
function emsaPssVerify(e: usize, emLen: u32, emBits: u32, digest: usize): i32 {
  // step 3
  if (emLen < H_LEN + S_LEN + 2) return CryptoStatus.Invalid;
  // step 4: the rightmost octet is 0xbc
  if (load<u8>(e + <usize>emLen - 1) != 0xbc) return CryptoStatus.Invalid;
  // step 5: maskedDB || H
  const dbLen = emLen - H_LEN - 1;
  const h = e + <usize>dbLen;
  // step 6: the leftmost 8 emLen - emBits bits of maskedDB are zero
  const topMask = <u32>(0xff >> (8 * emLen - emBits));
  if ((<u32>load<u8>(e) & ~topMask & 0xff) != 0) return CryptoStatus.Invalid;
  // steps 7-8: DB = maskedDB xor MGF1(H, dbLen)
  memory.copy(block, h, H_LEN);
  for (let counter: u32 = 0, at: u32 = 0; at < dbLen; counter++) {
    store<u32>(block + <usize>H_LEN, bswap<u32>(counter));
    sha256Init(ctx);
    sha256Update(ctx, block, H_LEN + 4);
    sha256Final(ctx, hash);
    for (let k: u32 = 0; k < 32 && at < dbLen; k++, at++) {
      store<u8>(e + <usize>at, load<u8>(e + <usize>at) ^ load<u8>(hash + <usize>k));
    }
  }
  // step 9
  store<u8>(e, <u8>(<u32>load<u8>(e) & topMask));
  // step 10: zeros, then 0x01, then the salt
  const psLen = emLen - H_LEN - S_LEN - 2;
  for (let k: u32 = 0; k < psLen; k++) if (load<u8>(e + <usize>k) != 0) return CryptoStatus.Invalid;
  if (load<u8>(e + <usize>psLen) != 0x01) return CryptoStatus.Invalid;
  // steps 12-14: H' = SHA-256(0^8 || mHash || salt) == H
  memory.fill(block, 0, 8);
  sha256Init(ctx);
  sha256Update(ctx, block, 8);
  sha256Update(ctx, digest, 32);
  sha256Update(ctx, e + <usize>(dbLen - S_LEN), S_LEN);
  sha256Final(ctx, hash);
  return bytesEqual(hash, h, 32) ? CryptoStatus.Valid : CryptoStatus.Invalid;
}
