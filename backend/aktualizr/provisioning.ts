// aktualizr's shared-credential provisioning, the factory flow of OTA Connect fleets (README
// "Serving aktualizr"): the OEM issues a fleet credential (a client certificate of the
// vehicle CA that is no vehicle's, with its key, in a PKCS#12); a new device connects with
// it and `POST /aktualizr/devices {"deviceId": VIN, "ttl": DAYS}`; the backend adds VIN with
// profile `aktualizr`, makes its TLS key, issues its certificate and answers the PKCS#12
// the device then connects with. Each VIN once; the credential revocable.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Director } from "../director/director.ts";
import { Refused } from "../director/errors.ts";
import { isVin } from "../../model/identifiers.ts";
import type { Inventory } from "../inventory/inventory.ts";
import { SERVER_CA_FILE } from "../tls/layout.ts";
import { issueVehicleCertificate, vehicleCa, VEHICLE_CERT_DAYS } from "../tls/vehicle-certificates.ts";
import { issueCertificate } from "../tls/x509.ts";
import { pkcs12 } from "../tls/pkcs12.ts";
import { newTlsKeyPair } from "../../model/tls-key.ts";

export const FLEET_CREDENTIAL_DAYS = 365;

export class FleetCredentialError extends Error {
  constructor(
    readonly code: "invalid-fleet-name" | "fleet-credential-refused",
    detail: string,
  ) {
    super(detail);
  }
}

const FLEET_NAME = /^[a-z0-9][a-z0-9_-]{0,47}$/;

function serverCa(dir: string): string {
  return readFileSync(join(dir, SERVER_CA_FILE), "utf8");
}

/** A new fleet credential `name`: the PKCS#12 to give the factory (its key exists nowhere else). */
export async function issueFleetCredential(dir: string, inventory: Inventory, name: string, now = new Date()): Promise<{ p12: Buffer; serial: string; notAfter: string }> {
  if (!FLEET_NAME.test(name)) throw new FleetCredentialError("invalid-fleet-name", `fleet credential name '${name}' must be 1-48 of a-z 0-9 _ -`);
  if (inventory.fleetCredentialExists(name)) throw new FleetCredentialError("fleet-credential-refused", `a fleet credential '${name}' exists already`);
  const keys = newTlsKeyPair();
  const issued = await issueCertificate(vehicleCa(dir), keys.publicKeyPem, { kind: "client", name: `fleet ${name}` }, { notBefore: now, days: FLEET_CREDENTIAL_DAYS });
  const p12 = await pkcs12(keys.privateKeyPem, [issued.certPem, serverCa(dir)]);
  const notAfter = issued.notAfter.toISOString();
  inventory.insertFleetCredential({ serial: issued.serial, name, issuedAt: now.toISOString(), notAfter });
  return { p12, serial: issued.serial, notAfter };
}

export function revokeFleetCredential(inventory: Inventory, name: string, now = new Date()): void {
  const credential = inventory.fleetCredentialNamed(name);
  if (!credential) throw new FleetCredentialError("fleet-credential-refused", `no fleet credential '${name}'`);
  // Checked before any write: a refusal leaves the database as it was.
  if (credential.revoked_at !== null || !inventory.revokeFleetCredential(name, now.toISOString())) throw new FleetCredentialError("fleet-credential-refused", `fleet credential '${name}' is revoked already`);
}

/** aktualizr reads `code` from a refusal of /devices: this one makes it say the VIN is taken. */
export const DEVICE_ALREADY_REGISTERED = "device_already_registered";

/**
 * Provisions the device named in `body` for the fleet credential of certificate `serial`;
 * returns the device's PKCS#12. Throws Refused: 401 for no or a revoked fleet credential,
 * 400 for a bad body, 409 `device_already_registered` for a VIN already registered.
 */
export async function provisionDevice(dir: string, director: Director, serial: string | null | undefined, body: unknown): Promise<{ vin: string; fleet: string; p12: Buffer }> {
  const fleet = serial ? director.inventory.fleetCredential(serial) : undefined;
  if (!fleet) throw new Refused(401, "unauthenticated", "POST /devices needs a fleet credential's client certificate");
  if (fleet.revoked_at !== null) throw new Refused(401, "unauthenticated", `fleet credential '${fleet.name}' was revoked at ${fleet.revoked_at}`);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Refused(400, "invalid-request", "body must be {deviceId, ttl}");
  const { deviceId, ttl } = body as { deviceId?: unknown; ttl?: unknown };
  if (!isVin(deviceId)) throw new Refused(400, "invalid-vin", "deviceId must be the VIN: 1-64 of A-Z a-z 0-9 _ - (aktualizr's [provision] device_id)");
  // aktualizr sends its expiry_days as a decimal string.
  const days = typeof ttl === "string" && /^[1-9]\d{0,8}$/.test(ttl) ? Number(ttl) : ttl;
  if (days !== undefined && (typeof days !== "number" || !Number.isSafeInteger(days) || days < 1)) throw new Refused(400, "invalid-request", "ttl must be a positive number of days");
  try {
    director.addVehicle(deviceId, [], "aktualizr");
  } catch (e) {
    if (e instanceof Refused && e.code === "vehicle-exists") throw new Refused(409, DEVICE_ALREADY_REGISTERED, `vehicle ${deviceId} is registered already: a device is provisioned once`);
    throw e;
  }
  // The device's TLS key is made here, handed over once inside the answer, and kept nowhere.
  const keys = newTlsKeyPair();
  const issued = await issueVehicleCertificate(dir, director.inventory, deviceId, keys.publicKeyPem, { days: Math.min((days as number | undefined) ?? VEHICLE_CERT_DAYS, VEHICLE_CERT_DAYS) });
  director.inventory.countFleetProvisioning(serial!);
  return { vin: deviceId, fleet: fleet.name, p12: await pkcs12(keys.privateKeyPem, [issued.certPem, serverCa(dir)]) };
}
