// The update cycle shared by both modules: which repositories exist, the reference time,
// trusted roots, and the root steps (5.4.4.3) that open every cycle.
import { Outcome } from "../outcome";
import { loadTrustedRoot, rotateRoot, checkRootFresh, rotatedOnlineKeys, rootLoaded } from "../meta/root";
import { directorState, beginRepoCycle, stage, setStage, Stage, forgetOnlineRoles, cAddr, C_ROTATIONS } from "../meta/repo";
import { Repo, MISUSE, clearResult, fail, failNumbers, setContext, Role } from "../meta/result";
import { lastTime } from "./time";
import { clearVehicleTargets } from "./vehicle";
import { Detail } from "../meta/detail";

/** The Image repository's state; set by the full module only (partial has none). */
export let imageState: usize = 0;
export function registerImageState(rs: usize): void {
  imageState = rs;
}

/** The reference time of the cycle in progress (unix seconds). */
export let cycleNow: i64 = 0;

/**
 * Whether the cycle in progress is a PURE-2 offline update (assembly/verify/offline.ts):
 * the Director's online timestamp, snapshot and targets steps are refused in it, and the
 * Image repository's snapshot comes without a timestamp.
 */
export let offlineCycle: bool = false;

/** Whether the cycle in progress is a plain TUF client's (verify/tuf.ts): the Image repository alone. */
export let tufCycle: bool = false;

/**
 * TUF 1.0 5.1-5.2: a cycle of the Image repository alone (no Director: a plain TUF client
 * of one repository) at reference time `now`, fixed for the whole cycle. The Director's
 * steps are refused in it.
 */
export function beginTufCycle(now: i64): i32 {
  clearResult();
  if (imageState == 0 || !rootLoaded(imageState)) return MISUSE;
  cycleNow = now;
  offlineCycle = false;
  tufCycle = true;
  clearVehicleTargets();
  setStage(directorState, Stage.Idle);
  beginRepoCycle(imageState);
  return Outcome.Ok;
}

/** Starts an offline-update cycle (PURE-2 "Metadata verification procedures"). */
export function beginOfflineCycle(now: i64): i32 {
  const rc = beginCycle(now);
  offlineCycle = rc == Outcome.Ok;
  return rc;
}

export function repoState(repo: i32): usize {
  if (repo == Repo.Director) return directorState;
  if (repo == Repo.Image) return imageState;
  return 0;
}

/** Trusts a root the host holds (pinned, or persisted): self-signed, not older. */
export function trustRoot(repo: i32, ptr: usize, len: u32): i32 {
  clearResult();
  const rs = repoState(repo);
  if (rs == 0) return MISUSE;
  setStage(rs, Stage.Idle);
  return loadTrustedRoot(rs, repo, ptr, len);
}

/** Starts an update cycle at reference time `now` for every repository with a root. */
export function beginCycle(now: i64): i32 {
  clearResult();
  if (!rootLoaded(directorState)) return MISUSE;
  cycleNow = now;
  offlineCycle = false;
  tufCycle = false;
  clearVehicleTargets();
  beginRepoCycle(directorState);
  if (imageState != 0) beginRepoCycle(imageState);
  // Uptane 5.4.3 / DESIGN.md section 5: the ECU's time never goes back before a verified
  // time attestation (an attacker must not make expired metadata current again)
  if (now < lastTime) {
    setStage(directorState, Stage.Failed);
    if (imageState != 0) setStage(imageState, Stage.Failed);
    setContext(Repo.Director, Role.Timeserver);
    return failNumbers(Outcome.BadTimeAttestation, Detail.ReferenceTimeEarlierThanTheLastAttestedTime, lastTime, now);
  }
  return Outcome.Ok;
}

/** Marks the repository's cycle failed when `rc` is a failure; returns `rc`. */
export function track(rs: usize, rc: i32): i32 {
  if (rc != Outcome.Ok && rc != Outcome.NoUpdate) setStage(rs, Stage.Failed);
  return rc;
}

/** Refuses a step that comes out of order (a host bug, or a failed earlier step). */
export function expectStage(rs: usize, s: i32): i32 {
  const now = stage(rs);
  if (now == s) return Outcome.Ok;
  if (now == Stage.Failed) return fail(Outcome.InvalidMetadata, Detail.AnEarlierStepOfThisCycleFailed);
  return MISUSE;
}

/** 5.4.4.3 step 2: root N+1 of `repo`. */
export function stepRootRotation(repo: i32, ptr: usize, len: u32): i32 {
  clearResult();
  const rs = repoState(repo);
  if (rs == 0) return MISUSE;
  setContext(repo, Role.Root);
  const order = expectStage(rs, Stage.Root);
  if (order != Outcome.Ok) return order;
  const done = load<u32>(cAddr(rs, C_ROTATIONS));
  const rc = rotateRoot(rs, repo, ptr, len, done);
  if (rc == Outcome.Ok) {
    store<u32>(cAddr(rs, C_ROTATIONS), done + 1);
    // 5.4.4.3 step 4: fast-forward recovery after timestamp/snapshot key rotation
    if (rotatedOnlineKeys) forgetOnlineRoles(rs);
  }
  return track(rs, rc);
}

/** 5.4.4.3 step 3: no more rotations; the latest root must not be expired. */
export function stepRootFinish(repo: i32): i32 {
  clearResult();
  const rs = repoState(repo);
  if (rs == 0) return MISUSE;
  setContext(repo, Role.Root);
  const order = expectStage(rs, Stage.Root);
  if (order != Outcome.Ok) return order;
  const rc = checkRootFresh(rs, repo, cycleNow);
  if (rc == Outcome.Ok) setStage(rs, Stage.Timestamp);
  return track(rs, rc);
}

/** Root rotations accepted in this cycle (the host keeps the matching root file). */
export function rotationsAccepted(repo: i32): u32 {
  const rs = repoState(repo);
  return rs == 0 ? 0 : load<u32>(cAddr(rs, C_ROTATIONS));
}
