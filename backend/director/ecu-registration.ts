// What an ECU's registration is and the checks it passes, shared by a vehicle's
// registration (director.ts) and a workshop's later changes (vehicle-lifecycle.ts).
import type { Inventory } from "../inventory/inventory.ts";
import { keyIdOf, tufKeyFromStored } from "../../model/keys.ts";
import { isEcuSerial, isHardwareId } from "../../model/identifiers.ts";
import { Refused } from "./errors.ts";
import { KeyServiceError, checkX25519PublicKey, type KeyService } from "../keyservice/keyservice.ts";
import { METHOD_SHARED, METHOD_X25519, SHARED_KEY_LENGTH } from "../../model/image-encryption.ts";

export interface EcuRegistration {
  serial: string;
  hardwareId: string;
  /** The public key in its stored form (model/keys.ts storedPublicKey): Ed25519 as 64 hex characters, P-256 or RSA as PEM. */
  publicKeyHex: string;
  primary: boolean;
  /** The keyid the ECU names in its signatures, when its client computes keyids its own way (aktualizr). */
  keyid?: string;
  /** Its X25519 public image encryption key, 32 bytes (README "Per-ECU image encryption"); a different key from its signing key. */
  encryptionKey?: Uint8Array;
  /** Or the AES-128 key it shares with the OEM (16 bytes), for the key service only; the caller wipes it after registration. */
  sharedEncryptionKey?: Uint8Array;
}

/** Serial, hardware ID and key of one ECU within their rules. */
export function checkEcu(e: EcuRegistration): void {
  if (!isEcuSerial(e.serial)) throw new Refused(400, "invalid-serial", `ECU serial ${JSON.stringify(e.serial)} must be 1-64 of A-Z a-z 0-9 . _ -`);
  if (!isHardwareId(e.hardwareId)) throw new Refused(400, "invalid-hardware-id", `hardware ID ${JSON.stringify(e.hardwareId)} must be 1-64 of A-Z a-z 0-9 . _ -`);
  if (typeof e.publicKeyHex !== "string" || !storedKeyReadable(e.publicKeyHex)) {
    throw new Refused(400, "invalid-public-key", `ECU ${e.serial}: public key must be 64 lowercase hex characters (Ed25519) or a PEM P-256 or RSA (2048-4096) public key`);
  }
  checkEncryptionKeys(e);
}

/** At most one encryption key, each of its kind and size (README "Per-ECU image encryption"). */
function checkEncryptionKeys(e: EcuRegistration): void {
  if (e.encryptionKey !== undefined && e.sharedEncryptionKey !== undefined) throw new Refused(400, "invalid-encryption-key", `ECU ${e.serial}: an X25519 encryption key or a shared key, not both`);
  try {
    if (e.encryptionKey !== undefined) checkX25519PublicKey(e.encryptionKey);
    if (e.sharedEncryptionKey !== undefined && (e.sharedEncryptionKey.length !== SHARED_KEY_LENGTH || e.sharedEncryptionKey.every((b) => b === 0))) {
      throw new KeyServiceError("invalid-shared-key", `a shared encryption key is ${SHARED_KEY_LENGTH} bytes (AES-128), not all zeros`);
    }
  } catch (err) {
    if (err instanceof KeyServiceError) throw new Refused(400, err.code, `ECU ${e.serial}: ${err.message}`);
    throw err;
  }
}

function storedKeyReadable(stored: string): boolean {
  try {
    tufKeyFromStored(stored);
    return true;
  } catch {
    return false;
  }
}

/** The checks every ECU list of a registration passes: one Primary, valid and distinct serials, readable keys. */
export function checkEcuList(ecus: EcuRegistration[]): void {
  if (ecus.length === 0) throw new Refused(400, "no-ecus", "a vehicle needs at least one ECU");
  if (ecus.filter((e) => e.primary).length !== 1) throw new Refused(400, "primary-count", "a vehicle needs exactly one Primary ECU");
  const serials = new Set<string>();
  for (const e of ecus) {
    checkEcu(e);
    if (serials.has(e.serial)) throw new Refused(400, "duplicate-serial", `ECU ${e.serial} is listed twice`);
    serials.add(e.serial);
    const twin = ecus.find((o) => o !== e && o.publicKeyHex === e.publicKeyHex);
    if (twin) throw new Refused(400, "duplicate-ecu-key", `ECUs ${twin.serial} and ${e.serial} have the same public key: each ECU signs its reports with its own`);
    const encTwin = e.encryptionKey && ecus.find((o) => o !== e && o.encryptionKey && Buffer.from(o.encryptionKey).equals(Buffer.from(e.encryptionKey!)));
    if (encTwin) throw new Refused(400, "duplicate-encryption-key", `ECUs ${encTwin.serial} and ${e.serial} have the same encryption key: each ECU has its own`);
  }
}

/** The keyid an ECU's signatures name. */
export function ecuKeyId(e: EcuRegistration): string {
  return e.keyid ?? keyIdOf(tufKeyFromStored(e.publicKeyHex));
}

/**
 * Refuses a key some ECU ever held (retired ones too: a replaced ECU's key never counts
 * again, for any ECU), in the caller's transaction.
 */
export function refuseUsedKey(inventory: Inventory, e: EcuRegistration): void {
  const holder = inventory.ecuWithPublicKey(e.publicKeyHex);
  if (holder) throw new Refused(409, "ecu-key-exists", `ECU ${e.serial}'s public key is ECU ${holder.serial}'s already (vehicle ${holder.vin}${holder.retired_at ? `, retired ${holder.retired_at}` : ""})`);
}

/**
 * In the caller's transaction (a serial already taken throws, and the transaction undoes it
 * all). Encryption keys go to the key service, the inventory records only the method; the
 * serials whose keys were written are pushed to `keysWritten` so a caller whose transaction
 * fails can remove them (README "Per-ECU image encryption").
 */
export function insertEcus(inventory: Inventory, vin: string, ecus: EcuRegistration[], keyService?: KeyService, keysWritten: string[] = []): void {
  for (const e of ecus) {
    if (inventory.ecu(e.serial)) throw new Refused(409, "ecu-exists", `ECU ${e.serial} is already registered`);
    // One key, one ECU: a report signed by it must name a single sender.
    refuseUsedKey(inventory, e);
    inventory.insertEcu({ serial: e.serial, vin, hardwareId: e.hardwareId, publicKey: e.publicKeyHex, keyid: ecuKeyId(e), primary: e.primary });
    if (e.encryptionKey === undefined && e.sharedEncryptionKey === undefined) continue;
    if (!keyService) throw new Refused(400, "invalid-encryption-key", `ECU ${e.serial}: this registration takes no encryption key`);
    try {
      if (e.encryptionKey !== undefined) keyService.registerEncryptionKey(e.serial, e.encryptionKey);
      else keyService.registerSharedKey(e.serial, e.sharedEncryptionKey!);
    } catch (err) {
      if (err instanceof KeyServiceError) throw new Refused(err.code === "keystore-unsafe" ? 500 : 400, err.code, `ECU ${e.serial}: ${err.message}`);
      throw err;
    }
    keysWritten.push(e.serial);
    inventory.setEcuEncryption(e.serial, e.encryptionKey !== undefined ? METHOD_X25519 : METHOD_SHARED);
  }
}
