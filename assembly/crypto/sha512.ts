// SHA-512 (FIPS 180-4 section 6.4). Streaming over a caller-provided context; no allocation.
//
// Same shape as sha256.ts with 64-bit words and 80 rounds: an unrolled compression
// function for full.wasm (speed) and a looped one for partial.wasm (size).

/** Bytes a context needs. */
export const SHA512_CTX_SIZE: usize = 216;

// Context layout (bytes): state H0..H7 as u64 at 0, partial block at 64 (128 bytes),
// total message length in bytes (u64) at 192, bytes held in the partial block (u32) at 200.
const CTX_BLOCK: usize = 64;
const CTX_TOTAL: usize = 192;
const CTX_FILL: usize = 200;

// Section 4.1.3 functions.
// @ts-ignore: decorator
@inline function bigSigma0(x: u64): u64 { return rotr<u64>(x, 28) ^ rotr<u64>(x, 34) ^ rotr<u64>(x, 39); }
// @ts-ignore: decorator
@inline function bigSigma1(x: u64): u64 { return rotr<u64>(x, 14) ^ rotr<u64>(x, 18) ^ rotr<u64>(x, 41); }
// @ts-ignore: decorator
@inline function smallSigma0(x: u64): u64 { return rotr<u64>(x, 1) ^ rotr<u64>(x, 8) ^ (x >>> 7); }
// @ts-ignore: decorator
@inline function smallSigma1(x: u64): u64 { return rotr<u64>(x, 19) ^ rotr<u64>(x, 61) ^ (x >>> 6); }
// @ts-ignore: decorator
@inline function ch(x: u64, y: u64, z: u64): u64 { return z ^ (x & (y ^ z)); }
// @ts-ignore: decorator
@inline function maj(x: u64, y: u64, z: u64): u64 { return (x & y) | (z & (x | y)); }
// One big-endian word. Scalar on purpose: the modules stay WebAssembly 1.0 without SIMD
// so that wasm3, WAMR and wasm2c take them (README "Embedding on an ECU").
// @ts-ignore: decorator
@inline function be64(p: usize): u64 { return bswap<u64>(load<u64>(p)); }

/** Fast variant (full.wasm): compresses `blocks` consecutive 128-byte blocks at `data` into the state at `ctx`. */
function compressUnrolled(ctx: usize, data: usize, blocks: usize): void {
  let h0 = load<u64>(ctx, 0), h1 = load<u64>(ctx, 8), h2 = load<u64>(ctx, 16), h3 = load<u64>(ctx, 24);
  let h4 = load<u64>(ctx, 32), h5 = load<u64>(ctx, 40), h6 = load<u64>(ctx, 48), h7 = load<u64>(ctx, 56);
  for (let n: usize = 0; n < blocks; n++) {
    const p = data + (n << 7);
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    // Section 6.4.2 step 1: W0..W15 are the block's big-endian words.
    let w0 = be64(p + 0), w1 = be64(p + 8);
    let w2 = be64(p + 16), w3 = be64(p + 24);
    let w4 = be64(p + 32), w5 = be64(p + 40);
    let w6 = be64(p + 48), w7 = be64(p + 56);
    let w8 = be64(p + 64), w9 = be64(p + 72);
    let w10 = be64(p + 80), w11 = be64(p + 88);
    let w12 = be64(p + 96), w13 = be64(p + 104);
    let w14 = be64(p + 112), w15 = be64(p + 120);
    // Step 3, round t: T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t] is added to d (the new e)
    // and, with T2 = Σ0(a) + Maj(a, b, c), becomes the new a in h's place: the names rotate.
    h += bigSigma1(e) + ch(e, f, g) + 0x428a2f98d728ae22 + w0; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0x7137449123ef65cd + w1; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0xb5c0fbcfec4d3b2f + w2; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0xe9b5dba58189dbbc + w3; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x3956c25bf348b538 + w4; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0x59f111f1b605d019 + w5; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x923f82a4af194f9b + w6; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0xab1c5ed5da6d8118 + w7; e += a; a += bigSigma0(b) + maj(b, c, d);
    h += bigSigma1(e) + ch(e, f, g) + 0xd807aa98a3030242 + w8; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0x12835b0145706fbe + w9; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0x243185be4ee4b28c + w10; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0x550c7dc3d5ffb4e2 + w11; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x72be5d74f27b896f + w12; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0x80deb1fe3b1696b1 + w13; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x9bdc06a725c71235 + w14; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0xc19bf174cf692694 + w15; e += a; a += bigSigma0(b) + maj(b, c, d);
    // Step 1 for the next 16 t, in place: wi becomes W[t] from W[t-2], W[t-7], W[t-15], W[t-16].
    w0 += smallSigma1(w14) + w9 + smallSigma0(w1);
    w1 += smallSigma1(w15) + w10 + smallSigma0(w2);
    w2 += smallSigma1(w0) + w11 + smallSigma0(w3);
    w3 += smallSigma1(w1) + w12 + smallSigma0(w4);
    w4 += smallSigma1(w2) + w13 + smallSigma0(w5);
    w5 += smallSigma1(w3) + w14 + smallSigma0(w6);
    w6 += smallSigma1(w4) + w15 + smallSigma0(w7);
    w7 += smallSigma1(w5) + w0 + smallSigma0(w8);
    w8 += smallSigma1(w6) + w1 + smallSigma0(w9);
    w9 += smallSigma1(w7) + w2 + smallSigma0(w10);
    w10 += smallSigma1(w8) + w3 + smallSigma0(w11);
    w11 += smallSigma1(w9) + w4 + smallSigma0(w12);
    w12 += smallSigma1(w10) + w5 + smallSigma0(w13);
    w13 += smallSigma1(w11) + w6 + smallSigma0(w14);
    w14 += smallSigma1(w12) + w7 + smallSigma0(w15);
    w15 += smallSigma1(w13) + w8 + smallSigma0(w0);
    h += bigSigma1(e) + ch(e, f, g) + 0xe49b69c19ef14ad2 + w0; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0xefbe4786384f25e3 + w1; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0x0fc19dc68b8cd5b5 + w2; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0x240ca1cc77ac9c65 + w3; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x2de92c6f592b0275 + w4; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0x4a7484aa6ea6e483 + w5; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x5cb0a9dcbd41fbd4 + w6; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0x76f988da831153b5 + w7; e += a; a += bigSigma0(b) + maj(b, c, d);
    h += bigSigma1(e) + ch(e, f, g) + 0x983e5152ee66dfab + w8; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0xa831c66d2db43210 + w9; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0xb00327c898fb213f + w10; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0xbf597fc7beef0ee4 + w11; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0xc6e00bf33da88fc2 + w12; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0xd5a79147930aa725 + w13; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x06ca6351e003826f + w14; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0x142929670a0e6e70 + w15; e += a; a += bigSigma0(b) + maj(b, c, d);
    // Step 1 for the next 16 t, in place: wi becomes W[t] from W[t-2], W[t-7], W[t-15], W[t-16].
    w0 += smallSigma1(w14) + w9 + smallSigma0(w1);
    w1 += smallSigma1(w15) + w10 + smallSigma0(w2);
    w2 += smallSigma1(w0) + w11 + smallSigma0(w3);
    w3 += smallSigma1(w1) + w12 + smallSigma0(w4);
    w4 += smallSigma1(w2) + w13 + smallSigma0(w5);
    w5 += smallSigma1(w3) + w14 + smallSigma0(w6);
    w6 += smallSigma1(w4) + w15 + smallSigma0(w7);
    w7 += smallSigma1(w5) + w0 + smallSigma0(w8);
    w8 += smallSigma1(w6) + w1 + smallSigma0(w9);
    w9 += smallSigma1(w7) + w2 + smallSigma0(w10);
    w10 += smallSigma1(w8) + w3 + smallSigma0(w11);
    w11 += smallSigma1(w9) + w4 + smallSigma0(w12);
    w12 += smallSigma1(w10) + w5 + smallSigma0(w13);
    w13 += smallSigma1(w11) + w6 + smallSigma0(w14);
    w14 += smallSigma1(w12) + w7 + smallSigma0(w15);
    w15 += smallSigma1(w13) + w8 + smallSigma0(w0);
    h += bigSigma1(e) + ch(e, f, g) + 0x27b70a8546d22ffc + w0; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0x2e1b21385c26c926 + w1; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0x4d2c6dfc5ac42aed + w2; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0x53380d139d95b3df + w3; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x650a73548baf63de + w4; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0x766a0abb3c77b2a8 + w5; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x81c2c92e47edaee6 + w6; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0x92722c851482353b + w7; e += a; a += bigSigma0(b) + maj(b, c, d);
    h += bigSigma1(e) + ch(e, f, g) + 0xa2bfe8a14cf10364 + w8; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0xa81a664bbc423001 + w9; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0xc24b8b70d0f89791 + w10; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0xc76c51a30654be30 + w11; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0xd192e819d6ef5218 + w12; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0xd69906245565a910 + w13; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0xf40e35855771202a + w14; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0x106aa07032bbd1b8 + w15; e += a; a += bigSigma0(b) + maj(b, c, d);
    // Step 1 for the next 16 t, in place: wi becomes W[t] from W[t-2], W[t-7], W[t-15], W[t-16].
    w0 += smallSigma1(w14) + w9 + smallSigma0(w1);
    w1 += smallSigma1(w15) + w10 + smallSigma0(w2);
    w2 += smallSigma1(w0) + w11 + smallSigma0(w3);
    w3 += smallSigma1(w1) + w12 + smallSigma0(w4);
    w4 += smallSigma1(w2) + w13 + smallSigma0(w5);
    w5 += smallSigma1(w3) + w14 + smallSigma0(w6);
    w6 += smallSigma1(w4) + w15 + smallSigma0(w7);
    w7 += smallSigma1(w5) + w0 + smallSigma0(w8);
    w8 += smallSigma1(w6) + w1 + smallSigma0(w9);
    w9 += smallSigma1(w7) + w2 + smallSigma0(w10);
    w10 += smallSigma1(w8) + w3 + smallSigma0(w11);
    w11 += smallSigma1(w9) + w4 + smallSigma0(w12);
    w12 += smallSigma1(w10) + w5 + smallSigma0(w13);
    w13 += smallSigma1(w11) + w6 + smallSigma0(w14);
    w14 += smallSigma1(w12) + w7 + smallSigma0(w15);
    w15 += smallSigma1(w13) + w8 + smallSigma0(w0);
    h += bigSigma1(e) + ch(e, f, g) + 0x19a4c116b8d2d0c8 + w0; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0x1e376c085141ab53 + w1; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0x2748774cdf8eeb99 + w2; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0x34b0bcb5e19b48a8 + w3; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x391c0cb3c5c95a63 + w4; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0x4ed8aa4ae3418acb + w5; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x5b9cca4f7763e373 + w6; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0x682e6ff3d6b2b8a3 + w7; e += a; a += bigSigma0(b) + maj(b, c, d);
    h += bigSigma1(e) + ch(e, f, g) + 0x748f82ee5defb2fc + w8; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0x78a5636f43172f60 + w9; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0x84c87814a1f0ab72 + w10; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0x8cc702081a6439ec + w11; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x90befffa23631e28 + w12; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0xa4506cebde82bde9 + w13; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0xbef9a3f7b2c67915 + w14; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0xc67178f2e372532b + w15; e += a; a += bigSigma0(b) + maj(b, c, d);
    // Step 1 for the next 16 t, in place: wi becomes W[t] from W[t-2], W[t-7], W[t-15], W[t-16].
    w0 += smallSigma1(w14) + w9 + smallSigma0(w1);
    w1 += smallSigma1(w15) + w10 + smallSigma0(w2);
    w2 += smallSigma1(w0) + w11 + smallSigma0(w3);
    w3 += smallSigma1(w1) + w12 + smallSigma0(w4);
    w4 += smallSigma1(w2) + w13 + smallSigma0(w5);
    w5 += smallSigma1(w3) + w14 + smallSigma0(w6);
    w6 += smallSigma1(w4) + w15 + smallSigma0(w7);
    w7 += smallSigma1(w5) + w0 + smallSigma0(w8);
    w8 += smallSigma1(w6) + w1 + smallSigma0(w9);
    w9 += smallSigma1(w7) + w2 + smallSigma0(w10);
    w10 += smallSigma1(w8) + w3 + smallSigma0(w11);
    w11 += smallSigma1(w9) + w4 + smallSigma0(w12);
    w12 += smallSigma1(w10) + w5 + smallSigma0(w13);
    w13 += smallSigma1(w11) + w6 + smallSigma0(w14);
    w14 += smallSigma1(w12) + w7 + smallSigma0(w15);
    w15 += smallSigma1(w13) + w8 + smallSigma0(w0);
    h += bigSigma1(e) + ch(e, f, g) + 0xca273eceea26619c + w0; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0xd186b8c721c0c207 + w1; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0xeada7dd6cde0eb1e + w2; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0xf57d4f7fee6ed178 + w3; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x06f067aa72176fba + w4; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0x0a637dc5a2c898a6 + w5; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x113f9804bef90dae + w6; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0x1b710b35131c471b + w7; e += a; a += bigSigma0(b) + maj(b, c, d);
    h += bigSigma1(e) + ch(e, f, g) + 0x28db77f523047d84 + w8; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0x32caab7b40c72493 + w9; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0x3c9ebe0a15c9bebc + w10; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0x431d67c49c100d4c + w11; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x4cc5d4becb3e42b6 + w12; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0x597f299cfc657e2a + w13; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x5fcb6fab3ad6faec + w14; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0x6c44198c4a475817 + w15; e += a; a += bigSigma0(b) + maj(b, c, d);
    // Step 4: the intermediate hash value.
    h0 += a; h1 += b; h2 += c; h3 += d; h4 += e; h5 += f; h6 += g; h7 += h;
  }
  store<u64>(ctx, h0, 0); store<u64>(ctx, h1, 8); store<u64>(ctx, h2, 16); store<u64>(ctx, h3, 24);
  store<u64>(ctx, h4, 32); store<u64>(ctx, h5, 40); store<u64>(ctx, h6, 48); store<u64>(ctx, h7, 56);
}

// Message schedule W0..W79 of the compact variant.
const SCHEDULE: usize = memory.data(640, 16);

/** Compact variant (partial.wasm, where size counts): one round per loop iteration. */
function compressCompact(ctx: usize, data: usize, blocks: usize): void {
  // Declared in here so that only the module compiling this variant carries the table.
  // FIPS 180-4 section 4.2.3: the 80 round constants.
  const K: usize = memory.data<u64>([
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
    0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
    0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
    0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
    0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
    0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
    0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
    0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817
  ]);
  for (let n: usize = 0; n < blocks; n++) {
    const p = data + (n << 7);
    // Section 6.4.2 step 1: the message schedule.
    for (let i: usize = 0; i < 128; i += 8) store<u64>(SCHEDULE + i, be64(p + i));
    for (let i: usize = 128; i < 640; i += 8) {
      const w = SCHEDULE + i;
      store<u64>(w, smallSigma1(load<u64>(w - 16)) + load<u64>(w - 56) + smallSigma0(load<u64>(w - 120)) + load<u64>(w - 128));
    }
    // Steps 2-4.
    let a = load<u64>(ctx, 0), b = load<u64>(ctx, 8), c = load<u64>(ctx, 16), d = load<u64>(ctx, 24);
    let e = load<u64>(ctx, 32), f = load<u64>(ctx, 40), g = load<u64>(ctx, 48), h = load<u64>(ctx, 56);
    for (let i: usize = 0; i < 640; i += 8) {
      const t1 = h + bigSigma1(e) + ch(e, f, g) + load<u64>(K + i) + load<u64>(SCHEDULE + i);
      const t2 = bigSigma0(a) + maj(a, b, c);
      h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    store<u64>(ctx, load<u64>(ctx, 0) + a, 0); store<u64>(ctx, load<u64>(ctx, 8) + b, 8);
    store<u64>(ctx, load<u64>(ctx, 16) + c, 16); store<u64>(ctx, load<u64>(ctx, 24) + d, 24);
    store<u64>(ctx, load<u64>(ctx, 32) + e, 32); store<u64>(ctx, load<u64>(ctx, 40) + f, 40);
    store<u64>(ctx, load<u64>(ctx, 48) + g, 48); store<u64>(ctx, load<u64>(ctx, 56) + h, 56);
  }
}

/** Compresses `blocks` consecutive 128-byte blocks at `data` into the state at `ctx`. */
// @ts-ignore: decorator
@inline function compress(ctx: usize, data: usize, blocks: usize): void {
  // asc folds this constant: each module compiles one variant (asconfig.json shrinkLevel).
  if (ASC_SHRINK_LEVEL >= 2) compressCompact(ctx, data, blocks);
  else compressUnrolled(ctx, data, blocks);
}

// Section 5.3.5: the initial hash value (copied from static data: smaller than 8 stores).
const IV: usize = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
  0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
]);

export function sha512Init(ctx: usize): void {
  memory.copy(ctx, IV, 64);
  store<u64>(ctx + CTX_TOTAL, 0);
  store<u32>(ctx + CTX_FILL, 0);
}

export function sha512Update(ctx: usize, data: usize, len: usize): void {
  if (len == 0) return;
  store<u64>(ctx + CTX_TOTAL, load<u64>(ctx + CTX_TOTAL) + <u64>len);
  let fill = <usize>load<u32>(ctx + CTX_FILL);
  if (fill != 0) {
    // Top up the partial block first; compress it once it is whole.
    const take = min<usize>(128 - fill, len);
    memory.copy(ctx + CTX_BLOCK + fill, data, take);
    fill += take;
    data += take;
    len -= take;
    if (fill < 128) {
      store<u32>(ctx + CTX_FILL, <u32>fill);
      return;
    }
    compress(ctx, ctx + CTX_BLOCK, 1);
  }
  // Whole blocks straight from the input, then keep the tail.
  const whole = len >> 7;
  if (whole != 0) compress(ctx, data, whole);
  const tail = len & 127;
  if (tail != 0) memory.copy(ctx + CTX_BLOCK, data + (whole << 7), tail);
  store<u32>(ctx + CTX_FILL, <u32>tail);
}

/** Writes the 64-byte digest to `out`; the context must be re-initialised after. */
export function sha512Final(ctx: usize, out: usize): void {
  // Section 5.1.2: a 1 bit, zeros to 112 mod 128, then the length in bits as a 128-bit
  // big-endian number (byte counts fit in 64 bits, so its top 61 bits are zero).
  const block = ctx + CTX_BLOCK;
  let fill = <usize>load<u32>(ctx + CTX_FILL);
  store<u8>(block + fill, 0x80);
  fill++;
  if (fill > 112) {
    memory.fill(block + fill, 0, 128 - fill);
    compress(ctx, block, 1);
    fill = 0;
  }
  memory.fill(block + fill, 0, 112 - fill);
  const total = load<u64>(ctx + CTX_TOTAL);
  store<u64>(block + 112, bswap<u64>(total >>> 61));
  store<u64>(block + 120, bswap<u64>(total << 3));
  compress(ctx, block, 1);
  for (let i: usize = 0; i < 64; i += 8) store<u64>(out + i, bswap<u64>(load<u64>(ctx + i)));
}

// One context for the one-shot helper; the modules are single-threaded.
const oneShotCtx: usize = memory.data(<i32>SHA512_CTX_SIZE, 16);

/** One-shot digest of `len` bytes at `data` into `out` (64 bytes). */
export function sha512(data: usize, len: usize, out: usize): void {
  sha512Init(oneShotCtx);
  sha512Update(oneShotCtx, data, len);
  sha512Final(oneShotCtx, out);
}
