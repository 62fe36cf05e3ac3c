// Partial verification's own steps (Uptane 5.4.4.1): Director targets streamed (README
// "Streaming partial verification"): canonical JSON, in chunks, never held whole.
import { streamBegin, streamChunk, streamFinish } from "../verify/stream";

/** Opens a Director targets document of `len` bytes (after the optional root rotations); Ok, or the verdict. */
export function partialTargetsBegin(len: u32): i32 {
  return streamBegin(len);
}
/** The next `len` bytes at `ptr`; Ok to go on, or the verdict once decided (stop sending). */
export function partialTargetsChunk(ptr: usize, len: u32): i32 {
  return streamChunk(ptr, len);
}
/** The verdict: Ok, NoUpdate or a failure. */
export function partialTargetsFinish(): i32 {
  return streamFinish();
}
/** The three steps over a whole document at (ptr, len) already in memory. */
export function partialTargets(ptr: usize, len: u32): i32 {
  const rc = streamBegin(len);
  if (rc != 0) return rc;
  const c = streamChunk(ptr, len);
  return c != 0 ? c : streamFinish();
}
