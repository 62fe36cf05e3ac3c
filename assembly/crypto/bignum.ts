// Multi-precision modular arithmetic for the P-256 and RSA verifiers: numbers are arrays
// of 32-bit limbs in linear memory, least significant first, so a limb product with its
// carries fits a u64. Multiplication is Montgomery's (coarsely integrated operand
// scanning): one routine serves the P-256 field, the P-256 group order and RSA moduli up
// to 4096 bits. Verification handles no secrets, so everything here is variable time.
//
// A modulus lives in a context the caller lays out: limb count (u32), -m^-1 mod 2^32
// (u32), then the limbs. Operands of the modular routines must be below the modulus;
// their results are too. Outputs may alias inputs.

import { HAS_P256, HAS_RSA } from "../build";

/** Limbs of the largest modulus (RSA 4096). */
export const MAX_LIMBS: u32 = 128;
export const MOD_LIMBS: usize = 0;
export const MOD_INV: usize = 4;
export const MOD_N: usize = 8;

// the Montgomery accumulator: n + 2 limbs (only in modules built with P-256 or RSA)
const acc: usize = (HAS_P256 || HAS_RSA) ? memory.data(<i32>((MAX_LIMBS + 2) << 2), 8) : 0;

@inline function limb(p: usize, i: u32): u64 {
  return <u64>load<u32>(p + (<usize>i << 2));
}

/** Fills in -m^-1 mod 2^32 for the context's (odd) modulus. */
export function modSetup(mod: usize): void {
  const m0 = load<u32>(mod, MOD_N);
  // Newton's iteration doubles the correct low bits: 1, 2, 4, ... 32 (m0 odd)
  let x: u32 = 1;
  for (let i = 0; i < 5; i++) x = x * (2 - m0 * x);
  store<u32>(mod, 0 - x, MOD_INV);
}

/** out = a * b / 2^(32n) mod m. */
export function montMul(out: usize, a: usize, b: usize, mod: usize): void {
  const n = load<u32>(mod, MOD_LIMBS);
  const inv = <u64>load<u32>(mod, MOD_INV);
  const m = mod + MOD_N;
  memory.fill(acc, 0, (<usize>n + 2) << 2);
  const b0 = limb(b, 0);
  for (let i: u32 = 0; i < n; i++) {
    const ai = limb(a, i);
    // acc += ai * b, then + q * m with q chosen so the low limb becomes 0, shifted down
    let s = limb(acc, 0) + ai * b0;
    const q = ((s & 0xffffffff) * inv) & 0xffffffff;
    let c1 = s >> 32;
    let c2 = ((s & 0xffffffff) + q * limb(m, 0)) >> 32;
    for (let j: u32 = 1; j < n; j++) {
      s = limb(acc, j) + ai * limb(b, j) + c1;
      c1 = s >> 32;
      const t = (s & 0xffffffff) + q * limb(m, j) + c2;
      c2 = t >> 32;
      store<u32>(acc + (<usize>(j - 1) << 2), <u32>t);
    }
    s = limb(acc, n) + c1 + c2;
    store<u32>(acc + (<usize>(n - 1) << 2), <u32>s);
    store<u32>(acc + (<usize>n << 2), <u32>(limb(acc, n + 1) + (s >> 32)));
  }
  // acc < 2m: one subtraction at most
  if (load<u32>(acc + (<usize>n << 2)) != 0 || bnCompare(acc, m, n) >= 0) bnSubRaw(acc, acc, m, n);
  memory.copy(out, acc, <usize>n << 2);
}

// working numbers for modInverse: u, v, x1, x2 (n + 1 limbs each)
const inv: usize = (HAS_P256 || HAS_RSA) ? memory.data(<i32>(4 * 36), 8) : 0;

// a = a / 2 mod m, for a < m (m odd): (a + m) / 2 when a is odd
function halveMod(a: usize, m: usize, n: u32): void {
  let top: u32 = 0;
  if ((load<u32>(a) & 1) != 0) top = bnAddRaw(a, a, m, n);
  for (let i: u32 = 0; i < n; i++) {
    const hi = i + 1 < n ? load<u32>(a + (<usize>(i + 1) << 2)) : top;
    store<u32>(a + (<usize>i << 2), (load<u32>(a + (<usize>i << 2)) >> 1) | (hi << 31));
  }
}

function shiftRight1(a: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    const hi = i + 1 < n ? load<u32>(a + (<usize>(i + 1) << 2)) : 0;
    store<u32>(a + (<usize>i << 2), (load<u32>(a + (<usize>i << 2)) >> 1) | (hi << 31));
  }
}

/**
 * out = a^-1 mod m (m odd, at most 8 limbs, 0 < a < m) by the binary extended Euclidean
 * algorithm: a few hundred shifts and subtractions instead of Fermat's few hundred
 * products. Returns false when a has no inverse.
 */
export function modInverse(out: usize, a: usize, mod: usize): bool {
  const n = load<u32>(mod, MOD_LIMBS);
  const m = mod + MOD_N;
  const u = inv, v = inv + 36, x1 = inv + 72, x2 = inv + 108;
  memory.copy(u, a, <usize>n << 2);
  memory.copy(v, m, <usize>n << 2);
  memory.fill(x1, 0, <usize>n << 2);
  memory.fill(x2, 0, <usize>n << 2);
  store<u32>(x1, 1);
  if (bnIsZero(u, n)) return false;
  while (true) {
    while ((load<u32>(u) & 1) == 0) {
      shiftRight1(u, n);
      halveMod(x1, m, n);
    }
    while ((load<u32>(v) & 1) == 0) {
      shiftRight1(v, n);
      halveMod(x2, m, n);
    }
    if (bnCompare(u, v, n) >= 0) {
      bnSubRaw(u, u, v, n);
      modSub(x1, x1, x2, mod);
      if (bnIsZero(u, n)) break;
    } else {
      bnSubRaw(v, v, u, n);
      modSub(x2, x2, x1, mod);
    }
  }
  // u reached 0 with v = gcd(a, m): invertible when it is 1
  if (load<u32>(v) != 1) return false;
  for (let i: u32 = 1; i < n; i++) if (load<u32>(v + (<usize>i << 2)) != 0) return false;
  memory.copy(out, x2, <usize>n << 2);
  return true;
}

/** -1, 0 or 1 as a < b, a == b, a > b (n limbs each). */
export function bnCompare(a: usize, b: usize, n: u32): i32 {
  for (let i = <i32>n - 1; i >= 0; i--) {
    const x = load<u32>(a + (<usize>i << 2));
    const y = load<u32>(b + (<usize>i << 2));
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

export function bnIsZero(a: usize, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) if (load<u32>(a + (<usize>i << 2)) != 0) return false;
  return true;
}

/** out = a - b over n limbs; returns the borrow (0 or 1). */
export function bnSubRaw(out: usize, a: usize, b: usize, n: u32): u32 {
  let borrow: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const d = limb(a, i) - limb(b, i) - borrow;
    store<u32>(out + (<usize>i << 2), <u32>d);
    borrow = (d >> 32) & 1;
  }
  return <u32>borrow;
}

/** out = a + b over n limbs; returns the carry. */
function bnAddRaw(out: usize, a: usize, b: usize, n: u32): u32 {
  let carry: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const s = limb(a, i) + limb(b, i) + carry;
    store<u32>(out + (<usize>i << 2), <u32>s);
    carry = s >> 32;
  }
  return <u32>carry;
}

/** out = a + b mod m. */
export function modAdd(out: usize, a: usize, b: usize, mod: usize): void {
  const n = load<u32>(mod, MOD_LIMBS);
  const m = mod + MOD_N;
  const carry = bnAddRaw(out, a, b, n);
  if (carry != 0 || bnCompare(out, m, n) >= 0) bnSubRaw(out, out, m, n);
}

/** out = a - b mod m. */
export function modSub(out: usize, a: usize, b: usize, mod: usize): void {
  const n = load<u32>(mod, MOD_LIMBS);
  if (bnSubRaw(out, a, b, n) != 0) bnAddRaw(out, out, mod + MOD_N, n);
}

/** n limbs from `len` big-endian bytes; false when the value does not fit. */
export function bnFromBytes(out: usize, src: usize, len: u32, n: u32): bool {
  memory.fill(out, 0, <usize>n << 2);
  for (let k: u32 = 0; k < len; k++) {
    const byte = <u32>load<u8>(src + <usize>(len - 1 - k));
    const at = k >> 2;
    if (at >= n) {
      if (byte != 0) return false;
      continue;
    }
    const p = out + (<usize>at << 2);
    store<u32>(p, load<u32>(p) | (byte << ((k & 3) << 3)));
  }
  return true;
}

/** `len` big-endian bytes of an n-limb number (len <= 4n). */
export function bnToBytes(out: usize, a: usize, n: u32, len: u32): void {
  for (let k: u32 = 0; k < len; k++) {
    const at = k >> 2;
    const byte = at < n ? load<u32>(a + (<usize>at << 2)) >> ((k & 3) << 3) : 0;
    store<u8>(out + <usize>(len - 1 - k), <u8>byte);
  }
}
