// custom.encryption of a Director target (README "Per-ECU image encryption"; Uptane 2.1
// 5.2.3: for an encrypted image the Director's targets carry the encrypted file's name,
// length and hashes plus what the ECU needs to decrypt it). Checked strictly wherever the
// module keeps a row; this ECU's is copied to static memory (it outlives the arena and a
// streamed document) for the image check. The full parse is in the full modules and the
// decrypting ones; partial.wasm only notices the member and refuses the image
// (assembly/verify/image.ts), so it never installs ciphertext.
import { Outcome } from "../outcome";
import { EncryptionMethod } from "../abi";
import { JsonType, tokType, tokStart, tokLen, tokInt, objGet } from "../json/reader";
import { strCompareLit } from "../json/strings";
import { readFileInfo, FI_SIZE, FI_LENGTH, FI_FLAGS } from "../meta/fileinfo";
import { fail } from "../meta/result";
import { Detail } from "../meta/detail";
import { hexDecode } from "../util/encoding";
import { MAX_ID_BYTES } from "./caps";
import * as N from "../json/names";

/** The plaintext chunk size of the format. */
export const CHUNK_SIZE: i64 = 4096;
/** Bytes of one chunk's tag. */
export const TAG_SIZE: i64 = 16;

// member names only this file reads, length-prefixed as in assembly/json/names.ts (kept
// here so that partial.wasm, which never reads them, does not carry them)
// (in functions, not module constants: a module constant would be laid out in every
// module that imports this file, partial.wasm included, used or not)
function encNames(): usize {
  return memory.data<u8>([
  9, 0x63, 0x68, 0x75, 0x6e, 0x6b, 0x53, 0x69, 0x7a, 0x65, // chunkSize
  3, 0x65, 0x6e, 0x63, // enc
  5, 0x6e, 0x6f, 0x6e, 0x63, 0x65, // nonce
  10, 0x77, 0x72, 0x61, 0x70, 0x70, 0x65, 0x64, 0x4b, 0x65, 0x79, // wrappedKey
    9, 0x70, 0x6c, 0x61, 0x69, 0x6e, 0x74, 0x65, 0x78, 0x74, // plaintext
  ]);
}
@inline function k_chunkSize(): usize { return encNames(); }
@inline function k_enc(): usize { return encNames() + 10; }
@inline function k_nonce(): usize { return encNames() + 14; }
@inline function k_wrappedKey(): usize { return encNames() + 20; }
@inline function k_plaintext(): usize { return encNames() + 31; }

// method names, length-prefixed as assembly/json/names.ts
function methodX25519(): usize {
  return memory.data<u8>([35, 0x78, 0x32, 0x35, 0x35, 0x31, 0x39, 0x2d, 0x68, 0x6b, 0x64, 0x66, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35, 0x36, 0x2d, 0x63, 0x68, 0x61, 0x63, 0x68, 0x61, 0x32, 0x30, 0x70, 0x6f, 0x6c, 0x79, 0x31, 0x33, 0x30, 0x35]); // x25519-hkdf-sha256-chacha20poly1305
}
function methodAes(): usize {
  return memory.data<u8>([16, 0x61, 0x65, 0x73, 0x31, 0x32, 0x38, 0x67, 0x63, 0x6d, 0x2d, 0x73, 0x68, 0x61, 0x72, 0x65, 0x64]); // aes128gcm-shared
}

// this ECU's encrypted target (method None when it has none)
export let encMethod: i32 = EncryptionMethod.None;
/** enc (32 bytes, X25519) or nonce (12 bytes, AES-128-GCM). */
export const encParam = memory.data(32, 8);
/** The wrapped content key: HPKE ciphertext, or AES-GCM ciphertext | tag (48 bytes). */
export const wrappedKey = memory.data(48, 8);
/** The plaintext's length and hashes (the Director's; after full verification also the Image repository's). */
export const plainFi = memory.data(<i32>FI_SIZE, 8);
/** The plaintext target name (JSON string content, no escapes). */
export const plainName = memory.data(<i32>MAX_ID_BYTES, 8);
export let plainNameLen: u32 = 0;

const scratchFi = memory.data(<i32>FI_SIZE, 8);
const scratch = memory.data(48, 8);

export function clearEncryption(): void {
  encMethod = EncryptionMethod.None;
  plainNameLen = 0;
}

/** Whether the JSON string content holds a backslash (an escape: its bytes are not the UTF-8 the format hashes). */
export function hasEscape(p: usize, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) if (load<u8>(p + <usize>i) == 0x5c) return true;
  return false;
}

/** Ciphertext length of an L-byte plaintext: L + 16 per chunk, at least one chunk. */
export function ciphertextLength(plain: i64): i64 {
  const chunks = plain == 0 ? 1 : (plain + CHUNK_SIZE - 1) / CHUNK_SIZE;
  return plain + TAG_SIZE * chunks;
}

/** The plaintext object's token of encryption object `enc` (checked already). */
export function plaintextOf(doc: usize, enc: i32): i32 {
  return objGet(doc, enc, k_plaintext());
}

/**
 * Checks encryption object `enc` of a Director target whose (ciphertext) length is
 * `ctLength`. `mine`: this ECU's target, copied to static memory. Returns Ok or the failure.
 */
export function readEncryption(doc: usize, enc: i32, ctLength: i64, mine: bool): i32 {
  // 5.2.3 (encrypted image): what the ECU needs to decrypt, in the README's format
  if (tokType(doc, enc) != JsonType.Object) return fail(Outcome.InvalidMetadata, Detail.EncryptionIsNotAnObject);
  const m = objGet(doc, enc, N.k_method);
  let method = EncryptionMethod.None;
  if (tokType(doc, m) == JsonType.String) {
    if (strCompareLit(tokStart(doc, m), tokLen(doc, m), methodX25519()) == 0) method = EncryptionMethod.X25519;
    else if (strCompareLit(tokStart(doc, m), tokLen(doc, m), methodAes()) == 0) method = EncryptionMethod.Aes128GcmShared;
  }
  if (method == EncryptionMethod.None) return fail(Outcome.DecryptionFailed, Detail.UnknownEncryptionMethod);
  const cs = objGet(doc, enc, k_chunkSize());
  if (tokType(doc, cs) != JsonType.Number || tokInt(doc, cs) != CHUNK_SIZE) return fail(Outcome.InvalidMetadata, Detail.EncryptionChunkSizeIsNot4096);
  const x = method == EncryptionMethod.X25519;
  const param = objGet(doc, enc, x ? k_enc() : k_nonce());
  const other = objGet(doc, enc, x ? k_nonce() : k_enc());
  if (other >= 0) return fail(Outcome.InvalidMetadata, Detail.EncryptionFieldOfTheOtherMethod);
  const paramLen: u32 = x ? 32 : 12;
  if (tokType(doc, param) != JsonType.String || !hexDecode(tokStart(doc, param), tokLen(doc, param), mine ? encParam : scratch, paramLen)) {
    return fail(Outcome.InvalidMetadata, x ? Detail.EncryptionEncIsNot64HexDigits : Detail.EncryptionNonceIsNot24HexDigits);
  }
  const wk = objGet(doc, enc, k_wrappedKey());
  if (tokType(doc, wk) != JsonType.String || !hexDecode(tokStart(doc, wk), tokLen(doc, wk), mine ? wrappedKey : scratch, 48)) {
    return fail(Outcome.InvalidMetadata, Detail.WrappedKeyIsNot96HexDigits);
  }
  const pt = objGet(doc, enc, k_plaintext());
  const name = objGet(doc, pt, N.k_name);
  if (tokType(doc, pt) != JsonType.Object || tokType(doc, name) != JsonType.String || tokLen(doc, name) == 0 || tokLen(doc, name) > MAX_ID_BYTES) {
    return fail(Outcome.InvalidMetadata, Detail.EncryptionWithoutPlaintextNameLengthAndHashes);
  }
  const fi = mine ? plainFi : scratchFi;
  const rc = readFileInfo(doc, pt, fi, true, true);
  if (rc != Outcome.Ok) return rc;
  if (load<u32>(fi, FI_FLAGS) == 0) return fail(Outcome.InvalidMetadata, Detail.EncryptionWithoutPlaintextNameLengthAndHashes);
  // the format's STREAM chunks: exactly L + 16 x max(1, ceil(L / 4096)) bytes of ciphertext
  if (ciphertextLength(load<i64>(fi, FI_LENGTH)) != ctLength) return fail(Outcome.InvalidMetadata, Detail.CiphertextLengthDoesNotFitThePlaintextLength);
  if (mine) {
    plainNameLen = tokLen(doc, name);
    memory.copy(plainName, tokStart(doc, name), plainNameLen);
    encMethod = method;
  }
  return Outcome.Ok;
}
