// The twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19) (RFC 8032
// section 5.1), in extended coordinates (Hisil, Wong, Carter, Dawson 2008, a = -1):
// x = X/Z, y = Y/Z, x*y = T/Z. Point layouts in memory, each coordinate a field element
// (field25519.ts, FE bytes):
//   projective  X Y Z        (enough to double)
//   extended    X Y Z T      (enough to add to)
//   completed   E F G H      (result of a doubling or an addition: X = E*F, Y = G*H,
//                             Z = F*G, T = E*H; converting costs 3 or 4 multiplications)
//   cached      Y+X Y-X 2Z 2dT (the addend of an addition, prepared once)
// Verification handles no secrets, so this is variable time.
import {
  FE, feAdd, feSub, feMul, feSq, feOne, feZero, feCopy, feNeg, feInvert, fePow22523, feFromBytes,
  feToBytes, feBytesCanonical, feEqual, feIsZero, feIsOdd, feCarry,
} from "./field25519";

/** Bytes of a point with three or four coordinates. */
export const POINT3: usize = 3 * FE;
export const POINT4: usize = 4 * FE;

const X: usize = 0;
const Y: usize = FE;
const Z: usize = 2 * FE;
const T: usize = 3 * FE;

// d = -121665/121666 and 2d, sqrt(-1), little-endian.
const D_BYTES = memory.data<u8>([
  0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
  0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52,
]);
const SQRTM1_BYTES = memory.data<u8>([
  0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
  0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b,
]);
const feD = memory.data(40, 8);
const feD2 = memory.data(40, 8);
const feSqrtM1 = memory.data(40, 8);
let constantsReady = false;

function loadConstants(): void {
  feFromBytes(feD, D_BYTES);
  feAdd(feD2, feD, feD);
  feCarry(feD2);
  feFromBytes(feSqrtM1, SQRTM1_BYTES);
  constantsReady = true;
}

// scratch
const u = memory.data(40, 8);
const v = memory.data(40, 8);
const w = memory.data(40, 8);
const x2 = memory.data(40, 8);
const a = memory.data(40, 8);
const b = memory.data(40, 8);
const c = memory.data(40, 8);
const dd = memory.data(40, 8);
const enc = memory.data(32, 8);

/**
 * Decodes 32 bytes to an extended point (RFC 8032 5.1.3). False when y >= p, when no x
 * exists, or when x = 0 comes with the sign bit set: each a non-canonical or invalid
 * encoding.
 */
export function pointDecode(p: usize, s: usize): bool {
  if (!constantsReady) loadConstants();
  if (!feBytesCanonical(s)) return false; // step 1: y < p
  const sign = (load<u8>(s, 31) >> 7) != 0;
  feFromBytes(p + Y, s);
  feOne(p + Z);
  // step 2: u = y^2 - 1, v = d y^2 + 1, candidate x = u v^3 (u v^7)^((p-5)/8)
  feSq(u, p + Y);
  feMul(v, u, feD);
  feSub(u, u, p + Z);
  feAdd(v, v, p + Z);
  feSq(w, v);
  feMul(w, w, v); // v^3
  feMul(x2, w, u); // u v^3
  feSq(w, w);
  feMul(w, w, v); // v^7
  feMul(w, w, u); // u v^7
  fePow22523(w, w);
  feMul(p + X, x2, w);
  // step 3: v x^2 = u, or = -u (then x *= sqrt(-1)), else no square root
  feSq(x2, p + X);
  feMul(x2, x2, v);
  if (!feEqual(x2, u)) {
    feNeg(u, u);
    if (!feEqual(x2, u)) return false;
    feMul(p + X, p + X, feSqrtM1);
  }
  // step 4: x = 0 with sign bit 1 fails; pick the root whose low bit is the sign bit
  if (feIsZero(p + X)) {
    if (sign) return false;
  } else if (feIsOdd(p + X) != sign) {
    feNeg(p + X, p + X);
    feCarry(p + X);
  }
  feMul(p + T, p + X, p + Y);
  return true;
}

/** Writes the 32-byte encoding of a projective point (RFC 8032 5.1.2). */
export function pointEncode(s: usize, p: usize): void {
  feInvert(a, p + Z);
  feMul(b, p + X, a);
  feMul(c, p + Y, a);
  feToBytes(s, c);
  if (feIsOdd(b)) store<u8>(s, load<u8>(s, 31) | 0x80, 31);
}

/** The neutral element (0, 1) as a projective point. */
export function pointIdentity(p: usize): void {
  feZero(p + X);
  feOne(p + Y);
  feOne(p + Z);
}

/** Cached form of an extended point, the addend of pointAdd. */
export function pointToCached(q: usize, p: usize): void {
  if (!constantsReady) loadConstants();
  feAdd(q, p + Y, p + X);
  feSub(q + FE, p + Y, p + X);
  feAdd(q + 2 * FE, p + Z, p + Z);
  feMul(q + 3 * FE, p + T, feD2);
}

/**
 * r (completed) = p (extended) + q (cached), or p - q when `subtract`
 * (add-2008-hwcd-3 with a = -1; -q swaps Y+X with Y-X and negates 2dT).
 */
export function pointAdd(r: usize, p: usize, q: usize, subtract: bool): void {
  feAdd(a, p + Y, p + X);
  feSub(b, p + Y, p + X);
  if (subtract) {
    feMul(a, a, q + FE);
    feMul(b, b, q);
  } else {
    feMul(a, a, q);
    feMul(b, b, q + FE);
  }
  feMul(c, p + T, q + 3 * FE); // 2d T1 T2
  feMul(dd, p + Z, q + 2 * FE); // 2 Z1 Z2
  feSub(r, a, b); // E = (Y1+X1)(Y2+X2) - (Y1-X1)(Y2-X2)
  feAdd(r + 3 * FE, a, b); // H
  if (subtract) {
    feAdd(r + FE, dd, c); // F = D - C with C negated
    feSub(r + 2 * FE, dd, c); // G = D + C with C negated
  } else {
    feSub(r + FE, dd, c);
    feAdd(r + 2 * FE, dd, c);
  }
}

/**
 * r (completed) = 2p, p projective or extended (dbl-2008-hwcd, a = -1, every output
 * negated, which leaves X, Y, Z, T unchanged).
 */
export function pointDouble(r: usize, p: usize): void {
  feSq(a, p + X); // A = X^2
  feSq(b, p + Y); // B = Y^2
  feSq(c, p + Z);
  feAdd(c, c, c); // C = 2 Z^2
  feAdd(dd, p + X, p + Y);
  feSq(dd, dd); // (X + Y)^2
  feAdd(r + 3 * FE, a, b); // -H = A + B
  feSub(r, r + 3 * FE, dd); // -E = A + B - (X+Y)^2
  feSub(r + 2 * FE, a, b); // -G = A - B
  feAdd(r + FE, c, r + 2 * FE); // -F = C - G
}

/** Projective point from a completed one. */
export function completedToProjective(p: usize, r: usize): void {
  feMul(p + X, r, r + FE);
  feMul(p + Y, r + 2 * FE, r + 3 * FE);
  feMul(p + Z, r + FE, r + 2 * FE);
}

/** Extended point from a completed one. */
export function completedToExtended(p: usize, r: usize): void {
  feMul(p + X, r, r + FE);
  feMul(p + Y, r + 2 * FE, r + 3 * FE);
  feMul(p + Z, r + FE, r + 2 * FE);
  feMul(p + T, r, r + 3 * FE);
}

export function pointCopy(p: usize, q: usize): void {
  memory.copy(p, q, POINT4);
}

// ---- [s]B - [k]A by one shared run of doublings (Straus) over wNAF digits ----

/** Window of the base point's digits: a table of 2^(BASE_WINDOW-2) odd multiples of B. */
export const BASE_WINDOW: i32 = 8;
/** Window of the key's digits: 2^(KEY_WINDOW-2) odd multiples of A per signature. */
export const KEY_WINDOW: i32 = 5;

// The encoding of B (RFC 8032 5.1: y = 4/5, x even).
const BASE_BYTES = memory.data<u8>([
  0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
]);
// B, 3B, 5B, ... cached, computed at first use (zero-filled memory costs no module bytes).
const baseTable = memory.data(<i32>(POINT4 << (BASE_WINDOW - 2)), 8);
let baseTableReady = false;
const keyTable = memory.data(<i32>(POINT4 << (KEY_WINDOW - 2)), 8);

const sum = memory.data(<i32>POINT4, 8); // completed
const ext = memory.data(<i32>POINT4, 8); // extended
const twice = memory.data(<i32>POINT4, 8); // cached 2P

// table[i] = (2i + 1) P in cached form, for i < count; p extended (clobbered).
function oddMultiples(table: usize, p: usize, count: i32): void {
  pointDouble(sum, p);
  completedToExtended(ext, sum);
  pointToCached(twice, ext);
  pointToCached(table, p);
  for (let i = 1; i < count; i++) {
    pointAdd(sum, p, twice, false);
    completedToExtended(p, sum);
    pointToCached(table + <usize>i * POINT4, p);
  }
}

const basePoint = memory.data(<i32>POINT4, 8);

function prepareBaseTable(): void {
  const base = basePoint;
  pointDecode(base, BASE_BYTES);
  oddMultiples(baseTable, base, 1 << (BASE_WINDOW - 2));
  baseTableReady = true;
}

/** Fills the per-signature table of odd multiples of the key point `keyPoint` (extended, clobbered). */
export function prepareKeyTable(keyPoint: usize): void {
  oddMultiples(keyTable, keyPoint, 1 << (KEY_WINDOW - 2));
}

/**
 * r (projective) = [s]B - [k]A, from s's digits in BASE_WINDOW (nafS), k's in KEY_WINDOW
 * (nafK), and A's table from prepareKeyTable.
 */
export function baseMinusKeyMul(r: usize, nafS: usize, nafK: usize): void {
  if (!baseTableReady) prepareBaseTable();
  let i = 255;
  while (i >= 0 && load<i8>(nafS + <usize>i) == 0 && load<i8>(nafK + <usize>i) == 0) i--;
  pointIdentity(r);
  for (; i >= 0; i--) {
    pointDouble(sum, r);
    const ds = <i32>load<i8>(nafS + <usize>i);
    const dk = <i32>load<i8>(nafK + <usize>i);
    if (ds != 0) {
      completedToExtended(ext, sum);
      if (ds > 0) pointAdd(sum, ext, baseTable + <usize>(ds >> 1) * POINT4, false);
      else pointAdd(sum, ext, baseTable + <usize>((-ds) >> 1) * POINT4, true);
    }
    if (dk != 0) {
      completedToExtended(ext, sum);
      // -[k]A: a positive digit subtracts
      if (dk > 0) pointAdd(sum, ext, keyTable + <usize>(dk >> 1) * POINT4, true);
      else pointAdd(sum, ext, keyTable + <usize>((-dk) >> 1) * POINT4, false);
    }
    completedToProjective(r, sum);
  }
}
