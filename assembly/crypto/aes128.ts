// AES-128 encryption (FIPS 197), table-free: SubBytes is computed, never looked up. The
// S-box is inversion in GF(2^8) (x^254, a fixed chain of squarings and products) then the
// affine map (section 5.1.1), done on eight bytes at once in a u64 (each GF(2^8) product
// is eight masked xor-and-double steps), so no memory index and no branch depends on the
// key or the data. Only encryption is needed (GCM runs the cipher forwards both ways).

/** Bytes of an expanded key: 11 round keys of 16 bytes. */
export const AES128_RK_SIZE: usize = 176;

const LO7: u64 = 0x7f7f7f7f7f7f7f7f;
const ONES: u64 = 0x0101010101010101;

// Doubles each byte lane in GF(2^8) (xtime, section 4.2.1).
@inline function xtime8(a: u64): u64 {
  return ((a & LO7) << 1) ^ (((a >> 7) & ONES) * 0x1b);
}

// The GF(2^8) product of each byte lane of a with the same lane of b.
function gmul8(a: u64, b: u64): u64 {
  let r: u64 = 0;
  for (let i: u64 = 0; i < 8; i++) {
    r ^= a & (((b >> i) & ONES) * 0xff);
    a = xtime8(a);
  }
  return r;
}

@inline function rotl8(x: u64, n: u64): u64 {
  const hi: u64 = (0xff >> n) * ONES; // bits that stay in their byte when shifted left by n
  return ((x & hi) << n) | ((x >> (8 - n)) & ((<u64>0xff >> (8 - n)) * ONES));
}

// SubBytes on eight byte lanes: inverse (0 maps to 0) then the affine map with 0x63.
function sub8(x: u64): u64 {
  // x^254 = x^(2+4+8+16+32+64+128): square and multiply over the public exponent
  const x2 = gmul8(x, x);
  const x3 = gmul8(x2, x);
  const x6 = gmul8(x3, x3);
  const x12 = gmul8(x6, x6);
  const x15 = gmul8(x12, x3);
  const x30 = gmul8(x15, x15);
  const x60 = gmul8(x30, x30);
  const x120 = gmul8(x60, x60);
  const x126 = gmul8(x120, x6);
  const x127 = gmul8(x126, x);
  const inv = gmul8(x127, x127); // x^254
  return inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^ rotl8(inv, 4) ^ (0x63 * ONES);
}

// SubBytes of a 32-bit word (the key schedule's SubWord).
@inline function subWord(w: u32): u32 {
  return <u32>sub8(<u64>w);
}

/** Section 5.2: expands the 16-byte key into 176 bytes of round keys. */
export function aes128ExpandKey(key: usize, rk: usize): void {
  memory.copy(rk, key, 16);
  let rcon: u32 = 1;
  for (let i: usize = 4; i < 44; i++) {
    let t = load<u32>(rk + ((i - 1) << 2));
    if ((i & 3) == 0) {
      t = subWord(rotr<u32>(t, 8)) ^ rcon; // RotWord on little-endian bytes, then Rcon in the first byte
      rcon = <u32>(xtime8(<u64>rcon) & 0xff);
    }
    store<u32>(rk + (i << 2), load<u32>(rk + ((i - 4) << 2)) ^ t);
  }
}

const st = memory.data(16, 16);

// MixColumns on one little-endian column word (section 5.1.3): b_i = 2a_i + 3a_{i+1} + a_{i+2} + a_{i+3}.
@inline function mixColumn(w: u32): u32 {
  const x = <u32>xtime8(<u64>w);
  return x ^ rotr<u32>(x ^ w, 8) ^ rotr<u32>(w, 16) ^ rotr<u32>(w, 24);
}

/** Encrypts one 16-byte block from `src` to `dst` (may be the same) under round keys `rk`. */
export function aes128EncryptBlock(rk: usize, src: usize, dst: usize): void {
  let a = load<u64>(src) ^ load<u64>(rk);
  let b = load<u64>(src, 8) ^ load<u64>(rk, 8);
  for (let round: usize = 1; round <= 10; round++) {
    a = sub8(a);
    b = sub8(b);
    store<u64>(st, a);
    store<u64>(st, b, 8);
    // ShiftRows (section 5.1.2): byte r of column c comes from column c + r (public indices)
    let c0: u32 = 0, c1: u32 = 0, c2: u32 = 0, c3: u32 = 0;
    for (let r: usize = 0; r < 4; r++) {
      const sh = <u32>(r << 3);
      c0 |= <u32>load<u8>(st + ((0 + r) & 3) * 4 + r) << sh;
      c1 |= <u32>load<u8>(st + ((1 + r) & 3) * 4 + r) << sh;
      c2 |= <u32>load<u8>(st + ((2 + r) & 3) * 4 + r) << sh;
      c3 |= <u32>load<u8>(st + ((3 + r) & 3) * 4 + r) << sh;
    }
    if (round != 10) {
      c0 = mixColumn(c0);
      c1 = mixColumn(c1);
      c2 = mixColumn(c2);
      c3 = mixColumn(c3);
    }
    const k = rk + (round << 4);
    a = ((<u64>c0) | (<u64>c1 << 32)) ^ load<u64>(k);
    b = ((<u64>c2) | (<u64>c3 << 32)) ^ load<u64>(k, 8);
  }
  store<u64>(dst, a);
  store<u64>(dst, b, 8);
  memory.fill(st, 0, 16);
}
