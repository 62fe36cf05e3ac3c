// Root metadata (Uptane 5.4.4.3): the trusted root of one repository in compact form (one
// key set per role), the pinned/persisted root loaded against itself, and rotation to
// N+1, N+2, ... signed by both the old and the new thresholds, capped per cycle.
import { Outcome } from "../outcome";
import { JsonType, tokType, objGet } from "../json/reader";
import { KEYSET_SIZE, buildKeyset, checkKeyIds, checkThreshold, keysetClear } from "./keys";
import { openDocument, checkNotExpired, envDoc, envSigned, envSigs, envDialect, envVersion, envExpires } from "./envelope";
import { fail, failNumbers, setContext, Role } from "./result";
import { ROOT_CAP, MAX_ROOT_ROTATIONS } from "../verify/caps";
import { Detail } from "./detail";
import * as N from "../json/names";
import { IS_PARTIAL } from "../build";
import { offlineUpdateSnapshotName, offlineUpdateTargetsName } from "../verify/offline-names";

export const enum RoleSet {
  Root = 0,
  Targets = 1,
  Snapshot = 2,
  Timestamp = 3,
  Timeserver = 4,
  /** PURE-2 (full module only): the Offline-update Snapshot and Targets roles */
  OfflineSnapshot = 5,
  OfflineTargets = 6,
}

export const ROOT_VERSION: usize = 0;
export const ROOT_EXPIRES: usize = 8;
export const ROOT_LOADED: usize = 16;
export const ROOT_SETS: usize = 24;
// The partial module keeps the root, targets and timeserver key sets; the snapshot and
// timestamp roles are still read and checked (a root must list them) into one scratch set.
// The full module also keeps the two PURE-2 offline-update roles (assembly/verify/offline.ts).
const SETS_KEPT: usize = IS_PARTIAL ? 3 : 7;
export const ROOT_SIZE: usize = ROOT_SETS + SETS_KEPT * KEYSET_SIZE;

// The root being checked (N+1), before it becomes trusted.
const candidate = memory.data(<i32>ROOT_SIZE, 8);
const unkeptSet = memory.data(<i32>(IS_PARTIAL ? KEYSET_SIZE : 8), 8);

export function rootKeyset(root: usize, role: i32): usize {
  if (IS_PARTIAL) {
    if (role == RoleSet.Snapshot || role == RoleSet.Timestamp) return unkeptSet;
    if (role == RoleSet.Timeserver) return root + ROOT_SETS + 2 * KEYSET_SIZE;
  }
  return root + ROOT_SETS + <usize>role * KEYSET_SIZE;
}

export function rootVersion(root: usize): i64 {
  return load<i64>(root, ROOT_VERSION);
}

export function rootLoaded(root: usize): bool {
  return load<u32>(root, ROOT_LOADED) != 0;
}

// Parses a root document into `candidate`; leaves the doc open in envelope.ts.
function parseRoot(ptr: usize, len: u32): i32 {
  const rc = openDocument(ptr, len, ROOT_CAP, N.k_root);
  if (rc != Outcome.Ok) return rc;
  const doc = envDoc;
  const keys = objGet(doc, envSigned, N.k_keys);
  const roles = objGet(doc, envSigned, N.k_roles);
  if (tokType(doc, roles) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.RolesIsNotAnObject);
  const kc = checkKeyIds(doc, keys, envDialect);
  if (kc != Outcome.Ok) return kc;
  if (!roleInto(doc, keys, roles, N.k_root, RoleSet.Root, true)) return Outcome.InvalidMetadata;
  if (!roleInto(doc, keys, roles, N.k_targets, RoleSet.Targets, true)) return Outcome.InvalidMetadata;
  if (!roleInto(doc, keys, roles, N.k_snapshot, RoleSet.Snapshot, true)) return Outcome.InvalidMetadata;
  if (!roleInto(doc, keys, roles, N.k_timestamp, RoleSet.Timestamp, true)) return Outcome.InvalidMetadata;
  if (!roleInto(doc, keys, roles, N.k_timeserver, RoleSet.Timeserver, false)) return Outcome.InvalidMetadata;
  // PURE-2: optional roles; a root without them has empty sets, which no document can meet
  if (!IS_PARTIAL) {
    if (!roleInto(doc, keys, roles, offlineUpdateSnapshotName(), RoleSet.OfflineSnapshot, false)) return Outcome.InvalidMetadata;
    if (!roleInto(doc, keys, roles, offlineUpdateTargetsName(), RoleSet.OfflineTargets, false)) return Outcome.InvalidMetadata;
  }
  store<i64>(candidate, envVersion, ROOT_VERSION);
  store<i64>(candidate, envExpires, ROOT_EXPIRES);
  store<u32>(candidate, 1, ROOT_LOADED);
  return Outcome.Ok;
}

function roleInto(doc: usize, keys: i32, roles: i32, name: usize, which: i32, required: bool): bool {
  const set = rootKeyset(candidate, which);
  const role = objGet(doc, roles, name);
  if (role < 0) {
    keysetClear(set);
    if (required) fail(Outcome.InvalidMetadata, Detail.RootLacksARequiredRole);
    return !required;
  }
  return buildKeyset(doc, keys, role, envDialect, set) == Outcome.Ok;
}

/**
 * Trusts a root given by the host (the pinned root, or the one persisted in the state):
 * it must be signed by a threshold of its own root keys, and not be older than a root
 * already trusted. Its expiry is not checked here (an expired pinned root is still the
 * start of the rotation chain); rootFinish checks the final one.
 */
export function loadTrustedRoot(trusted: usize, repo: i32, ptr: usize, len: u32): i32 {
  setContext(repo, Role.Root);
  const rc = parseRoot(ptr, len);
  if (rc != Outcome.Ok) return rc;
  const th = checkThreshold(envDoc, envSigs, envSigned, rootKeyset(candidate, RoleSet.Root), Detail.RootNotSignedByAThresholdOfItsOwnKeys);
  if (th != Outcome.Ok) return th;
  if (rootLoaded(trusted) && envVersion < rootVersion(trusted)) {
    return failNumbers(Outcome.RollbackAttack, Detail.RootOlderThanTheTrustedOne, rootVersion(trusted), envVersion);
  }
  memory.copy(trusted, candidate, ROOT_SIZE);
  return Outcome.Ok;
}

/**
 * 5.4.4.3 step 2: rotation to root N+1. Returns Outcome.Ok when `trusted` became the new
 * root; `rotated` tells the caller whether timestamp/snapshot keys changed (5.4.4.3 step
 * 4: fast-forward recovery).
 */
export let rotatedOnlineKeys: bool = false;

// Whether a rotation changed the timestamp or snapshot keys. Only the full module has
// those roles to forget, so it installs the comparison (assembly/meta/online.ts); the
// partial module keeps the default and does not carry the code.
function noOnlineRoles(old: usize, next: usize): bool {
  return false;
}
let onlineKeysChanged: (old: usize, next: usize) => bool = noOnlineRoles;
export function setOnlineKeysCheck(check: (old: usize, next: usize) => bool): void {
  onlineKeysChanged = check;
}

export function rotateRoot(trusted: usize, repo: i32, ptr: usize, len: u32, done: u32): i32 {
  setContext(repo, Role.Root);
  // capped count of rotations per cycle
  if (done >= MAX_ROOT_ROTATIONS) return failNumbers(Outcome.OversizedMetadata, Detail.TooManyRootRotationsInOneCycle, <i64>MAX_ROOT_ROTATIONS, <i64>done + 1);
  const rc = parseRoot(ptr, len);
  if (rc != Outcome.Ok) return rc;
  // 5.4.4.3 step 2.3: signed by a threshold of the trusted root (N) ...
  const old = checkThreshold(envDoc, envSigs, envSigned, rootKeyset(trusted, RoleSet.Root), Detail.NewRootNotSignedByAThresholdOfTheTrustedRootSKeys);
  if (old != Outcome.Ok) return old;
  // ... and by a threshold of its own keys (N+1)
  const own = checkThreshold(envDoc, envSigs, envSigned, rootKeyset(candidate, RoleSet.Root), Detail.NewRootNotSignedByAThresholdOfItsOwnKeys);
  if (own != Outcome.Ok) return own;
  // 5.4.4.3 step 2.4: version N+1 exactly (lower than N: rollback)
  const n = rootVersion(trusted);
  if (envVersion < n) return failNumbers(Outcome.RollbackAttack, Detail.RootVersionLowerThanTheTrustedOne, n + 1, envVersion);
  if (envVersion != n + 1) return failNumbers(Outcome.BadVersion, Detail.RootVersionIsNotN1, n + 1, envVersion);
  rotatedOnlineKeys = onlineKeysChanged(trusted, candidate);
  // 5.4.4.3 step 2.5: the new root is now trusted
  memory.copy(trusted, candidate, ROOT_SIZE);
  return Outcome.Ok;
}

/** 5.4.4.3 step 3: the final root must not be expired (freeze attack). */
export function checkRootFresh(trusted: usize, repo: i32, now: i64): i32 {
  setContext(repo, Role.Root);
  return checkNotExpired(load<i64>(trusted, ROOT_EXPIRES), now);
}
