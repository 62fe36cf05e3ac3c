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
import { IS_PARTIAL } from "../build";

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
// ---- trusted roots and the cycle ----

export function loadRoot(repo: i32, ptr: usize, len: u32): i32 {
  return trustRoot(repo, ptr, len);
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

/**
 * One field of the detail record: 0 outcome, 1 repository (0 none, 1 director, 2 image),
 * 2 role (assembly/meta/result.ts Role), 3 whether expected/got are set, 4 expected,
 * 5 got, 6 detail code (assembly/meta/detail.ts), 7 and 8 pointer and length of a
 * delegated role's name (JSON string content).
 */
export function result(field: i32): f64 {
  switch (field) {
    case 0: return <f64>resOutcome;
    case 1: return <f64>resRepo;
    case 2: return <f64>resRole;
    case 3: return resHasNumbers ? 1 : 0;
    case 4: return <f64>resExpected;
    case 5: return <f64>resGot;
    case 6: return <f64>resDetail;
    case 7: return <f64>resNamePtr;
    case 8: return <f64>resNameLen;
  }
  return -1;
}

// ---- verified targets (string fields valid until the next reset) ----

/**
 * One field of verified target row `i`: 0-3 pointer and 4-7 length of the ECU serial,
 * target name, hardware ID, uri (JSON string contents; pointer 0: none), 8 length,
 * 9 release counter, 10 / 11 pointer to the sha256 (32 bytes) / sha512 (64 bytes) or 0;
 * 12 number of rows, 13 row of this ECU's target (-1: none). -1 for a bad index.
 */
export function target(i: u32, field: i32): f64 {
  if (field == 12) return <f64>vtCount;
  if (field == 13) return <f64>vtThis;
  if (i >= vtCount) return -1;
  const row = vtRow(i);
  const fi = row + VT_FI;
  const flags = load<u32>(fi, FI_FLAGS);
  if (field < 8) {
    const tok = load<i32>(row + VT_ECU + <usize>(field & 3) * 4);
    if (tok < 0) return 0;
    const doc = <usize>load<u32>(row, VT_DOC);
    return field < 4 ? <f64>tokStart(doc, tok) : <f64>tokLen(doc, tok);
  }
  if (field == 8) return <f64>load<i64>(fi, FI_LENGTH);
  if (field == 9) return <f64>load<i64>(row, VT_RC);
  if (field == 10) return (flags & 1) != 0 ? <f64>(fi + FI_SHA256) : 0;
  if (field == 11) return (flags & 2) != 0 ? <f64>(fi + FI_SHA512) : 0;
  return -1;
}

// ---- capacities ----

/**
 * One capacity of the module (DESIGN.md section 5): 0 root bytes, 1 timestamp bytes,
 * 2 snapshot bytes, 3 targets bytes, 4 time attestation bytes, 5 root rotations per
 * cycle, 6 delegation depth, 7 delegated roles, 8 (ECU, target) pairs, 9 vehicle ECUs,
 * 10 identifier bytes (9: 0 in the partial module, which names no other ECUs), 11 keys per role, 12 number of detail codes, 13 streamed Director targets bytes (partial; 0 in full); -1 for another index.
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
    case 9: return IS_PARTIAL ? 0 : <i32>caps.MAX_VEHICLE_ECUS;
    case 10: return <i32>caps.MAX_ID_BYTES;
    case 11: return <i32>MAX_ROLE_KEYS;
    case 12: return DETAIL_COUNT;
    case 13: return IS_PARTIAL ? <i32>caps.STREAMED_TARGETS_CAP : 0;
  }
  return -1;
}
