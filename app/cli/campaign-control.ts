// `uptane campaign status | list | promote | pause | resume | cancel`: watching a campaign
// and steering it (README "Campaigns"). Each calls the Director's function the HTTP API
// calls too, under the same rules.
import { optionInt, UsageError, type Command, type ParsedArgs } from "./command.ts";
import { pendingLine, runReporting } from "./output.ts";
import { withDirector } from "./with-director.ts";
import { campaignStatus, campaignStatusText, MAX_PAGE, table } from "../../backend/director/campaign-status.ts";
import type { Director } from "../../backend/director/director.ts";
import { isoTime } from "../../model/iso-time.ts";

/** The campaign number positional. */
function campaignId(parsed: ParsedArgs): number {
  const raw = parsed.positional[1]!;
  if (!/^[1-9]\d{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`ID must be a campaign number, got '${raw.slice(0, 24)}'`);
  return Number(raw);
}

export const campaignStatusCommand: Command = {
  name: "campaign status",
  summary: "a campaign's progress per stage, and per vehicle a page at a time",
  usage: [
    "uptane campaign status DIR ID [--vehicles] [--after N] [--limit N] [--silent-hours H] [--json]",
    "",
    "Per stage (the reserved group, then all): assignments queued (waiting, or held by a pause",
    "or halt), published (in the vehicles' targets), installed, failed, withdrawn, and how many",
    "published ones are on vehicles that sent no manifest in the last H hours (default 24).",
    `--vehicles adds each ECU's state, install code and last manifest time, --limit (default 100,`,
    `at most ${MAX_PAGE}) at a time; the next page starts --after the number printed.`,
  ].join("\n"),
  options: { values: { after: {}, limit: {}, "silent-hours": {} }, flags: ["json", "vehicles"] },
  positionals: ["DIR", "ID"],
  async run(parsed) {
    const id = campaignId(parsed);
    const hours = optionInt(parsed, "silent-hours", 24, 24 * 365);
    const limit = optionInt(parsed, "limit", 100, MAX_PAGE);
    const after = optionInt(parsed, "after", 0);
    if (limit === 0) throw new UsageError("--limit must be at least 1");
    return runReporting(parsed.flags.has("json"), () =>
      withDirector(parsed.positional[0]!, (director) => {
        const silentSince = isoTime(new Date(Date.now() - hours * 3600 * 1000));
        const status = campaignStatus(director.inventory, id, { silentSince, vehicles: parsed.flags.has("vehicles") ? { after, limit } : undefined });
        return { data: { ...status }, text: campaignStatusText(status) };
      }),
    );
  },
};

export const campaignListCommand: Command = {
  name: "campaign list",
  summary: "the campaigns, newest first, with their state",
  usage: ["uptane campaign list DIR [--before ID] [--limit N] [--json]", "", `Newest first, --limit (default 100, at most ${MAX_PAGE}) at a time; the next page: --before the last number.`].join("\n"),
  options: { values: { before: {}, limit: {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const limit = optionInt(parsed, "limit", 100, MAX_PAGE);
    const before = parsed.values.before ? optionInt(parsed, "before") : undefined;
    if (limit === 0) throw new UsageError("--limit must be at least 1");
    return runReporting(parsed.flags.has("json"), () =>
      withDirector(parsed.positional[0]!, (director) => {
        const campaigns = director.inventory.campaigns({ before, limit }).map((c) => ({ id: c.id, hardwareId: c.hardware_id, target: c.target_name, stage: c.stage, state: c.state, stateDetail: c.state_detail, createdAt: c.created_at }));
        const rows = campaigns.map((c) => [String(c.id), c.target, c.hardwareId, c.stage, c.state, c.createdAt]);
        return { data: { campaigns }, text: campaigns.length === 0 ? "No campaigns." : table([["id", "target", "hardware", "stage", "state", "created"], ...rows]).join("\n") };
      }),
    );
  },
};

export const campaignPromoteCommand: Command = {
  name: "campaign promote",
  summary: "release a campaign tested on its reserved group to every vehicle",
  usage: [
    "uptane campaign promote DIR ID [--json]",
    "",
    "Assigns the campaign's target to every other vehicle's ECUs of its hardware ID (stage all),",
    "under the same checks and rules as the first stage. Refused unless the campaign is active",
    "and still at its reserved group.",
  ].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR", "ID"],
  async run(parsed) {
    const id = campaignId(parsed);
    return runReporting(parsed.flags.has("json"), () =>
      withDirector(parsed.positional[0]!, async (director) => {
        const r = await director.promoteCampaign(id);
        return { data: { ...r }, text: `Campaign ${id} promoted to all vehicles: ${r.assigned.length} ECU(s) assigned, ${r.skipped.length} skipped${pendingLine(r)}` };
      }),
    );
  },
};

function controlCommand(action: "pause" | "resume" | "cancel", summary: string, help: string[], run: (d: Director, id: number) => ReturnType<Director["pauseCampaign"]>): Command {
  return {
    name: `campaign ${action}`,
    summary,
    usage: [`uptane campaign ${action} DIR ID [--json]`, "", ...help].join("\n"),
    options: { flags: ["json"] },
    positionals: ["DIR", "ID"],
    async run(parsed) {
      const id = campaignId(parsed);
      return runReporting(parsed.flags.has("json"), () =>
        withDirector(parsed.positional[0]!, (director) => {
          const r = run(director, id);
          const { vins, ...data } = r;
          return { data: { ...data, vehicles: vins.length }, text: `Campaign ${id} ${r.state}: ${r.withdrawn} assignment(s) withdrawn, ${vins.length} vehicle(s) re-signed${pendingLine(r)}` };
        }),
      );
    },
  };
}

export const campaignPauseCommand = controlCommand(
  "pause",
  "pause a campaign: what is not installed leaves the vehicles' next targets until resumed",
  ["What the campaign assigned that no ECU has installed yet is withdrawn from the vehicles'", "next targets and waits; `uptane campaign resume` sends it again."],
  (d, id) => d.pauseCampaign(id),
);
export const campaignResumeCommand = controlCommand(
  "resume",
  "resume a paused or halted campaign",
  ["The campaign's waiting assignments go out again (each vehicle's as soon as its previous", "bundle is confirmed)."],
  (d, id) => d.resumeCampaign(id),
);
export const campaignCancelCommand = controlCommand(
  "cancel",
  "cancel a campaign: what is not installed is withdrawn from the vehicles' next targets for good",
  ["Installed images stay installed; everything else the campaign assigned is withdrawn and", "the vehicles' targets re-signed without it."],
  (d, id) => d.cancelCampaign(id),
);
