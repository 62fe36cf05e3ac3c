// Top-level targets metadata (5.4.4.6), shared by full and partial verification, and the
// checks of delegated targets roles (5.4.4.7 step 1) that reuse the same steps.
import { Outcome } from "../outcome";
import { JsonType, tokType, tokSize, objGet } from "../json/reader";
import { checkThreshold } from "./keys";
import { openDocument, checkNotExpired, envDoc, envSigned, envSigs, envVersion, envExpires } from "./envelope";
import { rootKeyset, RoleSet } from "./root";
import { fail, failNumbers, setContext, Role, Repo } from "./result";
import { TARGETS_CAP } from "../verify/caps";
import { P_TARGETS_VERSION, C_TARGETS_DOC, C_TARGETS_SIGNED, pGet, pSet, cAddr } from "./repo";
import { Detail } from "./detail";
import * as N from "../json/names";

/**
 * 5.4.4.6: checks top-level targets. `snapshotVersion` is the version the snapshot lists
 * (-1 on a partial-verification ECU, which has no snapshot: step 2 may be skipped there).
 * The length and hashes the snapshot lists (step 1) are matched by the caller first
 * (`matchSnapshotListing` in stepTargets), so the partial module does not carry that code.
 */
export function checkTopTargets(rs: usize, repo: i32, ptr: usize, len: u32, now: i64, snapshotVersion: i64): i32 {
  setContext(repo, Role.Targets);
  // step 1: at most Z bytes
  const rc = openDocument(ptr, len, TARGETS_CAP, N.k_targets);
  if (rc != Outcome.Ok) return rc;
  const doc = envDoc;
  // step 2: the version the snapshot lists (mix-and-match)
  if (snapshotVersion >= 0 && envVersion != snapshotVersion) return failNumbers(Outcome.BadVersion, Detail.TargetsVersionIsNotTheOneTheSnapshotLists, snapshotVersion, envVersion);
  // step 3: signed by the root's targets threshold
  const th = checkThreshold(doc, envSigs, envSigned, rootKeyset(rs, RoleSet.Targets), Detail.TargetsNotSignedByAThresholdOfTargetsKeys);
  if (th != Outcome.Ok) return th;
  return checkSignedTargets(rs, repo, doc, now);
}

/**
 * 5.4.4.6 steps 4-6 of top-level targets whose signatures were counted (the document
 * opened by openDocument is the env* one): rollback, freeze, no Director delegations;
 * then the version is trusted and the doc kept for the steps after.
 */
export function checkSignedTargets(rs: usize, repo: i32, doc: usize, now: i64): i32 {
  // step 4: rollback
  const trusted = pGet(rs, P_TARGETS_VERSION);
  if (envVersion < trusted) return failNumbers(Outcome.RollbackAttack, Detail.TargetsVersionLowerThanTheTrustedOne, trusted, envVersion);
  // step 5: freeze
  const ex = checkNotExpired(envExpires, now);
  if (ex != Outcome.Ok) return ex;
  if (tokType(doc, objGet(doc, envSigned, N.k_targets)) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.TargetsIsNotAnObject);
  // step 6: Director targets carry no delegations
  if (repo == Repo.Director) {
    const d = objGet(doc, envSigned, N.k_delegations);
    if (d >= 0) {
      const roles = objGet(doc, d, N.k_roles);
      if (tokType(doc, d) != JsonType.Object || tokType(doc, roles) != JsonType.Array || tokSize(doc, roles) != 0 || tokSize(doc, objGet(doc, d, N.k_keys)) != 0) {
        return fail(Outcome.DelegationError, Detail.DirectorTargetsCarryDelegations);
      }
    }
  }
  pSet(rs, P_TARGETS_VERSION, envVersion);
  store<u32>(cAddr(rs, C_TARGETS_DOC), <u32>doc);
  store<i32>(cAddr(rs, C_TARGETS_SIGNED), envSigned);
  return Outcome.Ok;
}
