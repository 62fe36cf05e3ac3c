// Image decryption (README "Per-ECU image encryption: the ECU side"; full-enc.wasm and
// partial-enc.wasm only). imageDecryptBegin unwraps the content key with this ECU's key
// (HPKE Open for X25519, AES-128-GCM for the shared key), in the module, constant-time;
// imageDecryptUpdate takes the ciphertext at most one chunk at a time and opens each chunk
// (ChaCha20-Poly1305, nonce 00 00 00 | LAST | u64 big-endian index: the STREAM
// construction) once it is whole. A chunk's plaintext is released (imageDecryptOutput /
// imageDecryptReleased) only after its tag holds; after a chunk fails nothing more is
// released. imageDecryptFinish is Ok only when the final chunk (LAST set) opened, the
// ciphertext has the Director's length, and the plaintext's length and hashes match the
// verified plaintext: only then is the image installable. The ciphertext's hashes are the
// Primary's check (it forwards the file); here they would add nothing: every byte is under
// a tag of the content key, which only the Director's wrap for this ECU and this plaintext
// name yields, and what comes out must hash to the signed plaintext entry.
// Memory is constant: one chunk buffer, whatever the image's size.
import { Outcome } from "../outcome";
import { EncryptionMethod } from "../abi";
import { sha256Init, sha256Update, sha256Final, SHA256_CTX_SIZE } from "../crypto/sha256";
import { sha512Init, sha512Update, sha512Final, SHA512_CTX_SIZE } from "../crypto/sha512";
import { aeadOpen } from "../crypto/chacha20poly1305";
import { aesGcmOpen } from "../crypto/aes128gcm";
import { hpkeOpenBase } from "../crypto/hpke";
import { FI_LENGTH, FI_FLAGS, FI_SHA256, FI_SHA512, HAS_SHA256, HAS_SHA512 } from "../meta/fileinfo";
import { Repo, Role, clearResult, fail, failNumbers, setContext, MISUSE } from "../meta/result";
import { Detail } from "../meta/detail";
import { bytesEqual, readable } from "../util/bytes";
import { vtRow, vtCount, vtThis, VT_FI, VT_ENC } from "./vehicle";
import { CHUNK_SIZE, TAG_SIZE, encMethod, encParam, wrappedKey, plainFi, plainName, plainNameLen, hasEscape } from "./encryption";
import { thisSerialPtr, thisSerialLen } from "./config";

const CHUNK_BYTES: usize = <usize>(CHUNK_SIZE + TAG_SIZE);
const chunk = memory.data(<i32>CHUNK_BYTES, 16); // one ciphertext chunk, opened in place
const contentKey = memory.data(32, 16);
const nonce = memory.data(12, 8);
const pt256 = memory.data(<i32>SHA256_CTX_SIZE, 8);
const pt512 = memory.data(<i32>SHA512_CTX_SIZE, 8);
const digest = memory.data(64, 8);
// "uptane-image-key" (the info prefix of README "Per-ECU image encryption")
const INFO_PREFIX = memory.data<u8>([0x75, 0x70, 0x74, 0x61, 0x6e, 0x65, 0x2d, 0x69, 0x6d, 0x61, 0x67, 0x65, 0x2d, 0x6b, 0x65, 0x79]);

let active: bool = false;
let failed: bool = false;
let fi: usize = 0; // the row's (ciphertext) file info
let ctGot: i64 = 0;
let ptGot: i64 = 0;
let index: i64 = 0; // chunks opened so far
let chunks: i64 = 0;
let fill: usize = 0;
let released: u32 = 0;

function wipe(): void {
  memory.fill(contentKey, 0, 32);
  memory.fill(chunk, 0, CHUNK_BYTES);
  memory.fill(nonce, 0, 12);
}

// Ciphertext bytes of chunk i: 4096 + 16, the last one shorter.
function chunkBytes(i: i64): usize {
  const plain = load<i64>(plainFi, FI_LENGTH);
  return i < chunks - 1 ? CHUNK_BYTES : <usize>(plain - CHUNK_SIZE * (chunks - 1) + TAG_SIZE);
}

/**
 * Unwraps the content key of this ECU's encrypted target `row` with the ECU's key (32-byte
 * X25519 private key, or 16-byte AES key, by the target's method) and starts the check.
 */
export function imageDecryptBegin(row: u32, key: usize, keyLen: u32): i32 {
  clearResult();
  wipe();
  active = false;
  released = 0;
  if (row >= vtCount || <i32>row != vtThis || load<i32>(vtRow(row), VT_ENC) < 0 || encMethod == EncryptionMethod.None) return MISUSE;
  if (!readable(key, keyLen)) return MISUSE;
  setContext(Repo.Director, Role.Targets);
  const x = encMethod == EncryptionMethod.X25519;
  if (keyLen != (x ? 32 : 16)) return failNumbers(Outcome.DecryptionFailed, Detail.EcuKeyHasTheWrongLength, x ? 32 : 16, <i64>keyLen);
  // info = "uptane-image-key" | 0x00 | ECU serial | 0x00 | plaintext target name, as UTF-8:
  // identifiers with JSON escapes are refused rather than decoded
  const serial = thisSerialPtr();
  const serialLen = thisSerialLen();
  if (hasEscape(serial, serialLen) || hasEscape(plainName, plainNameLen)) return fail(Outcome.DecryptionFailed, Detail.IdentifierWithEscapesCannotNameAnEncryptedImage);
  const info = chunk; // free until the first ciphertext arrives (16 + 2 + 2 x 1024 bytes fit)
  memory.copy(info, INFO_PREFIX, 16);
  store<u8>(info + 16, 0);
  memory.copy(info + 17, serial, serialLen);
  store<u8>(info + 17 + serialLen, 0);
  memory.copy(info + 18 + serialLen, plainName, plainNameLen);
  const infoLen = 18 + serialLen + plainNameLen;
  // the unwrap: HPKE base-mode Open (RFC 9180), or AES-128-GCM with the info as aad
  const ok = x
    ? hpkeOpenBase(key, encParam, info, infoLen, 0, 0, wrappedKey, 48, contentKey)
    : aesGcmOpen(key, encParam, 12, info, infoLen, wrappedKey, 32, wrappedKey + 32, contentKey);
  memory.fill(info, 0, infoLen);
  if (!ok) {
    wipe();
    return fail(Outcome.DecryptionFailed, Detail.WrappedKeyDoesNotOpenWithThisECUSKey);
  }
  fi = vtRow(row) + VT_FI;
  const plain = load<i64>(plainFi, FI_LENGTH);
  chunks = plain == 0 ? 1 : (plain + CHUNK_SIZE - 1) / CHUNK_SIZE;
  index = 0;
  fill = 0;
  ctGot = 0;
  ptGot = 0;
  failed = false;
  active = true;
  sha256Init(pt256);
  sha512Init(pt512);
  return Outcome.Ok;
}

/** Bytes imageDecryptUpdate takes next: the rest of the current chunk (past the final chunk: up to one chunk, counted as excess). */
export function imageDecryptRoom(): u32 {
  if (!active) return 0;
  if (index >= chunks) return <u32>CHUNK_BYTES;
  return <u32>(chunkBytes(index) - fill);
}

/**
 * Feeds `len` <= imageDecryptRoom() ciphertext bytes. When they complete a chunk and its
 * tag holds, its plaintext is released (imageDecryptReleased bytes at imageDecryptOutput);
 * when the tag does not hold: DecryptionFailed, and nothing is released from then on.
 */
export function imageDecryptUpdate(ptr: usize, len: u32): i32 {
  released = 0;
  if (!active) return MISUSE;
  if (failed) return Outcome.DecryptionFailed;
  if (<u32>len > imageDecryptRoom() || !readable(ptr, len)) return MISUSE;
  ctGot += <i64>len;
  // endless data: nothing past the last chunk is decrypted (imageDecryptFinish refuses it)
  if (index >= chunks) return Outcome.Ok;
  memory.copy(chunk + fill, ptr, len);
  fill += len;
  if (fill < chunkBytes(index)) return Outcome.Ok;
  // STREAM nonce: 00 00 00 | LAST | u64 big-endian chunk index
  const last = index == chunks - 1;
  store<u32>(nonce, last ? 0x01000000 : 0);
  store<u64>(nonce, bswap<u64>(<u64>index), 4);
  const ptLen = fill - <usize>TAG_SIZE;
  if (!aeadOpen(contentKey, nonce, 0, 0, chunk, ptLen, chunk + ptLen, chunk)) {
    failed = true;
    wipe();
    clearResult();
    setContext(Repo.None, Role.Image);
    return failNumbers(Outcome.DecryptionFailed, Detail.ChunkTagDoesNotHold, chunks, index);
  }
  sha256Update(pt256, chunk, ptLen);
  sha512Update(pt512, chunk, ptLen);
  ptGot += <i64>ptLen;
  released = <u32>ptLen;
  index++;
  fill = 0;
  if (index == chunks) memory.fill(contentKey, 0, 32); // every chunk opened: the key is done
  return Outcome.Ok;
}

/** Where the plaintext of the chunk just opened is (valid until the next call). */
export function imageDecryptOutput(): usize {
  return chunk;
}

/** Plaintext bytes the last imageDecryptUpdate released (0 when it completed no chunk). */
export function imageDecryptReleased(): u32 {
  return released;
}

/** Ends the check: Ok only when every chunk opened and both the ciphertext and the plaintext match. */
export function imageDecryptFinish(): i32 {
  clearResult();
  released = 0;
  if (!active) return MISUSE;
  active = false;
  const wasFailed = failed;
  const opened = index;
  wipe();
  setContext(Repo.None, Role.Image);
  if (wasFailed) return fail(Outcome.DecryptionFailed, Detail.ChunkTagDoesNotHold);
  // the Director's entry: the ciphertext's length (endless data, a cut file)
  const want = load<i64>(fi, FI_LENGTH);
  if (ctGot != want) return failNumbers(Outcome.LengthOrHashMismatch, ctGot > want ? Detail.ImageLongerThanItsVerifiedLength : Detail.ImageShorterThanItsVerifiedLength, want, ctGot);
  if (opened != chunks) return failNumbers(Outcome.DecryptionFailed, Detail.FinalChunkMissing, chunks, opened);
  // 5.4.4.2 step 10 / 5.4.3: the decrypted image against the verified plaintext (the Director's
  // custom.encryption.plaintext; after full verification also the Image repository's entry)
  const plain = load<i64>(plainFi, FI_LENGTH);
  if (ptGot != plain) return failNumbers(Outcome.LengthOrHashMismatch, Detail.DecryptedImageLengthDiffers, plain, ptGot);
  const pflags = load<u32>(plainFi, FI_FLAGS);
  if ((pflags & (HAS_SHA256 | HAS_SHA512)) == 0) return fail(Outcome.LengthOrHashMismatch, Detail.NoSha256OrSha512ToCheckTheImageAgainst);
  sha256Final(pt256, digest);
  if ((pflags & HAS_SHA256) != 0 && !bytesEqual(digest, plainFi + FI_SHA256, 32)) return fail(Outcome.LengthOrHashMismatch, Detail.DecryptedImageSha256Differs);
  sha512Final(pt512, digest);
  if ((pflags & HAS_SHA512) != 0 && !bytesEqual(digest, plainFi + FI_SHA512, 64)) return fail(Outcome.LengthOrHashMismatch, Detail.DecryptedImageSha512Differs);
  return Outcome.Ok;
}
