/*
 * The numbers of the module ABI that C callers name: outcomes (same names and order as
 * assembly/outcome.ts; tests/embed-c.test.ts checks they match), crypto statuses,
 * repositories, roles and capacities (assembly/exports/verify.ts).
 */
#ifndef UPTANE_OUTCOME_H
#define UPTANE_OUTCOME_H

typedef enum uptane_outcome {
  UPTANE_Ok = 0,
  UPTANE_NoUpdate = 1,
  UPTANE_UnmetThreshold = 2,
  UPTANE_ExpiredMetadata = 3,
  UPTANE_RollbackAttack = 4,
  UPTANE_BadVersion = 5,
  UPTANE_LengthOrHashMismatch = 6,
  UPTANE_OversizedMetadata = 7,
  UPTANE_RoleTypeMismatch = 8,
  UPTANE_InvalidMetadata = 9,
  UPTANE_TargetMismatch = 10,
  UPTANE_MissingTarget = 11,
  UPTANE_HardwareIdMismatch = 12,
  UPTANE_EcuMismatch = 13,
  UPTANE_DelegationError = 14,
  UPTANE_BadTimeAttestation = 15,
} uptane_outcome_t;

#define UPTANE_OUTCOME_COUNT 16

typedef enum uptane_crypto_status {
  UPTANE_CRYPTO_Valid = 0,
  UPTANE_CRYPTO_Invalid = 1,
  UPTANE_CRYPTO_BadLength = 2,
  UPTANE_CRYPTO_BadEncoding = 3,
} uptane_crypto_status_t;

typedef enum uptane_repo {
  UPTANE_REPO_None = 0,
  UPTANE_REPO_Director = 1,
  UPTANE_REPO_Image = 2,
} uptane_repo_t;

typedef enum uptane_role {
  UPTANE_ROLE_None = 0,
  UPTANE_ROLE_Root = 1,
  UPTANE_ROLE_Timestamp = 2,
  UPTANE_ROLE_Snapshot = 3,
  UPTANE_ROLE_Targets = 4,
  UPTANE_ROLE_Delegated = 5,
  UPTANE_ROLE_Timeserver = 6,
  UPTANE_ROLE_Image = 7,
} uptane_role_t;

typedef enum uptane_capacity {
  UPTANE_CAP_RootBytes = 0,
  UPTANE_CAP_TimestampBytes = 1,
  UPTANE_CAP_SnapshotBytes = 2,
  UPTANE_CAP_TargetsBytes = 3,
  UPTANE_CAP_TimeAttestationBytes = 4,
  UPTANE_CAP_RootRotationsPerCycle = 5,
  UPTANE_CAP_DelegationDepth = 6,
  UPTANE_CAP_DelegatedRoles = 7,
  UPTANE_CAP_VehicleTargets = 8,
  UPTANE_CAP_VehicleEcus = 9,
  UPTANE_CAP_IdentifierBytes = 10,
  UPTANE_CAP_KeysPerRole = 11,
  UPTANE_CAP_DetailCodes = 12,
} uptane_capacity_t;

#endif /* UPTANE_OUTCOME_H */
