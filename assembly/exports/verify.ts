// Verification exports shared by both modules. Numbers only cross the boundary: the host
// writes inputs into `alloc`ed buffers and passes (pointer, length); every step returns an
// Outcome code (or -1 when the host called it out of order: a host bug), with the detail
// record readable below. Identifiers are passed as JSON string contents (escaped).
import { Outcome } from "../outcome";
import { Repo, MISUSE, resOutcome, resRepo, resRole, resExpected, resGot, resHasNumbers, resDetail, resNamePtr, resNameLen, clearResult } from "../meta/result";
import { trustRoot, beginCycle, stepRootRotation, stepRootFinish, rotationsAccepted as rotations } from "../verify/cycle";
import { configureEcu, addVehicleEcu as addEcu, setInstalledReleaseCounter as setRc, installedReleaseCounter } from "../verify/config";
import { verifyTimeAttestation, lastTime } from "../verify/time";
import { imageBegin as begin, imageUpdate as update, imageFinish as finish } from "../verify/image";
import { stateSize as size, stateExport as exportTo, stateImport as importFrom } from "../verify/state";
import { vtRow, vtCount, vtThis, VT_DOC, VT_ECU, VT_NAME, VT_HW, VT_URI, VT_RC, VT_FI } from "../verify/vehicle";
import { FI_LENGTH, FI_FLAGS, FI_SHA256, FI_SHA512 } from "../meta/fileinfo";
import { tokStart, tokLen } from "../json/reader";
import { rootVersion } from "../meta/root";
import { repoState } from "../verify/cycle";
import * as caps from "../verify/caps";
import { MAX_ROLE_KEYS } from "../meta/keys";
import { DETAIL_COUNT } from "../meta/detail";

// ---- identity ----

/** This ECU's serial and hardware ID, and the VIN (empty for partial); 0 or -1. */
export function configure(serial: usize, serialLen: u32, hw: usize, hwLen: u32, vin: usize, vinLen: u32): i32 {
  return configureEcu(serial, serialLen, hw, hwLen, vin, vinLen) ? 0 : MISUSE;
}
export function addVehicleEcu(ptr: usize, len: u32): i32 {
  return addEcu(ptr, len) ? 0 : MISUSE;
}
export function setInstalledReleaseCounter(n: f64): void {
  setRc(<i64>n);
}
export function installedRelease(): f64 {
  return <f64>installedReleaseCounter;
}

// ---- trusted roots and the cycle ----

export function loadRoot(repo: i32, ptr: usize, len: u32): i32 {
  return trustRoot(repo, ptr, len);
}
export function trustedRootVersion(repo: i32): f64 {
  const rs = repoState(repo);
  return rs == 0 ? -1 : <f64>rootVersion(rs);
}
export function cycleBegin(now: f64): i32 {
  if (!(now >= 0 && now < 9007199254740992)) return MISUSE;
  return beginCycle(<i64>now);
}
export function rootRotation(repo: i32, ptr: usize, len: u32): i32 {
  return stepRootRotation(repo, ptr, len);
}
export function rootFinish(repo: i32): i32 {
  return stepRootFinish(repo);
}
export function rotationsAccepted(repo: i32): u32 {
  return rotations(repo);
}

// ---- time ----

export function timeAttestation(ptr: usize, len: u32, nonce: usize, nonceLen: u32): i32 {
  return verifyTimeAttestation(ptr, len, nonce, nonceLen);
}
export function attestedTime(): f64 {
  return <f64>lastTime;
}

// ---- image ----

export function imageBegin(row: u32): i32 {
  return begin(row);
}
export function imageUpdate(ptr: usize, len: u32): i32 {
  return update(ptr, len);
}
export function imageFinish(): i32 {
  return finish();
}

// ---- state ----

export function stateSize(): u32 {
  return size();
}
export function stateExport(out: usize): u32 {
  return exportTo(out);
}
export function stateImport(ptr: usize, len: u32): i32 {
  clearResult();
  return importFrom(ptr, len) ? Outcome.Ok : Outcome.InvalidMetadata;
}

// ---- the detail record ----

export function resultOutcome(): i32 {
  return resOutcome;
}
export function resultRepo(): i32 {
  return resRepo;
}
export function resultRole(): i32 {
  return resRole;
}
export function resultHasNumbers(): i32 {
  return resHasNumbers ? 1 : 0;
}
export function resultExpected(): f64 {
  return <f64>resExpected;
}
export function resultGot(): f64 {
  return <f64>resGot;
}
/** Detail code (assembly/meta/detail.ts; the host holds the text). */
export function resultDetail(): i32 {
  return resDetail;
}
export function detailCount(): i32 {
  return DETAIL_COUNT;
}
export function resultNamePtr(): usize {
  return resNamePtr;
}
export function resultNameLen(): u32 {
  return resNameLen;
}

// ---- verified targets (valid until the next reset for the string fields) ----

export function targetCount(): u32 {
  return vtCount;
}
/** Row of this ECU's target, or -1. */
export function targetForThisEcu(): i32 {
  return vtThis;
}
/** Field of row `i`: 0 ECU serial, 1 target name, 2 hardware ID, 3 uri; pointer to JSON string content (0: none). */
export function targetStringPtr(i: u32, field: i32): usize {
  const tok = targetTok(i, field);
  return tok < 0 ? 0 : tokStart(<usize>load<u32>(vtRow(i), VT_DOC), tok);
}
export function targetStringLen(i: u32, field: i32): u32 {
  const tok = targetTok(i, field);
  return tok < 0 ? 0 : tokLen(<usize>load<u32>(vtRow(i), VT_DOC), tok);
}
function targetTok(i: u32, field: i32): i32 {
  if (i >= vtCount) return -1;
  const row = vtRow(i);
  if (field == 0) return load<i32>(row, VT_ECU);
  if (field == 1) return load<i32>(row, VT_NAME);
  if (field == 2) return load<i32>(row, VT_HW);
  if (field == 3) return load<i32>(row, VT_URI);
  return -1;
}
export function targetLength(i: u32): f64 {
  return i < vtCount ? <f64>load<i64>(vtRow(i) + VT_FI, FI_LENGTH) : -1;
}
export function targetReleaseCounter(i: u32): f64 {
  return i < vtCount ? <f64>load<i64>(vtRow(i), VT_RC) : -1;
}
/** Pointer to the 32-byte sha256 (alg 0) or 64-byte sha512 (alg 1) of row `i`, 0 if not listed. */
export function targetHash(i: u32, alg: i32): usize {
  if (i >= vtCount) return 0;
  const fi = vtRow(i) + VT_FI;
  const flags = load<u32>(fi, FI_FLAGS);
  if (alg == 0) return (flags & 1) != 0 ? fi + FI_SHA256 : 0;
  if (alg == 1) return (flags & 2) != 0 ? fi + FI_SHA512 : 0;
  return 0;
}

// ---- capacities ----

/**
 * One capacity of the module (DESIGN.md section 5): 0 root bytes, 1 timestamp bytes,
 * 2 snapshot bytes, 3 targets bytes, 4 time attestation bytes, 5 root rotations per
 * cycle, 6 delegation depth, 7 delegated roles, 8 (ECU, target) pairs, 9 vehicle ECUs,
 * 10 identifier bytes, 11 keys per role; -1 for another index.
 */
export function capacity(which: i32): i32 {
  switch (which) {
    case 0: return <i32>caps.ROOT_CAP;
    case 1: return <i32>caps.TIMESTAMP_CAP;
    case 2: return <i32>caps.SNAPSHOT_CAP;
    case 3: return <i32>caps.TARGETS_CAP;
    case 4: return <i32>caps.TIME_ATTESTATION_CAP;
    case 5: return <i32>caps.MAX_ROOT_ROTATIONS;
    case 6: return caps.MAX_DELEGATION_DEPTH;
    case 7: return <i32>caps.MAX_DELEGATED_ROLES;
    case 8: return <i32>caps.MAX_VEHICLE_TARGETS;
    case 9: return <i32>caps.MAX_VEHICLE_ECUS;
    case 10: return <i32>caps.MAX_ID_BYTES;
    case 11: return <i32>MAX_ROLE_KEYS;
  }
  return -1;
}
