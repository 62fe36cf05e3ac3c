// aktualizr's ECU registration body (its first run, `POST {director}/ecus`):
//   {"primary_ecu_serial": S, "ecus": [{"ecu_serial", "hardware_identifier",
//     "clientKey": {"keytype": "ED25519", "keyval": {"public": HEX}}}]}
// turned into the Director's registrations. Only Ed25519 keys: the Director checks reports
// with Ed25519 (aktualizr's `[uptane] key_type = "ED25519"`).
import type { EcuRegistration } from "../director/director.ts";
import { Refused } from "../director/errors.ts";
import { aktualizrKeyId } from "./dialect-signatures.ts";

/** The largest registration body read, and the most ECUs one vehicle registers. */
export const MAX_REGISTRATION_BYTES = 64 * 1024;
export const MAX_REGISTERED_ECUS = 64;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function invalid(detail: string): Refused {
  return new Refused(400, "invalid-registration", detail);
}

export function parseRegistration(doc: unknown): EcuRegistration[] {
  if (!isObject(doc)) throw invalid("body must be a JSON object");
  const primary = doc.primary_ecu_serial;
  if (typeof primary !== "string") throw invalid("primary_ecu_serial must be a string");
  if (!Array.isArray(doc.ecus) || doc.ecus.length === 0 || doc.ecus.length > MAX_REGISTERED_ECUS) throw invalid(`ecus must be an array of 1 to ${MAX_REGISTERED_ECUS}`);
  const ecus = doc.ecus.map((e, i): EcuRegistration => {
    if (!isObject(e)) throw invalid(`ecus[${i}] must be an object`);
    const { ecu_serial: serial, hardware_identifier: hardwareId, clientKey: key } = e;
    if (typeof serial !== "string" || typeof hardwareId !== "string") throw invalid(`ecus[${i}] needs ecu_serial and hardware_identifier strings`);
    if (!isObject(key) || typeof key.keytype !== "string" || !isObject(key.keyval) || typeof key.keyval.public !== "string") {
      throw invalid(`ecus[${i}].clientKey must be {keytype, keyval: {public}}`);
    }
    if (key.keytype.toLowerCase() !== "ed25519") throw new Refused(400, "unsupported-key-type", `ECU ${serial.slice(0, 64)}: key type ${key.keytype.slice(0, 16)} is not supported; configure aktualizr with [uptane] key_type = "ED25519"`);
    const value = key.keyval.public;
    if (!/^[0-9A-Fa-f]{64}$/.test(value)) throw invalid(`ECU ${serial.slice(0, 64)}: an ED25519 key value is 64 hex characters`);
    return { serial, hardwareId, publicKeyHex: value.toLowerCase(), primary: serial === primary, keyid: aktualizrKeyId(value) };
  });
  if (!ecus.some((e) => e.primary)) throw invalid(`primary_ecu_serial ${primary.slice(0, 64)} is not among ecus`);
  return ecus;
}
