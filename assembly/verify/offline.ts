// PURE-2 offline updates ("Metadata verification procedures"), full module only. An
// offline cycle is: cycle begin (offline), the Director's root steps from the bundle
// (PURE-2 step 2), the Offline-update Snapshot (step 3), the Offline-update Targets file
// (step 4), then the Image repository's roots, snapshot (no timestamp), targets and
// delegations (steps 6-8) and the cross-check of every listed target (step 9), all in
// full.ts. This file holds the two Director steps and their own persisted state: the
// stored Offline-update Snapshot (version, expiry, and each listed file's name and
// version), exported apart from the online state (offlineStateExport).
import { Outcome } from "../outcome";
import { JsonType, tokType, tokStart, tokLen, tokNext, tokInt, tokSize, objGet } from "../json/reader";
import { strDecode, strCompare } from "../json/strings";
import { checkThreshold } from "../meta/keys";
import { openDocument, checkNotExpired, envDoc, envSigned, envSigs, envVersion, envExpires } from "../meta/envelope";
import { rootKeyset, RoleSet } from "../meta/root";
import { readFileInfo, FI_FLAGS } from "../meta/fileinfo";
import { Stage, stage, setStage, directorState } from "../meta/repo";
import { Repo, Role, MISUSE, clearResult, fail, failNumbers, setContext } from "../meta/result";
import { SNAPSHOT_CAP, TARGETS_CAP, MAX_ID_BYTES, MAX_VEHICLE_TARGETS } from "./caps";
import { cycleNow, offlineCycle, expectStage, track } from "./cycle";
import { releaseCounterOf, clearVehicleTargets, vtRow, vtCount, setVehicleTarget, VT_DOC, VT_ECU, VT_NAME, VT_HW, VT_URI, VT_ENC, VT_RC, VT_FI } from "./vehicle";
import { isThisHardware, installedReleaseCounter } from "./config";
import { offlineSnapshotType, offlineTargetsType } from "./offline-names";
import { Detail } from "../meta/detail";
import { sha256 } from "../crypto/sha256";
import { bytesEqual } from "../util/bytes";
import * as N from "../json/names";

/** Offline-update targets files an Offline-update Snapshot may list. */
export const MAX_OFFLINE_FILES: u32 = 32;

// The stored Offline-update Snapshot (persisted): version (0: none), expiry, files listed.
const OS_VERSION: usize = 0;
const OS_EXPIRES: usize = 8;
const OS_COUNT: usize = 16;
const OS_ENTRIES: usize = 24; // each: SHA-256 of the file name (32), version (8)
const ENTRY: usize = 40;
const OS_SIZE: usize = OS_ENTRIES + <usize>MAX_OFFLINE_FILES * ENTRY;
const stored = memory.data(<i32>OS_SIZE, 8);
const incoming = memory.data(<i32>(<usize>MAX_OFFLINE_FILES * ENTRY), 8);
const nameBuf = memory.data(<i32>MAX_ID_BYTES);
const nameHash = memory.data(32);
const digest = memory.data(32);

const MAGIC: u32 = 0x314f5055; // "UPO1"
const BLOB_HEADER: usize = 8;

// SHA-256 of a name given as JSON string content into nameHash; false when too long or malformed.
function hashName(p: usize, n: u32): bool {
  const len = strDecode(p, n, nameBuf, MAX_ID_BYTES);
  if (len < 0) return false;
  sha256(nameBuf, <u32>len, nameHash);
  return true;
}

// The stored entry for the name in nameHash, or 0.
function storedEntry(): usize {
  const count = load<u32>(stored, OS_COUNT);
  for (let i: u32 = 0; i < count; i++) {
    const e = stored + OS_ENTRIES + <usize>i * ENTRY;
    if (bytesEqual(e, nameHash, 32)) return e;
  }
  return 0;
}

// A failure of an offline step: in an offline cycle it ends the Director's part.
function offlineTrack(rc: i32): i32 {
  return offlineCycle ? track(directorState, rc) : rc;
}

/**
 * PURE-2 step 3 (and "Additional step for full verification during an online update"):
 * the Offline-update Snapshot, after the Director's root steps of this cycle. In an online
 * cycle it may come once the Director's roots are verified; it changes only the stored
 * offline snapshot.
 */
export function stepOfflineSnapshot(ptr: usize, len: u32): i32 {
  clearResult();
  const d = directorState;
  setContext(Repo.Director, Role.OfflineSnapshot);
  if (offlineCycle) {
    const order = expectStage(d, Stage.Timestamp);
    if (order != Outcome.Ok) return order;
  } else {
    const s = stage(d);
    if (s < Stage.Timestamp) return MISUSE;
    if (s == Stage.Failed) return fail(Outcome.InvalidMetadata, Detail.AnEarlierStepOfThisCycleFailed);
  }
  const rc = openDocument(ptr, len, SNAPSHOT_CAP, offlineSnapshotType());
  if (rc != Outcome.Ok) return offlineTrack(rc);
  const doc = envDoc;
  const have = load<i64>(stored, OS_VERSION);
  if (have > 0 && envVersion <= have) {
    // PURE-2 step 3.1: the stored snapshot is as new or newer: it stays the one in use;
    // step 3.4 then applies to it (PURE-2 "Validation and updating of metadata": the
    // latest offline-update snapshot the device holds must not have expired)
    if (offlineCycle) {
      const ex = load<i64>(stored, OS_EXPIRES);
      if (ex <= cycleNow) return offlineTrack(failNumbers(Outcome.ExpiredMetadata, Detail.StoredOfflineSnapshotExpired, ex, cycleNow));
      setStage(d, Stage.Snapshot);
    }
    return Outcome.Ok;
  }
  // PURE-2 step 3.2: signed by a threshold of the root's offline-update-snapshot keys
  const th = checkThreshold(doc, envSigs, envSigned, rootKeyset(d, RoleSet.OfflineSnapshot), Detail.OfflineSnapshotNotSignedByAThresholdOfItsKeys);
  if (th != Outcome.Ok) return offlineTrack(th);
  const meta = objGet(doc, envSigned, N.k_meta);
  if (tokType(doc, meta) != JsonType.Object) return offlineTrack(fail(Outcome.InvalidMetadata, Detail.SnapshotMetaIsNotAnObject));
  let count: u32 = 0;
  const end = tokNext(doc, meta);
  let k = meta + 1;
  while (k < end) {
    const v = objGet(doc, k + 1, N.k_version);
    if (tokType(doc, v) != JsonType.Number || tokInt(doc, v) < 1) return offlineTrack(fail(Outcome.InvalidMetadata, Detail.SnapshotEntryWithoutAPositiveVersion));
    if (count >= MAX_OFFLINE_FILES) return offlineTrack(failNumbers(Outcome.OversizedMetadata, Detail.OfflineSnapshotListsMoreFilesThanTheModuleHolds, <i64>MAX_OFFLINE_FILES, <i64>count + 1));
    if (!hashName(tokStart(doc, k), tokLen(doc, k))) return offlineTrack(fail(Outcome.InvalidMetadata, Detail.RoleNameTooLong));
    // PURE-2 step 3.3: no file listed with a lower version than the stored snapshot lists (rollback)
    const old = storedEntry();
    if (old != 0 && tokInt(doc, v) < load<i64>(old, 32)) {
      return offlineTrack(failNumbers(Outcome.RollbackAttack, Detail.OfflineSnapshotListsAFileWithALowerVersion, load<i64>(old, 32), tokInt(doc, v)));
    }
    const e = incoming + <usize>count * ENTRY;
    memory.copy(e, nameHash, 32);
    store<i64>(e, tokInt(doc, v), 32);
    count++;
    k = tokNext(doc, k + 1);
  }
  // PURE-2 step 3.4: not expired (freeze); an expired one is discarded, not stored
  const ex = checkNotExpired(envExpires, cycleNow);
  if (ex != Outcome.Ok) return offlineTrack(ex);
  store<i64>(stored, envVersion, OS_VERSION);
  store<i64>(stored, envExpires, OS_EXPIRES);
  store<u32>(stored, count, OS_COUNT);
  memory.copy(stored + OS_ENTRIES, incoming, <usize>count * ENTRY);
  if (offlineCycle) setStage(d, Stage.Snapshot);
  return Outcome.Ok;
}

/**
 * PURE-2 steps 4 and 5: the Offline-update Targets file named `name` (JSON string content,
 * e.g. "EMEA-standard.json"): listed by the stored snapshot with this version, signed by the
 * offline-update-targets threshold, not expired, no delegations, and at most one target per
 * hardware ID (so per ECU). Its targets become the rows the Image repository is checked
 * against (full.ts stepCrossCheck); this ECU's is the one for its hardware ID.
 */
export function stepOfflineTargets(name: usize, nameLen: u32, ptr: usize, len: u32): i32 {
  clearResult();
  const d = directorState;
  setContext(Repo.Director, Role.OfflineTargets);
  if (!offlineCycle) return MISUSE;
  const order = expectStage(d, Stage.Snapshot);
  if (order != Outcome.Ok) return order;
  if (load<i64>(stored, OS_VERSION) == 0) return track(d, fail(Outcome.InvalidMetadata, Detail.NoOfflineSnapshot));
  // step 4: the file is listed by the offline-update snapshot in use
  if (!hashName(name, nameLen)) return track(d, fail(Outcome.InvalidMetadata, Detail.RoleNameTooLong));
  const entry = storedEntry();
  if (entry == 0) return track(d, fail(Outcome.BadVersion, Detail.OfflineTargetsNotListedInTheOfflineSnapshot));
  const rc = openDocument(ptr, len, TARGETS_CAP, offlineTargetsType());
  if (rc != Outcome.Ok) return track(d, rc);
  const doc = envDoc;
  // step 4.1: the version the snapshot lists (an older file is a rollback)
  const listed = load<i64>(entry, 32);
  if (envVersion < listed) return track(d, failNumbers(Outcome.RollbackAttack, Detail.OfflineTargetsVersionLowerThanListed, listed, envVersion));
  if (envVersion != listed) return track(d, failNumbers(Outcome.BadVersion, Detail.OfflineTargetsVersionIsNotTheListedOne, listed, envVersion));
  // step 4.2: signed by a threshold of the root's offline-update-targets keys
  const th = checkThreshold(doc, envSigs, envSigned, rootKeyset(d, RoleSet.OfflineTargets), Detail.OfflineTargetsNotSignedByAThresholdOfItsKeys);
  if (th != Outcome.Ok) return track(d, th);
  // step 4.3: not expired (freeze)
  const ex = checkNotExpired(envExpires, cycleNow);
  if (ex != Outcome.Ok) return track(d, ex);
  // PURE-2 "Offline-update targets metadata": no delegations
  if (objGet(doc, envSigned, N.k_delegations) >= 0) return track(d, fail(Outcome.DelegationError, Detail.OfflineTargetsCarryDelegations));
  const targets = objGet(doc, envSigned, N.k_targets);
  if (tokType(doc, targets) != JsonType.Object) return track(d, fail(Outcome.InvalidMetadata, Detail.TargetsIsNotAnObject));
  clearVehicleTargets();
  const end = tokNext(doc, targets);
  let k = targets + 1;
  while (k < end) {
    const r = readOfflineTarget(doc, k);
    if (r != Outcome.Ok) return track(d, r);
    k = tokNext(doc, k + 1);
  }
  setStage(d, Stage.TargetsDone);
  return Outcome.Ok;
}

// One target (key token k): a row per hardware ID it names; step 4.4: a hardware ID named
// by an earlier row (two targets for one ECU) is refused.
function readOfflineTarget(doc: usize, k: i32): i32 {
  const t = k + 1;
  if (tokType(doc, t) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.TargetIsNotAnObject);
  const hwIds = objGet(doc, objGet(doc, t, N.k_custom), N.k_hardwareIds);
  if (tokType(doc, hwIds) != JsonType.Array || tokSize(doc, hwIds) == 0) return fail(Outcome.InvalidMetadata, Detail.OfflineTargetWithoutHardwareIds);
  const rc = releaseCounterOf(doc, t);
  if (rc < 0) return fail(Outcome.InvalidMetadata, Detail.ReleaseCounterIsNotANonNegativeInteger);
  const hend = tokNext(doc, hwIds);
  let h = hwIds + 1;
  while (h < hend) {
    if (tokType(doc, h) != JsonType.String) return fail(Outcome.InvalidMetadata, Detail.HardwareIdsIsNotAnArray);
    for (let i: u32 = 0; i < vtCount; i++) {
      const other = load<i32>(vtRow(i), VT_HW);
      if (strCompare(tokStart(doc, other), tokLen(doc, other), tokStart(doc, h), tokLen(doc, h)) == 0) return fail(Outcome.EcuMismatch, Detail.OfflineTargetsListTwoTargetsForOneHardwareID);
    }
    if (vtCount >= MAX_VEHICLE_TARGETS) return failNumbers(Outcome.OversizedMetadata, Detail.MoreECUTargetsThanTheModuleHolds, <i64>MAX_VEHICLE_TARGETS, <i64>vtCount + 1);
    const mine = isThisHardware(tokStart(doc, h), tokLen(doc, h));
    // the release counter never goes back for this ECU (as online, 5.4.4.2)
    if (mine && rc < installedReleaseCounter) return failNumbers(Outcome.RollbackAttack, Detail.ReleaseCounterLowerThanTheInstalledOne, installedReleaseCounter, rc);
    const row = vtRow(vtCount);
    const fi = readFileInfo(doc, t, row + VT_FI, true, true);
    if (fi != Outcome.Ok) return fi;
    if (load<u32>(row + VT_FI, FI_FLAGS) == 0) return fail(Outcome.InvalidMetadata, Detail.TargetListsNeitherSha256NorSha512);
    store<u32>(row, <u32>doc, VT_DOC);
    store<i32>(row, -1, VT_ECU); // no ECU serials: PURE-2 updates ECUs not registered yet
    store<i32>(row, k, VT_NAME);
    store<i32>(row, h, VT_HW);
    store<i32>(row, -1, VT_URI);
    store<i32>(row, -1, VT_ENC); // offline-update targets name plaintext images
    store<i64>(row, rc, VT_RC);
    setVehicleTarget(mine);
    h = tokNext(doc, h);
  }
  return Outcome.Ok;
}

// ---- the persisted offline state ----

export function offlineStateSize(): u32 {
  return <u32>(BLOB_HEADER + OS_SIZE + 32);
}

export function offlineStateExport(out: usize): u32 {
  store<u32>(out, MAGIC);
  store<u32>(out, 0, 4);
  memory.copy(out + BLOB_HEADER, stored, OS_SIZE);
  sha256(out, <u32>(BLOB_HEADER + OS_SIZE), out + BLOB_HEADER + OS_SIZE);
  return offlineStateSize();
}

/** True when the blob is intact and of this layout (a damaged store fails closed). */
export function offlineStateImport(ptr: usize, len: u32): bool {
  if (len != offlineStateSize() || load<u32>(ptr) != MAGIC) return false;
  sha256(ptr, <u32>(BLOB_HEADER + OS_SIZE), digest);
  if (!bytesEqual(digest, ptr + BLOB_HEADER + OS_SIZE, 32)) return false;
  if (load<u32>(ptr + BLOB_HEADER, OS_COUNT) > MAX_OFFLINE_FILES) return false;
  memory.copy(stored, ptr + BLOB_HEADER, OS_SIZE);
  return true;
}

/** The stored Offline-update Snapshot's version (0: none). */
export function offlineSnapshotVersion(): i64 {
  return load<i64>(stored, OS_VERSION);
}
