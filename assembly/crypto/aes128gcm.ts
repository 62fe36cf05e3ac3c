// AES-128-GCM (NIST SP 800-38D) with 128-bit tags. The wire format uses 96-bit IVs
// (README "Per-ECU image encryption"); other non-empty IV lengths take the GHASH-derived
// J0 of section 7.1, so the Wycheproof AES-128 cases of every IV size run. GHASH multiplies bit by bit with
// masks (no tables, no secret-dependent branch). Opening checks the tag before it
// decrypts; round keys, H and the counter blocks are wiped after each call.
import { AES128_RK_SIZE, aes128EncryptBlock, aes128ExpandKey } from "./aes128";
import { ctEqual } from "./poly1305";

const rk = memory.data(<i32>AES128_RK_SIZE, 16);
const hkey = memory.data(16, 16); // H = E(K, 0^128)
const acc = memory.data(16, 16); // GHASH accumulator
const j0 = memory.data(16, 16);
const ctr = memory.data(16, 16);
const ks = memory.data(16, 16);
const pad = memory.data(16, 16);
const computed = memory.data(16, 16);

// acc = (acc xor block) * H in GF(2^128), section 6.3 (bit 0 is the most significant bit of byte 0).
function ghashBlock(block: usize): void {
  const x0 = bswap<u64>(load<u64>(acc) ^ load<u64>(block));
  const x1 = bswap<u64>(load<u64>(acc, 8) ^ load<u64>(block, 8));
  let v0 = bswap<u64>(load<u64>(hkey)), v1 = bswap<u64>(load<u64>(hkey, 8));
  let z0: u64 = 0, z1: u64 = 0;
  for (let i: u64 = 0; i < 128; i++) {
    const bit = i < 64 ? (x0 >> (63 - i)) & 1 : (x1 >> (127 - i)) & 1; // i is public
    const m = 0 - bit;
    z0 ^= v0 & m;
    z1 ^= v1 & m;
    const lsb = 0 - (v1 & 1);
    v1 = (v1 >> 1) | (v0 << 63);
    v0 = (v0 >> 1) ^ (0xe100000000000000 & lsb);
  }
  store<u64>(acc, bswap<u64>(z0));
  store<u64>(acc, bswap<u64>(z1), 8);
}

function ghash(data: usize, len: usize): void {
  while (len >= 16) {
    ghashBlock(data);
    data += 16;
    len -= 16;
  }
  if (len != 0) {
    memory.fill(pad, 0, 16);
    memory.copy(pad, data, len);
    ghashBlock(pad);
  }
}

@inline function incr32(b: usize): void {
  store<u32>(b, bswap<u32>(bswap<u32>(load<u32>(b, 12)) + 1), 12);
}

// GCTR (section 6.5) from counter block ctr on.
function gctr(src: usize, dst: usize, len: usize): void {
  while (len != 0) {
    incr32(ctr);
    aes128EncryptBlock(rk, ctr, ks);
    const n = min<usize>(16, len);
    for (let i: usize = 0; i < n; i++) store<u8>(dst + i, load<u8>(src + i) ^ load<u8>(ks + i));
    src += n;
    dst += n;
    len -= n;
  }
}

function setup(key: usize, iv: usize, ivLen: usize): void {
  aes128ExpandKey(key, rk);
  memory.fill(hkey, 0, 16);
  aes128EncryptBlock(rk, hkey, hkey);
  memory.fill(acc, 0, 16);
  if (ivLen == 12) {
    memory.copy(j0, iv, 12);
    store<u32>(j0, bswap<u32>(1), 12); // J0 = IV | 0^31 | 1 for a 96-bit IV
  } else {
    // J0 = GHASH(IV | 0-pad | 0^64 | [len(IV) in bits]_64)
    ghash(iv, ivLen);
    store<u64>(pad, 0);
    store<u64>(pad, bswap<u64>(<u64>ivLen << 3), 8);
    ghashBlock(pad);
    memory.copy(j0, acc, 16);
    memory.fill(acc, 0, 16);
  }
  memory.copy(ctr, j0, 16);
}

function computeTag(aadLen: usize, ctLen: usize, out: usize): void {
  store<u64>(pad, bswap<u64>(<u64>aadLen << 3));
  store<u64>(pad, bswap<u64>(<u64>ctLen << 3), 8);
  ghashBlock(pad);
  aes128EncryptBlock(rk, j0, ks);
  for (let i: usize = 0; i < 16; i++) store<u8>(out + i, load<u8>(acc + i) ^ load<u8>(ks + i));
}

function wipe(): void {
  memory.fill(rk, 0, <i32>AES128_RK_SIZE);
  memory.fill(hkey, 0, 16);
  memory.fill(acc, 0, 16);
  memory.fill(j0, 0, 16);
  memory.fill(ctr, 0, 16);
  memory.fill(ks, 0, 16);
  memory.fill(pad, 0, 16);
  memory.fill(computed, 0, 16);
}

/** Encrypts `len` bytes (16-byte key, IV of `ivLen` >= 1 bytes) to `ct` (may be `pt`) and writes the 16-byte tag. */
export function aesGcmSeal(key: usize, iv: usize, ivLen: usize, aad: usize, aadLen: usize, pt: usize, len: usize, ct: usize, tagOut: usize): void {
  setup(key, iv, ivLen);
  gctr(pt, ct, len);
  ghash(aad, aadLen);
  ghash(ct, len);
  computeTag(aadLen, len, tagOut);
  wipe();
}

/** Checks the tag, then decrypts to `pt` (may be `ct`); false (and `pt` untouched) when the tag does not hold. */
export function aesGcmOpen(key: usize, iv: usize, ivLen: usize, aad: usize, aadLen: usize, ct: usize, len: usize, tagIn: usize, pt: usize): bool {
  setup(key, iv, ivLen);
  ghash(aad, aadLen);
  ghash(ct, len);
  computeTag(aadLen, len, computed);
  const ok = ctEqual(computed, tagIn, 16);
  if (ok) gctr(ct, pt, len);
  wipe();
  return ok;
}
