// SHA-256 (FIPS 180-4 section 6.2). Streaming over a caller-provided context; no allocation.
//
// Two compression functions, one per module (chosen at compile time by asconfig.json's
// shrinkLevel, see `compress`):
// - full.wasm, for speed: all 64 rounds written out with the round constants inline, the
//   working variables renamed instead of shifted, the 16-word message window in locals.
// - partial.wasm, for size: one round per loop iteration over a schedule in static memory.
// Both read block words with scalar loads (no SIMD), and `update` compresses whole blocks
// straight from the input.

/** Bytes a context needs. */
export const SHA256_CTX_SIZE: usize = 112;

// Context layout (bytes): state H0..H7 as u32 at 0, partial block at 32 (64 bytes),
// total message length in bytes (u64) at 96, bytes held in the partial block (u32) at 104.
const CTX_BLOCK: usize = 32;
const CTX_TOTAL: usize = 96;
const CTX_FILL: usize = 104;

// Section 4.1.2 functions.
// @ts-ignore: decorator
@inline function bigSigma0(x: u32): u32 { return rotr<u32>(x, 2) ^ rotr<u32>(x, 13) ^ rotr<u32>(x, 22); }
// @ts-ignore: decorator
@inline function bigSigma1(x: u32): u32 { return rotr<u32>(x, 6) ^ rotr<u32>(x, 11) ^ rotr<u32>(x, 25); }
// @ts-ignore: decorator
@inline function smallSigma0(x: u32): u32 { return rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3); }
// @ts-ignore: decorator
@inline function smallSigma1(x: u32): u32 { return rotr<u32>(x, 17) ^ rotr<u32>(x, 19) ^ (x >>> 10); }
// @ts-ignore: decorator
@inline function ch(x: u32, y: u32, z: u32): u32 { return z ^ (x & (y ^ z)); }
// @ts-ignore: decorator
@inline function maj(x: u32, y: u32, z: u32): u32 { return (x & y) | (z & (x | y)); }
// One big-endian word. Scalar on purpose: the modules stay WebAssembly 1.0 without SIMD
// so that wasm3, WAMR and wasm2c take them (README "Embedding on an ECU").
// @ts-ignore: decorator
@inline function be32(p: usize): u32 { return bswap<u32>(load<u32>(p)); }

/** Fast variant (full.wasm): compresses `blocks` consecutive 64-byte blocks at `data` into the state at `ctx`. */
function compressUnrolled(ctx: usize, data: usize, blocks: usize): void {
  let h0 = load<u32>(ctx, 0), h1 = load<u32>(ctx, 4), h2 = load<u32>(ctx, 8), h3 = load<u32>(ctx, 12);
  let h4 = load<u32>(ctx, 16), h5 = load<u32>(ctx, 20), h6 = load<u32>(ctx, 24), h7 = load<u32>(ctx, 28);
  for (let n: usize = 0; n < blocks; n++) {
    const p = data + (n << 6);
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    // Section 6.2.2 step 1: W0..W15 are the block's big-endian words.
    let w0 = be32(p + 0), w1 = be32(p + 4), w2 = be32(p + 8), w3 = be32(p + 12);
    let w4 = be32(p + 16), w5 = be32(p + 20), w6 = be32(p + 24), w7 = be32(p + 28);
    let w8 = be32(p + 32), w9 = be32(p + 36), w10 = be32(p + 40), w11 = be32(p + 44);
    let w12 = be32(p + 48), w13 = be32(p + 52), w14 = be32(p + 56), w15 = be32(p + 60);
    // Step 3, round t: T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t] is added to d (the new e)
    // and, with T2 = Σ0(a) + Maj(a, b, c), becomes the new a in h's place: the names rotate.
    h += bigSigma1(e) + ch(e, f, g) + 0x428a2f98 + w0; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0x71374491 + w1; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0xb5c0fbcf + w2; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0xe9b5dba5 + w3; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x3956c25b + w4; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0x59f111f1 + w5; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x923f82a4 + w6; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0xab1c5ed5 + w7; e += a; a += bigSigma0(b) + maj(b, c, d);
    h += bigSigma1(e) + ch(e, f, g) + 0xd807aa98 + w8; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0x12835b01 + w9; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0x243185be + w10; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0x550c7dc3 + w11; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x72be5d74 + w12; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0x80deb1fe + w13; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x9bdc06a7 + w14; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0xc19bf174 + w15; e += a; a += bigSigma0(b) + maj(b, c, d);
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
    h += bigSigma1(e) + ch(e, f, g) + 0xe49b69c1 + w0; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0xefbe4786 + w1; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0x0fc19dc6 + w2; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0x240ca1cc + w3; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x2de92c6f + w4; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0x4a7484aa + w5; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x5cb0a9dc + w6; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0x76f988da + w7; e += a; a += bigSigma0(b) + maj(b, c, d);
    h += bigSigma1(e) + ch(e, f, g) + 0x983e5152 + w8; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0xa831c66d + w9; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0xb00327c8 + w10; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0xbf597fc7 + w11; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0xc6e00bf3 + w12; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0xd5a79147 + w13; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x06ca6351 + w14; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0x14292967 + w15; e += a; a += bigSigma0(b) + maj(b, c, d);
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
    h += bigSigma1(e) + ch(e, f, g) + 0x27b70a85 + w0; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0x2e1b2138 + w1; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0x4d2c6dfc + w2; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0x53380d13 + w3; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x650a7354 + w4; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0x766a0abb + w5; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x81c2c92e + w6; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0x92722c85 + w7; e += a; a += bigSigma0(b) + maj(b, c, d);
    h += bigSigma1(e) + ch(e, f, g) + 0xa2bfe8a1 + w8; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0xa81a664b + w9; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0xc24b8b70 + w10; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0xc76c51a3 + w11; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0xd192e819 + w12; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0xd6990624 + w13; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0xf40e3585 + w14; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0x106aa070 + w15; e += a; a += bigSigma0(b) + maj(b, c, d);
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
    h += bigSigma1(e) + ch(e, f, g) + 0x19a4c116 + w0; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0x1e376c08 + w1; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0x2748774c + w2; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0x34b0bcb5 + w3; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x391c0cb3 + w4; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0x4ed8aa4a + w5; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0x5b9cca4f + w6; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0x682e6ff3 + w7; e += a; a += bigSigma0(b) + maj(b, c, d);
    h += bigSigma1(e) + ch(e, f, g) + 0x748f82ee + w8; d += h; h += bigSigma0(a) + maj(a, b, c);
    g += bigSigma1(d) + ch(d, e, f) + 0x78a5636f + w9; c += g; g += bigSigma0(h) + maj(h, a, b);
    f += bigSigma1(c) + ch(c, d, e) + 0x84c87814 + w10; b += f; f += bigSigma0(g) + maj(g, h, a);
    e += bigSigma1(b) + ch(b, c, d) + 0x8cc70208 + w11; a += e; e += bigSigma0(f) + maj(f, g, h);
    d += bigSigma1(a) + ch(a, b, c) + 0x90befffa + w12; h += d; d += bigSigma0(e) + maj(e, f, g);
    c += bigSigma1(h) + ch(h, a, b) + 0xa4506ceb + w13; g += c; c += bigSigma0(d) + maj(d, e, f);
    b += bigSigma1(g) + ch(g, h, a) + 0xbef9a3f7 + w14; f += b; b += bigSigma0(c) + maj(c, d, e);
    a += bigSigma1(f) + ch(f, g, h) + 0xc67178f2 + w15; e += a; a += bigSigma0(b) + maj(b, c, d);
    // Step 4: the intermediate hash value.
    h0 += a; h1 += b; h2 += c; h3 += d; h4 += e; h5 += f; h6 += g; h7 += h;
  }
  store<u32>(ctx, h0, 0); store<u32>(ctx, h1, 4); store<u32>(ctx, h2, 8); store<u32>(ctx, h3, 12);
  store<u32>(ctx, h4, 16); store<u32>(ctx, h5, 20); store<u32>(ctx, h6, 24); store<u32>(ctx, h7, 28);
}

// Message schedule W0..W63 of the compact variant.
const SCHEDULE: usize = memory.data(256, 16);

/** Compact variant (partial.wasm, where size counts): one round per loop iteration. */
function compressCompact(ctx: usize, data: usize, blocks: usize): void {
  // Declared in here so that only the module compiling this variant carries the table.
  // FIPS 180-4 section 4.2.2: the 64 round constants.
  const K: usize = memory.data<u32>([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  for (let n: usize = 0; n < blocks; n++) {
    const p = data + (n << 6);
    // Section 6.2.2 step 1: the message schedule.
    for (let i: usize = 0; i < 64; i += 4) store<u32>(SCHEDULE + i, be32(p + i));
    for (let i: usize = 64; i < 256; i += 4) {
      const w = SCHEDULE + i;
      store<u32>(w, smallSigma1(load<u32>(w - 8)) + load<u32>(w - 28) + smallSigma0(load<u32>(w - 60)) + load<u32>(w - 64));
    }
    // Steps 2-4.
    let a = load<u32>(ctx, 0), b = load<u32>(ctx, 4), c = load<u32>(ctx, 8), d = load<u32>(ctx, 12);
    let e = load<u32>(ctx, 16), f = load<u32>(ctx, 20), g = load<u32>(ctx, 24), h = load<u32>(ctx, 28);
    for (let i: usize = 0; i < 256; i += 4) {
      const t1 = h + bigSigma1(e) + ch(e, f, g) + load<u32>(K + i) + load<u32>(SCHEDULE + i);
      const t2 = bigSigma0(a) + maj(a, b, c);
      h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    store<u32>(ctx, load<u32>(ctx, 0) + a, 0); store<u32>(ctx, load<u32>(ctx, 4) + b, 4);
    store<u32>(ctx, load<u32>(ctx, 8) + c, 8); store<u32>(ctx, load<u32>(ctx, 12) + d, 12);
    store<u32>(ctx, load<u32>(ctx, 16) + e, 16); store<u32>(ctx, load<u32>(ctx, 20) + f, 20);
    store<u32>(ctx, load<u32>(ctx, 24) + g, 24); store<u32>(ctx, load<u32>(ctx, 28) + h, 28);
  }
}

/** Compresses `blocks` consecutive 64-byte blocks at `data` into the state at `ctx`. */
// @ts-ignore: decorator
@inline function compress(ctx: usize, data: usize, blocks: usize): void {
  // asc folds this constant: each module compiles one variant (asconfig.json shrinkLevel).
  if (ASC_SHRINK_LEVEL >= 2) compressCompact(ctx, data, blocks);
  else compressUnrolled(ctx, data, blocks);
}

// Section 5.3.3: the initial hash value (copied from static data: smaller than 8 stores).
const IV: usize = memory.data<u32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

export function sha256Init(ctx: usize): void {
  memory.copy(ctx, IV, 32);
  store<u64>(ctx + CTX_TOTAL, 0);
  store<u32>(ctx + CTX_FILL, 0);
}

export function sha256Update(ctx: usize, data: usize, len: usize): void {
  if (len == 0) return;
  store<u64>(ctx + CTX_TOTAL, load<u64>(ctx + CTX_TOTAL) + <u64>len);
  let fill = <usize>load<u32>(ctx + CTX_FILL);
  if (fill != 0) {
    // Top up the partial block first; compress it once it is whole.
    const take = min<usize>(64 - fill, len);
    memory.copy(ctx + CTX_BLOCK + fill, data, take);
    fill += take;
    data += take;
    len -= take;
    if (fill < 64) {
      store<u32>(ctx + CTX_FILL, <u32>fill);
      return;
    }
    compress(ctx, ctx + CTX_BLOCK, 1);
  }
  // Whole blocks straight from the input, then keep the tail.
  const whole = len >> 6;
  if (whole != 0) compress(ctx, data, whole);
  const tail = len & 63;
  if (tail != 0) memory.copy(ctx + CTX_BLOCK, data + (whole << 6), tail);
  store<u32>(ctx + CTX_FILL, <u32>tail);
}

/** Writes the 32-byte digest to `out`; the context must be re-initialised after. */
export function sha256Final(ctx: usize, out: usize): void {
  // Section 5.1.1: a 1 bit, zeros to 56 mod 64, then the length in bits as a 64-bit big-endian number.
  const block = ctx + CTX_BLOCK;
  let fill = <usize>load<u32>(ctx + CTX_FILL);
  store<u8>(block + fill, 0x80);
  fill++;
  if (fill > 56) {
    memory.fill(block + fill, 0, 64 - fill);
    compress(ctx, block, 1);
    fill = 0;
  }
  memory.fill(block + fill, 0, 56 - fill);
  store<u64>(block + 56, bswap<u64>(load<u64>(ctx + CTX_TOTAL) << 3));
  compress(ctx, block, 1);
  for (let i: usize = 0; i < 32; i += 4) store<u32>(out + i, bswap<u32>(load<u32>(ctx + i)));
}

// One context for the one-shot helper; the modules are single-threaded.
const oneShotCtx: usize = memory.data(<i32>SHA256_CTX_SIZE, 16);

/** One-shot digest of `len` bytes at `data` into `out` (32 bytes). */
export function sha256(data: usize, len: usize, out: usize): void {
  sha256Init(oneShotCtx);
  sha256Update(oneShotCtx, data, len);
  sha256Final(oneShotCtx, out);
}
