// The detail record of the last operation (DESIGN.md section 3): outcome, repository,
// role, expected/got numbers and a short static detail string. The host reads it
// with result(ResultField) (assembly/exports/verify.ts).
import { Outcome } from "../outcome";
import { Repo, Role } from "../abi";

// Repo, Role and MISUSE are part of the named ABI (assembly/abi.ts).
export { Repo, Role, MISUSE } from "../abi";

export let resOutcome: i32 = Outcome.Ok;
export let resRepo: i32 = Repo.None;
export let resRole: i32 = Role.None;
export let resExpected: i64 = 0;
export let resGot: i64 = 0;
export let resHasNumbers: bool = false;
export let resDetail: i32 = 0;
export let resNamePtr: usize = 0; // delegated role name (JSON string content)
export let resNameLen: u32 = 0;

// Repository and role the checks in progress are about.
export let curRepo: i32 = Repo.None;
export let curRole: i32 = Role.None;
export let curNamePtr: usize = 0;
export let curNameLen: u32 = 0;

export function setContext(repo: i32, role: i32): void {
  curRepo = repo;
  curRole = role;
  curNamePtr = 0;
  curNameLen = 0;
}

export function setDelegatedContext(namePtr: usize, nameLen: u32): void {
  curRole = Role.Delegated;
  curNamePtr = namePtr;
  curNameLen = nameLen;
}

/** Records an outcome for the current repository and role; returns it. */
export function fail(outcome: i32, detail: i32): i32 {
  resOutcome = outcome;
  resRepo = curRepo;
  resRole = curRole;
  resNamePtr = curNamePtr;
  resNameLen = curNameLen;
  resHasNumbers = false;
  resExpected = 0;
  resGot = 0;
  resDetail = detail;
  return outcome;
}

/** Records an outcome with expected/got numbers. */
export function failNumbers(outcome: i32, detail: i32, expected: i64, got: i64): i32 {
  fail(outcome, detail);
  resHasNumbers = true;
  resExpected = expected;
  resGot = got;
  return outcome;
}

/** Records a verified end (Ok, NoUpdate): no repository or role to blame. */
export function succeed(outcome: i32, detail: i32): i32 {
  setContext(Repo.None, Role.None);
  fail(outcome, detail);
  return outcome;
}

export function clearResult(): void {
  setContext(Repo.None, Role.None);
  fail(Outcome.Ok, 0);
}
