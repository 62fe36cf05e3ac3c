// The limits table (DESIGN.md section 5): defaults for full verification; the partial
// module lowers the metadata caps at start (assembly/partial.ts). Exported to the host
// (assembly/exports/caps.ts) so it can check lengths before copying; enforced again here.

export let ROOT_CAP: u32 = 512 << 10;
export let TIMESTAMP_CAP: u32 = 16 << 10;
export let SNAPSHOT_CAP: u32 = 2 << 20;
export let TARGETS_CAP: u32 = 5 << 20;
export const TIME_ATTESTATION_CAP: u32 = 16 << 10;
export const MAX_ROOT_ROTATIONS: u32 = 256;
export const MAX_DELEGATION_DEPTH: i32 = 32;
/** Delegated roles the host may hand in per cycle (and roles a snapshot may list). */
export const MAX_DELEGATED_ROLES: u32 = 128;
/** (ECU, target) pairs in Director targets. */
export const MAX_VEHICLE_TARGETS: u32 = 64;
/** Vehicle ECUs in the configuration. */
export const MAX_VEHICLE_ECUS: u32 = 64;
/** Bytes of one identifier (ECU serial, hardware ID, VIN, target name, role name). */
export const MAX_ID_BYTES: u32 = 1024;

/** Director targets streamed to a partial-verification Secondary: the full verifier's cap. */
export const STREAMED_TARGETS_CAP: u32 = 5 << 20;

/** Partial-verification Secondaries: root and Director targets 64 KiB each. */
export function usePartialCaps(): void {
  ROOT_CAP = 64 << 10;
  TARGETS_CAP = 64 << 10;
}
