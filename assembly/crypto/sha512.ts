// SHA-512 (FIPS 180-4). Streaming over a caller-provided context; no allocation.
// STUB: the foundations issue replaces the bodies; the signatures are the contract.

/** Bytes a context needs. */
export const SHA512_CTX_SIZE: usize = 216;

export function sha512Init(ctx: usize): void {}
export function sha512Update(ctx: usize, data: usize, len: usize): void {}
/** Writes the 64-byte digest to `out`; the context must be re-initialised after. */
export function sha512Final(ctx: usize, out: usize): void {}
/** One-shot digest of `len` bytes at `data` into `out` (64 bytes). */
export function sha512(data: usize, len: usize, out: usize): void {}
