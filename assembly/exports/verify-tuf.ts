// A plain TUF 1.0 client of one repository (full module; assembly/verify/tuf.ts), in the
// order the host calls them: tufCycleBegin, loadRoot(Image) (exports/verify.ts),
// tufTrusted for the local timestamp and snapshot, rootRotation(Image)* / rootFinish(Image),
// timestamp / snapshot / targets(Image) (exports/verify-full.ts), tufTarget (with
// delegatedRole for each role it asks for), imageBegin(0) / imageUpdate / imageFinish.
import { MISUSE } from "../abi";
import { beginTufCycle } from "../verify/cycle";
import { stepTufTrusted, stepTufTarget } from "../verify/tuf";

/** Starts a cycle of the Image repository alone at reference time `now` (unix seconds, as (low, high) halves). */
export function tufCycleBegin(nowLow: i32, nowHigh: i32): i32 {
  const now = (<i64>nowHigh << 32) | <i64><u32>nowLow;
  if (now < 0) return MISUSE;
  return beginTufCycle(now);
}
/** `role`: Role.Timestamp or Role.Snapshot; the client's local trusted file of that role. */
export function tufTrusted(role: i32, ptr: usize, len: u32): i32 {
  return stepTufTrusted(role, ptr, len);
}
/** `name`: the target path as JSON string content. */
export function tufTarget(name: usize, nameLen: u32): i32 {
  return stepTufTarget(name, nameLen);
}
