// Partial verification (Uptane 5.4.4.1): Director targets against the provisioned
// Director root (after optional rotations), this ECU's target, hardware ID, release
// counter. Reuses the root and targets checks of full verification.
import { Outcome } from "../outcome";
import { directorState, Stage, stage, setStage, C_TARGETS_DOC, C_TARGETS_SIGNED, cAddr } from "../meta/repo";
import { checkTopTargets } from "../meta/targets";
import { Repo, Role, clearResult, setContext, succeed, MISUSE, fail } from "../meta/result";
import { cycleNow, stepRootFinish, track } from "./cycle";
import { readDirectorTargets, vtThis } from "./vehicle";
import { isConfigured } from "./config";
import { Detail } from "../meta/detail";

/** 5.4.4.1 step 2 (5.4.4.6 without the snapshot step): Director targets, then this ECU's target. */
export function stepPartialTargets(ptr: usize, len: u32): i32 {
  if (!isConfigured()) return MISUSE;
  const rs = directorState;
  if (stage(rs) == Stage.Root) {
    const fin = stepRootFinish(Repo.Director);
    if (fin != Outcome.Ok) return fin;
  }
  clearResult();
  setContext(Repo.Director, Role.Targets);
  if (stage(rs) == Stage.Failed) return fail(Outcome.InvalidMetadata, Detail.AnEarlierStepOfThisCycleFailed);
  if (stage(rs) != Stage.Timestamp) return MISUSE;
  const rc = checkTopTargets(rs, Repo.Director, ptr, len, cycleNow, -1);
  if (rc != Outcome.Ok) return track(rs, rc);
  const doc = <usize>load<u32>(cAddr(rs, C_TARGETS_DOC));
  const signed = load<i32>(cAddr(rs, C_TARGETS_SIGNED));
  setContext(Repo.Director, Role.Targets);
  const vt = readDirectorTargets(doc, signed, false);
  if (vt != Outcome.Ok) return track(rs, vt);
  setStage(rs, Stage.Finished);
  if (vtThis < 0) return succeed(Outcome.NoUpdate, Detail.NoTargetForThisECU);
  return succeed(Outcome.Ok, Detail.TargetForThisECUVerified);
}
