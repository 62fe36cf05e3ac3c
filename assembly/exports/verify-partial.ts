// Partial verification's own step (Uptane 5.4.4.1).
import { stepPartialTargets } from "../verify/partial";
import { streamBegin, streamChunk, streamFinish } from "../verify/stream";

/** Director targets for this ECU (after the optional root rotations); Ok, NoUpdate or a failure. */
export function partialTargets(ptr: usize, len: u32): i32 {
  return stepPartialTargets(ptr, len);
}

// Streamed partial verification (README "Streaming partial verification"): the Director
// targets document in chunks, canonical JSON, never held whole.

/** Opens a Director targets document of `len` bytes (after the optional root rotations); Ok, or the verdict. */
export function partialTargetsBegin(len: u32): i32 {
  return streamBegin(len);
}
/** The next `len` bytes at `ptr`; Ok to go on, or the verdict once decided (stop sending). */
export function partialTargetsChunk(ptr: usize, len: u32): i32 {
  return streamChunk(ptr, len);
}
/** The verdict: Ok, NoUpdate or a failure, as partialTargets gives for the whole document. */
export function partialTargetsFinish(): i32 {
  return streamFinish();
}
