// Full verification's own steps (Uptane 5.4.4.2), in the order the host must call them:
// per repository (Director, then Image) rootRotation* and rootFinish (exports/verify.ts),
// timestamp, snapshot, targets; then delegatedRole for each Image delegated role file;
// then crossCheck.
import { stepTimestamp, stepSnapshot, stepTargets, stepDelegatedRole, stepCrossCheck } from "../verify/full";
import { registerImageState } from "../verify/cycle";
import { RS_SIZE } from "../meta/repo";
import { setOnlineKeysCheck } from "../meta/root";
import { onlineKeysRotated } from "../meta/online";
import { lastTime, setLastTime } from "../verify/time";
import { MISUSE } from "../abi";

const imageRepoState = memory.data(<i32>RS_SIZE, 8);
registerImageState(imageRepoState);
setOnlineKeysCheck(onlineKeysRotated);

export function timestamp(repo: i32, ptr: usize, len: u32): i32 {
  return stepTimestamp(repo, ptr, len);
}
export function snapshot(repo: i32, ptr: usize, len: u32): i32 {
  return stepSnapshot(repo, ptr, len);
}
export function targets(repo: i32, ptr: usize, len: u32): i32 {
  return stepTargets(repo, ptr, len);
}
export function delegatedRole(name: usize, nameLen: u32, ptr: usize, len: u32): i32 {
  return stepDelegatedRole(name, nameLen, ptr, len);
}
export function crossCheck(): i32 {
  return stepCrossCheck();
}

/**
 * Factory provisioning with a time the factory states instead of an attestation (Uptane
 * 5.4.1: the current time, or an attested one): raises the last verified time to `t`
 * (unix seconds, as (low, high) halves), never lowers it, so a host can only make later
 * checks stricter with it. MISUSE if negative. Full module only (partial ECUs take an
 * attestation).
 */
export function provisionTime(low: i32, high: i32): i32 {
  const t = (<i64>high << 32) | <i64><u32>low;
  if (t < 0) return MISUSE;
  if (t > lastTime) setLastTime(t);
  return 0;
}
