// Whether a verified target row names an encrypted image, and which plaintext it holds
// (README "Per-ECU image encryption: the ECU side"): the Primary fetches those from the
// Director, checks the ciphertext against the Director's entry (imageBegin on that ECU's
// row) before it forwards it, and knows by the plaintext whether the ECU runs it already.
import { PlaintextField } from "../abi";
import { vtCount, vtRow, VT_DOC, VT_ENC } from "../verify/vehicle";
import { plaintextOf } from "../verify/encryption";
import { objGet, tokStart, tokLen, tokInt } from "../json/reader";
import { IS_PARTIAL } from "../build";
import * as N from "../json/names";

/** 1 when row `i` carries custom.encryption, 0 when not, -1 for a bad row. */
export function targetEncrypted(i: u32): i32 {
  if (i >= vtCount) return -1;
  return load<i32>(vtRow(i), VT_ENC) >= 0 ? 1 : 0;
}

/** One field of encrypted row `i`'s plaintext (PlaintextField; full modules, strings valid until reset); -1 otherwise. */
export function targetPlaintext(i: u32, field: i32): i32 {
  if (IS_PARTIAL || i >= vtCount) return -1;
  const row = vtRow(i);
  const enc = load<i32>(row, VT_ENC);
  if (enc < 0) return -1;
  const doc = <usize>load<u32>(row, VT_DOC);
  const pt = plaintextOf(doc, enc);
  const name = objGet(doc, pt, N.k_name);
  const hashes = objGet(doc, pt, N.k_hashes);
  const h = objGet(doc, hashes, field < PlaintextField.Sha512HexPtr ? N.k_sha256 : N.k_sha512);
  switch (field) {
    case PlaintextField.NamePtr: return <i32>tokStart(doc, name);
    case PlaintextField.NameLen: return <i32>tokLen(doc, name);
    case PlaintextField.LengthLow: return <i32>tokInt(doc, objGet(doc, pt, N.k_length));
    case PlaintextField.LengthHigh: return <i32>(tokInt(doc, objGet(doc, pt, N.k_length)) >> 32);
    case PlaintextField.Sha256HexPtr:
    case PlaintextField.Sha512HexPtr: return h < 0 ? 0 : <i32>tokStart(doc, h);
    case PlaintextField.Sha256HexLen:
    case PlaintextField.Sha512HexLen: return h < 0 ? 0 : <i32>tokLen(doc, h);
  }
  return -1;
}
