// One rule per identifier, for the vehicle and the backend alike, checked where each one
// enters (a command line, an API body, a manifest, a Primary's provisioning). A VIN names
// a folder on disk, so its alphabet leaves no room for path traversal; serials and
// hardware IDs exclude ':' because the CLI's `--ecu SERIAL:HARDWARE_ID:KEY_FILE` splits on
// it. An image's hardware IDs follow the same rule, or it could never be assigned.

const VIN = /^[A-Za-z0-9_-]{1,64}$/;
const SERIAL = /^[A-Za-z0-9._-]{1,64}$/;
const HARDWARE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const TARGET_NAME_MAX = 255;

export function isVin(v: unknown): v is string {
  return typeof v === "string" && VIN.test(v);
}

export function isEcuSerial(v: unknown): v is string {
  return typeof v === "string" && SERIAL.test(v);
}

export function isHardwareId(v: unknown): v is string {
  return typeof v === "string" && HARDWARE_ID.test(v);
}

/** A target name as the Director carries it: printable, no control characters. */
export function isTargetName(v: unknown): v is string {
  // eslint-disable-next-line no-control-regex
  return typeof v === "string" && v.length > 0 && v.length <= TARGET_NAME_MAX && !/[\u0000-\u001f\u007f]/.test(v);
}
