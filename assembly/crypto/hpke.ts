// HPKE (RFC 9180) base mode, single-shot Open, for the one suite of the wire format
// (README "Per-ECU image encryption"): KEM 0x0020 DHKEM(X25519, HKDF-SHA256), KDF 0x0001
// HKDF-SHA256, AEAD 0x0003 ChaCha20-Poly1305, sequence number 0. Every intermediate secret
// (the DH output, the shared secret, the key schedule's secret, key and nonce) is wiped.
import { x25519, x25519Base } from "./x25519";
import { HMAC_CTX_SIZE, hkdfExpand, hmacFinal, hmacInit, hmacUpdate } from "./hmac-sha256";
import { aeadOpen } from "./chacha20poly1305";

// suite_id of section 4.1 (KEM) and 5.1 (the full suite), after the "HPKE-v1" label prefix
const KEM_SUITE = memory.data<u8>([0x48, 0x50, 0x4b, 0x45, 0x2d, 0x76, 0x31, 0x4b, 0x45, 0x4d, 0x00, 0x20]); // "HPKE-v1" "KEM" 0x0020
const HPKE_SUITE = memory.data<u8>([0x48, 0x50, 0x4b, 0x45, 0x2d, 0x76, 0x31, 0x48, 0x50, 0x4b, 0x45, 0x00, 0x20, 0x00, 0x01, 0x00, 0x03]); // "HPKE-v1" "HPKE" 0x0020 0x0001 0x0003
const KEM_SUITE_LEN: usize = 12;
const HPKE_SUITE_LEN: usize = 17;

// labels (section 4.1, 5.1)
const L_EAE_PRK = memory.data<u8>([0x65, 0x61, 0x65, 0x5f, 0x70, 0x72, 0x6b]); // "eae_prk"
const L_SHARED = memory.data<u8>([0x73, 0x68, 0x61, 0x72, 0x65, 0x64, 0x5f, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74]); // "shared_secret"
const L_PSK_ID = memory.data<u8>([0x70, 0x73, 0x6b, 0x5f, 0x69, 0x64, 0x5f, 0x68, 0x61, 0x73, 0x68]); // "psk_id_hash"
const L_INFO = memory.data<u8>([0x69, 0x6e, 0x66, 0x6f, 0x5f, 0x68, 0x61, 0x73, 0x68]); // "info_hash"
const L_SECRET = memory.data<u8>([0x73, 0x65, 0x63, 0x72, 0x65, 0x74]); // "secret"
const L_KEY = memory.data<u8>([0x6b, 0x65, 0x79]); // "key"
const L_NONCE = memory.data<u8>([0x62, 0x61, 0x73, 0x65, 0x5f, 0x6e, 0x6f, 0x6e, 0x63, 0x65]); // "base_nonce"

const hctx = memory.data(<i32>HMAC_CTX_SIZE, 16);
const zeros = memory.data(32, 8);
const dh = memory.data(32, 8);
const pkR = memory.data(32, 8);
const kemContext = memory.data(64, 8);
const prk = memory.data(32, 8);
const shared = memory.data(32, 8);
const ksc = memory.data(65, 8); // key_schedule_context: mode | psk_id_hash | info_hash
const secret = memory.data(32, 8);
const key = memory.data(32, 8);
const nonce = memory.data(12, 8);
// LabeledExpand's info: I2OSP(L, 2) | "HPKE-v1" | suite_id | label | info (longest: base_nonce with the 65-byte context)
const labeled = memory.data(128, 8);

/** Longest `info` hpkeOpen takes (the wire format's info is far shorter). */
export const HPKE_MAX_INFO: usize = 1024;

// LabeledExtract(salt, label, ikm) = HKDF-Extract(salt, "HPKE-v1" | suite_id | label | ikm), section 4.
function labeledExtract(salt: usize, saltLen: usize, suite: usize, suiteLen: usize, label: usize, labelLen: usize, ikm: usize, ikmLen: usize, out: usize): void {
  hmacInit(hctx, saltLen == 0 ? zeros : salt, saltLen == 0 ? 32 : saltLen); // RFC 5869: no salt is HashLen zeros
  hmacUpdate(hctx, suite, suiteLen);
  hmacUpdate(hctx, label, labelLen);
  hmacUpdate(hctx, ikm, ikmLen);
  hmacFinal(hctx, out);
}

// LabeledExpand(prk, label, info, L) = HKDF-Expand(prk, I2OSP(L, 2) | "HPKE-v1" | suite_id | label | info, L).
function labeledExpand(prkIn: usize, suite: usize, suiteLen: usize, label: usize, labelLen: usize, info: usize, infoLen: usize, out: usize, len: usize): void {
  store<u8>(labeled, 0);
  store<u8>(labeled, <u8>len, 1);
  memory.copy(labeled + 2, suite, suiteLen);
  memory.copy(labeled + 2 + suiteLen, label, labelLen);
  memory.copy(labeled + 2 + suiteLen + labelLen, info, infoLen);
  hkdfExpand(prkIn, 32, labeled, 2 + suiteLen + labelLen + infoLen, out, len);
  memory.fill(labeled, 0, 128);
}

/**
 * Base-mode Open with sequence number 0 (sections 4.1 Decap, 5.1 KeySchedule, 5.2 Open):
 * `skR` the recipient's 32-byte X25519 private key, `enc` the sender's 32-byte encapsulated
 * key; on success writes the `ctLen - 16` plaintext bytes to `pt` and returns true. False
 * when the DH output is all zeros (a small-order enc, section 7.1.4), when ctLen < 16 or
 * infoLen > HPKE_MAX_INFO, or when the tag does not hold (wrong key, wrong info, tampered).
 */
export function hpkeOpenBase(skR: usize, enc: usize, info: usize, infoLen: usize, aad: usize, aadLen: usize, ct: usize, ctLen: usize, pt: usize): bool {
  if (ctLen < 16 || infoLen > HPKE_MAX_INFO) return false;
  // Decap: dh = DH(skR, pkE); kem_context = enc | pkRm; shared_secret = ExtractAndExpand(dh, kem_context)
  let ok = x25519(dh, skR, enc);
  x25519Base(pkR, skR);
  memory.copy(kemContext, enc, 32);
  memory.copy(kemContext + 32, pkR, 32);
  labeledExtract(0, 0, KEM_SUITE, KEM_SUITE_LEN, L_EAE_PRK, 7, dh, 32, prk);
  labeledExpand(prk, KEM_SUITE, KEM_SUITE_LEN, L_SHARED, 13, kemContext, 64, shared, 32);
  // KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = "")
  store<u8>(ksc, 0);
  labeledExtract(0, 0, HPKE_SUITE, HPKE_SUITE_LEN, L_PSK_ID, 11, zeros, 0, ksc + 1);
  labeledExtract(0, 0, HPKE_SUITE, HPKE_SUITE_LEN, L_INFO, 9, info, infoLen, ksc + 33);
  labeledExtract(shared, 32, HPKE_SUITE, HPKE_SUITE_LEN, L_SECRET, 6, zeros, 0, secret);
  labeledExpand(secret, HPKE_SUITE, HPKE_SUITE_LEN, L_KEY, 3, ksc, 65, key, 32);
  labeledExpand(secret, HPKE_SUITE, HPKE_SUITE_LEN, L_NONCE, 10, ksc, 65, nonce, 12);
  // Open with seq 0: the nonce is base_nonce xor 0
  if (ok) ok = aeadOpen(key, nonce, aad, aadLen, ct, ctLen - 16, ct + ctLen - 16, pt);
  memory.fill(dh, 0, 32);
  memory.fill(prk, 0, 32);
  memory.fill(shared, 0, 32);
  memory.fill(secret, 0, 32);
  memory.fill(key, 0, 32);
  memory.fill(nonce, 0, 12);
  return ok;
}
