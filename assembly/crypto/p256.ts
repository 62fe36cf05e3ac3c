// ECDSA verification over NIST P-256 with SHA-256 (FIPS 186-5 section 6.4.2, SEC 1
// section 4.1.4), for TUF's `ecdsa-sha2-nistp256` keys.
//
// Field elements and scalars are 8 limbs (assembly/crypto/bignum.ts); field elements are
// kept in Montgomery form. Points are Jacobian (X, Y, Z), Z = 0 the point at infinity;
// the additions handle equal and opposite inputs, so no key or signature can make the
// arithmetic wrong. u1*G + u2*Q is computed with 4-bit windows of both scalars at once
// ... (see below), and the result compared with r in projective form (no field inversion).
// Verification handles no secrets, so this is variable time.
import { CryptoStatus } from "../outcome";
import { HAS_P256 } from "../build";
import { MOD_N, modInverse, montMul, bnCompare, bnIsZero, bnSubRaw, bnFromBytes } from "./bignum";

const M32: u64 = 0xffffffff;

// modulus contexts: limbs, -m^-1 mod 2^32, m (static data only in modules built with
// P-256, assembly/build.ts)
const P: usize = HAS_P256 ? memory.data<u32>([8, 1, 0xffffffff, 0xffffffff, 0xffffffff, 0, 0, 0, 1, 0xffffffff]) : 0;
const N: usize = HAS_P256 ? memory.data<u32>([8, 0xee00bc4f, 0xfc632551, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0, 0xffffffff]) : 0;
// 2^512 mod p and mod n (into Montgomery form), b and G in Montgomery form
const R2P: usize = HAS_P256 ? memory.data<u32>([3, 0, 0xffffffff, 0xfffffffb, 0xfffffffe, 0xffffffff, 0xfffffffd, 4]) : 0;
const R2N: usize = HAS_P256 ? memory.data<u32>([0xbe79eea2, 0x83244c95, 0x49bd6fa6, 0x4699799c, 0x2b6bec59, 0x2845b239, 0xf3d95620, 0x66e12d94]) : 0;
const B_M: usize = HAS_P256 ? memory.data<u32>([0x29c4bddf, 0xd89cdf62, 0x78843090, 0xacf005cd, 0xf7212ed6, 0xe5a220ab, 0x04874834, 0xdc30061d]) : 0;
const G_M: usize = HAS_P256 ? memory.data<u32>([
  0x18a9143c, 0x79e730d4, 0x5fedb601, 0x75ba95fc, 0x77622510, 0x79fb732b, 0xa53755c6, 0x18905f76,
  0xce95560a, 0xddf25357, 0xba19e45c, 0x8b4ab8e4, 0xdd21f325, 0xd2e88688, 0x25885d85, 0x8571ff18,
  1, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xfffffffe, 0, // Z = 1 (R mod p)
]) : 0;

const FE: usize = 32;
const PT: usize = 96;
const pMod = P + MOD_N;
const nMod = N + MOD_N;

// wNAF widths: G's table is made once (32 odd multiples), Q's per verification (8)
const G_WIDTH: u32 = 7;
const G_TABLE: usize = 32;
const Q_WIDTH: u32 = 5;
const Q_TABLE: usize = 8;
const gTable: usize = HAS_P256 ? memory.data(<i32>(G_TABLE * PT), 8) : 0;
let gTableReady = false;
const qTable: usize = HAS_P256 ? memory.data(<i32>(Q_TABLE * PT), 8) : 0;
const tmpPoint: usize = HAS_P256 ? memory.data(<i32>PT, 8) : 0;
const naf1: usize = HAS_P256 ? memory.data(260, 8) : 0;
const naf2: usize = HAS_P256 ? memory.data(260, 8) : 0;
const nafWork: usize = HAS_P256 ? memory.data(36, 8) : 0;
const ZERO: usize = HAS_P256 ? memory.data(32, 8) : 0;
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

// Montgomery multiplication for p itself (bignum.ts montMul's steps), unrolled into locals:
// p's limbs are 2^32 - 1, 0 or 1 and -p^-1 mod 2^32 is 1, so the reduction's products are
// shifts and sums (a third fewer multiplications).
function fmul(o: usize, a: usize, b: usize): void {
  const b0 = <u64>load<u32>(b, 0);
  const b1 = <u64>load<u32>(b, 4);
  const b2 = <u64>load<u32>(b, 8);
  const b3 = <u64>load<u32>(b, 12);
  const b4 = <u64>load<u32>(b, 16);
  const b5 = <u64>load<u32>(b, 20);
  const b6 = <u64>load<u32>(b, 24);
  const b7 = <u64>load<u32>(b, 28);
  let t0: u64 = 0, t1: u64 = 0, t2: u64 = 0, t3: u64 = 0, t4: u64 = 0, t5: u64 = 0, t6: u64 = 0, t7: u64 = 0, t8: u64 = 0;
  let s: u64, u: u64, c1: u64, c2: u64, q: u64, ai: u64;
  ai = <u64>load<u32>(a, 0);
  s = t0 + ai * b0; c1 = s >> 32; q = s & M32; c2 = (q + ((q << 32) - q)) >> 32;
  s = t1 + ai * b1 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t0 = u & M32;
  s = t2 + ai * b2 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t1 = u & M32;
  s = t3 + ai * b3 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t2 = u & M32;
  s = t4 + ai * b4 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t3 = u & M32;
  s = t5 + ai * b5 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t4 = u & M32;
  s = t6 + ai * b6 + c1; c1 = s >> 32; u = (s & M32) + q + c2; c2 = u >> 32; t5 = u & M32;
  s = t7 + ai * b7 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t6 = u & M32;
  s = t8 + c1 + c2; t7 = s & M32; t8 = s >> 32;
  ai = <u64>load<u32>(a, 4);
  s = t0 + ai * b0; c1 = s >> 32; q = s & M32; c2 = (q + ((q << 32) - q)) >> 32;
  s = t1 + ai * b1 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t0 = u & M32;
  s = t2 + ai * b2 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t1 = u & M32;
  s = t3 + ai * b3 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t2 = u & M32;
  s = t4 + ai * b4 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t3 = u & M32;
  s = t5 + ai * b5 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t4 = u & M32;
  s = t6 + ai * b6 + c1; c1 = s >> 32; u = (s & M32) + q + c2; c2 = u >> 32; t5 = u & M32;
  s = t7 + ai * b7 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t6 = u & M32;
  s = t8 + c1 + c2; t7 = s & M32; t8 = s >> 32;
  ai = <u64>load<u32>(a, 8);
  s = t0 + ai * b0; c1 = s >> 32; q = s & M32; c2 = (q + ((q << 32) - q)) >> 32;
  s = t1 + ai * b1 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t0 = u & M32;
  s = t2 + ai * b2 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t1 = u & M32;
  s = t3 + ai * b3 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t2 = u & M32;
  s = t4 + ai * b4 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t3 = u & M32;
  s = t5 + ai * b5 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t4 = u & M32;
  s = t6 + ai * b6 + c1; c1 = s >> 32; u = (s & M32) + q + c2; c2 = u >> 32; t5 = u & M32;
  s = t7 + ai * b7 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t6 = u & M32;
  s = t8 + c1 + c2; t7 = s & M32; t8 = s >> 32;
  ai = <u64>load<u32>(a, 12);
  s = t0 + ai * b0; c1 = s >> 32; q = s & M32; c2 = (q + ((q << 32) - q)) >> 32;
  s = t1 + ai * b1 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t0 = u & M32;
  s = t2 + ai * b2 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t1 = u & M32;
  s = t3 + ai * b3 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t2 = u & M32;
  s = t4 + ai * b4 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t3 = u & M32;
  s = t5 + ai * b5 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t4 = u & M32;
  s = t6 + ai * b6 + c1; c1 = s >> 32; u = (s & M32) + q + c2; c2 = u >> 32; t5 = u & M32;
  s = t7 + ai * b7 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t6 = u & M32;
  s = t8 + c1 + c2; t7 = s & M32; t8 = s >> 32;
  ai = <u64>load<u32>(a, 16);
  s = t0 + ai * b0; c1 = s >> 32; q = s & M32; c2 = (q + ((q << 32) - q)) >> 32;
  s = t1 + ai * b1 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t0 = u & M32;
  s = t2 + ai * b2 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t1 = u & M32;
  s = t3 + ai * b3 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t2 = u & M32;
  s = t4 + ai * b4 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t3 = u & M32;
  s = t5 + ai * b5 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t4 = u & M32;
  s = t6 + ai * b6 + c1; c1 = s >> 32; u = (s & M32) + q + c2; c2 = u >> 32; t5 = u & M32;
  s = t7 + ai * b7 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t6 = u & M32;
  s = t8 + c1 + c2; t7 = s & M32; t8 = s >> 32;
  ai = <u64>load<u32>(a, 20);
  s = t0 + ai * b0; c1 = s >> 32; q = s & M32; c2 = (q + ((q << 32) - q)) >> 32;
  s = t1 + ai * b1 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t0 = u & M32;
  s = t2 + ai * b2 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t1 = u & M32;
  s = t3 + ai * b3 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t2 = u & M32;
  s = t4 + ai * b4 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t3 = u & M32;
  s = t5 + ai * b5 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t4 = u & M32;
  s = t6 + ai * b6 + c1; c1 = s >> 32; u = (s & M32) + q + c2; c2 = u >> 32; t5 = u & M32;
  s = t7 + ai * b7 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t6 = u & M32;
  s = t8 + c1 + c2; t7 = s & M32; t8 = s >> 32;
  ai = <u64>load<u32>(a, 24);
  s = t0 + ai * b0; c1 = s >> 32; q = s & M32; c2 = (q + ((q << 32) - q)) >> 32;
  s = t1 + ai * b1 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t0 = u & M32;
  s = t2 + ai * b2 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t1 = u & M32;
  s = t3 + ai * b3 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t2 = u & M32;
  s = t4 + ai * b4 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t3 = u & M32;
  s = t5 + ai * b5 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t4 = u & M32;
  s = t6 + ai * b6 + c1; c1 = s >> 32; u = (s & M32) + q + c2; c2 = u >> 32; t5 = u & M32;
  s = t7 + ai * b7 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t6 = u & M32;
  s = t8 + c1 + c2; t7 = s & M32; t8 = s >> 32;
  ai = <u64>load<u32>(a, 28);
  s = t0 + ai * b0; c1 = s >> 32; q = s & M32; c2 = (q + ((q << 32) - q)) >> 32;
  s = t1 + ai * b1 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t0 = u & M32;
  s = t2 + ai * b2 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t1 = u & M32;
  s = t3 + ai * b3 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t2 = u & M32;
  s = t4 + ai * b4 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t3 = u & M32;
  s = t5 + ai * b5 + c1; c1 = s >> 32; u = (s & M32) + c2; c2 = u >> 32; t4 = u & M32;
  s = t6 + ai * b6 + c1; c1 = s >> 32; u = (s & M32) + q + c2; c2 = u >> 32; t5 = u & M32;
  s = t7 + ai * b7 + c1; c1 = s >> 32; u = (s & M32) + ((q << 32) - q) + c2; c2 = u >> 32; t6 = u & M32;
  s = t8 + c1 + c2; t7 = s & M32; t8 = s >> 32;
  store<u32>(o, <u32>t0, 0);
  store<u32>(o, <u32>t1, 4);
  store<u32>(o, <u32>t2, 8);
  store<u32>(o, <u32>t3, 12);
  store<u32>(o, <u32>t4, 16);
  store<u32>(o, <u32>t5, 20);
  store<u32>(o, <u32>t6, 24);
  store<u32>(o, <u32>t7, 28);
  if (t8 != 0 || bnCompare(o, pMod, 8) >= 0) bnSubRaw(o, o, pMod, 8);
}

// Sums and differences mod p for 8 limbs, unrolled like montMul8 (about a fifth of a
// verification's field operations are these).
function fadd(o: usize, a: usize, b: usize): void {
  let c: u64 = 0, v: u64;
  v = <u64>load<u32>(a, 0) + <u64>load<u32>(b, 0) + c; const s0 = v & 0xffffffff; c = v >> 32;
  v = <u64>load<u32>(a, 4) + <u64>load<u32>(b, 4) + c; const s1 = v & 0xffffffff; c = v >> 32;
  v = <u64>load<u32>(a, 8) + <u64>load<u32>(b, 8) + c; const s2 = v & 0xffffffff; c = v >> 32;
  v = <u64>load<u32>(a, 12) + <u64>load<u32>(b, 12) + c; const s3 = v & 0xffffffff; c = v >> 32;
  v = <u64>load<u32>(a, 16) + <u64>load<u32>(b, 16) + c; const s4 = v & 0xffffffff; c = v >> 32;
  v = <u64>load<u32>(a, 20) + <u64>load<u32>(b, 20) + c; const s5 = v & 0xffffffff; c = v >> 32;
  v = <u64>load<u32>(a, 24) + <u64>load<u32>(b, 24) + c; const s6 = v & 0xffffffff; c = v >> 32;
  v = <u64>load<u32>(a, 28) + <u64>load<u32>(b, 28) + c; const s7 = v & 0xffffffff; c = v >> 32;
  // subtract p; keep the difference unless it borrowed past the carry
  let br: u64 = 0;
  v = s0 - <u64>load<u32>(pMod, 0) - br; const d0 = v & 0xffffffff; br = (v >> 32) & 1;
  v = s1 - <u64>load<u32>(pMod, 4) - br; const d1 = v & 0xffffffff; br = (v >> 32) & 1;
  v = s2 - <u64>load<u32>(pMod, 8) - br; const d2 = v & 0xffffffff; br = (v >> 32) & 1;
  v = s3 - <u64>load<u32>(pMod, 12) - br; const d3 = v & 0xffffffff; br = (v >> 32) & 1;
  v = s4 - <u64>load<u32>(pMod, 16) - br; const d4 = v & 0xffffffff; br = (v >> 32) & 1;
  v = s5 - <u64>load<u32>(pMod, 20) - br; const d5 = v & 0xffffffff; br = (v >> 32) & 1;
  v = s6 - <u64>load<u32>(pMod, 24) - br; const d6 = v & 0xffffffff; br = (v >> 32) & 1;
  v = s7 - <u64>load<u32>(pMod, 28) - br; const d7 = v & 0xffffffff; br = (v >> 32) & 1;
  if (c >= br) {
    store<u32>(o, <u32>d0, 0);
    store<u32>(o, <u32>d1, 4);
    store<u32>(o, <u32>d2, 8);
    store<u32>(o, <u32>d3, 12);
    store<u32>(o, <u32>d4, 16);
    store<u32>(o, <u32>d5, 20);
    store<u32>(o, <u32>d6, 24);
    store<u32>(o, <u32>d7, 28);
  } else {
    store<u32>(o, <u32>s0, 0);
    store<u32>(o, <u32>s1, 4);
    store<u32>(o, <u32>s2, 8);
    store<u32>(o, <u32>s3, 12);
    store<u32>(o, <u32>s4, 16);
    store<u32>(o, <u32>s5, 20);
    store<u32>(o, <u32>s6, 24);
    store<u32>(o, <u32>s7, 28);
  }
}

function fsub(o: usize, a: usize, b: usize): void {
  let br: u64 = 0, v: u64;
  v = <u64>load<u32>(a, 0) - <u64>load<u32>(b, 0) - br; const s0 = v & 0xffffffff; br = (v >> 32) & 1;
  v = <u64>load<u32>(a, 4) - <u64>load<u32>(b, 4) - br; const s1 = v & 0xffffffff; br = (v >> 32) & 1;
  v = <u64>load<u32>(a, 8) - <u64>load<u32>(b, 8) - br; const s2 = v & 0xffffffff; br = (v >> 32) & 1;
  v = <u64>load<u32>(a, 12) - <u64>load<u32>(b, 12) - br; const s3 = v & 0xffffffff; br = (v >> 32) & 1;
  v = <u64>load<u32>(a, 16) - <u64>load<u32>(b, 16) - br; const s4 = v & 0xffffffff; br = (v >> 32) & 1;
  v = <u64>load<u32>(a, 20) - <u64>load<u32>(b, 20) - br; const s5 = v & 0xffffffff; br = (v >> 32) & 1;
  v = <u64>load<u32>(a, 24) - <u64>load<u32>(b, 24) - br; const s6 = v & 0xffffffff; br = (v >> 32) & 1;
  v = <u64>load<u32>(a, 28) - <u64>load<u32>(b, 28) - br; const s7 = v & 0xffffffff; br = (v >> 32) & 1;
  if (br == 0) {
    store<u32>(o, <u32>s0, 0);
    store<u32>(o, <u32>s1, 4);
    store<u32>(o, <u32>s2, 8);
    store<u32>(o, <u32>s3, 12);
    store<u32>(o, <u32>s4, 16);
    store<u32>(o, <u32>s5, 20);
    store<u32>(o, <u32>s6, 24);
    store<u32>(o, <u32>s7, 28);
    return;
  }
  // add p back
  let c: u64 = 0;
  v = s0 + <u64>load<u32>(pMod, 0) + c; store<u32>(o, <u32>v, 0); c = v >> 32;
  v = s1 + <u64>load<u32>(pMod, 4) + c; store<u32>(o, <u32>v, 4); c = v >> 32;
  v = s2 + <u64>load<u32>(pMod, 8) + c; store<u32>(o, <u32>v, 8); c = v >> 32;
  v = s3 + <u64>load<u32>(pMod, 12) + c; store<u32>(o, <u32>v, 12); c = v >> 32;
  v = s4 + <u64>load<u32>(pMod, 16) + c; store<u32>(o, <u32>v, 16); c = v >> 32;
  v = s5 + <u64>load<u32>(pMod, 20) + c; store<u32>(o, <u32>v, 20); c = v >> 32;
  v = s6 + <u64>load<u32>(pMod, 24) + c; store<u32>(o, <u32>v, 24); c = v >> 32;
  v = s7 + <u64>load<u32>(pMod, 28) + c; store<u32>(o, <u32>v, 28); c = v >> 32;
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

// table[k] = (2k + 1) * base for k in 0..count-1 (the odd multiples wNAF digits name)
function fillOddTable(table: usize, base: usize, count: usize): void {
  const twice = tmpPoint;
  pointDouble(twice, base);
  memory.copy(table, base, PT);
  for (let k: usize = 1; k < count; k++) pointAdd(table + k * PT, table + (k - 1) * PT, twice);
}

// Width-`width` NAF of the 8-limb scalar `k` into `out` (257 digits, least significant
// first, each 0 or odd in (-2^(width-1), 2^(width-1))). Returns the number of digits.
function wnaf(out: usize, k: usize, width: u32): i32 {
  memory.copy(nafWork, k, 32);
  store<u32>(nafWork, 0, 32);
  memory.fill(out, 0, 257);
  const full: u32 = 1 << width;
  const half: u32 = full >> 1;
  let i = 0;
  while (!bnIsZero(nafWork, 9)) {
    let d: i32 = 0;
    const low = load<u32>(nafWork);
    if ((low & 1) != 0) {
      let m = low & (full - 1);
      if (m >= half) {
        // digit m - 2^width < 0: k += 2^width - m
        d = <i32>m - <i32>full;
        addSmall(nafWork, full - m);
      } else {
        d = <i32>m;
        store<u32>(nafWork, low - m); // no borrow: m is k's low bits
      }
    }
    store<i8>(out + <usize>i, <i8>d);
    i++;
    // k >>= 1
    for (let j: usize = 0; j < 9; j++) {
      const hi: u32 = j < 8 ? load<u32>(nafWork + ((j + 1) << 2)) : 0;
      store<u32>(nafWork + (j << 2), (load<u32>(nafWork + (j << 2)) >> 1) | (hi << 31));
    }
  }
  return i;
}

function addSmall(k: usize, v: u32): void {
  let c: u64 = v;
  for (let j: usize = 0; j < 9 && c != 0; j++) {
    const t = <u64>load<u32>(k + (j << 2)) + c;
    store<u32>(k + (j << 2), <u32>t);
    c = t >> 32;
  }
}

// acc += digit * P, P's odd multiples in `table`
function addDigit(table: usize, digit: i32): void {
  if (digit == 0) return;
  if (digit > 0) {
    pointAdd(acc, acc, table + <usize>(digit >> 1) * PT);
    return;
  }
  const entry = table + <usize>((-digit) >> 1) * PT;
  memory.copy(tmpPoint, entry, PT);
  fsub(tmpPoint + FE, ZERO, entry + FE);
  pointAdd(acc, acc, tmpPoint);
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
  // step 5: w = s^-1 mod n, then in Montgomery form
  if (!modInverse(w, s, N)) return CryptoStatus.Invalid;
  montMul(w, w, R2N, N);
  // step 6: u1 = e w, u2 = r w (Montgomery form of w cancels one R)
  montMul(u1, e, w, N);
  montMul(u2, r, w, N);
  // step 7: R = u1 G + u2 Q, Straus over wNAF digits (G's odd multiples kept from the first call)
  if (!gTableReady) {
    fillOddTable(gTable, G_M, G_TABLE);
    gTableReady = true;
  }
  memory.copy(acc, x, FE);
  memory.copy(acc + FE, y, FE);
  memory.copy(acc + 2 * FE, G_M + 2 * FE, FE);
  fillOddTable(qTable, acc, Q_TABLE);
  const n1 = wnaf(naf1, u1, G_WIDTH);
  const n2 = wnaf(naf2, u2, Q_WIDTH);
  setInfinity(acc);
  for (let i = (n1 > n2 ? n1 : n2) - 1; i >= 0; i--) {
    pointDouble(acc, acc);
    addDigit(gTable, <i32>load<i8>(naf1 + <usize>i));
    addDigit(qTable, <i32>load<i8>(naf2 + <usize>i));
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
