// Delegation resolution in the Image repository (Uptane 5.4.4.7; TUF 1.0 5.6.7, the
// preorder depth-first search): find the targets role that signs a target name, depth
// first in listed (priority) order, honouring paths / path_hash_prefixes, the Uptane
// `hardwareIds` restriction (not applied by a plain TUF client, which passes no hardware
// ID) and terminating delegations; each delegated role checked as 5.4.4.6 says (snapshot
// version, threshold of the delegating role's keys, expiry). The host hands in delegated
// role files (registerRole): Uptane's full verification all up front, the TUF client each
// one when the search reports it missing (DelegatedRoleFileNotProvided); only roles the
// search reaches are parsed and verified, each once per delegation that reaches it.
import { Outcome } from "../outcome";
import { DOC_DIALECT, JsonType, tokType, tokStart, tokLen, tokNext, tokInt, objGet, objGetStr, validStringContent, arrayHasString } from "../json/reader";
import { strCompare, strDecode } from "../json/strings";
import { buildKeyset, checkKeyIds, checkThreshold, KEYSET_SIZE } from "./keys";
import { openDocument, checkNotExpired, envDoc, envSigned, envSigs, envVersion, envExpires } from "./envelope";
import { matchSnapshotListing } from "./fileinfo";
import { fail, failNumbers, setContext, setDelegatedContext, Repo, Role } from "./result";
import { snapshotEntry, snapshotDoc } from "./online";
import { sha256 } from "../crypto/sha256";
import { MAX_DELEGATED_ROLES, MAX_DELEGATION_DEPTH, MAX_ID_BYTES, TARGETS_CAP } from "../verify/caps";
import { Detail } from "./detail";
import * as N from "../json/names";

// registry of role files: name (JSON string content), bytes, parsed doc and signed token
const REG_NAME: usize = 0;
const REG_NAME_LEN: usize = 4;
const REG_PTR: usize = 8;
const REG_LEN: usize = 12;
const REG_ON_PATH: usize = 16;
// verified this cycle: the doc and its signed token, and the delegation (doc, role token) it was verified under
const REG_DOC: usize = 20;
const REG_SIGNED: usize = 24;
const REG_PARENT: usize = 28;
const REG_DELEGATION: usize = 32;
const REG_SIZE: usize = 36;
const registry = memory.data(<i32>(<usize>MAX_DELEGATED_ROLES * REG_SIZE));
let regCount: u32 = 0;

const keyset = memory.data(<i32>KEYSET_SIZE, 8);
const decoded = memory.data(<i32>MAX_ID_BYTES);
const pattern = memory.data(<i32>MAX_ID_BYTES);
const nameDigest = memory.data(32);

/** Where the search found the target: its doc and its entry token. */
export let foundDoc: usize = 0;
export let foundTarget: i32 = -1;
let visits: u32 = 0;
const MAX_VISITS: u32 = 1024;

export function clearRoles(): void {
  regCount = 0;
}

/** Records a delegated role file; false when the table is full or the name is not valid. */
export function registerRole(name: usize, nameLen: u32, ptr: usize, len: u32): bool {
  if (regCount >= MAX_DELEGATED_ROLES || nameLen == 0 || nameLen > MAX_ID_BYTES || !validStringContent(name, nameLen)) return false;
  const r = registry + <usize>regCount * REG_SIZE;
  store<u32>(r, <u32>name, REG_NAME);
  store<u32>(r, nameLen, REG_NAME_LEN);
  store<u32>(r, <u32>ptr, REG_PTR);
  store<u32>(r, len, REG_LEN);
  store<u32>(r, 0, REG_ON_PATH);
  store<u32>(r, 0, REG_DOC);
  regCount++;
  return true;
}

function findRole(doc: usize, nameTok: i32): usize {
  for (let i: u32 = 0; i < regCount; i++) {
    const r = registry + <usize>i * REG_SIZE;
    if (strCompare(<usize>load<u32>(r, REG_NAME), load<u32>(r, REG_NAME_LEN), tokStart(doc, nameTok), tokLen(doc, nameTok)) == 0) return r;
  }
  return 0;
}

// Target name to match (JSON string content), and decoded once per search.
let namePtr: usize = 0;
let nameRaw: u32 = 0;
let nameLen: i32 = 0;

/**
 * Resolves the target named by JSON string content (np, nl) (with hardware ID token `hw`
 * of `ndoc`; -1: no hardware restriction, a plain TUF client) starting at the verified
 * top-level targets `signed` of `doc`. Returns Ok with foundDoc/foundTarget,
 * MissingTarget, or the failure of a role on the way.
 */
export function resolveTarget(rs: usize, doc: usize, signed: i32, np: usize, nl: u32, ndoc: usize, hw: i32): i32 {
  namePtr = np;
  nameRaw = nl;
  nameLen = strDecode(np, nl, decoded, MAX_ID_BYTES);
  if (nameLen < 0) return fail(Outcome.InvalidMetadata, Detail.TargetNameTooLong);
  visits = 0;
  for (let i: u32 = 0; i < regCount; i++) store<u32>(registry + <usize>i * REG_SIZE, 0, REG_ON_PATH);
  const rc = search(rs, doc, signed, ndoc, hw, 0);
  if (rc == 1) return Outcome.Ok;
  if (rc == 0) {
    setContext(Repo.Image, Role.Targets);
    return fail(Outcome.MissingTarget, Detail.TheImageRepositoryDoesNotSignThisTarget);
  }
  return rc;
}

const FOUND: i32 = 1;
const NOT_FOUND: i32 = 0;

// 1 found, 0 not found, else the outcome code (> 1) of a failure on the way.
function search(rs: usize, doc: usize, signed: i32, ndoc: usize, hw: i32, depth: i32): i32 {
  // 5.4.4.7 step 2 (TUF 5.6.7.1): this role signs the target
  const t = objGetStr(doc, objGet(doc, signed, N.k_targets), namePtr, nameRaw);
  if (t >= 0) {
    foundDoc = doc;
    foundTarget = t;
    return FOUND;
  }
  const dels = objGet(doc, signed, N.k_delegations);
  if (dels < 0) return NOT_FOUND;
  const keys = objGet(doc, dels, N.k_keys);
  const roles = objGet(doc, dels, N.k_roles);
  if (tokType(doc, dels) != JsonType.Object || tokType(doc, roles) != JsonType.Array) return fail(Outcome.DelegationError, Detail.DelegationsWithoutARolesList);
  const kc = checkKeyIds(doc, keys, <i32>load<u32>(doc, DOC_DIALECT));
  if (kc != Outcome.Ok) return fail(Outcome.DelegationError, Detail.DelegationKeyIdIsNotTheSHA256OfTheKey);
  // 5.4.4.7 step 4: delegations in listed order
  const end = tokNext(doc, roles);
  let r = roles + 1;
  while (r < end) {
    if (tokType(doc, r) != JsonType.Object) return fail(Outcome.DelegationError, Detail.DelegatedRoleIsNotAnObject);
    const rn = objGet(doc, r, N.k_name);
    if (tokType(doc, rn) != JsonType.String) return fail(Outcome.DelegationError, Detail.DelegatedRoleWithoutAName);
    const term = objGet(doc, r, N.k_terminating);
    const terminating = tokType(doc, term) == JsonType.True;
    const applies = appliesTo(doc, r, ndoc, hw);
    if (applies < 0) return fail(Outcome.DelegationError, Detail.DelegationWithBadPathsOrHardwareIds);
    if (applies == 1) {
      // 5.4.4.7 step 4.3: resolve the delegated role, depth capped (TUF 5.6.7.2: and the roles visited)
      if (depth + 1 > MAX_DELEGATION_DEPTH) return fail(Outcome.DelegationError, Detail.DelegationDeeperThanTheCap);
      if (++visits > MAX_VISITS) return fail(Outcome.DelegationError, Detail.TooManyDelegatedRolesVisited);
      const entry = findRole(doc, rn);
      if (entry != 0 && load<u32>(entry, REG_ON_PATH) == 0) {
        store<u32>(entry, 1, REG_ON_PATH);
        let rc = Outcome.Ok;
        // verified once per delegation that reaches it (another delegating role may name other keys)
        if (load<u32>(entry, REG_DOC) == 0 || load<u32>(entry, REG_PARENT) != <u32>doc || load<i32>(entry, REG_DELEGATION) != r) {
          rc = checkDelegatedRole(rs, doc, keys, r, rn, entry);
          if (rc == Outcome.Ok) {
            store<u32>(entry, <u32>envDoc, REG_DOC);
            store<i32>(entry, envSigned, REG_SIGNED);
            store<u32>(entry, <u32>doc, REG_PARENT);
            store<i32>(entry, r, REG_DELEGATION);
          }
        }
        if (rc == Outcome.Ok) rc = search(rs, <usize>load<u32>(entry, REG_DOC), load<i32>(entry, REG_SIGNED), ndoc, hw, depth + 1);
        store<u32>(entry, 0, REG_ON_PATH);
        if (rc != NOT_FOUND) return rc;
      } else if (entry == 0) {
        setContext(Repo.Image, Role.Targets);
        setDelegatedContext(tokStart(doc, rn), tokLen(doc, rn));
        return fail(Outcome.MissingTarget, Detail.DelegatedRoleFileNotProvided);
      }
      // 5.4.4.7 step 3 (TUF 5.6.7.2.1): a terminating delegation ends the search
      if (terminating) {
        setContext(Repo.Image, Role.Targets);
        return fail(Outcome.MissingTarget, Detail.ATerminatingDelegationDoesNotSignThisTarget);
      }
    }
    r = tokNext(doc, r);
  }
  return NOT_FOUND;
}

// 5.4.4.7 step 4.1 (TUF 5.6.7.2: paths or path_hash_prefixes): 1 if delegation `r`
// covers the target name and hardware ID (hw < 0: none to match), 0 if not, -1 malformed.
function appliesTo(doc: usize, r: i32, ndoc: usize, hw: i32): i32 {
  const hwIds = objGet(doc, r, N.k_hardwareIds);
  if (hwIds >= 0 && hw >= 0) {
    if (tokType(doc, hwIds) != JsonType.Array) return -1;
    if (!arrayHasString(doc, hwIds, ndoc, hw)) return 0;
  }
  const paths = objGet(doc, r, N.k_paths);
  const prefixes = objGet(doc, r, N.k_path_hash_prefixes);
  if ((paths >= 0) == (prefixes >= 0)) return -1; // exactly one of them
  const list = paths >= 0 ? paths : prefixes;
  if (tokType(doc, list) != JsonType.Array) return -1;
  if (prefixes >= 0) sha256(decoded, <u32>nameLen, nameDigest);
  const end = tokNext(doc, list);
  let k = list + 1;
  while (k < end) {
    if (tokType(doc, k) != JsonType.String) return -1;
    const plen = strDecode(tokStart(doc, k), tokLen(doc, k), pattern, MAX_ID_BYTES);
    if (plen < 0) return -1;
    if (paths >= 0 ? glob(pattern, <u32>plen, decoded, <u32>nameLen) : hexPrefix(pattern, <u32>plen)) return 1;
    k = tokNext(doc, k);
  }
  return 0;
}


// Shell-style match as TUF clients do it: `*` any run and `?` any one character, neither
// crossing `/`.
function glob(p: usize, pn: u32, s: usize, sn: u32): bool {
  let pi: u32 = 0;
  let si: u32 = 0;
  let starP: i32 = -1;
  let starS: u32 = 0;
  while (si < sn) {
    const sc = load<u8>(s + si);
    if (pi < pn) {
      const pc = load<u8>(p + pi);
      if (pc == 0x2a) {
        starP = <i32>pi;
        starS = si;
        pi++;
        continue;
      }
      if ((pc == 0x3f && sc != 0x2f) || pc == sc) {
        pi++;
        si++;
        continue;
      }
    }
    if (starP >= 0 && load<u8>(s + starS) != 0x2f) {
      starS++;
      si = starS;
      pi = <u32>starP + 1;
      continue;
    }
    return false;
  }
  while (pi < pn && load<u8>(p + pi) == 0x2a) pi++;
  return pi == pn;
}

// Whether the hex digest of the target name starts with the prefix in `pattern`.
function hexPrefix(p: usize, pn: u32): bool {
  if (pn > 64) return false;
  for (let k: u32 = 0; k < pn; k++) {
    const byte = <u32>load<u8>(nameDigest + (k >> 1));
    const nib = (k & 1) == 0 ? byte >> 4 : byte & 15;
    const want = nib < 10 ? 0x30 + nib : 0x61 + nib - 10;
    let c = <u32>load<u8>(p + k);
    if (c >= 0x41 && c <= 0x46) c += 0x20;
    if (c != want) return false;
  }
  return true;
}

// 5.4.4.7 step 1 = 5.4.4.6 for a delegated role: listed by the snapshot with this version,
// signed by the delegating role's threshold of its keys, not expired.
function checkDelegatedRole(rs: usize, doc: usize, keys: i32, role: i32, rn: i32, entry: usize): i32 {
  setContext(Repo.Image, Role.Delegated);
  setDelegatedContext(tokStart(doc, rn), tokLen(doc, rn));
  const sdoc = snapshotDoc(rs);
  const listed = snapshotEntry(rs, tokStart(doc, rn), tokLen(doc, rn));
  if (sdoc == 0 || listed < 0) return fail(Outcome.DelegationError, Detail.DelegatedRoleMissingFromTheSnapshot);
  const ptr = <usize>load<u32>(entry, REG_PTR);
  const len = load<u32>(entry, REG_LEN);
  const lv = objGet(sdoc, listed, N.k_version);
  const fm = matchSnapshotListing(sdoc, listed, ptr, len);
  if (fm != Outcome.Ok) return fm;
  const rc = openDocument(ptr, len, TARGETS_CAP, N.k_targets);
  if (rc != Outcome.Ok) return rc;
  const want = tokInt(sdoc, lv);
  if (envVersion != want) return failNumbers(Outcome.BadVersion, Detail.DelegatedRoleVersionIsNotTheOneTheSnapshotLists, want, envVersion);
  const kb = buildKeyset(doc, keys, role, <i32>load<u32>(doc, DOC_DIALECT), keyset);
  if (kb != Outcome.Ok) return fail(Outcome.DelegationError, Detail.DelegationWithBadKeysOrThreshold);
  const th = checkThreshold(envDoc, envSigs, envSigned, keyset, Detail.DelegatedRoleNotSignedByAThresholdOfItsKeys);
  if (th != Outcome.Ok) return th;
  const ex = checkNotExpired(envExpires, cycleNowForDelegations);
  if (ex != Outcome.Ok) return ex;
  if (tokType(envDoc, objGet(envDoc, envSigned, N.k_targets)) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.TargetsIsNotAnObject);
  return Outcome.Ok;
}

export let cycleNowForDelegations: i64 = 0;
export function setDelegationTime(now: i64): void {
  cycleNowForDelegations = now;
}
