// SHA-256 (FIPS 180-4). Streaming over a caller-provided context; no allocation.
// STUB: the foundations issue replaces the bodies; the signatures are the contract.

/** Bytes a context needs. */
export const SHA256_CTX_SIZE: usize = 112;

export function sha256Init(ctx: usize): void {}
export function sha256Update(ctx: usize, data: usize, len: usize): void {}
/** Writes the 32-byte digest to `out`; the context must be re-initialised after. */
export function sha256Final(ctx: usize, out: usize): void {}
/** One-shot digest of `len` bytes at `data` into `out` (32 bytes). */
export function sha256(data: usize, len: usize, out: usize): void {}
