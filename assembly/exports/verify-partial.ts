// Partial verification's own step (Uptane 5.4.4.1).
import { stepPartialTargets } from "../verify/partial";

/** Director targets for this ECU (after the optional root rotations); Ok, NoUpdate or a failure. */
export function partialTargets(ptr: usize, len: u32): i32 {
  return stepPartialTargets(ptr, len);
}
