// The signed envelope every metadata document shares: `{"signatures": [...], "signed":
// {"_type", "spec_version", "version", "expires", ...}}`, its size cap, and the header
// fields. The dialect is read from `_type`: "root" is TUF 1.0, "Root" is aktualizr.
import { Outcome } from "../outcome";
import { DOC_DIALECT, JsonType, parseDoc, parseError, tokType, tokStart, tokLen, objGet, getUint } from "../json/reader";
import { parseIsoTime, BAD_TIME } from "../util/encoding";
import { Dialect, eqIgnoreCase } from "./keys";
import { fail, failNumbers } from "./result";
import { Detail } from "./detail";
import * as N from "../json/names";

// The document last opened.
export let envDoc: usize = 0;
export let envSigned: i32 = -1;
export let envSigs: i32 = -1;
export let envDialect: i32 = Dialect.Tuf;
export let envVersion: i64 = 0;
export let envExpires: i64 = 0;

/**
 * Parses a document of `len` bytes at `ptr` (at most `cap`) and checks its header for
 * role type `type` (lower case). Returns Outcome.Ok with the env* fields set, or the
 * failure (OversizedMetadata, InvalidMetadata, RoleTypeMismatch) recorded.
 */
export function openDocument(ptr: usize, len: u32, cap: u32, type: usize): i32 {
  // size cap first: nothing past the cap is read
  if (len > cap) return failNumbers(Outcome.OversizedMetadata, Detail.DocumentLargerThanItsCap, <i64>cap, <i64>len);
  const doc = parseDoc(ptr, len);
  if (doc == 0) return fail(Outcome.InvalidMetadata, parseError);
  envDoc = doc;
  envSigned = objGet(doc, 0, N.k_signed);
  envSigs = objGet(doc, 0, N.k_signatures);
  if (tokType(doc, envSigned) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.SignedIsNotAnObject);
  if (tokType(doc, envSigs) != JsonType.Array) return fail(Outcome.InvalidMetadata, Detail.SignaturesIsNotAnArray);
  const t = objGet(doc, envSigned, N.k__type);
  if (tokType(doc, t) != JsonType.String) return fail(Outcome.InvalidMetadata, Detail.TypeIsMissing);
  const tp = tokStart(doc, t);
  const tn = tokLen(doc, t);
  if (!eqIgnoreCase(tp, tn, type)) return fail(Outcome.RoleTypeMismatch, Detail.TypeIsNotTheRoleExpected);
  const first = load<u8>(tp);
  envDialect = first >= 0x41 && first <= 0x5a ? Dialect.Aktualizr : Dialect.Tuf;
  store<u32>(doc, <u32>envDialect, DOC_DIALECT);
  const sv = objGet(doc, envSigned, N.k_spec_version);
  if (sv >= 0 || envDialect == Dialect.Tuf) {
    // TUF 1.0: spec_version "1.x"; aktualizr may leave it out
    if (tokType(doc, sv) != JsonType.String || tokLen(doc, sv) < 2) return fail(Outcome.InvalidMetadata, Detail.SpecVersionIsNot1X);
    const sp = tokStart(doc, sv);
    if (load<u8>(sp) != 0x31 || load<u8>(sp + 1) != 0x2e) return fail(Outcome.InvalidMetadata, Detail.SpecVersionIsNot1X);
  }
  envVersion = getUint(doc, envSigned, N.k_version);
  if (envVersion < 1) return fail(Outcome.InvalidMetadata, Detail.VersionIsNotAPositiveInteger);
  const ex = objGet(doc, envSigned, N.k_expires);
  if (tokType(doc, ex) != JsonType.String) return fail(Outcome.InvalidMetadata, Detail.ExpiresIsMissing);
  envExpires = parseIsoTime(tokStart(doc, ex), tokLen(doc, ex));
  if (envExpires == BAD_TIME) return fail(Outcome.InvalidMetadata, Detail.ExpiresIsNotYYYYMMDDTHHMMSSZ);
  return Outcome.Ok;
}

/** Freeze-attack check: `expires` must be after the reference time. */
export function checkNotExpired(expires: i64, now: i64): i32 {
  if (expires <= now) return failNumbers(Outcome.ExpiredMetadata, Detail.Expired, expires, now);
  return Outcome.Ok;
}
