// PURE-2 offline updates (full module; assembly/verify/offline.ts), in the order the host
// calls them: offlineCycleBegin, rootRotation* / rootFinish(Director) from the bundle,
// offlineSnapshot, offlineTargets, then the Image repository's rootRotation* / rootFinish,
// snapshot, targets, delegatedRole*, and crossCheck (exports/verify-full.ts). In an online
// cycle offlineSnapshot takes the Director's Offline-update Snapshot after its roots.
// The stored Offline-update Snapshot is persisted apart: offlineState{Size,Export,Import}.
import { Outcome } from "../outcome";
import { MISUSE } from "../abi";
import { beginOfflineCycle } from "../verify/cycle";
import { clearResult } from "../meta/result";
import { stepOfflineSnapshot, stepOfflineTargets, offlineStateSize as size, offlineStateExport as exportTo, offlineStateImport as importFrom } from "../verify/offline";

/** Starts an offline-update cycle at reference time `now` (the latest securely attested time, or later). */
export function offlineCycleBegin(nowLow: i32, nowHigh: i32): i32 {
  const now = (<i64>nowHigh << 32) | <i64><u32>nowLow;
  if (now < 0) return MISUSE;
  return beginOfflineCycle(now);
}
export function offlineSnapshot(ptr: usize, len: u32): i32 {
  return stepOfflineSnapshot(ptr, len);
}
/** `name`: the offline-update targets file's name as JSON string content (e.g. "EMEA-standard.json"). */
export function offlineTargets(name: usize, nameLen: u32, ptr: usize, len: u32): i32 {
  return stepOfflineTargets(name, nameLen, ptr, len);
}
export function offlineStateSize(): u32 {
  return size();
}
export function offlineStateExport(out: usize): u32 {
  return exportTo(out);
}
export function offlineStateImport(ptr: usize, len: u32): i32 {
  clearResult();
  return importFrom(ptr, len) ? Outcome.Ok : Outcome.InvalidMetadata;
}
