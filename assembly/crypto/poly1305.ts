// Poly1305 (RFC 8439 section 2.5): the one-time authenticator, in five 26-bit limbs
// (products fit u64). Constant-time: the final reduction selects with a mask, never a
// branch, and the tag comparison (poly1305Equal) reads every byte.

/** Bytes a context needs. */
export const POLY_CTX_SIZE: usize = 96;

// Context layout: r0..r4 (u32) at 0, s (16 bytes, the key's second half) at 20, h0..h4 (u32) at 36,
// the partial block (16 bytes) at 56, its fill (u32) at 72.
const R: usize = 0;
const S: usize = 20;
const H: usize = 36;
const BUF: usize = 56;
const FILL: usize = 72;
const M26: u32 = 0x3ffffff;

/** Starts a MAC under the 32-byte one-time key (r clamped as section 2.5 says). */
export function polyInit(ctx: usize, key: usize): void {
  const t0 = load<u32>(key), t1 = load<u32>(key, 4), t2 = load<u32>(key, 8), t3 = load<u32>(key, 12);
  store<u32>(ctx + R, t0 & 0x3ffffff);
  store<u32>(ctx + R, ((t0 >>> 26) | (t1 << 6)) & 0x3ffff03, 4);
  store<u32>(ctx + R, ((t1 >>> 20) | (t2 << 12)) & 0x3ffc0ff, 8);
  store<u32>(ctx + R, ((t2 >>> 14) | (t3 << 18)) & 0x3f03fff, 12);
  store<u32>(ctx + R, (t3 >>> 8) & 0x00fffff, 16);
  memory.copy(ctx + S, key + 16, 16);
  memory.fill(ctx + H, 0, 20);
  store<u32>(ctx + FILL, 0);
}

// Adds `n` 16-byte blocks at `m` (each with the 2^128 bit set to `hibit`) and multiplies by r.
function polyBlocks(ctx: usize, m: usize, n: usize, hibit: u32): void {
  const r0 = <u64>load<u32>(ctx + R), r1 = <u64>load<u32>(ctx + R, 4), r2 = <u64>load<u32>(ctx + R, 8);
  const r3 = <u64>load<u32>(ctx + R, 12), r4 = <u64>load<u32>(ctx + R, 16);
  const s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
  let h0 = load<u32>(ctx + H), h1 = load<u32>(ctx + H, 4), h2 = load<u32>(ctx + H, 8);
  let h3 = load<u32>(ctx + H, 12), h4 = load<u32>(ctx + H, 16);
  for (let i: usize = 0; i < n; i++) {
    const t0 = load<u32>(m), t1 = load<u32>(m, 4), t2 = load<u32>(m, 8), t3 = load<u32>(m, 12);
    h0 += t0 & M26;
    h1 += ((t0 >>> 26) | (t1 << 6)) & M26;
    h2 += ((t1 >>> 20) | (t2 << 12)) & M26;
    h3 += ((t2 >>> 14) | (t3 << 18)) & M26;
    h4 += (t3 >>> 8) | hibit;
    const a0 = <u64>h0, a1 = <u64>h1, a2 = <u64>h2, a3 = <u64>h3, a4 = <u64>h4;
    const d0 = a0 * r0 + a1 * s4 + a2 * s3 + a3 * s2 + a4 * s1;
    let d1 = a0 * r1 + a1 * r0 + a2 * s4 + a3 * s3 + a4 * s2;
    let d2 = a0 * r2 + a1 * r1 + a2 * r0 + a3 * s4 + a4 * s3;
    let d3 = a0 * r3 + a1 * r2 + a2 * r1 + a3 * r0 + a4 * s4;
    let d4 = a0 * r4 + a1 * r3 + a2 * r2 + a3 * r1 + a4 * r0;
    d1 += d0 >> 26; h0 = <u32>d0 & M26;
    d2 += d1 >> 26; h1 = <u32>d1 & M26;
    d3 += d2 >> 26; h2 = <u32>d2 & M26;
    d4 += d3 >> 26; h3 = <u32>d3 & M26;
    h0 += <u32>(d4 >> 26) * 5; h4 = <u32>d4 & M26;
    h1 += h0 >>> 26; h0 &= M26;
    m += 16;
  }
  store<u32>(ctx + H, h0); store<u32>(ctx + H, h1, 4); store<u32>(ctx + H, h2, 8);
  store<u32>(ctx + H, h3, 12); store<u32>(ctx + H, h4, 16);
}

/** Feeds `len` message bytes. */
export function polyUpdate(ctx: usize, m: usize, len: usize): void {
  let fill = <usize>load<u32>(ctx + FILL);
  if (fill != 0) {
    const take = min<usize>(16 - fill, len);
    memory.copy(ctx + BUF + fill, m, take);
    fill += take;
    m += take;
    len -= take;
    if (fill < 16) {
      store<u32>(ctx + FILL, <u32>fill);
      return;
    }
    polyBlocks(ctx, ctx + BUF, 1, 1 << 24);
    fill = 0;
  }
  const whole = len >> 4;
  if (whole != 0) polyBlocks(ctx, m, whole, 1 << 24);
  const tail = len & 15;
  if (tail != 0) memory.copy(ctx + BUF, m + (whole << 4), tail);
  store<u32>(ctx + FILL, <u32>tail);
}

/** Feeds zeros up to the next multiple of 16 bytes (RFC 8439 2.8: pad16). */
export function polyPad16(ctx: usize): void {
  const fill = <usize>load<u32>(ctx + FILL);
  if (fill == 0) return;
  memory.fill(ctx + BUF + fill, 0, 16 - fill);
  polyBlocks(ctx, ctx + BUF, 1, 1 << 24);
  store<u32>(ctx + FILL, 0);
}

/** Writes the 16-byte tag to `out` and wipes the context. */
export function polyFinish(ctx: usize, out: usize): void {
  const fill = <usize>load<u32>(ctx + FILL);
  if (fill != 0) {
    // the last partial block: a 1 byte after it, zeros, and no 2^128 bit
    store<u8>(ctx + BUF + fill, 1);
    memory.fill(ctx + BUF + fill + 1, 0, 15 - fill);
    polyBlocks(ctx, ctx + BUF, 1, 0);
  }
  let h0 = load<u32>(ctx + H), h1 = load<u32>(ctx + H, 4), h2 = load<u32>(ctx + H, 8);
  let h3 = load<u32>(ctx + H, 12), h4 = load<u32>(ctx + H, 16);
  let c: u32;
  c = h1 >>> 26; h1 &= M26; h2 += c;
  c = h2 >>> 26; h2 &= M26; h3 += c;
  c = h3 >>> 26; h3 &= M26; h4 += c;
  c = h4 >>> 26; h4 &= M26; h0 += c * 5;
  c = h0 >>> 26; h0 &= M26; h1 += c;
  // g = h + 5 - 2^130; take g when it does not go negative (h >= p), by mask
  let g0 = h0 + 5; c = g0 >>> 26; g0 &= M26;
  let g1 = h1 + c; c = g1 >>> 26; g1 &= M26;
  let g2 = h2 + c; c = g2 >>> 26; g2 &= M26;
  let g3 = h3 + c; c = g3 >>> 26; g3 &= M26;
  const g4 = h4 + c - (1 << 26);
  const keepG = (g4 >>> 31) - 1; // all ones when g4 >= 0
  const keepH = ~keepG;
  h0 = (h0 & keepH) | (g0 & keepG);
  h1 = (h1 & keepH) | (g1 & keepG);
  h2 = (h2 & keepH) | (g2 & keepG);
  h3 = (h3 & keepH) | (g3 & keepG);
  h4 = (h4 & keepH) | (g4 & keepG);
  // h mod 2^128, plus s
  const w0 = h0 | (h1 << 26), w1 = (h1 >>> 6) | (h2 << 20), w2 = (h2 >>> 12) | (h3 << 14), w3 = (h3 >>> 18) | (h4 << 8);
  let f: u64 = <u64>w0 + <u64>load<u32>(ctx + S);
  store<u32>(out, <u32>f);
  f = <u64>w1 + <u64>load<u32>(ctx + S, 4) + (f >> 32);
  store<u32>(out, <u32>f, 4);
  f = <u64>w2 + <u64>load<u32>(ctx + S, 8) + (f >> 32);
  store<u32>(out, <u32>f, 8);
  f = <u64>w3 + <u64>load<u32>(ctx + S, 12) + (f >> 32);
  store<u32>(out, <u32>f, 12);
  memory.fill(ctx, 0, POLY_CTX_SIZE);
}

/** Constant-time equality of `n` bytes (every byte read, no early exit): for tags and secrets. */
export function ctEqual(a: usize, b: usize, n: usize): bool {
  let d: u32 = 0;
  for (let i: usize = 0; i < n; i++) d |= <u32>(load<u8>(a + i) ^ load<u8>(b + i));
  return d == 0;
}
