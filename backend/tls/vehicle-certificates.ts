// Vehicles' TLS client certificates: issued by the vehicle CA for a VIN (subject CN=VIN)
// and recorded in the inventory; revoked there. The server accepts a certificate only
// while its serial is recorded for the VIN it names and not revoked (a database check on
// every request, so a revocation holds from the next request on, open connections included).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Inventory } from "../inventory/inventory.ts";
import { openInventory } from "../inventory/location.ts";
import { issueCertificate, type Issuer } from "./x509.ts";
import { VEHICLE_CA_FILE, VEHICLE_CA_KEY_FILE } from "./layout.ts";

export const VEHICLE_CERT_DAYS = 730;

/** A certificate that cannot be issued or revoked; `code` is its error code for the CLI and the HTTP API. */
export class CertificateError extends Error {
  constructor(
    message: string,
    readonly code: "certificate-error" | "unknown-vin" = "certificate-error",
  ) {
    super(message);
  }
}

/** The vehicle CA of the backend in `dir` (its key is an online key). */
export function vehicleCa(dir: string): Issuer {
  try {
    return { certPem: readFileSync(join(dir, VEHICLE_CA_FILE), "utf8"), keyPem: readFileSync(join(dir, VEHICLE_CA_KEY_FILE), "utf8") };
  } catch (e) {
    throw new CertificateError(`${dir} has no vehicle CA (${(e as NodeJS.ErrnoException).code}); backends made before TLS need a new uptane init`);
  }
}

export interface IssuedCertificate {
  certPem: string;
  serial: string;
  notAfter: string;
}

/**
 * Issues a client certificate naming `vin` for the vehicle's TLS public key (ECDSA P-256,
 * SPKI PEM) and records it. `notBefore`/`days` are for tests of expired certificates.
 */
export async function issueVehicleCertificate(dir: string, inventory: Inventory, vin: string, publicKeyPem: string, validity: { notBefore?: Date; days?: number } = {}): Promise<IssuedCertificate> {
  if (!inventory.vehicleExists(vin)) throw new CertificateError(`no vehicle ${vin} is registered`, "unknown-vin");
  let issued;
  try {
    issued = await issueCertificate(vehicleCa(dir), publicKeyPem, { kind: "client", name: vin }, { notBefore: validity.notBefore, days: validity.days ?? VEHICLE_CERT_DAYS });
  } catch (e) {
    if (e instanceof CertificateError) throw e;
    throw new CertificateError(`cannot issue a certificate for ${vin}: ${(e as Error).message}`);
  }
  const notAfter = issued.notAfter.toISOString();
  inventory.insertVehicleCertificate({ serial: issued.serial, vin, issuedAt: new Date().toISOString(), notAfter });
  return { certPem: issued.certPem, serial: issued.serial, notAfter };
}

/** Revokes every certificate of `vin`; returns how many were revoked. */
export function revokeVehicleCertificates(inventory: Inventory, vin: string, now = new Date()): number {
  if (!inventory.vehicleExists(vin)) throw new CertificateError(`no vehicle ${vin} is registered`, "unknown-vin");
  return inventory.revokeVehicleCertificates(vin, now.toISOString());
}

/** `uptane-wasm/backend`'s form: opens the backend's inventory itself. */
export async function certifyVehicle(dir: string, vin: string, tlsPublicKeyPem: string): Promise<IssuedCertificate> {
  const inventory = openInventory(dir);
  try {
    return await issueVehicleCertificate(dir, inventory, vin, tlsPublicKeyPem);
  } finally {
    inventory.close();
  }
}
