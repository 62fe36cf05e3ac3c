// Image decryption exports (full-enc.wasm, partial-enc.wasm): README "Per-ECU image
// encryption: the ECU side". The host calls imageDecryptBegin(row, key, keyLen) with this
// ECU's key, then imageDecryptUpdate with at most imageDecryptRoom() ciphertext bytes at a
// time, copying out imageDecryptReleased() plaintext bytes at imageDecryptOutput() after
// each call, then imageDecryptFinish(): only its Ok makes the image installable.
import { EncryptedField } from "../abi";
import { FI_LENGTH, FI_FLAGS, FI_SHA256, FI_SHA512, HAS_SHA256, HAS_SHA512 } from "../meta/fileinfo";
import { encMethod, plainFi, plainName, plainNameLen } from "../verify/encryption";
import { EncryptionMethod } from "../abi";
export { imageDecryptBegin, imageDecryptUpdate, imageDecryptRoom, imageDecryptOutput, imageDecryptReleased, imageDecryptFinish } from "../verify/decrypt";

/** One field of this ECU's encrypted target (EncryptedField); -1 when it has none or for another field. */
export function encryptedTarget(field: i32): i32 {
  if (encMethod == EncryptionMethod.None) return -1;
  const flags = load<u32>(plainFi, FI_FLAGS);
  switch (field) {
    case EncryptedField.Method: return encMethod;
    case EncryptedField.PlainLengthLow: return <i32>load<i64>(plainFi, FI_LENGTH);
    case EncryptedField.PlainLengthHigh: return <i32>(load<i64>(plainFi, FI_LENGTH) >> 32);
    case EncryptedField.PlainSha256Ptr: return (flags & HAS_SHA256) != 0 ? <i32>(plainFi + FI_SHA256) : 0;
    case EncryptedField.PlainSha512Ptr: return (flags & HAS_SHA512) != 0 ? <i32>(plainFi + FI_SHA512) : 0;
    case EncryptedField.PlainNamePtr: return <i32>plainName;
    case EncryptedField.PlainNameLen: return <i32>plainNameLen;
  }
  return -1;
}
