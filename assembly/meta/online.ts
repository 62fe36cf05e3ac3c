// Timestamp (5.4.4.4) and snapshot (5.4.4.5) checks of one repository: full verification
// only. Expired ones are still kept as trusted versions (the "intermediate" state of
// python-tuf), so a later rollback is caught, but the cycle stops there.
import { Outcome } from "../outcome";
import { JsonType, tokType, tokStart, tokLen, tokNext, tokInt, objGet, objGetStr } from "../json/reader";
import { strDecode } from "../json/strings";
import { checkThreshold, keysetSameKeys } from "./keys";
import { openDocument, checkNotExpired, envDoc, envSigned, envSigs, envVersion, envExpires } from "./envelope";
import { rootKeyset, RoleSet } from "./root";
import { readFileInfo, matchFileInfo } from "./fileinfo";
import { fail, failNumbers, setContext, Role } from "./result";
import { sha256 } from "../crypto/sha256";
import { TIMESTAMP_CAP, SNAPSHOT_CAP, MAX_DELEGATED_ROLES, MAX_ID_BYTES } from "../verify/caps";
import {
  RS_P, P_TS_VERSION, P_TS_SNAP_VERSION, P_SNAP_VERSION, P_ENTRY_COUNT, P_ENTRIES, ENTRY_SIZE, P_DONE_VERSION, P_DONE_DIGEST,
  C_LISTED_VERSION, C_LISTED_LENGTH, C_SNAP_DOC, C_SNAP_META, C_SNAP_DIGEST, C_SNAP_VERSION, pGet, pSet, cAddr,
} from "./repo";
import { Detail } from "./detail";
import * as N from "../json/names";
import { bytesEqual } from "../util/bytes";

const nameBuf = memory.data(<i32>MAX_ID_BYTES);
const nameHash = memory.data(32);
const newEntries = memory.data(<i32>(<usize>MAX_DELEGATED_ROLES * ENTRY_SIZE));

/** 5.4.4.4: checks a timestamp; on Ok the snapshot it lists is in the cycle record. */
export function checkTimestamp(rs: usize, repo: i32, ptr: usize, len: u32, now: i64): i32 {
  setContext(repo, Role.Timestamp);
  // step 1: at most Y bytes
  const rc = openDocument(ptr, len, TIMESTAMP_CAP, N.k_timestamp);
  if (rc != Outcome.Ok) return rc;
  const doc = envDoc;
  // step 2: signed by the root's timestamp threshold
  const th = checkThreshold(doc, envSigs, envSigned, rootKeyset(rs, RoleSet.Timestamp), Detail.TimestampNotSignedByAThresholdOfTimestampKeys);
  if (th != Outcome.Ok) return th;
  const meta = objGet(doc, envSigned, N.k_meta);
  const snap = objGet(doc, meta, N.k_snapshot_json);
  if (tokType(doc, snap) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.TimestampDoesNotListSnapshotJson);
  const sv = objGet(doc, snap, N.k_version);
  if (tokType(doc, sv) != JsonType.Number) return fail(Outcome.InvalidMetadata, Detail.SnapshotVersionIsNotAnInteger);
  const listed = tokInt(doc, sv);
  if (listed < 1) return fail(Outcome.InvalidMetadata, Detail.SnapshotVersionIsNotAPositiveInteger);
  const fi = readFileInfo(doc, snap, cAddr(rs, C_LISTED_LENGTH), false, false);
  if (fi != Outcome.Ok) return fi;
  // step 3: rollback of the timestamp, and of the snapshot version it lists
  const trusted = pGet(rs, P_TS_VERSION);
  if (envVersion < trusted) return failNumbers(Outcome.RollbackAttack, Detail.TimestampVersionLowerThanTheTrustedOne, trusted, envVersion);
  const trustedSnap = pGet(rs, P_TS_SNAP_VERSION);
  if (listed < trustedSnap) return failNumbers(Outcome.RollbackAttack, Detail.TimestampListsAnOlderSnapshot, trustedSnap, listed);
  // trusted from here on, even if expired (kept for rollback checks)
  pSet(rs, P_TS_VERSION, envVersion);
  pSet(rs, P_TS_SNAP_VERSION, listed);
  store<i64>(cAddr(rs, C_LISTED_VERSION), listed);
  // step 4: freeze
  return checkNotExpired(envExpires, now);
}


/**
 * Uptane 5.4.4.2 step 4 / 8: whether the snapshot the new timestamp lists is the one the
 * last completed cycle verified (then there is nothing new).
 */
export function snapshotUnchanged(rs: usize): bool {
  const done = pGet(rs, P_DONE_VERSION);
  if (done == 0 || done != load<i64>(cAddr(rs, C_LISTED_VERSION))) return false;
  // the listed hashes, if any, must be those of the snapshot verified then
  const fiFlags = load<u32>(cAddr(rs, C_LISTED_LENGTH), 8);
  if ((fiFlags & 1) != 0 && !bytesEqual(cAddr(rs, C_LISTED_LENGTH) + 12, rs + RS_P + P_DONE_DIGEST, 32)) return false;
  return (fiFlags & 2) == 0; // a listed sha512 cannot be compared with the kept SHA-256: verify again
}

/**
 * 5.4.4.5: checks a snapshot against the timestamp's listing and the trusted snapshot.
 * `offline` (PURE-2 step 7, the Image repository's snapshot of an offline update): there is
 * no timestamp to list it, and its expiry is not checked (PURE-2 7.4: Image snapshots often
 * expire sooner than an offline update may wait); the rollback checks stay.
 */
export function checkSnapshot(rs: usize, repo: i32, ptr: usize, len: u32, now: i64, offline: bool = false): i32 {
  setContext(repo, Role.Snapshot);
  if (!offline) {
    // step 1: at most the listed length (or the cap)
    const listedLen = load<i64>(cAddr(rs, C_LISTED_LENGTH));
    if (listedLen >= 0 && <i64>len > listedLen) return failNumbers(Outcome.LengthOrHashMismatch, Detail.SnapshotLongerThanTheTimestampLists, listedLen, <i64>len);
  }
  if (len > SNAPSHOT_CAP) return failNumbers(Outcome.OversizedMetadata, Detail.DocumentLargerThanItsCap, <i64>SNAPSHOT_CAP, <i64>len);
  // step 2: hashes and version as the timestamp lists them (mix-and-match)
  if (!offline) {
    const fm = matchFileInfo(cAddr(rs, C_LISTED_LENGTH), ptr, len);
    if (fm != Outcome.Ok) return fm;
  }
  const rc = openDocument(ptr, len, SNAPSHOT_CAP, N.k_snapshot);
  if (rc != Outcome.Ok) return rc;
  const doc = envDoc;
  const listed = load<i64>(cAddr(rs, C_LISTED_VERSION));
  if (!offline && envVersion != listed) return failNumbers(Outcome.BadVersion, Detail.SnapshotVersionIsNotTheOneTheTimestampLists, listed, envVersion);
  // step 3: signatures
  const th = checkThreshold(doc, envSigs, envSigned, rootKeyset(rs, RoleSet.Snapshot), Detail.SnapshotNotSignedByAThresholdOfSnapshotKeys);
  if (th != Outcome.Ok) return th;
  // step 4: rollback of the snapshot itself
  const trusted = pGet(rs, P_SNAP_VERSION);
  if (envVersion < trusted) return failNumbers(Outcome.RollbackAttack, Detail.SnapshotVersionLowerThanTheTrustedOne, trusted, envVersion);
  const meta = objGet(doc, envSigned, N.k_meta);
  if (tokType(doc, meta) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.SnapshotMetaIsNotAnObject);
  // collect (name hash, version) of every role listed
  let count: u32 = 0;
  const end = tokNext(doc, meta);
  let k = meta + 1;
  while (k < end) {
    const v = objGet(doc, k + 1, N.k_version);
    if (tokType(doc, v) != JsonType.Number || tokInt(doc, v) < 1) return fail(Outcome.InvalidMetadata, Detail.SnapshotEntryWithoutAPositiveVersion);
    if (count >= MAX_DELEGATED_ROLES) return failNumbers(Outcome.OversizedMetadata, Detail.SnapshotListsMoreRolesThanTheModuleHolds, <i64>MAX_DELEGATED_ROLES, <i64>count + 1);
    if (!hashName(tokStart(doc, k), tokLen(doc, k))) return fail(Outcome.InvalidMetadata, Detail.RoleNameTooLong);
    const e = newEntries + <usize>count * ENTRY_SIZE;
    memory.copy(e, nameHash, 32);
    store<i64>(e, tokInt(doc, v), 32);
    count++;
    k = tokNext(doc, k + 1);
  }
  // steps 5 and 6: every role of the trusted snapshot still listed, none with a lower version
  const oldCount = load<u32>(rs + RS_P + P_ENTRY_COUNT);
  for (let i: u32 = 0; i < oldCount; i++) {
    const o = rs + RS_P + P_ENTRIES + <usize>i * ENTRY_SIZE;
    let found = false;
    for (let j: u32 = 0; j < count; j++) {
      const e = newEntries + <usize>j * ENTRY_SIZE;
      if (!bytesEqual(o, e, 32)) continue;
      found = true;
      if (load<i64>(e, 32) < load<i64>(o, 32)) return failNumbers(Outcome.RollbackAttack, Detail.SnapshotListsATargetsRoleWithALowerVersion, load<i64>(o, 32), load<i64>(e, 32));
    }
    if (!found) return fail(Outcome.RollbackAttack, Detail.SnapshotDropsATargetsRoleTheTrustedOneListed);
  }
  // trusted from here on, even if expired
  pSet(rs, P_SNAP_VERSION, envVersion);
  store<u32>(rs + RS_P + P_ENTRY_COUNT, count);
  memory.copy(rs + RS_P + P_ENTRIES, newEntries, <usize>count * ENTRY_SIZE);
  sha256(ptr, len, cAddr(rs, C_SNAP_DIGEST));
  store<i64>(cAddr(rs, C_SNAP_VERSION), envVersion);
  store<u32>(cAddr(rs, C_SNAP_DOC), <u32>doc);
  store<i32>(cAddr(rs, C_SNAP_META), meta);
  // step 7: freeze (PURE-2 7.4: skipped for an offline update's Image snapshot)
  return offline ? Outcome.Ok : checkNotExpired(envExpires, now);
}

function hashName(p: usize, n: u32): bool {
  const len = strDecode(p, n, nameBuf, MAX_ID_BYTES);
  if (len < 0) return false;
  sha256(nameBuf, <u32>len, nameHash);
  return true;
}

/** Marks the snapshot verified this cycle as the last completed one (for NoUpdate next time). */
export function commitCompletedSnapshot(rs: usize): void {
  pSet(rs, P_DONE_VERSION, load<i64>(cAddr(rs, C_SNAP_VERSION)));
  memory.copy(rs + RS_P + P_DONE_DIGEST, cAddr(rs, C_SNAP_DIGEST), 32);
}

/**
 * The snapshot's entry for `ROLE.json` whose name (without ".json") is the JSON string
 * content (p, n), or -1. The snapshot doc must be alive (callers check docsAlive).
 */
export function snapshotEntry(rs: usize, p: usize, n: u32): i32 {
  const doc = <usize>load<u32>(cAddr(rs, C_SNAP_DOC));
  const meta = load<i32>(cAddr(rs, C_SNAP_META));
  if (doc == 0) return -1;
  // build "NAME.json" as JSON string content in a buffer and look it up
  if (n + 5 > MAX_ID_BYTES) return -1;
  memory.copy(nameBuf, p, n);
  store<u8>(nameBuf + n, 0x2e);
  store<u8>(nameBuf + n + 1, 0x6a);
  store<u8>(nameBuf + n + 2, 0x73);
  store<u8>(nameBuf + n + 3, 0x6f);
  store<u8>(nameBuf + n + 4, 0x6e);
  return objGetStr(doc, meta, nameBuf, n + 5);
}

export function snapshotDoc(rs: usize): usize {
  return <usize>load<u32>(cAddr(rs, C_SNAP_DOC));
}

/** 5.4.4.3 step 4: whether root `next` changed the timestamp or snapshot keys of root `old`. */
export function onlineKeysRotated(old: usize, next: usize): bool {
  return (
    !keysetSameKeys(rootKeyset(old, RoleSet.Timestamp), rootKeyset(next, RoleSet.Timestamp)) ||
    !keysetSameKeys(rootKeyset(old, RoleSet.Snapshot), rootKeyset(next, RoleSet.Snapshot))
  );
}
