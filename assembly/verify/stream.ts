// Streamed partial verification (Uptane 5.4.4.1, README "Streaming partial verification"):
// the Director targets document arrives in chunks (as over ISO-TP) and is never held
// whole, so its size is bounded by the full verifier's cap, not by memory.
//
// The document must be canonical JSON (what the Primary forwards: the signature covers
// the canonical form of `signed`, so these are the signed bytes). Canonical order puts
// `signatures` before `signed`, so when `signed` begins, one Ed25519 context per key a
// signature names is started (R and A hashed; as many as a role has keys) and every byte of `signed` is hashed into
// each as it passes. The bytes are split into:
//   - the envelope: everything but the members of `signed.targets` (which reads
//     `"targets":{}`), kept in a buffer and checked at the end by the same envelope,
//     threshold, rollback, expiry and delegation steps as the whole document;
//   - the target entries, each parsed on its own as `{"NAME":{...}}` by the same strict
//     reader and checked by the same per-target steps (assembly/verify/vehicle.ts) as it
//     ends; this ECU's entry stays in the arena for the image check.
// Each part must be exactly the canonical form of what it parses to, and target names
// strictly increasing, so the whole document is canonical; otherwise the verdict is
// InvalidMetadata (StreamedDocumentIsNotCanonicalJSON). Failures come out in the order of
// the whole-document path: syntax, envelope, signatures, rollback, expiry, delegations,
// then the first target entry that failed.
import { Outcome } from "../outcome";
import { arenaAlloc, arenaMark, arenaRelease } from "../arena";
import { parseDoc, parseError, objGet, tokStart, tokLen, MAX_JSON_DEPTH } from "../json/reader";
import { isCanonicalForm } from "../json/canonical";
import { strCompare } from "../json/strings";
import { sigsUpdate } from "../meta/schemes";
import { openDocument, envDoc } from "../meta/envelope";
import { startSignatures, finishSignatures, signatureContexts as contexts, KEYSET_THRESHOLD, MAX_ROLE_KEYS } from "../meta/keys";
import { rootKeyset, RoleSet } from "../meta/root";
import { checkSignedTargets } from "../meta/targets";
import { directorState, Stage, stage, setStage } from "../meta/repo";
import { Repo, Role, MISUSE, clearResult, setContext, fail, failNumbers, succeed, resOutcome, resDetail, resHasNumbers, resExpected, resGot } from "../meta/result";
import { Detail } from "../meta/detail";
import { cycleNow, stepRootFinish, track } from "./cycle";
import { clearVehicleTargets, readTargetEntry, streamEntries, vtCount, vtThis } from "./vehicle";
import { isConfigured } from "./config";
import { MAX_ID_BYTES, STREAMED_TARGETS_CAP as STREAM_TARGETS_CAP } from "./caps";
import * as N from "../json/names";
import { bytesEqual } from "../util/bytes";

/** The envelope (the document without the target entries). */
export const STREAM_ENVELOPE_CAP: u32 = 4096;
/** One target entry `"NAME":{...}`. */
export const STREAM_ENTRY_CAP: u32 = 4096;

const envelope = memory.data(<i32>STREAM_ENVELOPE_CAP);
const prevName = memory.data(<i32>MAX_ID_BYTES);
const keyBuf = memory.data(16);

// what a key at depth 1 or 2 is
const K_OTHER = 0;
const K_SIGNATURES = 1;
const K_SIGNED = 2;
const K_TARGETS = 3;

let live = false; // a stream is open and undecided
let verdict: i32 = MISUSE; // the outcome once decided
let announced: u32 = 0;
let received: u32 = 0;
let envLen: u32 = 0;
let depth: i32 = 0;
let inString = false;
let escaped = false;
let capturing = false;
let keyLen: u32 = 0;
let lastString: i32 = K_OTHER;
let key1: i32 = K_OTHER; // key of the depth-1 member being read
let key2: i32 = K_OTHER;
let valueAt: i32 = 0; // depth whose value starts with the next byte (after a colon)
let quote1: u32 = 0; // envelope position of the opening quote of the last depth-1 string
let inSigned = false;
let signedDepth2 = false; // the depth-2 object being read is `signed`
let targetsOpening = false;
let inTargets = false;
let entries: u32 = 0;
let entryOpen = false;
let entryMark: usize = 0;
let entryBuf: usize = 0;
let entryLen: u32 = 0;
let prevNameLen: u32 = 0;
let started: i32 = 0; // signature contexts started, or -1: `signatures` malformed
let sigOutcome: i32 = Outcome.Ok;
let sigDetail: i32 = 0;
// the first failing target entry (reported after the envelope steps, as the whole path does)
let entryOutcome: i32 = Outcome.Ok;
let entryDetail: i32 = 0;
let entryNumbers = false;
let entryExpected: i64 = 0;
let entryGot: i64 = 0;

function decide(rc: i32): i32 {
  live = false;
  verdict = track(directorState, rc);
  return verdict;
}

function refuse(outcome: i32, detail: i32): i32 {
  setContext(Repo.Director, Role.Targets);
  return decide(fail(outcome, detail));
}

function refuseNumbers(outcome: i32, detail: i32, expected: i64, got: i64): i32 {
  setContext(Repo.Director, Role.Targets);
  return decide(failNumbers(outcome, detail, expected, got));
}

/** 5.4.4.1 step 2, streamed: opens a Director targets document of `len` bytes. */
export function streamBegin(len: u32): i32 {
  live = false;
  verdict = MISUSE;
  if (!isConfigured()) return MISUSE;
  const rs = directorState;
  if (stage(rs) == Stage.Root) {
    const fin = stepRootFinish(Repo.Director);
    if (fin != Outcome.Ok) return (verdict = fin);
  }
  clearResult();
  setContext(Repo.Director, Role.Targets);
  if (stage(rs) == Stage.Failed) return (verdict = fail(Outcome.InvalidMetadata, Detail.AnEarlierStepOfThisCycleFailed));
  if (stage(rs) != Stage.Timestamp) return MISUSE;
  // 5.4.4.6 step 1: at most the cap; nothing past it is read
  if (len > STREAM_TARGETS_CAP) return refuseNumbers(Outcome.OversizedMetadata, Detail.DocumentLargerThanItsCap, <i64>STREAM_TARGETS_CAP, <i64>len);
  announced = len;
  received = 0;
  envLen = 0;
  depth = 0;
  inString = false;
  escaped = false;
  capturing = false;
  lastString = K_OTHER;
  key1 = K_OTHER;
  key2 = K_OTHER;
  valueAt = 0;
  inSigned = false;
  signedDepth2 = false;
  targetsOpening = false;
  inTargets = false;
  entries = 0;
  entryOpen = false;
  prevNameLen = 0;
  started = 0;
  entryOutcome = Outcome.Ok;
  clearVehicleTargets();
  streamEntries();
  live = true;
  verdict = Outcome.Ok;
  return Outcome.Ok;
}

// The next byte of the envelope or of the target entry being read; false: refused (full).
function put(c: u32, toEntry: bool): bool {
  let at = envelope;
  let len = envLen;
  let cap = STREAM_ENVELOPE_CAP;
  if (toEntry) {
    if (!entryOpen) {
      entryMark = arenaMark();
      entryBuf = arenaAlloc(<usize>STREAM_ENTRY_CAP + 2);
      if (entryBuf == 0) {
        refuseNumbers(Outcome.OversizedMetadata, Detail.DocumentTooLargeForMemory, <i64>STREAM_ENTRY_CAP, 0);
        return false;
      }
      store<u8>(entryBuf, 0x7b);
      entryLen = 1;
      entryOpen = true;
    }
    at = entryBuf;
    len = entryLen;
    cap = STREAM_ENTRY_CAP + 1;
  }
  if (len >= cap) {
    refuseNumbers(Outcome.OversizedMetadata, Detail.PartOfTheStreamedDocumentLargerThanTheModuleHolds, <i64>cap, <i64>len + 1);
    return false;
  }
  store<u8>(at + <usize>len, <u8>c);
  if (toEntry) entryLen++;
  else envLen++;
  return true;
}

// One target entry is complete: parse it as `{"NAME":{...}}`, check its form and order,
// then the per-target steps (the first failure is kept for the end).
function closeEntry(): bool {
  entryOpen = false;
  store<u8>(entryBuf + <usize>entryLen, 0x7d);
  const len = entryLen + 1;
  const doc = parseDoc(entryBuf, len);
  if (doc == 0) {
    if (parseError == Detail.DocumentTooLargeForMemory) refuseNumbers(Outcome.OversizedMetadata, Detail.DocumentTooLargeForMemory, <i64>STREAM_ENTRY_CAP, <i64>len);
    else refuse(Outcome.InvalidMetadata, parseError);
    return false;
  }
  if (!isCanonicalForm(doc, 0, entryBuf, len)) {
    refuse(Outcome.InvalidMetadata, Detail.StreamedDocumentIsNotCanonicalJSON);
    return false;
  }
  // canonical member order: each name after the one before it (equal: a duplicate key)
  const np = tokStart(doc, 1);
  const nn = tokLen(doc, 1);
  if (entries > 0) {
    const order = strCompare(prevName, prevNameLen, np, nn);
    if (order == 0) {
      refuse(Outcome.InvalidMetadata, Detail.DuplicateKey);
      return false;
    }
    if (order > 0) {
      refuse(Outcome.InvalidMetadata, Detail.StreamedDocumentIsNotCanonicalJSON);
      return false;
    }
  }
  if (nn > MAX_ID_BYTES) {
    refuseNumbers(Outcome.OversizedMetadata, Detail.PartOfTheStreamedDocumentLargerThanTheModuleHolds, <i64>MAX_ID_BYTES, <i64>nn);
    return false;
  }
  memory.copy(prevName, np, nn);
  prevNameLen = nn;
  entries++;
  const rows = vtCount;
  if (entryOutcome == Outcome.Ok) {
    setContext(Repo.Director, Role.Targets);
    const rc = readTargetEntry(doc, 0, 1, false);
    if (rc != Outcome.Ok) {
      entryOutcome = rc;
      entryDetail = resDetail;
      entryNumbers = resHasNumbers;
      entryExpected = resExpected;
      entryGot = resGot;
      // a capacity refusal ends the stream now (the verdict cannot change)
      if (rc == Outcome.OversizedMetadata) {
        decide(rc);
        return false;
      }
    }
  }
  // this ECU's entry stays (its row points into it); any other is forgotten
  if (vtCount == rows) arenaRelease(entryMark);
  return true;
}

function classifyKey(): i32 {
  if (keyLen > 10) return K_OTHER;
  if (keyIs(N.k_signatures)) return K_SIGNATURES;
  if (keyIs(N.k_signed)) return K_SIGNED;
  if (keyIs(N.k_targets)) return K_TARGETS;
  return K_OTHER;
}

function keyIs(lit: usize): bool {
  const n = <u32>load<u8>(lit);
  return n == keyLen && bytesEqual(keyBuf, lit + 1, n);
}

// `signed` begins: start one context per key a signature names, from the envelope read
// so far (`{"signatures":[...],` closed as an object).
function startSigned(): void {
  started = 0;
  const mark = arenaMark();
  const n = quote1;
  const mini = arenaAlloc(<usize>n + 1);
  if (mini == 0 || n == 0) return;
  memory.copy(mini, envelope, n);
  let len = n;
  if (load<u8>(mini + <usize>n - 1) == 0x2c) store<u8>(mini + <usize>n - 1, 0x7d);
  else {
    store<u8>(mini + <usize>n, 0x7d);
    len++;
  }
  const doc = parseDoc(mini, len);
  if (doc != 0) {
    const sigs = objGet(doc, 0, N.k_signatures);
    if (sigs >= 0) {
      started = startSignatures(doc, sigs, rootKeyset(directorState, RoleSet.Targets), contexts, MAX_ROLE_KEYS);
      if (started < 0) {
        sigOutcome = resOutcome;
        sigDetail = resDetail;
      }
    }
  }
  clearResult();
  arenaRelease(mark);
}

function hash(p: usize, n: u32): void {
  if (started > 0) sigsUpdate(contexts, <u32>started, p, n);
}

/** Feeds the next `len` bytes; Ok to go on, or the verdict when it is already decided. */
export function streamChunk(ptr: usize, len: u32): i32 {
  if (!live) return verdict;
  if (<u64>received + <u64>len > <u64>announced) return refuseNumbers(Outcome.InvalidMetadata, Detail.MoreBytesThanAnnounced, <i64>announced, <i64>received + <i64>len);
  received += len;
  let run: u32 = 0; // start of the bytes of `signed` in this chunk
  for (let i: u32 = 0; i < len; i++) {
    const c = <u32>load<u8>(ptr + <usize>i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c == 0x5c) escaped = true;
      else if (c == 0x22) {
        inString = false;
        if (capturing) lastString = classifyKey();
      }
      if (capturing && inString) {
        if (keyLen < 16) store<u8>(keyBuf + <usize>keyLen, <u8>c);
        keyLen++;
      }
      if (!put(c, entryOpen)) return verdict;
      continue;
    }
    if (valueAt != 0) {
      if (valueAt == 1 && key1 == K_SIGNED) {
        startSigned();
        inSigned = true;
        run = i;
      }
      if (valueAt == 2 && signedDepth2 && key2 == K_TARGETS && c == 0x7b) targetsOpening = true;
      valueAt = 0;
    } else if (inSigned && depth == 1 && (c == 0x2c || c == 0x7d)) {
      hash(ptr + <usize>run, i - run);
      inSigned = false;
    }
    if (inTargets && depth == 3) {
      // between entries: a comma ends one, the closing brace ends them all
      if (c == 0x2c || c == 0x7d) {
        if (!entryOpen) {
          if (c == 0x2c || entries > 0) return refuse(Outcome.InvalidMetadata, Detail.ExpectedAStringKey);
        } else if (!closeEntry()) return verdict;
        if (c == 0x2c) continue;
        inTargets = false;
      } else if (c == 0x5d) {
        return refuse(Outcome.InvalidMetadata, Detail.ExpectedOrClosingBracket);
      }
    }
    if (c == 0x22) {
      inString = true;
      escaped = false;
      capturing = !entryOpen && !inTargets && (depth == 1 || depth == 2);
      keyLen = 0;
      if (depth == 1) quote1 = envLen;
    } else if (c == 0x7b || c == 0x5b) {
      if (depth >= MAX_JSON_DEPTH) return refuse(Outcome.InvalidMetadata, Detail.NestingTooDeep);
      depth++;
      if (depth == 2) signedDepth2 = inSigned;
    } else if (c == 0x7d || c == 0x5d) {
      if (depth == 0) return refuse(Outcome.InvalidMetadata, Detail.BytesAfterTheDocument);
      depth--;
    } else if (c == 0x3a && !entryOpen && !inTargets && (depth == 1 || depth == 2)) {
      if (depth == 1) key1 = lastString;
      else key2 = lastString;
      lastString = K_OTHER;
      valueAt = depth;
    }
    if (!put(c, entryOpen || (inTargets && depth >= 3))) return verdict;
    if (targetsOpening && depth == 3) {
      targetsOpening = false;
      inTargets = true;
      entries = 0;
      prevNameLen = 0;
    }
  }
  if (inSigned) hash(ptr + <usize>run, len - run);
  return Outcome.Ok;
}

/** The verdict: the same steps, in the same order, as partialTargets on the whole document. */
export function streamFinish(): i32 {
  if (!live) return verdict;
  live = false;
  const rs = directorState;
  setContext(Repo.Director, Role.Targets);
  if (received != announced) return decide(failNumbers(Outcome.InvalidMetadata, Detail.FewerBytesThanAnnounced, <i64>announced, <i64>received));
  // syntax and the header fields (5.4.4.6 step 1 and the envelope)
  const rc = openDocument(envelope, envLen, STREAM_TARGETS_CAP, N.k_targets);
  if (rc != Outcome.Ok) return decide(rc);
  if (!isCanonicalForm(envDoc, 0, envelope, envLen)) return decide(fail(Outcome.InvalidMetadata, Detail.StreamedDocumentIsNotCanonicalJSON));
  // step 3: signed by the root's targets threshold
  if (started < 0) return decide(fail(sigOutcome, sigDetail));
  const count = finishSignatures(contexts, <u32>started);
  const th = load<u32>(rootKeyset(rs, RoleSet.Targets), KEYSET_THRESHOLD);
  if (th == 0 || count < th) return decide(failNumbers(Outcome.UnmetThreshold, Detail.TargetsNotSignedByAThresholdOfTargetsKeys, <i64>th, <i64>count));
  // steps 4-6
  const st = checkSignedTargets(rs, Repo.Director, envDoc, cycleNow);
  if (st != Outcome.Ok) return decide(st);
  // this ECU's target (5.4.4.1), in document order
  if (entryOutcome != Outcome.Ok) {
    setContext(Repo.Director, Role.Targets);
    if (entryNumbers) failNumbers(entryOutcome, entryDetail, entryExpected, entryGot);
    else fail(entryOutcome, entryDetail);
    return decide(entryOutcome);
  }
  setStage(rs, Stage.Finished);
  verdict = vtThis < 0 ? succeed(Outcome.NoUpdate, Detail.NoTargetForThisECU) : succeed(Outcome.Ok, Detail.TargetForThisECUVerified);
  return verdict;
}
