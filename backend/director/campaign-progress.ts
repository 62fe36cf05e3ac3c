// A campaign's progress over time (README "Backend: OEM console"): each stage's counts are
// recorded as a row when they differ from the stage's last row, so the history is what the
// counts were, not rebuilt later from assignment times (a paused campaign's assignments go
// back to queued, a cancelled one's are withdrawn: no later query can tell when). The
// Director records in the transaction of each campaign action (create, promote, pause,
// resume, cancel, halt); a manifest that confirms or fails an assignment records at most
// once a minute per campaign (counting a large campaign costs a pass over its
// assignments); the server's upkeep records the rest, "not reporting" among it, which
// changes with time alone, and skips a campaign whose last counts leave nothing open.
import type { CampaignProgressRow, CampaignRow, Inventory } from "../inventory/inventory.ts";
import { campaignStatus, type StageStatus } from "./campaign-status.ts";
import { isoTime } from "../../model/iso-time.ts";

/** A vehicle counts as not reporting after this long without a manifest (the console's "silent"). */
export const SILENT_HOURS = 24;
/** A manifest records a campaign's counts at most this often; the upkeep and the actions always. */
export const MANIFEST_RECORD_MS = 60_000;
/** At most this many campaigns are looked at per upkeep (the newest not cancelled). */
const UPKEEP_CAMPAIGNS = 200;

export function silentSince(now: Date): string {
  return isoTime(new Date(now.getTime() - SILENT_HOURS * 3_600_000));
}

function rowOf(id: number, at: string, s: StageStatus): CampaignProgressRow {
  return { campaign_id: id, stage: s.stage, at, queued: s.queued, published: s.published, installed: s.installed, failed: s.failed, withdrawn: s.withdrawn, not_reporting: s.notReporting };
}

function same(a: CampaignProgressRow, b: CampaignProgressRow): boolean {
  return a.queued === b.queued && a.published === b.published && a.installed === b.installed && a.failed === b.failed && a.withdrawn === b.withdrawn && a.not_reporting === b.not_reporting;
}

/**
 * Records campaign `id`'s counts per stage at `now` where they changed since its last row.
 * With `minIntervalMs`, nothing is counted when a row of the campaign is younger than that.
 * Returns the rows written. Run it in the transaction that changed the counts, if any.
 */
export function recordCampaignProgress(inventory: Inventory, id: number, now: Date, o: { minIntervalMs?: number } = {}): CampaignProgressRow[] {
  if (o.minIntervalMs !== undefined) {
    const recent = (["group", "all"] as const).some((stage) => {
      const last = inventory.latestCampaignProgress(id, stage);
      return last !== undefined && Date.parse(last.at) > now.getTime() - o.minIntervalMs!;
    });
    if (recent) return [];
  }
  const at = isoTime(now);
  const written: CampaignProgressRow[] = [];
  for (const s of campaignStatus(inventory, id, { silentSince: silentSince(now) }).stages) {
    const row = rowOf(id, at, s);
    const last = inventory.latestCampaignProgress(id, s.stage);
    if (last && same(last, row)) continue;
    inventory.insertCampaignProgress(row);
    written.push(row);
  }
  return written;
}

/**
 * Whether the campaign's last recorded counts leave nothing open (no assignment queued or
 * published): then nothing but an action (which records itself) can change them, and the
 * upkeep need not count its assignments again.
 */
function settled(inventory: Inventory, id: number): boolean {
  const last = (["group", "all"] as const).flatMap((stage) => inventory.latestCampaignProgress(id, stage) ?? []);
  return last.length > 0 && last.every((r) => r.queued + r.published === 0);
}

/** The upkeep's pass: every campaign not cancelled (the newest UPKEEP_CAMPAIGNS) and not settled, each in its own transaction. */
export function recordOpenCampaigns(inventory: Inventory, now: Date): number {
  let rows = 0;
  for (const id of inventory.openCampaignIds(UPKEEP_CAMPAIGNS)) if (!settled(inventory, id)) rows += inventory.transaction(() => recordCampaignProgress(inventory, id, now)).length;
  return rows;
}

export interface ProgressSeries {
  times: string[];
  /** In the vehicles' targets: published and not confirmed, installed or failed. */
  published: number[];
  installed: number[];
  failed: number[];
  /** Published, on vehicles without a manifest for SILENT_HOURS. */
  silent: number[];
}

/**
 * The chart's points from the recorded rows (the newest `maxRows`), the stages summed, each
 * stage's last row holding until its next; `current` (the counts as they are now) is the last
 * point, so the chart never lags the table beside it. At most `points` points, evenly picked,
 * the first and the last kept.
 */
export function progressSeries(inventory: Inventory, id: number, current: { at: string; stages: StageStatus[] } | null, o: { points?: number; maxRows?: number } = {}): ProgressSeries {
  const rows = inventory.campaignProgressRows(id, o.maxRows ?? 5000);
  if (current) rows.push(...current.stages.map((s) => rowOf(id, current.at, s)));
  const latest = new Map<CampaignRow["stage"], CampaignProgressRow>();
  const out: ProgressSeries = { times: [], published: [], installed: [], failed: [], silent: [] };
  rows.forEach((r, i) => {
    latest.set(r.stage, r);
    if (i + 1 < rows.length && rows[i + 1]!.at === r.at) return; // one point per time
    let published = 0;
    let installed = 0;
    let failed = 0;
    let silent = 0;
    for (const s of latest.values()) {
      published += s.published + s.installed + s.failed;
      installed += s.installed;
      failed += s.failed;
      silent += s.not_reporting;
    }
    out.times.push(r.at);
    out.published.push(published);
    out.installed.push(installed);
    out.failed.push(failed);
    out.silent.push(silent);
  });
  const points = o.points ?? 60;
  if (out.times.length <= points) return out;
  const step = Math.ceil(out.times.length / points);
  const keep = (_: unknown, i: number) => i === out.times.length - 1 || i % step === 0;
  return { times: out.times.filter(keep), published: out.published.filter(keep), installed: out.installed.filter(keep), failed: out.failed.filter(keep), silent: out.silent.filter(keep) };
}
