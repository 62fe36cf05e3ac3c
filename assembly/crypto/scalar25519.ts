// Scalars modulo the group order L = 2^252 + 27742317777372353535851937790883648493
// (RFC 8032 section 5.1): the range check on S, the reduction of the 64-byte hash k, and
// the signed sliding-window digits (wNAF) the double-scalar multiplication walks.
// Verification handles no secrets, so all of it may take variable time.

// L, little-endian.
const ORDER = memory.data<u8>([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);
// The reduction works in 64 signed byte-sized digits (i64 each, to hold the folds).
const digits = memory.data(64 * 8, 8);

@inline function dig(i: i32): i64 {
  return load<i64>(digits + (<usize>i << 3));
}
@inline function setDig(i: i32, v: i64): void {
  store<i64>(digits + (<usize>i << 3), v);
}

/** True when the 32 little-endian bytes at `s` are below L (RFC 8032 5.1.7 step 1). */
export function scIsCanonical(s: usize): bool {
  for (let i = 31; i >= 0; i--) {
    const a = load<u8>(s + <usize>i);
    const b = load<u8>(ORDER + <usize>i);
    if (a != b) return a < b;
  }
  return false; // equal to L
}

// Carries digits 0..30 into [0, 256); digit 31 keeps the signed rest.
function normalize(): void {
  for (let i = 0; i < 31; i++) {
    const v = dig(i);
    const c = v >> 8;
    setDig(i, v - (c << 8));
    setDig(i + 1, dig(i + 1) + c);
  }
}

// value += sign * L on normalized digits.
function addOrder(sign: i64): void {
  for (let i = 0; i < 32; i++) setDig(i, dig(i) + sign * <i64>load<u8>(ORDER + <usize>i));
  normalize();
}

// value >= L, for normalized digits.
function atLeastOrder(): bool {
  const top = dig(31);
  if (top != 0x10) return top > 0x10;
  for (let i = 30; i >= 0; i--) {
    const a = dig(i);
    const b = <i64>load<u8>(ORDER + <usize>i);
    if (a != b) return a > b;
  }
  return true;
}

/** out (32 bytes) = the 64-byte little-endian number at `input` mod L. */
export function scReduce512(out: usize, input: usize): void {
  for (let i = 0; i < 64; i++) setDig(i, <i64>load<u8>(input + <usize>i));
  // 2^256 = 16 * 2^252 = -16 * c (mod L), c = L - 2^252 (the low 16 bytes of L): fold each
  // digit at 256^i, i >= 32, into the digits from 256^(i-32), carrying as we go.
  for (let i = 63; i >= 32; i--) {
    const v = dig(i);
    if (v == 0) continue;
    setDig(i, 0);
    let carry: i64 = 0;
    const base = i - 32;
    for (let j = 0; j < 16; j++) {
      const x = dig(base + j) + carry - 16 * v * <i64>load<u8>(ORDER + <usize>j);
      carry = (x + 128) >> 8;
      setDig(base + j, x - (carry << 8));
    }
    setDig(base + 16, dig(base + 16) + carry);
  }
  normalize();
  // value = low 252 bits + t * 2^252 = low - t * c (mod L); repeat while t is large.
  let t = dig(31) >> 4;
  while (t > 1 || t < -1) {
    setDig(31, dig(31) - (t << 4));
    for (let j = 0; j < 16; j++) setDig(j, dig(j) - t * <i64>load<u8>(ORDER + <usize>j));
    normalize();
    t = dig(31) >> 4;
  }
  while (dig(31) < 0) addOrder(1);
  while (atLeastOrder()) addOrder(-1);
  for (let i = 0; i < 32; i++) store<u8>(out + <usize>i, <u8>dig(i));
}

/**
 * Signed sliding-window digits of a scalar below 2^253: naf[i] (i8, 256 of them) is 0 or
 * odd with |naf[i]| < 2^(w-1), the nonzero ones at least w apart, and
 * sum naf[i] * 2^i equals the scalar.
 */
export function scWnaf(naf: usize, s: usize, w: i32): void {
  memory.fill(naf, 0, 256);
  const half = 1 << (w - 1);
  const full = 1 << w;
  let carry = 0;
  let pos = 0;
  while (pos < 256) {
    const bit = bitAt(s, pos) + carry;
    if ((bit & 1) == 0) {
      carry = bit >> 1;
      pos++;
      continue;
    }
    // odd: take the next w bits (plus the carry) as one signed digit
    let window = carry;
    for (let b = 0; b < w; b++) window += bitAt(s, pos + b) << b;
    if (window >= half) {
      store<i8>(naf + <usize>pos, <i8>(window - full));
      carry = 1;
    } else {
      store<i8>(naf + <usize>pos, <i8>window);
      carry = 0;
    }
    pos += w;
  }
}

@inline function bitAt(s: usize, i: i32): i32 {
  if (i >= 256) return 0;
  return (load<u8>(s + <usize>(i >> 3)) >> <u8>(i & 7)) & 1;
}
