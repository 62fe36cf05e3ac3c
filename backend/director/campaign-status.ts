// How a campaign is going (README "Campaigns"), read from the inventory: per stage, how
// many of its assignments wait, are in the vehicles' targets, are installed, failed or
// were withdrawn, and how many vehicles have sent no manifest since a time; per vehicle, a
// page at a time (a campaign may reach 100,000 vehicles), each ECU's state with its last
// install code and when its vehicle last reported.
import type { CampaignRow, Inventory } from "../inventory/inventory.ts";
import { Refused } from "./errors.ts";

export type StageName = CampaignRow["stage"];

export interface StageStatus {
  stage: StageName;
  assigned: number;
  /** Waiting for the vehicle's previous bundle, or held by a paused or halted campaign. */
  queued: number;
  /** In the vehicle's targets, not confirmed yet. */
  published: number;
  installed: number;
  failed: number;
  /** Taken out by a cancel (or replaced by a newer assignment while waiting). */
  withdrawn: number;
  /** Published, and the vehicle has sent no manifest since `silentSince`. */
  notReporting: number;
}

export interface VehicleStatus {
  assignmentId: number;
  vin: string;
  ecuSerial: string;
  stage: StageName;
  status: "queued" | "published" | "installed" | "failed" | "withdrawn";
  /** The ECU's install result code (e.g. `Ok`, `LengthOrHashMismatch`), once reported. */
  code: string | null;
  detail: string | null;
  lastManifestAt: string | null;
  notReporting: boolean;
}

export interface CampaignStatus {
  campaign: {
    id: number;
    hardwareId: string;
    target: string;
    stage: StageName;
    state: CampaignRow["state"];
    stateDetail: string | null;
    stateChangedAt: string | null;
    createdAt: string;
    maxFailures: number | null;
    maxFailurePercent: number | null;
    groupVins: string[] | null;
  };
  stages: StageStatus[];
  /** The time "not reporting" is measured from. */
  silentSince: string;
  /** With `vehicles`: one page of them, and the cursor of the next (null at the end). */
  vehicles?: VehicleStatus[];
  nextAfter?: number | null;
}

export const MAX_PAGE = 1000;

export function campaignStatus(inventory: Inventory, id: number, options: { silentSince: string; vehicles?: { after?: number; limit: number } }): CampaignStatus {
  const c = inventory.campaign(id);
  if (!c) throw new Refused(404, "unknown-campaign", `no campaign ${id}`);
  const stages = new Map<StageName, StageStatus>();
  const stageOf = (name: StageName) => {
    let s = stages.get(name);
    if (!s) {
      s = { stage: name, assigned: 0, queued: 0, published: 0, installed: 0, failed: 0, withdrawn: 0, notReporting: 0 };
      stages.set(name, s);
    }
    return s;
  };
  for (const row of inventory.campaignCounts(id)) {
    const s = stageOf(row.stage ?? c.stage);
    const n = Number(row.n);
    s.assigned += n;
    if (row.status === "superseded") s.withdrawn += n;
    else s[row.status] += n;
  }
  for (const row of inventory.campaignSilent(id, options.silentSince)) stageOf(row.stage ?? c.stage).notReporting += Number(row.n);
  const status: CampaignStatus = {
    campaign: {
      id: c.id,
      hardwareId: c.hardware_id,
      target: c.target_name,
      stage: c.stage,
      state: c.state,
      stateDetail: c.state_detail,
      stateChangedAt: c.state_changed_at,
      createdAt: c.created_at,
      maxFailures: c.max_failures,
      maxFailurePercent: c.max_failure_percent,
      groupVins: c.group_vins === null ? null : (JSON.parse(c.group_vins) as string[]),
    },
    stages: (["group", "all"] as const).flatMap((name) => (stages.has(name) ? [stages.get(name)!] : [])),
    silentSince: options.silentSince,
  };
  if (options.vehicles) {
    const limit = Math.min(Math.max(1, options.vehicles.limit), MAX_PAGE);
    const rows = inventory.campaignVehicles(id, { after: options.vehicles.after, limit: limit + 1 });
    status.vehicles = rows.slice(0, limit).map((r) => ({
      assignmentId: Number(r.id),
      vin: r.vin,
      ecuSerial: r.ecu_serial,
      stage: r.stage ?? c.stage,
      status: r.status === "superseded" ? "withdrawn" : r.status,
      code: r.code,
      detail: r.detail,
      lastManifestAt: r.last_manifest_at,
      notReporting: r.status === "published" && (r.last_manifest_at === null || r.last_manifest_at < options.silentSince),
    }));
    status.nextAfter = rows.length > limit ? status.vehicles.at(-1)!.assignmentId : null;
  }
  return status;
}

/** The campaign's status as a table for people. */
export function campaignStatusText(s: CampaignStatus): string {
  const c = s.campaign;
  const threshold = c.maxFailures !== null ? `, halts at ${c.maxFailures} failure(s) in a stage` : c.maxFailurePercent !== null ? `, halts at ${c.maxFailurePercent}% failures in a stage` : "";
  const lines = [`Campaign ${c.id}: ${c.target} for ${c.hardwareId}, stage ${c.stage}, ${c.state}${c.stateDetail ? ` (${c.stateDetail})` : ""}${threshold}`];
  const header = ["stage", "assigned", "queued", "published", "installed", "failed", "withdrawn", `silent since ${s.silentSince}`];
  const rows = s.stages.map((t) => [t.stage, t.assigned, t.queued, t.published, t.installed, t.failed, t.withdrawn, t.notReporting].map(String));
  lines.push(...table([header, ...rows]));
  if (s.vehicles) {
    lines.push("");
    const vrows = s.vehicles.map((v) => [v.vin, v.ecuSerial, v.stage, v.status + (v.notReporting ? " (not reporting)" : ""), v.code ?? "-", v.lastManifestAt ?? "never"]);
    lines.push(...table([["vin", "ecu", "stage", "status", "code", "last manifest"], ...vrows]));
    if (s.nextAfter) lines.push(`more: --after ${s.nextAfter}`);
  }
  return lines.join("\n");
}

/** Columns padded to their widest cell, a rule under the header. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)];
}
