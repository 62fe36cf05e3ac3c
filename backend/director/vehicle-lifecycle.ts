// A vehicle's life after registration, recorded by an authenticated workshop (Deployment
// Best Practices "Adding, removing, or replacing ECUs": an out-of-band, authenticated record
// in the inventory, so a new ECU key is not taken for an attack): replace an ECU or the
// Primary, add or remove a Secondary, decommission the vehicle. Each change runs in the
// Director's transaction and is written to `vehicle_history` with who made it and when.
// A replaced or removed ECU keeps its row (reports and assignments point at it) but is
// retired: its key counts for nothing from that moment and is never accepted again.
import type { EcuRow, Inventory, VehicleHistoryRow } from "../inventory/inventory.ts";
import { isEcuSerial } from "../../model/identifiers.ts";
import { Refused } from "./errors.ts";
import { checkEcu, ecuKeyId, insertEcus, refuseUsedKey, type EcuRegistration } from "./ecu-registration.ts";

/** An ECU as a workshop fits it: the Primary flag follows from the change. */
export type FittedEcu = Omit<EcuRegistration, "primary" | "keyid">;

export type VehicleChange =
  | { action: "replace-ecu"; serial: string; ecu: FittedEcu }
  | { action: "replace-primary"; ecu: FittedEcu }
  | { action: "add-ecu"; ecu: FittedEcu }
  | { action: "remove-ecu"; serial: string }
  | { action: "decommission" };

export const VEHICLE_CHANGES = ["replace-ecu", "replace-primary", "add-ecu", "remove-ecu", "decommission"] as const;

/** One recorded change, as `vehicle history` and the API show it. */
export interface HistoryEntry {
  vin: string;
  action: VehicleHistoryRow["action"];
  ecuSerial: string | null;
  detail: Record<string, unknown>;
  actor: string;
  at: string;
}

export function historyEntryOf(row: VehicleHistoryRow): HistoryEntry {
  return { vin: row.vin, action: row.action, ecuSerial: row.ecu_serial, detail: JSON.parse(row.detail) as Record<string, unknown>, actor: row.actor, at: row.at };
}

/** Who made a change: a workshop account (HTTP API) or a person at the backend folder (CLI). */
export function checkActor(actor: string): string {
  if (!/^(workshop|cli):[A-Za-z0-9._@-]{1,64}$/.test(actor)) throw new Error(`actor ${JSON.stringify(actor)} is not workshop:NAME or cli:USER`);
  return actor;
}

/** The vehicle must be registered and in service (in the caller's transaction). */
export function requireInService(inventory: Inventory, vin: string): void {
  const vehicle = inventory.vehicleState(vin); // one query: each metadata GET asks
  if (!vehicle) throw new Refused(404, "unknown-vin", `no vehicle ${vin} is registered`);
  const at = vehicle.decommissioned_at;
  if (at !== null) throw new Refused(410, "decommissioned", `vehicle ${vin} was decommissioned at ${at}`);
}

/** Checks a change's fields before anything is opened (what is wrong on the command line or in the body). */
export function checkChange(change: VehicleChange): void {
  if ("serial" in change && !isEcuSerial(change.serial)) throw new Refused(400, "invalid-serial", `ECU serial ${JSON.stringify(change.serial)} must be 1-64 of A-Z a-z 0-9 . _ -`);
  if ("ecu" in change) checkEcu({ ...change.ecu, primary: false });
}

/**
 * Applies `change` to vehicle `vin` in the caller's transaction and records it; refusals
 * throw before anything is written (the transaction undoes a partial change anyway).
 */
export function applyVehicleChange(inventory: Inventory, vin: string, change: VehicleChange, actor: string, now: string): HistoryEntry {
  checkChange(change);
  requireInService(inventory, vin);
  if (change.action !== "decommission" && inventory.clientProfile(vin) === "aktualizr") {
    throw new Refused(409, "wrong-profile", `vehicle ${vin} runs aktualizr: its device registers its ECUs itself`);
  }
  let serial: string | null = null;
  let detail: Record<string, unknown>;
  switch (change.action) {
    case "replace-ecu":
    case "replace-primary": {
      const old = change.action === "replace-primary" ? inventory.ecusOf(vin).find((e) => e.is_primary === 1) : currentEcu(inventory, vin, change.serial);
      if (!old) throw new Refused(404, "unknown-ecu", `vehicle ${vin} has no Primary`);
      if (change.action === "replace-ecu" && old.is_primary === 1) throw new Refused(409, "primary-required", `ECU ${old.serial} is the Primary of ${vin}: replace it with replace-primary`);
      const fitted: EcuRegistration = { ...change.ecu, primary: old.is_primary === 1 };
      refuseUsedKey(inventory, fitted); // the old key too: a replacement brings its own
      closeAssignments(inventory, old.serial);
      if (fitted.serial === old.serial) {
        // The same serial with a new key (a part re-flashed or swapped keeping its serial).
        inventory.rekeyEcu(old.serial, { hardwareId: fitted.hardwareId, publicKey: fitted.publicKeyHex, keyid: ecuKeyId(fitted) });
      } else {
        inventory.retireEcu(old.serial, now);
        insertEcus(inventory, vin, [fitted]);
      }
      serial = fitted.serial;
      detail = { old: ecuFacts(old), new: { serial: fitted.serial, hardwareId: fitted.hardwareId, keyid: ecuKeyId(fitted) } };
      break;
    }
    case "add-ecu": {
      insertEcus(inventory, vin, [{ ...change.ecu, primary: false }]);
      serial = change.ecu.serial;
      detail = { new: { serial, hardwareId: change.ecu.hardwareId, keyid: ecuKeyId({ ...change.ecu, primary: false }) } };
      break;
    }
    case "remove-ecu": {
      const old = currentEcu(inventory, vin, change.serial);
      if (old.is_primary === 1) throw new Refused(409, "primary-required", `ECU ${old.serial} is the Primary of ${vin}: a vehicle keeps one (replace it, or decommission the vehicle)`);
      closeAssignments(inventory, old.serial);
      inventory.retireEcu(old.serial, now);
      serial = old.serial;
      detail = { old: ecuFacts(old) };
      break;
    }
    case "decommission": {
      for (const e of inventory.ecusOf(vin)) closeAssignments(inventory, e.serial);
      inventory.decommissionVehicle(vin, now);
      const revoked = inventory.revokeVehicleCertificates(vin, now);
      detail = { certificatesRevoked: revoked };
      break;
    }
  }
  inventory.insertHistory({ vin, action: change.action, serial, detail: JSON.stringify(detail), actor, now });
  return { vin, action: change.action, ecuSerial: serial, detail, actor, at: now };
}

function currentEcu(inventory: Inventory, vin: string, serial: string): EcuRow {
  const ecu = inventory.ecu(serial);
  if (!ecu || ecu.vin !== vin || ecu.retired_at !== null) throw new Refused(404, "unknown-ecu", `vehicle ${vin} has no ECU ${serial}${ecu?.retired_at ? ` (retired ${ecu.retired_at})` : ""}`);
  return ecu;
}

/** What the ECU was: the history keeps the keyid, never more of the key than that. */
function ecuFacts(e: EcuRow): Record<string, unknown> {
  return { serial: e.serial, hardwareId: e.hardware_id, keyid: e.keyid, primary: e.is_primary === 1, installed: e.installed_filename };
}

/** Assignments waiting for an ECU that leaves (or changes hands) end: the new part reports what it runs first. */
function closeAssignments(inventory: Inventory, serial: string): void {
  for (const a of inventory.openAssignmentsOfEcu(serial)) inventory.setAssignmentStatus(a.id, "superseded");
}

/** What the Director knows of a vehicle now: its ECUs (held ones with why), its history, its newest alerts. */
export function vehicleRecord(inventory: Inventory, vin: string, alertsShown = 50) {
  if (!inventory.vehicleExists(vin)) throw new Refused(404, "unknown-vin", `no vehicle ${vin} is registered`);
  return {
    vin,
    decommissionedAt: inventory.decommissionedAt(vin),
    ecus: inventory.ecusOf(vin).map((e) => ({
      serial: e.serial,
      hardwareId: e.hardware_id,
      primary: e.is_primary === 1,
      keyid: e.keyid,
      installed: e.installed_filename,
      releaseCounter: e.installed_release_counter,
      lastReport: e.last_report_time,
      held: e.held,
    })),
    history: inventory.historyOf(vin).map(historyEntryOf),
    alerts: inventory.alertsOf(vin).slice(-alertsShown).map((a) => ({ ecuSerial: a.ecu_serial, kind: a.kind, detail: a.detail, at: a.created_at })),
  };
}
