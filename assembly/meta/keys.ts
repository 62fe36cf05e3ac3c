// Keys, key sets and threshold signature checks (TUF 1.0 plus the aktualizr dialect).
//
// A key set is what one role trusts: a threshold and up to MAX_ROLE_KEYS keys (key id +
// the key's material, assembly/meta/schemes.ts) of the schemes this module verifies;
// keys of other types are never added, so they never count. A signature counts once per
// key, whatever its key id repeats; a key that appears twice in a set (the same public
// key under two key ids: two key objects that differ only in form) is added once, so a
// threshold counts distinct keys, of any type.
import { Outcome } from "../outcome";
import { sha256Init, sha256Final, SHA256_CTX_SIZE } from "../crypto/sha256";
import { JsonType, tokType, tokStart, tokLen, tokNext, tokInt, objGet, objGetStr, strEqLit } from "../json/reader";
import { canonicalToSignatures, canonicalToSha256 } from "../json/canonical";
import { hexDecode } from "../util/encoding";
export { Dialect, eqIgnoreCase } from "./schemes";
import { Dialect, MULTI, readKey, sigsBegin, sigStart, sigsFinish, KEY_MATERIAL_SIZE, SIG_CTX_SIZE } from "./schemes";
import { fail, failNumbers } from "./result";
import { Detail } from "./detail";
import * as N from "../json/names";
import { bytesEqual } from "../util/bytes";

export const MAX_ROLE_KEYS: u32 = 16;
const KEY_ENTRY: usize = 32 + KEY_MATERIAL_SIZE; // key id, key material
export const KEYSET_THRESHOLD: usize = 0;
export const KEYSET_COUNT: usize = 4;
export const KEYSET_KEYS: usize = 8;
export const KEYSET_SIZE: usize = 8 + <usize>MAX_ROLE_KEYS * KEY_ENTRY;

const scratch = memory.data(<i32>(MULTI ? 32 + KEY_MATERIAL_SIZE : 192)); // key id, key material
const shaCtx = memory.data(<i32>SHA256_CTX_SIZE);

export function keysetClear(set: usize): void {
  store<u32>(set, 0, KEYSET_THRESHOLD);
  store<u32>(set, 0, KEYSET_COUNT);
}

export function keysetThreshold(set: usize): u32 {
  return load<u32>(set, KEYSET_THRESHOLD);
}

/** Whether two key sets hold the same keys (for fast-forward recovery after rotation). */
export function keysetSameKeys(a: usize, b: usize): bool {
  const n = load<u32>(a, KEYSET_COUNT);
  if (n != load<u32>(b, KEYSET_COUNT)) return false;
  for (let i: u32 = 0; i < n; i++) {
    let found = false;
    for (let j: u32 = 0; j < n; j++) {
      if (bytesEqual(a + KEYSET_KEYS + <usize>i * KEY_ENTRY, b + KEYSET_KEYS + <usize>j * KEY_ENTRY, <usize>KEY_ENTRY)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

/**
 * Checks every key of a `keys` object: TUF 1.0 requires key id = hex SHA-256 of the key's
 * canonical JSON (for every key type); the aktualizr dialect takes key ids as given.
 * Returns Outcome.Ok or InvalidMetadata.
 */
export function checkKeyIds(doc: usize, keys: i32, dialect: i32): i32 {
  if (tokType(doc, keys) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.KeysIsNotAnObject);
  const end = tokNext(doc, keys);
  let k = keys + 1;
  while (k < end) {
    const key = k + 1;
    if (tokType(doc, key) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.KeyIsNotAnObject);
    if (tokType(doc, objGet(doc, key, N.k_keytype)) != JsonType.String) return fail(Outcome.InvalidMetadata, Detail.KeyWithoutKeytype);
    if (tokType(doc, objGet(doc, key, N.k_keyval)) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.KeyWithoutKeyval);
    if (dialect == Dialect.Tuf) {
      if (!hexDecode(tokStart(doc, k), tokLen(doc, k), scratch, 32)) return fail(Outcome.InvalidMetadata, Detail.KeyIdIsNot64HexDigits);
      sha256Init(shaCtx);
      canonicalToSha256(doc, key, shaCtx);
      sha256Final(shaCtx, scratch + 32);
      if (!bytesEqual(scratch, scratch + 32, 32)) return fail(Outcome.InvalidMetadata, Detail.KeyIdIsNotTheSHA256OfTheKey);
    }
    k = tokNext(doc, key);
  }
  return Outcome.Ok;
}

/**
 * Fills `set` from a role description `{keyids: [...], threshold: N}` whose keys are in
 * the `keys` object. Threshold below 1 or ill-typed fields: InvalidMetadata. Key ids the
 * `keys` object lacks and keys of other types are skipped (they can never count).
 */
export function buildKeyset(doc: usize, keys: i32, role: i32, dialect: i32, set: usize): i32 {
  keysetClear(set);
  if (tokType(doc, role) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.RoleIsNotAnObject);
  const th = objGet(doc, role, N.k_threshold);
  if (tokType(doc, th) != JsonType.Number) return fail(Outcome.InvalidMetadata, Detail.ThresholdIsNotAnInteger);
  const thv = tokInt(doc, th);
  if (thv < 1) return fail(Outcome.InvalidMetadata, Detail.ThresholdBelow1);
  if (thv > 0xffff) return fail(Outcome.InvalidMetadata, Detail.ThresholdTooLarge);
  store<u32>(set, <u32>thv, KEYSET_THRESHOLD);
  const ids = objGet(doc, role, N.k_keyids);
  if (tokType(doc, ids) != JsonType.Array) return fail(Outcome.InvalidMetadata, Detail.KeyidsIsNotAnArray);
  const end = tokNext(doc, ids);
  let k = ids + 1;
  while (k < end) {
    if (tokType(doc, k) != JsonType.String) return fail(Outcome.InvalidMetadata, Detail.KeyIdIsNotAString);
    const key = objGetStr(doc, keys, tokStart(doc, k), tokLen(doc, k));
    if (key >= 0 && hexDecode(tokStart(doc, k), tokLen(doc, k), scratch, 32) && readKey(doc, key, dialect, scratch + 32)) {
      const n = load<u32>(set, KEYSET_COUNT);
      let dup = false;
      for (let j: u32 = 0; j < n; j++) {
        const e = set + KEYSET_KEYS + <usize>j * KEY_ENTRY;
        if (bytesEqual(e, scratch, 32) || bytesEqual(e + 32, scratch + 32, KEY_MATERIAL_SIZE)) dup = true;
      }
      if (!dup) {
        if (n >= MAX_ROLE_KEYS) return fail(Outcome.InvalidMetadata, Detail.MoreKeysForOneRoleThanTheModuleHolds);
        memory.copy(set + KEYSET_KEYS + <usize>n * KEY_ENTRY, scratch, <usize>KEY_ENTRY);
        store<u32>(set, n + 1, KEYSET_COUNT);
      }
    }
    k = tokNext(doc, k);
  }
  return Outcome.Ok;
}


/** One verification context per key a role may hold: every signature of a document is checked in one pass over it. */
export const signatureContexts = memory.data(<i32>(<usize>MAX_ROLE_KEYS * SIG_CTX_SIZE), 8);

/**
 * Counts the keys of `set` with a valid signature over the canonical form of `signed`.
 * Each key is tried at most once (duplicate signatures count once and cannot be used to
 * make the module verify endlessly); unknown key ids and malformed entries are ignored.
 * Returns the count, or -1 (InvalidMetadata recorded) if `signatures` is not a list of objects.
 */
export function countSignatures(doc: usize, sigs: i32, signed: i32, set: usize): i32 {
  const n = startSignatures(doc, sigs, set, signatureContexts, MAX_ROLE_KEYS);
  if (n < 0) return -1;
  if (n > 0) canonicalToSignatures(doc, signed, signatureContexts, <u32>n);
  return <i32>finishSignatures(signatureContexts, <u32>n);
}

/**
 * countSignatures for a message that has not arrived yet (streamed partial
 * verification): starts one verification context (`ctxs`, SIG_CTX_SIZE each, at most
 * `max`) per key of `set` that a signature names, with the same rules (each key tried
 * once, malformed entries ignored). Returns the contexts started, or -1 (InvalidMetadata
 * recorded) if `signatures` is not a list of objects. finishSignatures counts them.
 */
export function startSignatures(doc: usize, sigs: i32, set: usize, ctxs: usize, max: u32): i32 {
  if (tokType(doc, sigs) != JsonType.Array) {
    fail(Outcome.InvalidMetadata, Detail.SignaturesIsNotAnArray);
    return -1;
  }
  const n = load<u32>(set, KEYSET_COUNT);
  sigsBegin();
  let tried: u32 = 0;
  let started: u32 = 0;
  const end = tokNext(doc, sigs);
  let s = sigs + 1;
  while (s < end) {
    if (tokType(doc, s) != JsonType.Object) {
      fail(Outcome.InvalidMetadata, Detail.SignatureIsNotAnObject);
      return -1;
    }
    const kid = objGet(doc, s, N.k_keyid);
    const sig = objGet(doc, s, N.k_sig);
    if (tokType(doc, kid) == JsonType.String && tokType(doc, sig) == JsonType.String && hexDecode(tokStart(doc, kid), tokLen(doc, kid), scratch, 32)) {
      for (let j: u32 = 0; j < n; j++) {
        const e = set + KEYSET_KEYS + <usize>j * KEY_ENTRY;
        if ((tried & (1 << j)) != 0 || !bytesEqual(e, scratch, 32)) continue;
        tried |= 1 << j;
        // a key beyond the contexts available cannot be counted (the streaming cap)
        if (started < max && sigStart(ctxs + <usize>started * SIG_CTX_SIZE, e + 32, doc, s, sig)) started++;
        break;
      }
    }
    s = tokNext(doc, s);
  }
  return <i32>started;
}

/** Valid signatures among the `n` contexts startSignatures started, the message fed. */
export function finishSignatures(ctxs: usize, n: u32): u32 {
  return sigsFinish(ctxs, n);
}

/** Outcome.Ok when `set`'s threshold of keys signed, else UnmetThreshold (or InvalidMetadata). */
export function checkThreshold(doc: usize, sigs: i32, signed: i32, set: usize, what: i32): i32 {
  const count = countSignatures(doc, sigs, signed, set);
  if (count < 0) return Outcome.InvalidMetadata;
  const th = load<u32>(set, KEYSET_THRESHOLD);
  if (th == 0 || <u32>count < th) return failNumbers(Outcome.UnmetThreshold, what, <i64>th, <i64>count);
  return Outcome.Ok;
}
