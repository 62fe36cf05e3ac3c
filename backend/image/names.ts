// Validated identifiers of the Image repository. A target name becomes a file path
// (`targets/DIR/HASH.BASE`) and a role name becomes `N.ROLE.json`, so both are checked when
// they enter the system: path traversal is impossible by construction.

import { isHardwareId } from "../../model/identifiers.ts";

/** A name refused where it enters; `code` is the CLI's and the HTTP API's error code for it. */
export class NameError extends Error {
  constructor(
    readonly code: "invalid-target-name" | "invalid-role-name" | "invalid-hardware-id" | "invalid-path-pattern" | "invalid-account-name",
    message: string,
  ) {
    super(message);
  }
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._+~@=,-]*$/;
const MAX_TARGET_NAME = 1024;
const MAX_SEGMENT = 200;

/** Throws NameError unless `name` is a relative path of safe segments ("a/b/c.bin"). */
export function checkTargetName(name: string): string {
  if (typeof name !== "string" || name.length === 0) throw new NameError("invalid-target-name", "target name is empty");
  if (name.length > MAX_TARGET_NAME) throw new NameError("invalid-target-name", `target name longer than ${MAX_TARGET_NAME} characters`);
  if (name.startsWith("/")) throw new NameError("invalid-target-name", `target name '${name}' is an absolute path`);
  for (const segment of name.split("/")) {
    if (segment === "" ) throw new NameError("invalid-target-name", `target name '${name}' has an empty path segment`);
    if (segment === "." || segment === "..") throw new NameError("invalid-target-name", `target name '${name}' contains '${segment}'`);
    if (segment.length > MAX_SEGMENT) throw new NameError("invalid-target-name", `target name '${name}' has a segment longer than ${MAX_SEGMENT}`);
    if (!SEGMENT.test(segment)) {
      throw new NameError("invalid-target-name", `target name '${name}' has an unsafe segment '${segment}' (allowed: letters, digits and ._+~@=,- not leading with . or -)`);
    }
  }
  return name;
}

export function isValidTargetName(name: string): boolean {
  try {
    checkTargetName(name);
    return true;
  } catch {
    return false;
  }
}

const ROLE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const TOP_LEVEL = new Set(["root", "targets", "snapshot", "timestamp"]);

/** Delegated role names (one per supplier): lower-case letters, digits, `_`, `-`; not a top-level role. */
export function checkRoleName(name: string): string {
  if (typeof name !== "string" || !ROLE_NAME.test(name)) {
    throw new NameError("invalid-role-name", `role name '${name}' is invalid (1-64 of a-z 0-9 _ -, starting with a letter or digit)`);
  }
  if (TOP_LEVEL.has(name)) throw new NameError("invalid-role-name", `role name '${name}' is a top-level role`);
  return name;
}

/** The Director's rule (model/identifiers.ts), where an image enters: an image for a hardware ID no ECU can have could never be assigned. */
export function checkHardwareId(id: string): string {
  if (!isHardwareId(id)) throw new NameError("invalid-hardware-id", `hardware ID '${id}' is invalid (1-64 of letters, digits and ._-, as ECUs are registered)`);
  return id;
}

const PUBLISHED_HARDWARE_ID = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/;

/** The wider syntax metadata published before the one rule may hold: reading it stays possible. */
export function checkPublishedHardwareId(id: string): string {
  if (typeof id !== "string" || !PUBLISHED_HARDWARE_ID.test(id)) throw new NameError("invalid-hardware-id", `hardware ID '${id}' is invalid (1-128 of letters, digits and ._:+-)`);
  return id;
}

/**
 * TUF path pattern match: the pattern and the name have the same number of `/` segments and
 * each segment matches, where `*` is any run of characters and `?` one character (never `/`).
 */
export function matchesPathPattern(name: string, pattern: string): boolean {
  const names = name.split("/");
  const patterns = pattern.split("/");
  if (names.length !== patterns.length) return false;
  return names.every((segment, i) => globSegment(segment, patterns[i]!));
}

function globSegment(text: string, pattern: string): boolean {
  // Iterative wildcard match with backtracking to the last `*`.
  let t = 0;
  let p = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === text[t])) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/**
 * True when every name `inner` matches is matched by `outer` too: a delegation below a role
 * stays within that role's paths. Proved segment by segment, treating `inner`'s wildcards as
 * symbols: `outer`'s `*` absorbs anything, its `?` one character that is not a `*`. Never true
 * by mistake; a pair only a union of several outer patterns covers is refused.
 */
export function patternWithin(inner: string, outer: string): boolean {
  const a = inner.split("/");
  const b = outer.split("/");
  return a.length === b.length && a.every((segment, i) => segmentWithin(segment, b[i]!));
}

function segmentWithin(inner: string, outer: string): boolean {
  // can[i][j]: inner[i..] is within outer[j..]; filled from the ends.
  const n = inner.length;
  const m = outer.length;
  let next = new Array<boolean>(n + 1).fill(false);
  next[n] = true; // both empty
  for (let j = m - 1; j >= 0; j--) {
    const row = new Array<boolean>(n + 1).fill(false);
    for (let i = n; i >= 0; i--) {
      const o = outer[j]!;
      if (o === "*") row[i] = next[i]! || (i < n && row[i + 1]!);
      else if (i === n) row[i] = false;
      else if (o === "?") row[i] = inner[i] !== "*" && next[i + 1]!;
      else row[i] = inner[i] === o && next[i + 1]!;
    }
    next = row;
  }
  return next[0]!;
}

const PATTERN_SEGMENT = /^[A-Za-z0-9._+~@=,*?-]+$/;

/** A delegation path pattern: `/`-separated segments of safe characters plus `*` and `?`. */
export function checkPathPattern(pattern: string): string {
  if (typeof pattern !== "string" || pattern.length === 0 || pattern.length > MAX_TARGET_NAME) {
    throw new NameError("invalid-path-pattern", `path pattern '${pattern}' is empty or too long`);
  }
  if (pattern.startsWith("/")) throw new NameError("invalid-path-pattern", `path pattern '${pattern}' is absolute`);
  for (const segment of pattern.split("/")) {
    if (segment === "." || segment === ".." || !PATTERN_SEGMENT.test(segment)) {
      throw new NameError("invalid-path-pattern", `path pattern '${pattern}' has an invalid segment '${segment}' (allowed: letters, digits, ._+~@=,- and the wildcards * ?)`);
    }
  }
  return pattern;
}
