// Verification outcomes: the one definition of the status codes that cross the wasm
// boundary. The build writes the host's and C's copies from it (scripts/gen-abi.mjs).
// Names and meanings are DESIGN.md section 5.
export const enum Outcome {
  Ok = 0,
  NoUpdate = 1,
  UnmetThreshold = 2,
  ExpiredMetadata = 3,
  RollbackAttack = 4,
  BadVersion = 5,
  LengthOrHashMismatch = 6,
  OversizedMetadata = 7,
  RoleTypeMismatch = 8,
  InvalidMetadata = 9,
  TargetMismatch = 10,
  MissingTarget = 11,
  HardwareIdMismatch = 12,
  EcuMismatch = 13,
  DelegationError = 14,
  BadTimeAttestation = 15,
  DecryptionFailed = 16,
}

// Results of the crypto primitives, separate from verification outcomes: a signature
// check is one input to UnmetThreshold, not an outcome of its own.
export const enum CryptoStatus {
  Valid = 0,
  Invalid = 1, // well-formed but the equation does not hold
  BadLength = 2, // key not 32 bytes, signature not 64 bytes, buffer beyond capacity
  BadEncoding = 3, // S >= L, or A / R not canonical point encodings
}
