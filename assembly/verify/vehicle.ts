// What the Director's verified targets say about the vehicle (5.4.4.6 steps 7-8 and the
// Uptane fields of DESIGN.md section 4): one row per (ECU, target) pair, the VIN, every ECU
// named once and present in the vehicle, this ECU's hardware ID and release counter. The
// rows (with the hashes to check images against) live in static memory, so the image
// check works after the arena is reused; the token references are valid until reset.
import { Outcome } from "../outcome";
import { JsonType, tokType, tokStart, tokLen, tokNext, tokInt, objGet, arrayHasString } from "../json/reader";
import { strCompare } from "../json/strings";
import { readFileInfo, FI_SIZE, FI_FLAGS, FI_LENGTH } from "../meta/fileinfo";
import { fail, failNumbers } from "../meta/result";
import { MAX_VEHICLE_TARGETS } from "./caps";
import { isThisEcu, isThisHardware, isThisVin, isVehicleEcu, installedReleaseCounter } from "./config";
import { Detail } from "../meta/detail";
import * as N from "../json/names";
import { IS_PARTIAL, HAS_DECRYPTION } from "../build";
import { clearEncryption, readEncryption } from "./encryption";
import { sha256 } from "../crypto/sha256";

// row layout
export const VT_DOC: usize = 0; // the Director targets doc (arena)
export const VT_ECU: usize = 4; // ECU serial key token
export const VT_NAME: usize = 8; // target name key token
export const VT_HW: usize = 12; // hardwareId value token
export const VT_URI: usize = 16; // uri value token or -1
export const VT_ENC: usize = 20; // custom.encryption value token or -1 (README "Per-ECU image encryption")
export const VT_RC: usize = 24; // release counter (i64)
export const VT_FI: usize = 32; // file info (length, hashes): director's, plus the Image repo's after the cross-check
export const VT_SIZE: usize = VT_FI + FI_SIZE + 4;

// partial verification keeps only this ECU's pair (named at most once): one row
const VT_ROWS: u32 = IS_PARTIAL ? 1 : MAX_VEHICLE_TARGETS;
export const vtRows = memory.data(<i32>(<usize>VT_ROWS * VT_SIZE), 8);
export let vtCount: u32 = 0;
/** Row of this ECU's target, or -1. */
export let vtThis: i32 = -1;

export function vtRow(i: u32): usize {
  return vtRows + <usize>i * VT_SIZE;
}

/** Keeps the row just filled at vtRow(vtCount) (PURE-2 offline targets, offline.ts); `mine`: it is this ECU's. */
export function setVehicleTarget(mine: bool): void {
  if (mine) vtThis = <i32>vtCount;
  vtCount++;
}

export function clearVehicleTargets(): void {
  vtCount = 0;
  vtThis = -1;
  if (HAS_DECRYPTION || !IS_PARTIAL) clearEncryption();
}

/** Release counter of a target entry's custom (missing: 0), or -1 when ill-typed. */
export function releaseCounterOf(doc: usize, target: i32): i64 {
  const rc = objGet(doc, objGet(doc, target, N.k_custom), N.k_releaseCounter);
  if (rc < 0) return 0;
  if (tokType(doc, rc) != JsonType.Number || tokInt(doc, rc) < 0) return -1;
  return tokInt(doc, rc);
}


/**
 * Reads the verified Director targets (`signed` of `doc`) into the rows. `fullVehicle`:
 * a Primary or full-verification ECU (VIN and vehicle membership checked, every pair kept);
 * otherwise only this ECU's pair is kept. Returns Ok, or the failure recorded.
 */
export function readDirectorTargets(doc: usize, signed: i32, fullVehicle: bool): i32 {
  clearVehicleTargets();
  if (fullVehicle) {
    // the vehicle the metadata was made for, also when it lists no targets
    const vin = objGet(doc, objGet(doc, signed, N.k_custom), N.k_vin);
    if (tokType(doc, vin) != JsonType.String) return fail(Outcome.EcuMismatch, Detail.DirectorTargetsCarryNoVIN);
    if (!isThisVin(tokStart(doc, vin), tokLen(doc, vin))) return fail(Outcome.EcuMismatch, Detail.DirectorTargetsMadeForAnotherVehicle);
  }
  const targets = objGet(doc, signed, N.k_targets);
  const end = tokNext(doc, targets);
  let k = targets + 1;
  while (k < end) {
    const rc = readTargetEntry(doc, targets, k, fullVehicle);
    if (rc != Outcome.Ok) return rc;
    k = tokNext(doc, k + 1);
  }
  return Outcome.Ok;
}

// Streamed partial verification (assembly/verify/stream.ts) reads the entries one at a
// time, so the serials of earlier entries are kept as SHA-256 prefixes (at most as many as
// the full verifier keeps pairs: MAX_VEHICLE_TARGETS) instead of being looked up in the doc.
const SERIAL_SLOTS: u32 = IS_PARTIAL ? MAX_VEHICLE_TARGETS : 1;
const serialPrefixes = memory.data(<i32>(<usize>SERIAL_SLOTS * 8), 8);
const serialDigest = memory.data(32, 8);
let serialCount: u32 = 0;

/** A new streamed document: no serials seen yet. */
export function streamEntries(): void {
  serialCount = 0;
}

// Whether the serial was named by an earlier streamed entry; records it. A canonical
// document writes each string one way, so equal serials are equal bytes.
function streamedSerialSeen(p: usize, n: u32): i32 {
  sha256(p, n, serialDigest);
  const d = load<u64>(serialDigest);
  for (let i: u32 = 0; i < serialCount; i++) {
    if (load<u64>(serialPrefixes + <usize>i * 8) == d) return 1;
  }
  if (serialCount >= SERIAL_SLOTS) return -1;
  store<u64>(serialPrefixes + <usize>serialCount * 8, d);
  serialCount++;
  return 0;
}

/**
 * Checks one Director target entry (key token `k` of object `targets`) and keeps its
 * row when it is this ECU's (or every pair when `fullVehicle`). Returns Ok or the failure.
 */
export function readTargetEntry(doc: usize, targets: i32, k: i32, fullVehicle: bool): i32 {
  const t = k + 1;
  if (tokType(doc, t) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.TargetIsNotAnObject);
  const custom = objGet(doc, t, N.k_custom);
  const ecus = objGet(doc, custom, N.k_ecuIdentifiers);
  if (tokType(doc, ecus) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.DirectorTargetWithoutEcuIdentifiers);
  const hwIds = objGet(doc, custom, N.k_hardwareIds);
  if (hwIds >= 0 && tokType(doc, hwIds) != JsonType.Array) return fail(Outcome.InvalidMetadata, Detail.HardwareIdsIsNotAnArray);
  const rc = releaseCounterOf(doc, t);
  if (rc < 0) return fail(Outcome.InvalidMetadata, Detail.ReleaseCounterIsNotANonNegativeInteger);
  const eEnd = tokNext(doc, ecus);
  let e = ecus + 1;
  while (e < eEnd) {
    const ev = e + 1;
    const sp = tokStart(doc, e);
    const sn = tokLen(doc, e);
    // 5.4.4.6 step 7: no ECU identifier more than once (within and across targets)
    // (the partial module reads entries streamed only, the full module whole documents only)
    if (IS_PARTIAL) {
      const seen = streamedSerialSeen(sp, sn);
      if (seen < 0) return failNumbers(Outcome.OversizedMetadata, Detail.MoreECUTargetsThanTheModuleHolds, <i64>SERIAL_SLOTS, <i64>SERIAL_SLOTS + 1);
      if (seen > 0) return fail(Outcome.EcuMismatch, Detail.DirectorTargetsNameOneECUTwice);
    } else if (ecuSeenBefore(doc, targets, e)) return fail(Outcome.EcuMismatch, Detail.DirectorTargetsNameOneECUTwice);
    // 5.4.4.6 step 8: every ECU named is in the vehicle
    if (!IS_PARTIAL && fullVehicle && !isVehicleEcu(sp, sn)) return fail(Outcome.EcuMismatch, Detail.DirectorTargetsNameAnECUNotInTheVehicle);
    const hw = objGet(doc, ev, N.k_hardwareId);
    if (tokType(doc, hw) != JsonType.String) return fail(Outcome.InvalidMetadata, Detail.EcuIdentifiersEntryWithoutHardwareId);
    if (hwIds >= 0 && !arrayHasString(doc, hwIds, doc, hw)) return fail(Outcome.HardwareIdMismatch, Detail.ECUSHardwareIDNotAmongTheTargetSHardwareIds);
    const mine = isThisEcu(sp, sn);
    if (mine) {
      // 5.4.4.1 / 5.4.4.2: the target for this ECU is for its hardware
      if (!isThisHardware(tokStart(doc, hw), tokLen(doc, hw))) return fail(Outcome.HardwareIdMismatch, Detail.TargetIsForAnotherHardwareID);
      // release counter never goes back for this ECU
      if (rc < installedReleaseCounter) return failNumbers(Outcome.RollbackAttack, Detail.ReleaseCounterLowerThanTheInstalledOne, installedReleaseCounter, rc);
    }
    if (mine || (!IS_PARTIAL && fullVehicle)) {
      if (vtCount >= VT_ROWS) return failNumbers(Outcome.OversizedMetadata, Detail.MoreECUTargetsThanTheModuleHolds, <i64>MAX_VEHICLE_TARGETS, <i64>vtCount + 1);
      const row = vtRow(vtCount);
      const fi = readFileInfo(doc, t, row + VT_FI, true, true);
      if (fi != Outcome.Ok) return fi;
      if (load<u32>(row + VT_FI, FI_FLAGS) == 0 && (IS_PARTIAL || !fullVehicle)) return fail(Outcome.InvalidMetadata, Detail.TargetListsNeitherSha256NorSha512);
      store<u32>(row, <u32>doc, VT_DOC);
      store<i32>(row, e, VT_ECU);
      store<i32>(row, k, VT_NAME);
      store<i32>(row, hw, VT_HW);
      const uri = objGet(doc, custom, N.k_uri);
      store<i32>(row, tokType(doc, uri) == JsonType.String ? uri : -1, VT_URI);
      // 5.2.3: an encrypted image's entry names the ciphertext; custom.encryption says how
      // to decrypt it and which plaintext it holds (partial.wasm only notes that it is there)
      const enc = objGet(doc, custom, N.k_encryption);
      store<i32>(row, enc, VT_ENC);
      if ((HAS_DECRYPTION || !IS_PARTIAL) && enc >= 0) {
        const er = readEncryption(doc, enc, load<i64>(row + VT_FI, FI_LENGTH), mine);
        if (er != Outcome.Ok) return er;
      }
      store<i64>(row, rc, VT_RC);
      if (mine) vtThis = <i32>vtCount;
      vtCount++;
    }
    e = tokNext(doc, ev);
  }
  return Outcome.Ok;
}

// Whether ECU key token `e` equals an ECU key of any earlier ecuIdentifiers in `targets`.
function ecuSeenBefore(doc: usize, targets: i32, e: i32): bool {
  const end = tokNext(doc, targets);
  let k = targets + 1;
  while (k < end) {
    const ecus = objGet(doc, objGet(doc, k + 1, N.k_custom), N.k_ecuIdentifiers);
    if (tokType(doc, ecus) == JsonType.Object) {
      const eEnd = tokNext(doc, ecus);
      let x = ecus + 1;
      while (x < eEnd) {
        if (x >= e) return false;
        if (strCompare(tokStart(doc, x), tokLen(doc, x), tokStart(doc, e), tokLen(doc, e)) == 0) return true;
        x = tokNext(doc, x + 1);
      }
    }
    k = tokNext(doc, k + 1);
  }
  return false;
}
