// The fleet as the inventory records it (README "Vehicles and alerts"): vehicles a page at
// a time (filtered by an ECU's hardware ID or installed image, or by their last manifest),
// one vehicle in full (each ECU's installed image and counter, open assignments, install
// history), and the alerts, which an operator acknowledges. The CLI and the HTTP API call
// these, so their checks are the same.
import type { AlertRow, Inventory } from "../inventory/inventory.ts";
import { isHardwareId, isTargetName, isVin } from "../../model/identifiers.ts";
import { Refused } from "./errors.ts";

export const MAX_LIST_PAGE = 1000;
const HISTORY = 50;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export interface VehicleQuery {
  after?: string;
  limit: number;
  hardwareId?: string;
  image?: string;
  lastSeenBefore?: string;
  lastSeenAfter?: string;
}

export function listVehicles(inventory: Inventory, q: VehicleQuery) {
  if (q.after !== undefined && !isVin(q.after)) throw new Refused(400, "invalid-vin", `after: VIN ${JSON.stringify(q.after)} must be 1-64 of A-Z a-z 0-9 _ -`);
  if (q.hardwareId !== undefined && !isHardwareId(q.hardwareId)) throw new Refused(400, "invalid-hardware-id", `hardware ID ${JSON.stringify(q.hardwareId)} is not valid`);
  if (q.image !== undefined && !isTargetName(q.image)) throw new Refused(400, "invalid-target-name", `image ${JSON.stringify(q.image)} is not a valid target name`);
  for (const t of [q.lastSeenBefore, q.lastSeenAfter]) if (t !== undefined && !ISO_TIME.test(t)) throw new Refused(400, "invalid-time", `${JSON.stringify(t)} is not a time as YYYY-MM-DDTHH:MM:SSZ`);
  const limit = Math.min(Math.max(1, q.limit), MAX_LIST_PAGE);
  const rows = inventory.vehicles({ ...q, limit: limit + 1 });
  const vehicles = rows.slice(0, limit).map((v) => ({ vin: v.vin, profile: v.client_profile, registeredAt: v.created_at, lastManifestAt: v.last_manifest_at, ecus: Number(v.ecus) }));
  return { vehicles, nextAfter: rows.length > limit ? vehicles.at(-1)!.vin : null };
}

export function showVehicle(inventory: Inventory, vin: string) {
  if (!isVin(vin)) throw new Refused(400, "invalid-vin", `VIN ${JSON.stringify(vin)} must be 1-64 of A-Z a-z 0-9 _ -`);
  const v = inventory.vehicle(vin);
  if (!v) throw new Refused(404, "unknown-vin", `no vehicle ${vin} is registered`);
  const ecus = inventory.ecusOf(vin).map((e) => ({
    serial: e.serial,
    hardwareId: e.hardware_id,
    primary: e.is_primary === 1,
    installed: e.installed_filename,
    releaseCounter: e.installed_release_counter,
    lastReportTime: e.last_report_time,
  }));
  const pending = inventory
    .assignmentsOf(vin)
    .filter((a) => a.status === "queued" || a.status === "published")
    .map((a) => ({ assignmentId: a.id, ecuSerial: a.ecu_serial, target: a.target_name, releaseCounter: a.release_counter, status: a.status, campaignId: a.campaign_id, createdAt: a.created_at }));
  const history = inventory.installHistory(vin, HISTORY).map((r) => ({ ecuSerial: r.ecu_serial, target: r.filename, success: r.success === 1, code: r.code, detail: r.detail, reportedAt: r.received_at }));
  return { vin, profile: v.client_profile, registeredAt: v.created_at, lastManifestAt: v.last_manifest_at, ecus, pending, history };
}

export interface AlertQuery {
  before?: number;
  limit: number;
  vin?: string;
  kind?: string;
  open?: boolean;
}

export function listAlerts(inventory: Inventory, q: AlertQuery) {
  if (q.vin !== undefined && q.vin !== "" && !isVin(q.vin)) throw new Refused(400, "invalid-vin", `VIN ${JSON.stringify(q.vin)} must be 1-64 of A-Z a-z 0-9 _ -`);
  if (q.kind !== undefined && !/^[a-z0-9_-]{1,64}$/.test(q.kind)) throw new Refused(400, "invalid-request", `alert kind ${JSON.stringify(q.kind.slice(0, 64))} is not a kind name`);
  const limit = Math.min(Math.max(1, q.limit), MAX_LIST_PAGE);
  const rows = inventory.alerts({ ...q, limit: limit + 1 });
  const alerts = rows.slice(0, limit).map(alertView);
  return { alerts, nextBefore: rows.length > limit ? alerts.at(-1)!.id : null };
}

/** Acknowledges alert `id`; `by` names who (a console user), when known. */
export function acknowledgeAlert(inventory: Inventory, id: number, now: string, by: string | null = null) {
  return inventory.transaction(() => {
    const a = inventory.alert(id);
    if (!a) throw new Refused(404, "unknown-alert", `no alert ${id}`);
    if (!inventory.acknowledgeAlert(id, now, by)) throw new Refused(409, "alert-acknowledged", `alert ${id} was acknowledged at ${a.acknowledged_at}${a.acknowledged_by ? ` by ${a.acknowledged_by}` : ""}`);
    return alertView({ ...a, acknowledged_at: now, acknowledged_by: by });
  });
}

function alertView(a: AlertRow) {
  // vin '' holds alerts about the backend as a whole (README "freshness and state checks").
  return { id: Number(a.id), vin: a.vin === "" ? null : a.vin, ecuSerial: a.ecu_serial, kind: a.kind, detail: a.detail, createdAt: a.created_at, acknowledgedAt: a.acknowledged_at, acknowledgedBy: a.acknowledged_by };
}
