// ECDSA verification over NIST P-256 with SHA-256 (FIPS 186-5 section 6.4.2, SEC 1
// section 4.1.4), for TUF's `ecdsa-sha2-nistp256` keys.
//
// Field elements and scalars are 8 limbs (assembly/crypto/bignum.ts); field elements are
// kept in Montgomery form. Points are Jacobian (X, Y, Z), Z = 0 the point at infinity;
// the additions handle equal and opposite inputs, so no key or signature can make the
// arithmetic wrong. u1*G + u2*Q is computed with 4-bit windows of both scalars at once
// (a table of G's multiples made at the first call, one of Q's per verification), and
// the result compared with r in projective form (no field inversion).
// Verification handles no secrets, so this is variable time.
import { CryptoStatus } from "../outcome";
import { HAS_P256 } from "../build";
import { MOD_N, montMul8 as montMul, modAdd, modSub, bnCompare, bnIsZero, bnSubRaw, bnFromBytes } from "./bignum";

// modulus contexts: limbs, -m^-1 mod 2^32, m (static data only in modules built with
// P-256, assembly/build.ts)
const P: usize = HAS_P256 ? memory.data<u32>([8, 1, 0xffffffff, 0xffffffff, 0xffffffff, 0, 0, 0, 1, 0xffffffff]) : 0;
const N: usize = HAS_P256 ? memory.data<u32>([8, 0xee00bc4f, 0xfc632551, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0, 0xffffffff]) : 0;
// 2^512 mod p and mod n (into Montgomery form), b and G in Montgomery form, n - 2
const R2P: usize = HAS_P256 ? memory.data<u32>([3, 0, 0xffffffff, 0xfffffffb, 0xfffffffe, 0xffffffff, 0xfffffffd, 4]) : 0;
const R2N: usize = HAS_P256 ? memory.data<u32>([0xbe79eea2, 0x83244c95, 0x49bd6fa6, 0x4699799c, 0x2b6bec59, 0x2845b239, 0xf3d95620, 0x66e12d94]) : 0;
const B_M: usize = HAS_P256 ? memory.data<u32>([0x29c4bddf, 0xd89cdf62, 0x78843090, 0xacf005cd, 0xf7212ed6, 0xe5a220ab, 0x04874834, 0xdc30061d]) : 0;
const G_M: usize = HAS_P256 ? memory.data<u32>([
  0x18a9143c, 0x79e730d4, 0x5fedb601, 0x75ba95fc, 0x77622510, 0x79fb732b, 0xa53755c6, 0x18905f76,
  0xce95560a, 0xddf25357, 0xba19e45c, 0x8b4ab8e4, 0xdd21f325, 0xd2e88688, 0x25885d85, 0x8571ff18,
  1, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xfffffffe, 0, // Z = 1 (R mod p)
]) : 0;
const N_MINUS_2: usize = HAS_P256 ? memory.data<u32>([0xfc63254f, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0, 0xffffffff]) : 0;

const FE: usize = 32;
const PT: usize = 96;
const pMod = P + MOD_N;
const nMod = N + MOD_N;

const gTable: usize = HAS_P256 ? memory.data(<i32>(16 * PT), 8) : 0;
let gTableReady = false;
const qTable: usize = HAS_P256 ? memory.data(<i32>(16 * PT), 8) : 0;
const acc: usize = HAS_P256 ? memory.data(<i32>PT, 8) : 0;
const t: usize = HAS_P256 ? memory.data(<i32>(8 * FE), 8) : 0; // point-formula temporaries
const x: usize = HAS_P256 ? memory.data(<i32>FE, 8) : 0;
const y: usize = HAS_P256 ? memory.data(<i32>FE, 8) : 0;
const r: usize = HAS_P256 ? memory.data(<i32>FE, 8) : 0;
const s: usize = HAS_P256 ? memory.data(<i32>FE, 8) : 0;
const e: usize = HAS_P256 ? memory.data(<i32>FE, 8) : 0;
const w: usize = HAS_P256 ? memory.data(<i32>FE, 8) : 0;
const u1: usize = HAS_P256 ? memory.data(<i32>FE, 8) : 0;
const u2: usize = HAS_P256 ? memory.data(<i32>FE, 8) : 0;

@inline function tmp(i: usize): usize {
  return t + i * FE;
}

function fmul(o: usize, a: usize, b: usize): void {
  montMul(o, a, b, P);
}

function fadd(o: usize, a: usize, b: usize): void {
  modAdd(o, a, b, P);
}

function fsub(o: usize, a: usize, b: usize): void {
  modSub(o, a, b, P);
}

@inline function isInfinity(p: usize): bool {
  return bnIsZero(p + 2 * FE, 8);
}

function setInfinity(p: usize): void {
  memory.fill(p, 0, PT);
}

/** o = 2p (a = -3: alpha = 3 (X - Z^2)(X + Z^2)). */
function pointDouble(o: usize, p: usize): void {
  if (isInfinity(p) || bnIsZero(p + FE, 8)) {
    setInfinity(o);
    return;
  }
  const delta = tmp(0), gamma = tmp(1), beta = tmp(2), alpha = tmp(3), u = tmp(4);
  fmul(delta, p + 2 * FE, p + 2 * FE);
  fmul(gamma, p + FE, p + FE);
  fmul(beta, p, gamma);
  fsub(u, p, delta);
  fadd(alpha, p, delta);
  fmul(alpha, u, alpha);
  fadd(u, alpha, alpha);
  fadd(alpha, u, alpha);
  // Z3 = (Y + Z)^2 - gamma - delta
  fadd(u, p + FE, p + 2 * FE);
  fmul(u, u, u);
  fsub(u, u, gamma);
  fsub(o + 2 * FE, u, delta);
  // X3 = alpha^2 - 8 beta
  fadd(beta, beta, beta);
  fadd(beta, beta, beta); // 4 beta
  fmul(u, alpha, alpha);
  fsub(u, u, beta);
  fsub(o, u, beta);
  // Y3 = alpha (4 beta - X3) - 8 gamma^2
  fsub(beta, beta, o);
  fmul(beta, alpha, beta);
  fmul(gamma, gamma, gamma);
  fadd(gamma, gamma, gamma);
  fadd(gamma, gamma, gamma);
  fadd(gamma, gamma, gamma);
  fsub(o + FE, beta, gamma);
}

/** o = p + q (o may be p). Equal inputs double; opposite inputs give infinity. */
function pointAdd(o: usize, p: usize, q: usize): void {
  if (isInfinity(q)) {
    if (o != p) memory.copy(o, p, PT);
    return;
  }
  if (isInfinity(p)) {
    memory.copy(o, q, PT);
    return;
  }
  const z1z1 = tmp(0), z2z2 = tmp(1), u1p = tmp(2), u2p = tmp(3), s1 = tmp(4), s2 = tmp(5), h = tmp(6), rr = tmp(7);
  fmul(z1z1, p + 2 * FE, p + 2 * FE);
  fmul(z2z2, q + 2 * FE, q + 2 * FE);
  fmul(u1p, p, z2z2);
  fmul(u2p, q, z1z1);
  fmul(s1, p + FE, q + 2 * FE);
  fmul(s1, s1, z2z2);
  fmul(s2, q + FE, p + 2 * FE);
  fmul(s2, s2, z1z1);
  fsub(h, u2p, u1p);
  fsub(rr, s2, s1);
  if (bnIsZero(h, 8)) {
    if (bnIsZero(rr, 8)) pointDouble(o, p);
    else setInfinity(o);
    return;
  }
  // Z3 = Z1 Z2 H
  fmul(z1z1, p + 2 * FE, q + 2 * FE);
  fmul(o + 2 * FE, z1z1, h);
  // H^2, H^3, U1 H^2
  fmul(z2z2, h, h);
  fmul(h, h, z2z2);
  fmul(u1p, u1p, z2z2);
  // X3 = r^2 - H^3 - 2 U1 H^2
  fmul(u2p, rr, rr);
  fsub(u2p, u2p, h);
  fsub(u2p, u2p, u1p);
  fsub(o, u2p, u1p);
  // Y3 = r (U1 H^2 - X3) - S1 H^3
  fsub(u1p, u1p, o);
  fmul(u1p, rr, u1p);
  fmul(s1, s1, h);
  fsub(o + FE, u1p, s1);
}

// table[k] = k * base for k in 0..15
function fillTable(table: usize, base: usize): void {
  setInfinity(table);
  memory.copy(table + PT, base, PT);
  pointDouble(table + 2 * PT, base);
  for (let k: usize = 3; k < 16; k++) pointAdd(table + k * PT, table + (k - 1) * PT, base);
}

@inline function nibble(scalar: usize, i: u32): usize {
  return <usize>((load<u32>(scalar + (<usize>(i >> 3) << 2)) >> ((i & 7) << 2)) & 15);
}

// the field element of Montgomery form `a` for the 32 big-endian bytes at `src`; false when >= p
function fieldFromBytes(a: usize, src: usize): bool {
  bnFromBytes(a, src, 32, 8);
  if (bnCompare(a, pMod, 8) >= 0) return false;
  fmul(a, a, R2P);
  return true;
}

// a scalar in [1, n) from 32 big-endian bytes
function scalarFromBytes(a: usize, src: usize): bool {
  bnFromBytes(a, src, 32, 8);
  return !bnIsZero(a, 8) && bnCompare(a, nMod, 8) < 0;
}

/** Whether the 64 bytes X || Y (big-endian) are the coordinates of a point on the curve. */
export function p256KeyValid(publicKey: usize): bool {
  if (!fieldFromBytes(x, publicKey) || !fieldFromBytes(y, publicKey + 32)) return false;
  // y^2 = x^3 - 3x + b
  const lhs = tmp(0), rhs = tmp(1);
  fmul(lhs, y, y);
  fmul(rhs, x, x);
  fmul(rhs, rhs, x);
  fsub(rhs, rhs, x);
  fsub(rhs, rhs, x);
  fsub(rhs, rhs, x);
  fadd(rhs, rhs, B_M);
  return bnCompare(lhs, rhs, 8) == 0;
}

/**
 * ECDSA P-256 verification of a SHA-256 digest: `publicKey` the 64 bytes X || Y of an
 * uncompressed point, `rs` the 64 bytes r || s (big-endian, as decoded from DER).
 * BadEncoding for a key that is not a point of the curve; Invalid for r or s outside
 * [1, n) or a signature that does not hold.
 */
export function p256Verify(publicKey: usize, rs: usize, digest: usize): i32 {
  if (!p256KeyValid(publicKey)) return CryptoStatus.BadEncoding;
  // 6.4.2 step 2: r and s in [1, n - 1]
  if (!scalarFromBytes(r, rs) || !scalarFromBytes(s, rs + 32)) return CryptoStatus.Invalid;
  // steps 3-4: e = the digest as an integer (256 bits: no truncation), mod n
  bnFromBytes(e, digest, 32, 8);
  if (bnCompare(e, nMod, 8) >= 0) bnSubRaw(e, e, nMod, 8);
  // step 5: w = s^-1 mod n (Fermat: s^(n-2)), in Montgomery form
  montMul(s, s, R2N, N);
  memory.copy(w, s, FE);
  for (let i = 254; i >= 0; i--) {
    montMul(w, w, w, N);
    if (((load<u32>(N_MINUS_2 + (<usize>(i >> 5) << 2)) >> (<u32>i & 31)) & 1) != 0) montMul(w, w, s, N);
  }
  // step 6: u1 = e w, u2 = r w (Montgomery form of w cancels one R)
  montMul(u1, e, w, N);
  montMul(u2, r, w, N);
  // step 7: R = u1 G + u2 Q
  if (!gTableReady) {
    fillTable(gTable, G_M);
    gTableReady = true;
  }
  memory.copy(acc, x, FE);
  memory.copy(acc + FE, y, FE);
  memory.copy(acc + 2 * FE, G_M + 2 * FE, FE);
  fillTable(qTable, acc);
  setInfinity(acc);
  for (let i = 63; i >= 0; i--) {
    pointDouble(acc, acc);
    pointDouble(acc, acc);
    pointDouble(acc, acc);
    pointDouble(acc, acc);
    pointAdd(acc, acc, gTable + nibble(u1, <u32>i) * PT);
    pointAdd(acc, acc, qTable + nibble(u2, <u32>i) * PT);
  }
  if (isInfinity(acc)) return CryptoStatus.Invalid;
  // step 8: x(R) mod n == r, i.e. X == r' Z^2 for r' = r or r + n (when below p)
  const z2 = tmp(0), cand = tmp(1);
  fmul(z2, acc + 2 * FE, acc + 2 * FE);
  memory.copy(cand, r, FE);
  fmul(cand, cand, R2P);
  fmul(cand, cand, z2);
  if (bnCompare(cand, acc, 8) == 0) return CryptoStatus.Valid;
  // r + n < p: the x coordinate may have been reduced mod n
  if (bnCompare(r, pMod, 8) < 0) {
    const carry = bnAddSmall(cand, r, nMod);
    if (carry == 0 && bnCompare(cand, pMod, 8) < 0) {
      fmul(cand, cand, R2P);
      fmul(cand, cand, z2);
      if (bnCompare(cand, acc, 8) == 0) return CryptoStatus.Valid;
    }
  }
  return CryptoStatus.Invalid;
}

// o = a + b over 8 limbs, the carry out
function bnAddSmall(o: usize, a: usize, b: usize): u32 {
  let carry: u64 = 0;
  for (let i: usize = 0; i < 32; i += 4) {
    const v = <u64>load<u32>(a + i) + <u64>load<u32>(b + i) + carry;
    store<u32>(o + i, <u32>v);
    carry = v >> 32;
  }
  return <u32>carry;
}
