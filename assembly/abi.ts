// The named ABI of both modules: every number that crosses the boundary is named once,
// here (outcomes and crypto statuses in outcome.ts, detail codes in meta/detail.ts).
// Only i32 crosses: a 64-bit value (a time, a length, a release counter) crosses as two
// i32 halves, low then high (README "Embedding: the module ABI").
//
// `npm run build` reads these declarations (scripts/gen-abi.mjs) and writes the host's
// copy (build/abi.ts) and the C header (build/c/uptane_abi.h) from them, so the sides
// cannot drift; tests/abi.test.ts checks both against this file and the modules.
// Keep every member an integer literal: the generator reads nothing else.

/** Returned by a verification step instead of an Outcome when the host called it wrongly (out of order, bad arguments): a host bug, never an attack. */
export const MISUSE: i32 = -1;

/** The two repositories (Uptane 5.4.4.2); a step's `repo` argument and ResultField.Repo. */
export const enum Repo {
  None = 0,
  Director = 1,
  Image = 2,
}

/** The role a result is about (ResultField.Role). */
export const enum Role {
  None = 0,
  Root = 1,
  Timestamp = 2,
  Snapshot = 3,
  Targets = 4,
  /** a delegated targets role: its name is at ResultField.NamePtr / NameLen */
  Delegated = 5,
  Timeserver = 6,
  /** the image bytes (Uptane 5.4.3) */
  Image = 7,
  /** PURE-2: the Director's Offline-update Snapshot */
  OfflineSnapshot = 8,
  /** PURE-2: the Director's Offline-update Targets */
  OfflineTargets = 9,
}

/** Fields of the detail record of the last operation, read with result(field); -1 for another field. */
export const enum ResultField {
  /** the Outcome code */
  Outcome = 0,
  /** a Repo */
  Repo = 1,
  /** a Role */
  Role = 2,
  /** 1 when Expected and Got are set */
  HasNumbers = 3,
  ExpectedLow = 4,
  ExpectedHigh = 5,
  GotLow = 6,
  GotHigh = 7,
  /** a Detail code (assembly/meta/detail.ts) */
  Detail = 8,
  /** a delegated role's name (JSON string content) in linear memory */
  NamePtr = 9,
  NameLen = 10,
}

/**
 * Fields of one verified target row, read with target(row, field) after a verification
 * that returned Ok or NoUpdate (string fields valid until the next reset). Strings are
 * JSON string contents; a pointer 0 means absent. -1 for a bad row or field.
 */
export const enum TargetField {
  EcuPtr = 0,
  NamePtr = 1,
  HardwareIdPtr = 2,
  UriPtr = 3,
  EcuLen = 4,
  NameLen = 5,
  HardwareIdLen = 6,
  UriLen = 7,
  LengthLow = 8,
  LengthHigh = 9,
  ReleaseCounterLow = 10,
  ReleaseCounterHigh = 11,
  /** pointer to the 32-byte sha256, or 0 */
  Sha256Ptr = 12,
  /** pointer to the 64-byte sha512, or 0 */
  Sha512Ptr = 13,
  /** number of rows (any row argument) */
  Count = 14,
  /** the row of this ECU's target, -1 for none (any row argument) */
  ThisEcuRow = 15,
}

/** The module's limits (README "Embedding"), read with capacity(which); -1 for another index. */
export const enum Capacity {
  RootBytes = 0,
  TimestampBytes = 1,
  SnapshotBytes = 2,
  TargetsBytes = 3,
  TimeAttestationBytes = 4,
  RootRotationsPerCycle = 5,
  DelegationDepth = 6,
  DelegatedRoles = 7,
  /** (ECU, target) pairs in Director targets */
  VehicleTargets = 8,
  /** 0 in the partial module, which names no other ECUs */
  VehicleEcus = 9,
  /** bytes of one identifier: ECU serial, hardware ID, VIN, target name, role name */
  IdentifierBytes = 10,
  KeysPerRole = 11,
  /** number of Detail codes */
  DetailCodes = 12,
  /** bytes of the streaming hash context at hashContext() */
  HashContextBytes = 13,
  /** Director targets bytes the partial module takes streamed (partialTargetsBegin); 0 in the full module */
  StreamedTargetsBytes = 14,
}

/** Which half of a 64-bit value a call returns (attestedTime). */
export const enum Half {
  Low = 0,
  High = 1,
}

/** Hash algorithms of hashInit, named by digest size in bits. */
export const enum HashAlgorithm {
  Sha256 = 256,
  Sha512 = 512,
}

/** How this ECU's image is encrypted (README "Per-ECU image encryption"), read with targetEncryption(row). */
export const enum EncryptionMethod {
  /** not encrypted */
  None = 0,
  /** "x25519-hkdf-sha256-chacha20poly1305": the content key wrapped with HPKE for the ECU's X25519 key */
  X25519 = 1,
  /** "aes128gcm-shared": the content key wrapped with AES-128-GCM under the ECU's shared key */
  Aes128GcmShared = 2,
}

/**
 * Fields of this ECU's encrypted target, read with encryptedTarget(field) in full-enc.wasm
 * and partial-enc.wasm after a verification (the plaintext the decrypted image must match:
 * the Director's custom.encryption.plaintext, plus the Image repository's hashes after full
 * verification). -1 for another field or when this ECU's target is not encrypted.
 */
export const enum EncryptedField {
  Method = 0,
  PlainLengthLow = 1,
  PlainLengthHigh = 2,
  /** pointer to the 32-byte sha256, or 0 */
  PlainSha256Ptr = 3,
  /** pointer to the 64-byte sha512, or 0 */
  PlainSha512Ptr = 4,
  /** the plaintext target name (JSON string content) */
  PlainNamePtr = 5,
  PlainNameLen = 6,
}

/**
 * Fields of the plaintext an encrypted target row holds (custom.encryption.plaintext, as
 * the cross-check matched it with the Image repository), read with targetPlaintext(row,
 * field) in the full modules after a verification. Strings are JSON string contents valid
 * until the next reset; -1 for a row that is not encrypted or another field.
 */
export const enum PlaintextField {
  NamePtr = 0,
  NameLen = 1,
  LengthLow = 2,
  LengthHigh = 3,
  /** the sha256 as listed (hex), 0 when absent */
  Sha256HexPtr = 4,
  Sha256HexLen = 5,
  /** the sha512 as listed (hex), 0 when absent */
  Sha512HexPtr = 6,
  Sha512HexLen = 7,
}
