// Image check (Uptane 5.4.3 / 5.4.2 "verify image"): the image streams through in chunks;
// more bytes than the verified length is endless data; at the end the length and every
// hash the verified target lists (either repository's) must match.
import { Outcome } from "../outcome";
import { sha256Init, sha256Update, sha256Final, SHA256_CTX_SIZE } from "../crypto/sha256";
import { sha512Init, sha512Update, sha512Final, SHA512_CTX_SIZE } from "../crypto/sha512";
import { FI_LENGTH, FI_FLAGS, FI_SHA256, FI_SHA512, HAS_SHA256, HAS_SHA512 } from "../meta/fileinfo";
import { Repo, Role, clearResult, fail, failNumbers, setContext, MISUSE } from "../meta/result";
import { vtRow, vtCount, vtThis, VT_FI, VT_ENC } from "./vehicle";
import { HAS_DECRYPTION } from "../build";
import { Detail } from "../meta/detail";
import { bytesEqual } from "../util/bytes";

const ctx256 = memory.data(<i32>SHA256_CTX_SIZE, 8);
const ctx512 = memory.data(<i32>SHA512_CTX_SIZE, 8);
const digest = memory.data(64);
let fi: usize = 0;
let got: i64 = 0;
let active: bool = false;

/**
 * Starts checking the image of verified target row `row`. For another ECU's encrypted
 * target this checks the ciphertext against the Director's entry (what a Primary does
 * before it forwards it); this ECU's own encrypted image is never checked as ciphertext:
 * only imageDecryptBegin (decrypting modules) can make it installable.
 */
export function imageBegin(row: u32): i32 {
  clearResult();
  if (row >= vtCount) return MISUSE;
  if (<i32>row == vtThis && load<i32>(vtRow(row), VT_ENC) >= 0) {
    active = false;
    setContext(Repo.None, Role.Image);
    return fail(Outcome.DecryptionFailed, HAS_DECRYPTION ? Detail.EncryptedImageIsCheckedWithImageDecryptBegin : Detail.EncryptedImageButThisModuleHasNoDecryption);
  }
  fi = vtRow(row) + VT_FI;
  got = 0;
  active = true;
  sha256Init(ctx256);
  sha512Init(ctx512);
  return Outcome.Ok;
}

export function imageUpdate(ptr: usize, len: u32): i32 {
  if (!active) return MISUSE;
  const want = load<i64>(fi, FI_LENGTH);
  got += <i64>len;
  // endless data: nothing past the verified length is hashed
  if (got > want) return Outcome.Ok;
  sha256Update(ctx256, ptr, len);
  sha512Update(ctx512, ptr, len);
  return Outcome.Ok;
}

export function imageFinish(): i32 {
  clearResult();
  if (!active) return MISUSE;
  active = false;
  setContext(Repo.None, Role.Image);
  const want = load<i64>(fi, FI_LENGTH);
  if (got != want) return failNumbers(Outcome.LengthOrHashMismatch, got > want ? Detail.ImageLongerThanItsVerifiedLength : Detail.ImageShorterThanItsVerifiedLength, want, got);
  const flags = load<u32>(fi, FI_FLAGS);
  if ((flags & (HAS_SHA256 | HAS_SHA512)) == 0) return fail(Outcome.LengthOrHashMismatch, Detail.NoSha256OrSha512ToCheckTheImageAgainst);
  sha256Final(ctx256, digest);
  if ((flags & HAS_SHA256) != 0 && !bytesEqual(digest, fi + FI_SHA256, 32)) return fail(Outcome.LengthOrHashMismatch, Detail.ImageSha256Differs);
  sha512Final(ctx512, digest);
  if ((flags & HAS_SHA512) != 0 && !bytesEqual(digest, fi + FI_SHA512, 64)) return fail(Outcome.LengthOrHashMismatch, Detail.ImageSha512Differs);
  return Outcome.Ok;
}
