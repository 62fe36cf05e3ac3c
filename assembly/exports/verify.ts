// Verification exports shared by both modules. Only i32 crosses the boundary (the named
// ABI, assembly/abi.ts): the host writes inputs into `alloc`ed buffers and passes
// (pointer, length); every step returns an Outcome code (or MISUSE when the host called it
// out of order: a host bug), with the detail record readable below; 64-bit values cross
// as (low, high) halves. Identifiers are passed as JSON string contents (escaped).
import { Outcome } from "../outcome";
import { MISUSE, Capacity, Half, ResultField, TargetField } from "../abi";
import { resOutcome, resRepo, resRole, resExpected, resGot, resHasNumbers, resDetail, resNamePtr, resNameLen, clearResult } from "../meta/result";
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
import { SHA512_CTX_SIZE } from "../crypto/sha512";

/** A 64-bit value from its (low, high) i32 halves. */
function join64(low: i32, high: i32): i64 {
  return (<i64>high << 32) | <i64><u32>low;
}

/** One half of a 64-bit value. */
function half64(v: i64, high: bool): i32 {
  return high ? <i32>(v >> 32) : <i32>v;
}

// ---- identity ----

/** This ECU's serial and hardware ID, and the VIN (empty for partial); 0 or -1. */
export function configure(serial: usize, serialLen: u32, hw: usize, hwLen: u32, vin: usize, vinLen: u32): i32 {
  return configureEcu(serial, serialLen, hw, hwLen, vin, vinLen) ? 0 : MISUSE;
}
export function addVehicleEcu(ptr: usize, len: u32): i32 {
  return addEcu(ptr, len) ? 0 : MISUSE;
}
/** The release counter of the installed image (5.4.4.1 / 5.4.4.2: no rollback below it); MISUSE if negative. */
export function setInstalledReleaseCounter(low: i32, high: i32): i32 {
  const n = join64(low, high);
  if (n < 0) return MISUSE;
  setRc(n);
  return 0;
}
// ---- trusted roots and the cycle ----

export function loadRoot(repo: i32, ptr: usize, len: u32): i32 {
  return trustRoot(repo, ptr, len);
}
/** Starts a cycle at reference time `now` (unix seconds, as (low, high) halves); MISUSE if negative. */
export function cycleBegin(nowLow: i32, nowHigh: i32): i32 {
  const now = join64(nowLow, nowHigh);
  if (now < 0) return MISUSE;
  return beginCycle(now);
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
/** One half of the last verified attested time (unix seconds). */
export function attestedTime(half: i32): i32 {
  return half64(lastTime, half == Half.High);
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

/** One field of the detail record of the last operation (ResultField); -1 for another field. */
export function result(field: i32): i32 {
  switch (field) {
    case ResultField.Outcome: return resOutcome;
    case ResultField.Repo: return resRepo;
    case ResultField.Role: return resRole;
    case ResultField.HasNumbers: return resHasNumbers ? 1 : 0;
    case ResultField.ExpectedLow: return half64(resExpected, false);
    case ResultField.ExpectedHigh: return half64(resExpected, true);
    case ResultField.GotLow: return half64(resGot, false);
    case ResultField.GotHigh: return half64(resGot, true);
    case ResultField.Detail: return resDetail;
    case ResultField.NamePtr: return <i32>resNamePtr;
    case ResultField.NameLen: return <i32>resNameLen;
  }
  return -1;
}

// ---- verified targets (string fields valid until the next reset) ----

/** One field of verified target row `i` (TargetField); -1 for a bad row or field. */
export function target(i: u32, field: i32): i32 {
  if (field == TargetField.Count) return <i32>vtCount;
  if (field == TargetField.ThisEcuRow) return vtThis;
  if (i >= vtCount || field < 0) return -1;
  const row = vtRow(i);
  const fi = row + VT_FI;
  const flags = load<u32>(fi, FI_FLAGS);
  if (field <= TargetField.UriLen) {
    // pointers (EcuPtr..UriPtr) and lengths (EcuLen..UriLen) of the four strings, in the row's token order
    const tok = load<i32>(row + VT_ECU + <usize>(field & 3) * 4);
    if (tok < 0) return 0;
    const doc = <usize>load<u32>(row, VT_DOC);
    return field < TargetField.EcuLen ? <i32>tokStart(doc, tok) : <i32>tokLen(doc, tok);
  }
  switch (field) {
    case TargetField.LengthLow: return half64(load<i64>(fi, FI_LENGTH), false);
    case TargetField.LengthHigh: return half64(load<i64>(fi, FI_LENGTH), true);
    case TargetField.ReleaseCounterLow: return half64(load<i64>(row, VT_RC), false);
    case TargetField.ReleaseCounterHigh: return half64(load<i64>(row, VT_RC), true);
    case TargetField.Sha256Ptr: return (flags & 1) != 0 ? <i32>(fi + FI_SHA256) : 0;
    case TargetField.Sha512Ptr: return (flags & 2) != 0 ? <i32>(fi + FI_SHA512) : 0;
  }
  return -1;
}

// ---- capacities ----

/** One limit of the module (Capacity; DESIGN.md section 5); -1 for another index. */
export function capacity(which: i32): i32 {
  switch (which) {
    case Capacity.RootBytes: return <i32>caps.ROOT_CAP;
    case Capacity.TimestampBytes: return <i32>caps.TIMESTAMP_CAP;
    case Capacity.SnapshotBytes: return <i32>caps.SNAPSHOT_CAP;
    case Capacity.TargetsBytes: return <i32>caps.TARGETS_CAP;
    case Capacity.TimeAttestationBytes: return <i32>caps.TIME_ATTESTATION_CAP;
    case Capacity.RootRotationsPerCycle: return <i32>caps.MAX_ROOT_ROTATIONS;
    case Capacity.DelegationDepth: return caps.MAX_DELEGATION_DEPTH;
    case Capacity.DelegatedRoles: return <i32>caps.MAX_DELEGATED_ROLES;
    case Capacity.VehicleTargets: return <i32>caps.MAX_VEHICLE_TARGETS;
    case Capacity.VehicleEcus: return IS_PARTIAL ? 0 : <i32>caps.MAX_VEHICLE_ECUS;
    case Capacity.IdentifierBytes: return <i32>caps.MAX_ID_BYTES;
    case Capacity.KeysPerRole: return <i32>MAX_ROLE_KEYS;
    case Capacity.DetailCodes: return DETAIL_COUNT;
    case Capacity.HashContextBytes: return <i32>SHA512_CTX_SIZE;
    case Capacity.StreamedTargetsBytes: return IS_PARTIAL ? <i32>caps.STREAMED_TARGETS_CAP : 0;
  }
  return -1;
}
