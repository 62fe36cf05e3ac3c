// What the host tells the module about the ECU doing the verification: its serial,
// hardware ID, the VIN and every ECU serial of the vehicle (full verification), all as
// JSON string contents (escaped as in metadata) so they compare exactly like metadata
// strings. Kept in static memory: they survive arena resets.
import { validStringContent } from "../json/reader";
import { strCompare } from "../json/strings";
import { MAX_ID_BYTES, MAX_VEHICLE_ECUS } from "./caps";
import { IS_PARTIAL } from "../build";

// partial verification names no other ECUs: its pool holds the three identifiers
const VEHICLE_SLOTS: u32 = IS_PARTIAL ? 0 : MAX_VEHICLE_ECUS;
const POOL_SIZE: u32 = IS_PARTIAL ? 3 * MAX_ID_BYTES : 8192;
const pool = memory.data(<i32>POOL_SIZE);
let poolTop: u32 = 0;
// slot 0: serial, 1: hardware ID, 2: VIN, 3..: vehicle ECUs; each (offset, length)
const slots = memory.data(<i32>(8 * (3 + VEHICLE_SLOTS)));
let vehicleCount: u32 = 0;
let configured: bool = false;

export let installedReleaseCounter: i64 = 0;

function put(slot: u32, ptr: usize, len: u32): bool {
  if (len > MAX_ID_BYTES || poolTop + len > POOL_SIZE || !validStringContent(ptr, len)) return false;
  memory.copy(pool + <usize>poolTop, ptr, len);
  store<u32>(slots + <usize>slot * 8, poolTop);
  store<u32>(slots + <usize>slot * 8 + 4, len);
  poolTop += len;
  return true;
}

/** Sets this ECU's identity (and VIN, empty for partial); forgets the vehicle ECU list. */
export function configureEcu(serial: usize, serialLen: u32, hw: usize, hwLen: u32, vin: usize, vinLen: u32): bool {
  poolTop = 0;
  vehicleCount = 0;
  configured = put(0, serial, serialLen) && put(1, hw, hwLen) && put(2, vin, vinLen) && serialLen > 0 && hwLen > 0;
  return configured;
}

export function addVehicleEcu(ptr: usize, len: u32): bool {
  if (!configured || vehicleCount >= VEHICLE_SLOTS || len == 0) return false;
  if (!put(3 + vehicleCount, ptr, len)) return false;
  vehicleCount++;
  return true;
}

export function isConfigured(): bool {
  return configured;
}

/** Compares the JSON string content (ptr, len) with config slot `slot`. */
function slotEquals(slot: u32, ptr: usize, len: u32): bool {
  return strCompare(pool + <usize>load<u32>(slots + <usize>slot * 8), load<u32>(slots + <usize>slot * 8 + 4), ptr, len) == 0;
}

export function isThisEcu(ptr: usize, len: u32): bool {
  return slotEquals(0, ptr, len);
}

export function isThisHardware(ptr: usize, len: u32): bool {
  return slotEquals(1, ptr, len);
}

export function isThisVin(ptr: usize, len: u32): bool {
  return slotEquals(2, ptr, len);
}

/** Whether the serial is one of the vehicle's ECUs (this ECU always is). */
export function isVehicleEcu(ptr: usize, len: u32): bool {
  if (isThisEcu(ptr, len)) return true;
  for (let k: u32 = 0; k < vehicleCount; k++) {
    if (slotEquals(3 + k, ptr, len)) return true;
  }
  return false;
}

export function setInstalledReleaseCounter(n: i64): void {
  installedReleaseCounter = n;
}

/** This ECU's serial as configured (JSON string content): its bytes... */
export function thisSerialPtr(): usize {
  return pool + <usize>load<u32>(slots);
}
/** ...and their length. */
export function thisSerialLen(): u32 {
  return load<u32>(slots + 4);
}
