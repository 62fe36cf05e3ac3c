// Full verification (Uptane 5.4.4.2): the Director's timestamp, snapshot and targets, the
// Image repository's, and the cross-check of every Director target against the Image
// repository's (found through its delegations). Root steps are in cycle.ts.
import { Outcome } from "../outcome";
import { JsonType, tokType, tokStart, tokLen, tokNext, objGet, arrayHasString } from "../json/reader";
import { checkTimestamp, checkSnapshot, snapshotUnchanged, snapshotEntry, snapshotDoc, commitCompletedSnapshot } from "../meta/online";
import { checkTopTargets } from "../meta/targets";
import { resolveTarget, registerRole, clearRoles, foundDoc, foundTarget, setDelegationTime } from "../meta/delegations";
import { readFileInfo, matchSnapshotListing, FI_SIZE, FI_LENGTH, FI_FLAGS, FI_SHA256, FI_SHA512, HAS_SHA256, HAS_SHA512 } from "../meta/fileinfo";
import { Stage, stage, setStage, docsAlive, directorState, cAddr, C_TARGETS_DOC, C_TARGETS_SIGNED } from "../meta/repo";
import { Repo, Role, MISUSE, clearResult, fail, failNumbers, setContext, succeed } from "../meta/result";
import { cycleNow, repoState, expectStage, track, imageState, offlineCycle, tufCycle } from "./cycle";
import { readDirectorTargets, releaseCounterOf, vtRow, vtCount, vtThis, VT_DOC, VT_NAME, VT_HW, VT_FI, VT_RC, VT_ENC } from "./vehicle";
import { plainFi, plaintextOf } from "./encryption";
import { isConfigured } from "./config";
import { tokInt, objGetStr } from "../json/reader";
import { Detail } from "../meta/detail";
import * as N from "../json/names";

const imageFi = memory.data(<i32>FI_SIZE, 8);
const otherPlainFi = memory.data(<i32>FI_SIZE, 8); // another ECU's encrypted target's plaintext

/** 5.4.4.2 steps 3 and 7: timestamp. */
export function stepTimestamp(repo: i32, ptr: usize, len: u32): i32 {
  clearResult();
  const rs = repoState(repo);
  // PURE-2: an offline update has no timestamp of either repository
  if (rs == 0 || offlineCycle) return MISUSE;
  setContext(repo, Role.Timestamp);
  const order = expectStage(rs, Stage.Timestamp);
  if (order != Outcome.Ok) return order;
  const rc = checkTimestamp(rs, repo, ptr, len, cycleNow);
  if (rc != Outcome.Ok) return track(rs, rc);
  // 5.4.4.2 step 4: the Director's snapshot is the one verified last time: nothing new
  if (repo == Repo.Director && snapshotUnchanged(rs)) {
    setStage(rs, Stage.Finished);
    return succeed(Outcome.NoUpdate, Detail.DirectorSnapshotUnchanged);
  }
  setStage(rs, Stage.Snapshot);
  return Outcome.Ok;
}

/** 5.4.4.2 steps 4 and 8: snapshot. */
export function stepSnapshot(repo: i32, ptr: usize, len: u32): i32 {
  clearResult();
  const rs = repoState(repo);
  // PURE-2: the Director's part of an offline update is the offline-update snapshot and targets
  if (rs == 0 || (offlineCycle && repo == Repo.Director)) return MISUSE;
  setContext(repo, Role.Snapshot);
  // PURE-2 step 7: the Image repository's snapshot comes right after its roots, without a timestamp
  const order = expectStage(rs, offlineCycle ? Stage.Timestamp : Stage.Snapshot);
  if (order != Outcome.Ok) return order;
  const rc = checkSnapshot(rs, repo, ptr, len, cycleNow, offlineCycle);
  if (rc != Outcome.Ok) return track(rs, rc);
  setStage(rs, Stage.Targets);
  return Outcome.Ok;
}

/** 5.4.4.2 steps 5 and 9: top-level targets (Director: also VIN, ECUs, this ECU's hardware). */
export function stepTargets(repo: i32, ptr: usize, len: u32): i32 {
  clearResult();
  const rs = repoState(repo);
  // a plain TUF client's cycle (verify/tuf.ts) has no ECU to configure
  if (rs == 0 || (!isConfigured() && !tufCycle) || (offlineCycle && repo == Repo.Director)) return MISUSE;
  setContext(repo, Role.Targets);
  const order = expectStage(rs, Stage.Targets);
  if (order != Outcome.Ok) return order;
  if (!docsAlive(rs)) return MISUSE;
  const listed = snapshotEntry(rs, TARGETS_NAME, 7);
  const lv = objGet(snapshotDoc(rs), listed, N.k_version);
  if (tokType(snapshotDoc(rs), lv) != JsonType.Number) return track(rs, fail(Outcome.BadVersion, Detail.SnapshotDoesNotListTargetsJson));
  // 5.4.4.6 step 1 (TUF 5.5.2): the length and hashes the snapshot lists, if any
  const fm = matchSnapshotListing(snapshotDoc(rs), listed, ptr, len);
  if (fm != Outcome.Ok) return track(rs, fm);
  const rc = checkTopTargets(rs, repo, ptr, len, cycleNow, tokInt(snapshotDoc(rs), lv));
  if (rc != Outcome.Ok) return track(rs, rc);
  if (repo == Repo.Director) {
    const doc = <usize>load<u32>(cAddr(rs, C_TARGETS_DOC));
    const vt = readDirectorTargets(doc, load<i32>(cAddr(rs, C_TARGETS_SIGNED)), true);
    if (vt != Outcome.Ok) return track(rs, vt);
  } else {
    clearRoles();
  }
  setStage(rs, Stage.TargetsDone);
  return Outcome.Ok;
}
const TARGETS_NAME = memory.data<u8>([0x74, 0x61, 0x72, 0x67, 0x65, 0x74, 0x73]); // "targets"

/** A delegated role file of the Image repository, by name (JSON string content). */
export function stepDelegatedRole(name: usize, nameLen: u32, ptr: usize, len: u32): i32 {
  if (imageState == 0 || stage(imageState) != Stage.TargetsDone) return MISUSE;
  return registerRole(name, nameLen, ptr, len) ? Outcome.Ok : MISUSE;
}

/**
 * 5.4.4.2 step 10: every Director target matches the Image repository's. Ends the
 * cycle: Ok when this ECU has a target, NoUpdate when only others (or none) have.
 */
export function stepCrossCheck(): i32 {
  clearResult();
  const d = directorState;
  const im = imageState;
  if (im == 0) return MISUSE;
  if (stage(d) == Stage.Failed || stage(im) == Stage.Failed) return fail(Outcome.InvalidMetadata, Detail.AnEarlierStepOfThisCycleFailed);
  if (stage(d) != Stage.TargetsDone || stage(im) != Stage.TargetsDone || !docsAlive(d) || !docsAlive(im)) return MISUSE;
  setDelegationTime(cycleNow);
  const idoc = <usize>load<u32>(cAddr(im, C_TARGETS_DOC));
  const isigned = load<i32>(cAddr(im, C_TARGETS_SIGNED));
  for (let i: u32 = 0; i < vtCount; i++) {
    const rc = matchRow(im, idoc, isigned, i);
    if (rc != Outcome.Ok) {
      setStage(d, Stage.Failed);
      return rc;
    }
  }
  // an offline update verified no Director snapshot: the last online one stays the last completed
  if (!offlineCycle) commitCompletedSnapshot(d);
  commitCompletedSnapshot(im);
  setStage(d, Stage.Finished);
  setStage(im, Stage.Finished);
  if (vtThis < 0) return succeed(Outcome.NoUpdate, Detail.NoTargetForThisECU);
  return succeed(Outcome.Ok, Detail.TargetForThisECUVerified);
}

function matchRow(im: usize, idoc: usize, isigned: i32, i: u32): i32 {
  const row = vtRow(i);
  const ddoc = <usize>load<u32>(row, VT_DOC);
  const nameTok = load<i32>(row, VT_NAME);
  const hw = load<i32>(row, VT_HW);
  // An encrypted image (5.2.3) is listed by the Director under the ciphertext's name, length
  // and hashes; what it must match in the Image repository is the plaintext that
  // custom.encryption names (README "Per-ECU image encryption: the ECU side"). The
  // ciphertext's own entry stays in the row: the Primary checks the file it forwards by it.
  const enc = load<i32>(row, VT_ENC);
  const plain = enc >= 0 ? plaintextOf(ddoc, enc) : -1;
  const lookup = enc >= 0 ? objGet(ddoc, plain, N.k_name) : nameTok;
  const dEntry = enc >= 0 ? plain : nameTok + 1;
  let dfi = row + VT_FI;
  if (enc >= 0) {
    dfi = <i32>i == vtThis ? plainFi : otherPlainFi;
    const pr = readFileInfo(ddoc, plain, dfi, true, true);
    if (pr != Outcome.Ok) return pr;
  }
  setContext(Repo.Image, Role.Targets);
  // 5.4.4.2 step 10.1: the Image repository's metadata for the same file name (the plaintext's, when encrypted)
  const found = resolveTarget(im, idoc, isigned, tokStart(ddoc, lookup), tokLen(ddoc, lookup), ddoc, hw);
  if (found != Outcome.Ok) return found;
  const fdoc = foundDoc;
  const ft = foundTarget;
  setContext(Repo.Image, Role.Targets);
  const fi = readFileInfo(fdoc, ft, imageFi, true, true);
  if (fi != Outcome.Ok) return fi;
  // 5.4.4.2 step 10.2.1: same length, every common hash equal, at least one in common
  // (for an encrypted image: the plaintext's, as custom.encryption.plaintext gives them)
  const dl = load<i64>(dfi, FI_LENGTH);
  const il = load<i64>(imageFi, FI_LENGTH);
  if (dl != il) return failNumbers(Outcome.TargetMismatch, enc >= 0 ? Detail.PlaintextLengthDiffersFromTheImageRepository : Detail.LengthDiffersBetweenTheRepositories, il, dl);
  const hc = compareHashes(ddoc, dEntry, fdoc, ft);
  if (hc != Outcome.Ok) return hc;
  // keep every hash either repository lists for the image check
  const df = load<u32>(dfi, FI_FLAGS);
  const imf = load<u32>(imageFi, FI_FLAGS);
  if ((df & HAS_SHA256) == 0 && (imf & HAS_SHA256) != 0) memory.copy(dfi + FI_SHA256, imageFi + FI_SHA256, 32);
  if ((df & HAS_SHA512) == 0 && (imf & HAS_SHA512) != 0) memory.copy(dfi + FI_SHA512, imageFi + FI_SHA512, 64);
  store<u32>(dfi, df | imf, FI_FLAGS);
  if ((df | imf) == 0) return fail(Outcome.TargetMismatch, Detail.NeitherRepositoryListsSha256OrSha512);
  // 5.4.4.2 step 10.2.2: the MUST-match custom fields
  const icustom = objGet(fdoc, ft, N.k_custom);
  const ihw = objGet(fdoc, icustom, N.k_hardwareIds);
  if (tokType(fdoc, ihw) != JsonType.Array) return fail(Outcome.TargetMismatch, Detail.ImageTargetWithoutHardwareIds);
  if (!arrayHasString(fdoc, ihw, ddoc, hw)) return fail(Outcome.HardwareIdMismatch, Detail.ImageTargetIsNotForTheECUSHardwareID);
  const dhw = objGet(ddoc, objGet(ddoc, nameTok + 1, N.k_custom), N.k_hardwareIds);
  if (dhw >= 0 && !sameStrings(ddoc, dhw, fdoc, ihw)) return fail(Outcome.TargetMismatch, Detail.HardwareIdsDifferBetweenTheRepositories);
  const irc = releaseCounterOf(fdoc, ft);
  if (irc < 0) return fail(Outcome.InvalidMetadata, Detail.ReleaseCounterIsNotANonNegativeInteger);
  const drc = load<i64>(row, VT_RC);
  if (irc != drc) return failNumbers(Outcome.TargetMismatch, Detail.ReleaseCounterDiffersBetweenTheRepositories, irc, drc);
  return Outcome.Ok;
}

// Every algorithm both repositories list has the same digest; at least one in common.
function compareHashes(ddoc: usize, dt: i32, idoc: usize, it: i32): i32 {
  const dh = objGet(ddoc, dt, N.k_hashes);
  const ih = objGet(idoc, it, N.k_hashes);
  let common = 0;
  const end = tokNext(ddoc, dh);
  let k = dh + 1;
  while (k < end) {
    const other = objGetStrOf(idoc, ih, ddoc, k);
    if (other >= 0) {
      common++;
      const v = k + 1;
      if (tokType(ddoc, v) != JsonType.String || tokType(idoc, other) != JsonType.String || !hexEqual(tokStart(ddoc, v), tokLen(ddoc, v), tokStart(idoc, other), tokLen(idoc, other))) {
        return fail(Outcome.TargetMismatch, Detail.HashesDifferBetweenTheRepositories);
      }
    }
    k = tokNext(ddoc, k + 1);
  }
  if (common == 0) return fail(Outcome.TargetMismatch, Detail.NoHashAlgorithmInCommon);
  return Outcome.Ok;
}

function objGetStrOf(doc: usize, obj: i32, kdoc: usize, key: i32): i32 {
  return objGetStr(doc, obj, tokStart(kdoc, key), tokLen(kdoc, key));
}

function hexEqual(a: usize, an: u32, b: usize, bn: u32): bool {
  if (an != bn) return false;
  for (let k: u32 = 0; k < an; k++) {
    let x = <u32>load<u8>(a + k);
    let y = <u32>load<u8>(b + k);
    if (x >= 0x41 && x <= 0x46) x += 0x20;
    if (y >= 0x41 && y <= 0x46) y += 0x20;
    if (x != y) return false;
  }
  return true;
}


// Same set of strings (each of one found in the other, both ways).
function sameStrings(adoc: usize, a: i32, bdoc: usize, b: i32): bool {
  if (tokType(adoc, a) != JsonType.Array) return false;
  let k = a + 1;
  const aend = tokNext(adoc, a);
  while (k < aend) {
    if (tokType(adoc, k) != JsonType.String || !arrayHasString(bdoc, b, adoc, k)) return false;
    k = tokNext(adoc, k);
  }
  k = b + 1;
  const bend = tokNext(bdoc, b);
  while (k < bend) {
    if (tokType(bdoc, k) != JsonType.String || !arrayHasString(adoc, a, bdoc, k)) return false;
    k = tokNext(bdoc, k);
  }
  return true;
}
