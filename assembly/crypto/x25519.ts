// X25519 (RFC 7748 section 5): the Montgomery ladder over the field of field25519.ts.
// Constant-time: the ladder runs all 255 steps whatever the scalar, swaps with a mask
// (cswap, never a branch on a key bit), and uses only feAdd/feSub/feMul/feSq and the
// fixed inversion chain, which are straight-line arithmetic. field25519.ts's feToBytes
// carries in a loop whose length depends on the value (fine for verification, not for a
// secret), so the result is frozen here with a fixed number of carries and a masked
// subtraction instead. The clamped scalar and every intermediate are wiped after use.
import { FE, feAdd, feCopy, feFromBytes, feInvert, feMul, feOne, feSq, feSub, feZero } from "./field25519";

const k = memory.data(32, 8); // clamped scalar
const x1 = memory.data(<i32>FE, 8);
const x2 = memory.data(<i32>FE, 8);
const z2 = memory.data(<i32>FE, 8);
const x3 = memory.data(<i32>FE, 8);
const z3 = memory.data(<i32>FE, 8);
const ta = memory.data(<i32>FE, 8);
const tb = memory.data(<i32>FE, 8);
const tc = memory.data(<i32>FE, 8);
const td = memory.data(<i32>FE, 8);
const a24 = memory.data(<i32>FE, 8);
const BASE = memory.data<u8>([9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

// Swaps f and g when swap is 1, leaves them when 0, with the same operations either way.
function cswap(f: usize, g: usize, swap: u32): void {
  const mask = <i32>(0 - swap);
  for (let i: usize = 0; i < FE; i += 4) {
    const a = load<i32>(f + i), b = load<i32>(g + i);
    const x = mask & (a ^ b);
    store<i32>(f + i, a ^ x);
    store<i32>(g + i, b ^ x);
  }
}

// Writes the canonical 32 bytes of f (carried limbs, |limb| below 2^27) in constant time.
function freeze(out: usize, f: usize): void {
  // add 4p limb by limb, so that every limb is non-negative before carrying
  let h0 = <i64>load<i32>(f) + 4 * 0x3ffffed;
  let h1 = <i64>load<i32>(f, 4) + 4 * 0x1ffffff;
  let h2 = <i64>load<i32>(f, 8) + 4 * 0x3ffffff;
  let h3 = <i64>load<i32>(f, 12) + 4 * 0x1ffffff;
  let h4 = <i64>load<i32>(f, 16) + 4 * 0x3ffffff;
  let h5 = <i64>load<i32>(f, 20) + 4 * 0x1ffffff;
  let h6 = <i64>load<i32>(f, 24) + 4 * 0x3ffffff;
  let h7 = <i64>load<i32>(f, 28) + 4 * 0x1ffffff;
  let h8 = <i64>load<i32>(f, 32) + 4 * 0x3ffffff;
  let h9 = <i64>load<i32>(f, 36) + 4 * 0x1ffffff;
  let c: i64;
  // three full passes bring the value below 2^255 (the top carry is at most 1 after two)
  for (let pass = 0; pass < 3; pass++) {
    c = h0 >> 26; h1 += c; h0 -= c << 26;
    c = h1 >> 25; h2 += c; h1 -= c << 25;
    c = h2 >> 26; h3 += c; h2 -= c << 26;
    c = h3 >> 25; h4 += c; h3 -= c << 25;
    c = h4 >> 26; h5 += c; h4 -= c << 26;
    c = h5 >> 25; h6 += c; h5 -= c << 25;
    c = h6 >> 26; h7 += c; h6 -= c << 26;
    c = h7 >> 25; h8 += c; h7 -= c << 25;
    c = h8 >> 26; h9 += c; h8 -= c << 26;
    c = h9 >> 25; h0 += c * 19; h9 -= c << 25;
  }
  // q = 1 exactly when the value is >= p; adding 19q and dropping bit 255 subtracts p
  let q = (h0 + 19) >> 26;
  q = (h1 + q) >> 25;
  q = (h2 + q) >> 26;
  q = (h3 + q) >> 25;
  q = (h4 + q) >> 26;
  q = (h5 + q) >> 25;
  q = (h6 + q) >> 26;
  q = (h7 + q) >> 25;
  q = (h8 + q) >> 26;
  q = (h9 + q) >> 25;
  h0 += 19 * q;
  c = h0 >> 26; h1 += c; h0 -= c << 26;
  c = h1 >> 25; h2 += c; h1 -= c << 25;
  c = h2 >> 26; h3 += c; h2 -= c << 26;
  c = h3 >> 25; h4 += c; h3 -= c << 25;
  c = h4 >> 26; h5 += c; h4 -= c << 26;
  c = h5 >> 25; h6 += c; h5 -= c << 25;
  c = h6 >> 26; h7 += c; h6 -= c << 26;
  c = h7 >> 25; h8 += c; h7 -= c << 25;
  c = h8 >> 26; h9 += c; h8 -= c << 26;
  h9 &= (1 << 25) - 1;
  // pack 26/25-bit limbs into 32 little-endian bytes
  const w0 = <u64>h0 | (<u64>h1 << 26) | (<u64>h2 << 51); // bits 0..63 (h2 spills past 64)
  const w1 = (<u64>h2 >> 13) | (<u64>h3 << 13) | (<u64>h4 << 38); // bits 64..127 (h4 spills)
  const w2 = (<u64>h4 >> 26) | (<u64>h5 << 0) | (<u64>h6 << 25) | (<u64>h7 << 51); // bits 128..191
  const w3 = (<u64>h7 >> 13) | (<u64>h8 << 12) | (<u64>h9 << 38); // bits 192..254
  store<u64>(out, w0);
  store<u64>(out, w1, 8);
  store<u64>(out, w2, 16);
  store<u64>(out, w3, 24);
}

/**
 * RFC 7748 section 5: `out` = X25519(scalar, u), 32 bytes each. The scalar is clamped (a
 * copy), the top bit of u is masked, and a non-canonical u (>= p) is taken mod p.
 * Returns false when the result is all zeros (a small-order u: RFC 7748 section 6.1 and
 * RFC 9180 7.1.4 tell the caller to abort); `out` is written either way.
 */
export function x25519(out: usize, scalar: usize, u: usize): bool {
  memory.copy(k, scalar, 32);
  store<u8>(k, load<u8>(k) & 248);
  store<u8>(k, (load<u8>(k, 31) & 127) | 64, 31);
  feFromBytes(x1, u); // the low 255 bits (section 5: mask the most significant bit)
  feOne(x2);
  feZero(z2);
  feCopy(x3, x1);
  feOne(z3);
  feZero(a24);
  store<i32>(a24, 121665);
  let swap: u32 = 0;
  for (let t = 254; t >= 0; t--) {
    const bit = (<u32>load<u8>(k + <usize>(t >> 3)) >> <u32>(t & 7)) & 1; // t is public, the bit is not
    swap ^= bit;
    cswap(x2, x3, swap);
    cswap(z2, z3, swap);
    swap = bit;
    feAdd(ta, x2, z2); // A
    feSub(tb, x2, z2); // B
    feAdd(tc, x3, z3); // C
    feSub(td, x3, z3); // D
    feMul(td, td, ta); // DA
    feMul(tc, tc, tb); // CB
    feSq(ta, ta); // AA
    feSq(tb, tb); // BB
    feAdd(x3, td, tc);
    feSq(x3, x3); // x3 = (DA + CB)^2
    feSub(z3, td, tc);
    feSq(z3, z3);
    feMul(z3, z3, x1); // z3 = x1 * (DA - CB)^2
    feMul(x2, ta, tb); // x2 = AA * BB
    feSub(tc, ta, tb); // E = AA - BB
    feMul(td, tc, a24); // a24 * E
    feAdd(td, td, ta); // AA + a24 * E
    feMul(z2, tc, td); // z2 = E * (AA + a24 * E)
  }
  cswap(x2, x3, swap);
  cswap(z2, z3, swap);
  feInvert(z2, z2);
  feMul(x2, x2, z2);
  feZero(ta);
  feInvert(ta, ta); // runs the inversion chain on 0: clears field25519's scratch of z2's powers
  freeze(out, x2);
  let nonzero: u32 = 0;
  for (let i: usize = 0; i < 32; i++) nonzero |= <u32>load<u8>(out + i);
  x25519Wipe();
  return nonzero != 0;
}

/** `out` = the public key of `scalar` (X25519 with the base point u = 9). */
export function x25519Base(out: usize, scalar: usize): void {
  x25519(out, scalar, BASE);
}

function x25519Wipe(): void {
  memory.fill(k, 0, 32);
  feZero(x1); feZero(x2); feZero(z2); feZero(x3); feZero(z3);
  feZero(ta); feZero(tb); feZero(tc); feZero(td);
}
