// A plain TUF 1.0 client of one repository (README "TUF client"): the Image repository's
// state machine alone, no Director, no ECU identity. The host calls, in the order of the
// TUF 1.0 client workflow (section 5): tufCycleBegin (5.1: the reference time, fixed),
// loadRoot (5.2: the trusted root, self-signed), tufTrusted for the local trusted
// timestamp and snapshot (their versions become the rollback floors; expired ones count
// too), rootRotation* / rootFinish (5.3), timestamp (5.4), snapshot (5.5), targets (5.6),
// then tufTarget per target name (5.6.7: the delegation search, delegatedRole for each
// role it asks for), and imageBegin(0) / imageUpdate / imageFinish over the file (5.7).
// Every check is the one Uptane's full verification makes on the Image repository
// (meta/), tagged with both step numbers there.
import { Outcome } from "../outcome";
import { validStringContent } from "../json/reader";
import { checkTimestamp, checkSnapshot } from "../meta/online";
import { resolveTarget, foundDoc, foundTarget, setDelegationTime } from "../meta/delegations";
import { readFileInfo, FI_FLAGS } from "../meta/fileinfo";
import { Stage, stage, docsAlive, cAddr, C_ROTATIONS, C_TARGETS_DOC, C_TARGETS_SIGNED } from "../meta/repo";
import { Repo, Role, MISUSE, clearResult, fail, succeed, setContext } from "../meta/result";
import { cycleNow, imageState, tufCycle, expectStage } from "./cycle";
import { clearVehicleTargets, vtRow, setVehicleTarget, VT_DOC, VT_ECU, VT_NAME, VT_HW, VT_URI, VT_ENC, VT_RC, VT_FI } from "./vehicle";
import { Detail } from "../meta/detail";

/**
 * The client's local trusted timestamp or snapshot (`role`: Role.Timestamp or
 * Role.Snapshot), before any root rotation of this cycle: signed by a threshold of the
 * trusted root's keys for the role, then its versions are the floors the new ones must
 * not go below (TUF 5.4.3 / 5.5.5, Uptane 5.4.4.4 step 3 / 5.4.4.5 steps 4-6). Its expiry
 * does not matter (python-tuf's "intermediate" trusted metadata), and a root rotation
 * that changes the timestamp or snapshot keys drops these floors (TUF 5.3.11). Ok, or the
 * reason the file is not trusted (the host then goes on without it).
 */
export function stepTufTrusted(role: i32, ptr: usize, len: u32): i32 {
  clearResult();
  const rs = imageState;
  if (!tufCycle || rs == 0 || stage(rs) != Stage.Root || load<u32>(cAddr(rs, C_ROTATIONS)) != 0) return MISUSE;
  let rc: i32 = MISUSE;
  if (role == Role.Timestamp) rc = checkTimestamp(rs, Repo.Image, ptr, len, cycleNow);
  // no timestamp lists a local snapshot: the listing and expiry checks are left out (the offline form)
  if (role == Role.Snapshot) rc = checkSnapshot(rs, Repo.Image, ptr, len, cycleNow, true);
  return rc == Outcome.ExpiredMetadata ? Outcome.Ok : rc;
}

/**
 * TUF 5.6.7 (Uptane 5.4.4.7 without hardware IDs): the target named by JSON string content
 * (p, n), found through the delegations of the targets verified this cycle. Ok: verified
 * target row 0 holds its length and hashes (TUF 5.7: what the file must match). A
 * MissingTarget with Detail.DelegatedRoleFileNotProvided names (ResultField.NamePtr) the
 * delegated role the search needs next: the host fetches it, hands it in with
 * delegatedRole and asks again (roles verified already are not verified again).
 */
export function stepTufTarget(p: usize, n: u32): i32 {
  clearResult();
  const rs = imageState;
  if (!tufCycle || rs == 0 || n == 0 || !validStringContent(p, n)) return MISUSE;
  setContext(Repo.Image, Role.Targets);
  const order = expectStage(rs, Stage.TargetsDone);
  if (order != Outcome.Ok) return order;
  if (!docsAlive(rs)) return MISUSE;
  clearVehicleTargets();
  setDelegationTime(cycleNow);
  const rc = resolveTarget(rs, <usize>load<u32>(cAddr(rs, C_TARGETS_DOC)), load<i32>(cAddr(rs, C_TARGETS_SIGNED)), p, n, 0, -1);
  if (rc != Outcome.Ok) return rc;
  // TUF 5.7.2: a target file is checked against its length and hashes: both must be listed
  const row = vtRow(0);
  const fi = readFileInfo(foundDoc, foundTarget, row + VT_FI, true, true);
  if (fi != Outcome.Ok) return fi;
  if (load<u32>(row + VT_FI, FI_FLAGS) == 0) return fail(Outcome.InvalidMetadata, Detail.TargetListsNeitherSha256NorSha512);
  store<u32>(row, <u32>foundDoc, VT_DOC);
  store<i32>(row, -1, VT_ECU);
  store<i32>(row, foundTarget - 1, VT_NAME);
  store<i32>(row, -1, VT_HW);
  store<i32>(row, -1, VT_URI);
  store<i32>(row, -1, VT_ENC); // a plain TUF target is never encrypted for an ECU
  store<i64>(row, 0, VT_RC);
  setVehicleTarget(true);
  return succeed(Outcome.Ok, Detail.TargetVerified);
}
