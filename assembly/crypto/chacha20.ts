// ChaCha20 (RFC 8439 sections 2.1-2.4): 256-bit key, 96-bit nonce, 32-bit block counter.
// Constant-time by construction: only additions, xors and fixed rotations on 32-bit
// words; no branch or memory index depends on the key or the data.

/** Bytes of one keystream block. */
export const CHACHA_BLOCK: usize = 64;

const block = memory.data(64, 16); // one keystream block (wiped by chacha20Wipe)

// Section 2.3: the state is the constants, the key, the counter and the nonce; 20 rounds
// (10 column + diagonal double rounds); the output is the rounds' result plus the input.
function chachaBlock(key: usize, counter: u32, nonce: usize, out: usize): void {
  const j0: u32 = 0x61707865, j1: u32 = 0x3320646e, j2: u32 = 0x79622d32, j3: u32 = 0x6b206574;
  const j4 = load<u32>(key), j5 = load<u32>(key, 4), j6 = load<u32>(key, 8), j7 = load<u32>(key, 12);
  const j8 = load<u32>(key, 16), j9 = load<u32>(key, 20), j10 = load<u32>(key, 24), j11 = load<u32>(key, 28);
  const j12 = counter, j13 = load<u32>(nonce), j14 = load<u32>(nonce, 4), j15 = load<u32>(nonce, 8);
  let x0 = j0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = j5, x6 = j6, x7 = j7;
  let x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15;
  for (let i = 0; i < 10; i++) {
    // column rounds: QR(0,4,8,12) QR(1,5,9,13) QR(2,6,10,14) QR(3,7,11,15) (section 2.1)
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 16); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 12);
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 8); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 7);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 16); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 12);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 8); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 7);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 16); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 12);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 8); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 7);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 16); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 12);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 8); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 7);
    // diagonal rounds: QR(0,5,10,15) QR(1,6,11,12) QR(2,7,8,13) QR(3,4,9,14)
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 16); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 12);
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 8); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 7);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 16); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 12);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 8); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 7);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 16); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 12);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 8); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 7);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 16); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 12);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 8); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 7);
  }
  store<u32>(out, x0 + j0); store<u32>(out, x1 + j1, 4); store<u32>(out, x2 + j2, 8); store<u32>(out, x3 + j3, 12);
  store<u32>(out, x4 + j4, 16); store<u32>(out, x5 + j5, 20); store<u32>(out, x6 + j6, 24); store<u32>(out, x7 + j7, 28);
  store<u32>(out, x8 + j8, 32); store<u32>(out, x9 + j9, 36); store<u32>(out, x10 + j10, 40); store<u32>(out, x11 + j11, 44);
  store<u32>(out, x12 + j12, 48); store<u32>(out, x13 + j13, 52); store<u32>(out, x14 + j14, 56); store<u32>(out, x15 + j15, 60);
}

/** The 32 bytes of keystream block 0 (RFC 8439 2.6: the Poly1305 one-time key) into `out`. */
export function chacha20PolyKey(key: usize, nonce: usize, out: usize): void {
  chachaBlock(key, 0, nonce, block);
  memory.copy(out, block, 32);
  chacha20Wipe();
}

/**
 * Section 2.4: `dst` = `src` xor the keystream from block `counter` on (`dst` may equal
 * `src`). The counter must not wrap within `len` (the callers' lengths keep it far below).
 */
export function chacha20Xor(key: usize, nonce: usize, counter: u32, src: usize, dst: usize, len: usize): void {
  while (len >= 64) {
    chachaBlock(key, counter++, nonce, block);
    for (let i: usize = 0; i < 64; i += 8) store<u64>(dst + i, load<u64>(src + i) ^ load<u64>(block + i));
    src += 64;
    dst += 64;
    len -= 64;
  }
  if (len != 0) {
    chachaBlock(key, counter, nonce, block);
    for (let i: usize = 0; i < len; i++) store<u8>(dst + i, load<u8>(src + i) ^ load<u8>(block + i));
  }
  chacha20Wipe();
}

/** Clears the keystream block. */
export function chacha20Wipe(): void {
  memory.fill(block, 0, 64);
}
