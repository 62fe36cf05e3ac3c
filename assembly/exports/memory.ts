// Buffer ABI shared by both modules: the host asks for a buffer, writes bytes into it
// and passes (pointer, length) pairs to the other exports.
import { arenaAlloc, arenaReset, arenaUsed } from "../arena";

/** A buffer of `len` bytes in linear memory, or 0 if it would pass the cap. */
export function alloc(len: u32): usize {
  return arenaAlloc(<usize>len);
}

/** Releases every buffer from `alloc`; call before each new top-level operation. */
export function reset(): void {
  arenaReset();
}

/** Arena bytes in use (for peak-memory figures). */
export function used(): usize {
  return arenaUsed();
}
