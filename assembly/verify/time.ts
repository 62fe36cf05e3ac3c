// Time attestation (DESIGN.md section 5, Uptane 5.4.4.1/5.4.4.2 step 1): signed by a
// threshold of the Director root's `timeserver` keys over canonical `signed`
// ({"nonces": [...], "time": "YYYY-MM-DDTHH:MM:SSZ"}), this ECU's nonce included, the time
// not earlier than the last verified one (kept in the state).
import { Outcome } from "../outcome";
import { JsonType, parseDoc, parseError, tokType, tokStart, tokLen, tokNext, objGet, validStringContent } from "../json/reader";
import { strCompare } from "../json/strings";
import { parseIsoTime, BAD_TIME } from "../util/encoding";
import { countSignatures, keysetThreshold } from "../meta/keys";
import { rootKeyset, RoleSet } from "../meta/root";
import { directorState } from "../meta/repo";
import { Repo, Role, clearResult, fail, failNumbers, setContext, MISUSE } from "../meta/result";
import { TIME_ATTESTATION_CAP } from "./caps";
import { Detail } from "../meta/detail";
import * as N from "../json/names";

/** Last verified time (unix seconds; 0 before the first). */
export let lastTime: i64 = 0;
export function setLastTime(t: i64): void {
  lastTime = t;
}

export function verifyTimeAttestation(ptr: usize, len: u32, nonce: usize, nonceLen: u32): i32 {
  clearResult();
  setContext(Repo.Director, Role.Timeserver);
  if (!validStringContent(nonce, nonceLen)) return MISUSE;
  if (len > TIME_ATTESTATION_CAP) return failNumbers(Outcome.OversizedMetadata, Detail.TimeAttestationLargerThanItsCap, <i64>TIME_ATTESTATION_CAP, <i64>len);
  const doc = parseDoc(ptr, len);
  if (doc == 0) return fail(Outcome.BadTimeAttestation, parseError);
  const signed = objGet(doc, 0, N.k_signed);
  const sigs = objGet(doc, 0, N.k_signatures);
  if (tokType(doc, signed) != JsonType.Object || tokType(doc, sigs) != JsonType.Array) return fail(Outcome.BadTimeAttestation, Detail.NotASignedTimeAttestation);
  const set = rootKeyset(directorState, RoleSet.Timeserver);
  const th = keysetThreshold(set);
  if (th == 0) return fail(Outcome.BadTimeAttestation, Detail.DirectorRootListsNoTimeserverRole);
  const count = countSignatures(doc, sigs, signed, set);
  if (count < 0) return fail(Outcome.BadTimeAttestation, Detail.MalformedSignatures);
  if (<u32>count < th) return failNumbers(Outcome.BadTimeAttestation, Detail.NotSignedByAThresholdOfTimeserverKeys, <i64>th, <i64>count);
  const nonces = objGet(doc, signed, N.k_nonces);
  if (tokType(doc, nonces) != JsonType.Array) return fail(Outcome.BadTimeAttestation, Detail.NoncesIsNotAnArray);
  let found = false;
  const end = tokNext(doc, nonces);
  let k = nonces + 1;
  while (k < end) {
    if (tokType(doc, k) == JsonType.String && strCompare(tokStart(doc, k), tokLen(doc, k), nonce, nonceLen) == 0) found = true;
    k = tokNext(doc, k);
  }
  if (!found) return fail(Outcome.BadTimeAttestation, Detail.ThisECUSNonceIsMissing);
  const tt = objGet(doc, signed, N.k_time);
  if (tokType(doc, tt) != JsonType.String) return fail(Outcome.BadTimeAttestation, Detail.TimeIsMissing);
  const t = parseIsoTime(tokStart(doc, tt), tokLen(doc, tt));
  if (t == BAD_TIME) return fail(Outcome.BadTimeAttestation, Detail.TimeIsNotYYYYMMDDTHHMMSSZ);
  if (t < lastTime) return failNumbers(Outcome.BadTimeAttestation, Detail.TimeGoingBackwards, lastTime, t);
  lastTime = t;
  return Outcome.Ok;
}
