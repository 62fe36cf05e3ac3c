// METAFILES / target file info: `{"length": N, "hashes": {"sha256": HEX, "sha512": HEX}}`.
// Read into a compact record, then matched against bytes (mix-and-match and endless-data
// checks: 5.4.4.5 step 2, 5.4.4.6 step 2, 5.4.3). Other hash algorithms are kept out of
// the record; the cross-check compares them by their text.
import { Outcome } from "../outcome";
import { JsonType, tokType, tokStart, tokLen, tokInt, tokSize, objGet } from "../json/reader";
import { hexDecode } from "../util/encoding";
import { sha256 } from "../crypto/sha256";
import { sha512 } from "../crypto/sha512";
import { fail, failNumbers } from "./result";
import { Detail } from "./detail";
import * as N from "../json/names";
import { bytesEqual } from "../util/bytes";

export const FI_LENGTH: usize = 0; // i64, -1 when not listed
export const FI_FLAGS: usize = 8; // 1: sha256, 2: sha512
export const FI_SHA256: usize = 12;
export const FI_SHA512: usize = 44;
export const FI_SIZE: usize = 108;
export const HAS_SHA256: u32 = 1;
export const HAS_SHA512: u32 = 2;

const digest = memory.data(64);
const listedInfo = memory.data(<i32>FI_SIZE, 8);

/**
 * Reads `length` (optional unless `needLength`) and `hashes` (optional unless
 * `needHashes`) of entry `obj` into record `fi`. Returns Ok or InvalidMetadata.
 */
export function readFileInfo(doc: usize, obj: i32, fi: usize, needLength: bool, needHashes: bool): i32 {
  store<i64>(fi, -1, FI_LENGTH);
  store<u32>(fi, 0, FI_FLAGS);
  if (tokType(doc, obj) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.FileInfoIsNotAnObject);
  const len = objGet(doc, obj, N.k_length);
  if (len >= 0 || needLength) {
    if (tokType(doc, len) != JsonType.Number || tokInt(doc, len) < 0) return fail(Outcome.InvalidMetadata, Detail.LengthIsNotANonNegativeInteger);
    store<i64>(fi, tokInt(doc, len), FI_LENGTH);
  }
  const hashes = objGet(doc, obj, N.k_hashes);
  if (hashes < 0 && !needHashes) return Outcome.Ok;
  if (tokType(doc, hashes) != JsonType.Object || tokSize(doc, hashes) == 0) return fail(Outcome.InvalidMetadata, Detail.HashesIsNotANonEmptyObject);
  let flags: u32 = 0;
  const h256 = objGet(doc, hashes, N.k_sha256);
  if (h256 >= 0) {
    if (tokType(doc, h256) != JsonType.String || !hexDecode(tokStart(doc, h256), tokLen(doc, h256), fi + FI_SHA256, 32)) return fail(Outcome.InvalidMetadata, Detail.Sha256IsNot64HexDigits);
    flags |= HAS_SHA256;
  }
  const h512 = objGet(doc, hashes, N.k_sha512);
  if (h512 >= 0) {
    if (tokType(doc, h512) != JsonType.String || !hexDecode(tokStart(doc, h512), tokLen(doc, h512), fi + FI_SHA512, 64)) return fail(Outcome.InvalidMetadata, Detail.Sha512IsNot128HexDigits);
    flags |= HAS_SHA512;
  }
  store<u32>(fi, flags, FI_FLAGS);
  return Outcome.Ok;
}

/** Length and every hash the record lists must match the bytes; else LengthOrHashMismatch. */
export function matchFileInfo(fi: usize, ptr: usize, len: u32): i32 {
  const want = load<i64>(fi, FI_LENGTH);
  if (want >= 0 && want != <i64>len) return failNumbers(Outcome.LengthOrHashMismatch, Detail.LengthDiffersFromTheListedOne, want, <i64>len);
  const flags = load<u32>(fi, FI_FLAGS);
  if ((flags & HAS_SHA256) != 0) {
    sha256(ptr, len, digest);
    if (!bytesEqual(digest, fi + FI_SHA256, 32)) return fail(Outcome.LengthOrHashMismatch, Detail.Sha256DiffersFromTheListedOne);
  }
  if ((flags & HAS_SHA512) != 0) {
    sha512(ptr, len, digest);
    if (!bytesEqual(digest, fi + FI_SHA512, 64)) return fail(Outcome.LengthOrHashMismatch, Detail.Sha512DiffersFromTheListedOne);
  }
  return Outcome.Ok;
}

/**
 * TUF 5.5.2 / Uptane 5.4.4.6 step 1 (and 5.4.4.7 step 1 for delegated roles): when the
 * snapshot entry `listed` of `sdoc` gives a length and/or hashes, the role's bytes must
 * match them (else LengthOrHashMismatch). Checked before the bytes are parsed.
 */
export function matchSnapshotListing(sdoc: usize, listed: i32, ptr: usize, len: u32): i32 {
  const fi = readFileInfo(sdoc, listed, listedInfo, false, false);
  if (fi != Outcome.Ok) return fi;
  return matchFileInfo(listedInfo, ptr, len);
}
