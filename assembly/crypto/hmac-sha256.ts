// HMAC-SHA256 (RFC 2104, FIPS 198-1) and HKDF-SHA256 (RFC 5869) over assembly/crypto/sha256.ts.
// The padded key blocks and contexts are wiped when a MAC ends. Key-dependent work is
// the same for every key of a given length (keys are never compared or indexed).
import { SHA256_CTX_SIZE, sha256Final, sha256Init, sha256Update } from "./sha256";

/** Bytes an HMAC context needs: the inner hash context, then the key xor opad block. */
export const HMAC_CTX_SIZE: usize = SHA256_CTX_SIZE + 64;
const OPAD: usize = SHA256_CTX_SIZE;

const keyBlock = memory.data(64, 16);
const inner = memory.data(32, 16);

/** Starts HMAC under `keyLen` bytes of key (longer than the 64-byte block: hashed first). */
export function hmacInit(ctx: usize, key: usize, keyLen: usize): void {
  memory.fill(keyBlock, 0, 64);
  if (keyLen > 64) {
    sha256Init(ctx);
    sha256Update(ctx, key, keyLen);
    sha256Final(ctx, keyBlock);
  } else {
    memory.copy(keyBlock, key, keyLen);
  }
  for (let i: usize = 0; i < 64; i++) store<u8>(ctx + OPAD + i, load<u8>(keyBlock + i) ^ 0x5c);
  for (let i: usize = 0; i < 64; i++) store<u8>(keyBlock + i, load<u8>(keyBlock + i) ^ 0x36);
  sha256Init(ctx);
  sha256Update(ctx, keyBlock, 64);
  memory.fill(keyBlock, 0, 64);
}

export function hmacUpdate(ctx: usize, data: usize, len: usize): void {
  sha256Update(ctx, data, len);
}

/** Writes the 32-byte MAC to `out` (may overlap nothing in ctx) and wipes the context. */
export function hmacFinal(ctx: usize, out: usize): void {
  sha256Final(ctx, inner);
  memory.copy(keyBlock, ctx + OPAD, 64);
  sha256Init(ctx);
  sha256Update(ctx, keyBlock, 64);
  sha256Update(ctx, inner, 32);
  sha256Final(ctx, out);
  memory.fill(ctx, 0, HMAC_CTX_SIZE);
  memory.fill(keyBlock, 0, 64);
  memory.fill(inner, 0, 32);
}

const hctx = memory.data(<i32>HMAC_CTX_SIZE, 16);

/** One-shot HMAC-SHA256. */
export function hmacSha256(key: usize, keyLen: usize, data: usize, len: usize, out: usize): void {
  hmacInit(hctx, key, keyLen);
  hmacUpdate(hctx, data, len);
  hmacFinal(hctx, out);
}

/** RFC 5869 2.2: PRK = HMAC(salt, IKM); an absent salt is 32 zero bytes (the same MAC as an empty one). */
export function hkdfExtract(salt: usize, saltLen: usize, ikm: usize, ikmLen: usize, prk: usize): void {
  hmacSha256(salt, saltLen, ikm, ikmLen, prk);
}

const tBlock = memory.data(32, 16);
const counter = memory.data(1);

/**
 * RFC 5869 2.3: OKM = T(1) | T(2) | ... (first `len` bytes), T(i) = HMAC(PRK, T(i-1) | info | i).
 * False when len > 255 * 32. `prk` is any length (Wycheproof feeds it from extract only).
 */
export function hkdfExpand(prk: usize, prkLen: usize, info: usize, infoLen: usize, out: usize, len: usize): bool {
  if (len > 255 * 32) return false;
  let done: usize = 0;
  let i: u32 = 1;
  while (done < len) {
    hmacInit(hctx, prk, prkLen);
    if (i > 1) hmacUpdate(hctx, tBlock, 32);
    hmacUpdate(hctx, info, infoLen);
    store<u8>(counter, <u8>i);
    hmacUpdate(hctx, counter, 1);
    hmacFinal(hctx, tBlock);
    const take = min<usize>(32, len - done);
    memory.copy(out + done, tBlock, take);
    done += take;
    i++;
  }
  memory.fill(tBlock, 0, 32);
  return true;
}
