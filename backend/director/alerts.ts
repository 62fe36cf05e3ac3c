// Acknowledging an alert (README "Backend: OEM console"): someone has looked at it. The
// alert stays, with who acknowledged it and when; the console, `uptane alert ack` and
// `POST /director/api/alerts/ID/acknowledge` all come here, under the same rules.
import type { AlertRow, Inventory } from "../inventory/inventory.ts";

export class AlertError extends Error {
  constructor(
    message: string,
    readonly code: "unknown-alert" | "alert-acknowledged",
  ) {
    super(message);
  }
}

/** Acknowledges open alert `id` as `by`; refused when there is no such alert or it is acknowledged already. */
export function acknowledgeAlert(inventory: Inventory, id: number, by: string, now: Date): AlertRow {
  return inventory.transaction(() => {
    const row = inventory.alert(id);
    if (!row) throw new AlertError(`no alert ${id}`, "unknown-alert");
    if (!inventory.acknowledgeAlert(id, by, now.toISOString())) throw new AlertError(`alert ${id} was acknowledged already by ${row.acknowledged_by} at ${row.acknowledged_at}`, "alert-acknowledged");
    return inventory.alert(id)!;
  });
}

/** An alert as the CLI and the API show it. */
export function alertOf(row: AlertRow): { id: number; vin: string; ecuSerial: string | null; kind: string; detail: string; createdAt: string; acknowledgedAt: string | null; acknowledgedBy: string | null } {
  return { id: row.id, vin: row.vin, ecuSerial: row.ecu_serial, kind: row.kind, detail: row.detail, createdAt: row.created_at, acknowledgedAt: row.acknowledged_at, acknowledgedBy: row.acknowledged_by };
}
