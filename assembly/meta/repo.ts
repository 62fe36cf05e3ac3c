// Trusted state of one repository (python-tuf's TrustedMetadataSet, in raw memory): the
// trusted root, the versions that guard against rollback (persisted), and what the cycle
// in progress has verified so far (not persisted). The load order is enforced with
// `stage`: root rotations, root finish, timestamp, snapshot, targets, delegations.
import { ROOT_SIZE, rootLoaded } from "./root";
import { MAX_DELEGATED_ROLES } from "../verify/caps";
import { arenaGeneration } from "../arena";
import { IS_PARTIAL } from "../build";

// persisted part (exported with the state, after the root's version)
export const RS_P: usize = ROOT_SIZE;
export const P_TS_VERSION: usize = 0; // trusted timestamp version (0: none)
export const P_TS_SNAP_VERSION: usize = 8; // snapshot version the trusted timestamp lists
export const P_SNAP_VERSION: usize = 16; // trusted snapshot version
export const P_TARGETS_VERSION: usize = 24; // trusted top-level targets version
export const P_DONE_VERSION: usize = 32; // snapshot version of the last completed cycle
export const P_DONE_DIGEST: usize = 40; // its SHA-256
export const P_ENTRY_COUNT: usize = 72; // roles the trusted snapshot lists
export const P_ENTRIES: usize = 80; // each: SHA-256 of the name (32), version (8)
export const ENTRY_SIZE: usize = 40;
// the roles a snapshot lists: full verification only (the partial module has no snapshot)
export const RS_P_SIZE: usize = P_ENTRIES + (IS_PARTIAL ? 0 : <usize>MAX_DELEGATED_ROLES * ENTRY_SIZE);

// cycle part
export const RS_C: usize = RS_P + RS_P_SIZE;
export const C_STAGE: usize = 0;
export const C_ROTATIONS: usize = 4;
export const C_GENERATION: usize = 8;
export const C_SNAP_DOC: usize = 12;
export const C_SNAP_META: usize = 16;
export const C_TARGETS_DOC: usize = 20;
export const C_TARGETS_SIGNED: usize = 24;
export const C_LISTED_VERSION: usize = 32; // snapshot version the new timestamp lists
export const C_LISTED_LENGTH: usize = 40; // -1 when not listed
export const C_LISTED_FLAGS: usize = 48; // 1: sha256, 2: sha512
export const C_LISTED_SHA256: usize = 52;
export const C_LISTED_SHA512: usize = 84;
export const C_SNAP_DIGEST: usize = 148; // SHA-256 of the snapshot accepted this cycle
export const C_SNAP_VERSION: usize = 184;
export const RS_C_SIZE: usize = 192;
export const RS_SIZE: usize = RS_C + RS_C_SIZE;

export const enum Stage {
  Idle = 0, // no cycle begun
  Root = 1, // rotations may come
  Timestamp = 2,
  Snapshot = 3,
  Targets = 4,
  TargetsDone = 5, // delegations are resolved from here
  Finished = 6, // stopped early: nothing new
  Failed = 7,
}

export const directorState = memory.data(<i32>RS_SIZE, 8);

export function stage(rs: usize): i32 {
  return <i32>load<u32>(rs + RS_C, C_STAGE);
}

export function setStage(rs: usize, s: i32): void {
  store<u32>(rs + RS_C, <u32>s, C_STAGE);
}

/** Starts a cycle for this repository: only a loaded root can begin one. */
export function beginRepoCycle(rs: usize): void {
  memory.fill(rs + RS_C, 0, RS_C_SIZE);
  setStage(rs, rootLoaded(rs) ? Stage.Root : Stage.Failed);
  store<u32>(rs + RS_C, arenaGeneration(), C_GENERATION);
}

/** Whether the docs this cycle holds in the arena are still there (no reset since). */
export function docsAlive(rs: usize): bool {
  return load<u32>(rs + RS_C, C_GENERATION) == arenaGeneration();
}

/** 5.4.4.3 step 4: timestamp or snapshot keys rotated: forget both (fast-forward recovery). */
export function forgetOnlineRoles(rs: usize): void {
  const p = rs + RS_P;
  store<i64>(p, 0, P_TS_VERSION);
  store<i64>(p, 0, P_TS_SNAP_VERSION);
  store<i64>(p, 0, P_SNAP_VERSION);
  store<i64>(p, 0, P_DONE_VERSION);
  store<u32>(p, 0, P_ENTRY_COUNT);
}

export function pGet(rs: usize, field: usize): i64 {
  return load<i64>(rs + RS_P + field);
}

export function pSet(rs: usize, field: usize, v: i64): void {
  store<i64>(rs + RS_P + field, v);
}

export function cAddr(rs: usize, field: usize): usize {
  return rs + RS_C + field;
}
