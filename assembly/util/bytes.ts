// Byte-range equality. asc's memory.compare is inlined at every call site (its memcmp is
// @inline), about 50 bytes each; this is one function the modules call instead.
// (Verification compares public values only: hashes, key ids, signatures' R, keys.)

/** Whether the `n` bytes at `a` equal the `n` bytes at `b`. */
export function bytesEqual(a: usize, b: usize, n: usize): bool {
  for (let i: usize = 0; i < n; i++) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
  }
  return true;
}

/** True when [ptr, ptr + len) lies inside linear memory (the exports' check on host-given ranges). */
export function readable(ptr: usize, len: usize): bool {
  return <u64>ptr + <u64>len <= (<u64>memory.size() << 16);
}
