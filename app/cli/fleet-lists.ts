// `uptane vehicles`, `uptane vehicle show VIN`, `uptane alerts`, `uptane alerts ack`: the
// fleet and its alerts from the inventory, a page at a time (README "Vehicles and alerts").
import { optionInt, UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { withDirector } from "./with-director.ts";
import { acknowledgeAlert, listAlerts, listVehicles, MAX_LIST_PAGE, showVehicle } from "../../backend/director/fleet-view.ts";
import { table } from "../../backend/director/campaign-status.ts";
import { isoTime } from "../../model/iso-time.ts";

export const vehiclesCommand: Command = {
  name: "vehicles",
  summary: "list vehicles: by an ECU's hardware ID or installed image, or by their last manifest",
  usage: [
    "uptane vehicles DIR [--hardware-id HW] [--image NAME] [--last-seen-before T] [--last-seen-after T] [--after VIN] [--limit N] [--json]",
    "",
    "Vehicles by VIN with their last manifest time and number of ECUs. --hardware-id: with an",
    "ECU of HW; --image: with an ECU that reports NAME installed; --last-seen-before T: no",
    "manifest since T (or never), T as YYYY-MM-DDTHH:MM:SSZ. --limit (default 100, at most",
    `${MAX_LIST_PAGE}) at a time; the next page starts --after the VIN printed.`,
  ].join("\n"),
  options: { values: { "hardware-id": {}, image: {}, "last-seen-before": {}, "last-seen-after": {}, after: {}, limit: {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const limit = optionInt(parsed, "limit", 100, MAX_LIST_PAGE);
    if (limit === 0) throw new UsageError("--limit must be at least 1");
    const v = (k: string) => parsed.values[k]?.[0];
    return runReporting(parsed.flags.has("json"), () =>
      withDirector(parsed.positional[0]!, (director) => {
        const r = listVehicles(director.inventory, { limit, after: v("after"), hardwareId: v("hardware-id"), image: v("image"), lastSeenBefore: v("last-seen-before"), lastSeenAfter: v("last-seen-after") });
        const rows = r.vehicles.map((x) => [x.vin, x.profile, String(x.ecus), x.lastManifestAt ?? "never"]);
        const text = r.vehicles.length === 0 ? "No vehicles." : [...table([["vin", "profile", "ecus", "last manifest"], ...rows]), ...(r.nextAfter ? [`more: --after ${r.nextAfter}`] : [])].join("\n");
        return { data: r, text };
      }),
    );
  },
};

export const vehicleShowCommand: Command = {
  name: "vehicle show",
  summary: "one vehicle: each ECU's installed image, pending assignments, install history",
  usage: ["uptane vehicle show DIR VIN [--json]", "", "Each ECU's installed image and release counter (from its signed reports), the last manifest", "time, the assignments not yet confirmed, and the newest 50 install results."].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR", "VIN"],
  async run(parsed) {
    const [dir, vin] = parsed.positional as [string, string];
    return runReporting(parsed.flags.has("json"), () =>
      withDirector(dir, (director) => {
        const r = showVehicle(director.inventory, vin);
        const lines = [`Vehicle ${r.vin} (${r.profile}), registered ${r.registeredAt}, last manifest ${r.lastManifestAt ?? "never"}`];
        lines.push(...table([["ecu", "hardware", "installed", "counter", "reported"], ...r.ecus.map((e) => [e.serial + (e.primary ? " (primary)" : ""), e.hardwareId, e.installed ?? "nothing", String(e.releaseCounter), e.lastReportTime ?? "never"])]));
        lines.push("", r.pending.length === 0 ? "No pending assignments." : "Pending:");
        for (const p of r.pending) lines.push(`  ${p.ecuSerial}: ${p.target} (${p.status}${p.campaignId !== null ? `, campaign ${p.campaignId}` : ""})`);
        lines.push("", r.history.length === 0 ? "No install results." : "Install history (newest first):");
        for (const h of r.history) lines.push(`  ${h.reportedAt} ${h.ecuSerial}: ${h.target} ${h.success ? "installed" : `failed ${h.code}${h.detail ? `: ${h.detail}` : ""}`}`);
        return { data: r, text: lines.join("\n") };
      }),
    );
  },
};

export const alertsCommand: Command = {
  name: "alerts",
  summary: "list alerts, newest first: by vehicle or kind, or only those not acknowledged",
  usage: [
    "uptane alerts DIR [--vin VIN] [--kind KIND] [--open] [--before ID] [--limit N] [--json]",
    "",
    "Alerts the Director raised (attacks an ECU reported, refused reports, campaigns halted,",
    "rules broken, files that did not match what was signed, ...), newest first. --open: not",
    `acknowledged yet. --limit (default 100, at most ${MAX_LIST_PAGE}); the next page: --before the last ID.`,
    "Acknowledge one with `uptane alerts ack DIR ID`.",
  ].join("\n"),
  options: { values: { vin: {}, kind: {}, before: {}, limit: {} }, flags: ["json", "open"] },
  positionals: ["DIR"],
  async run(parsed) {
    const limit = optionInt(parsed, "limit", 100, MAX_LIST_PAGE);
    if (limit === 0) throw new UsageError("--limit must be at least 1");
    const before = parsed.values.before ? optionInt(parsed, "before") : undefined;
    return runReporting(parsed.flags.has("json"), () =>
      withDirector(parsed.positional[0]!, (director) => {
        const r = listAlerts(director.inventory, { limit, before, vin: parsed.values.vin?.[0], kind: parsed.values.kind?.[0], open: parsed.flags.has("open") });
        const lines = r.alerts.map((a) => `${a.id}  ${a.createdAt}  ${a.vin ?? "(backend)"}${a.ecuSerial ? ` ${a.ecuSerial}` : ""}  ${a.kind}${a.acknowledgedAt ? " (acknowledged)" : ""}: ${a.detail}`);
        if (r.nextBefore) lines.push(`more: --before ${r.nextBefore}`);
        return { data: r, text: lines.length === 0 ? "No alerts." : lines.join("\n") };
      }),
    );
  },
};

export const alertsAckCommand: Command = {
  name: "alerts ack",
  summary: "acknowledge an alert",
  usage: ["uptane alerts ack DIR ID [--json]", "", "Marks alert ID acknowledged (it stays listed; `uptane alerts --open` leaves it out)."].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR", "ID"],
  async run(parsed) {
    const [dir, raw] = parsed.positional as [string, string];
    if (!/^[1-9]\d{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`ID must be an alert number, got '${raw.slice(0, 24)}'`);
    return runReporting(parsed.flags.has("json"), () =>
      withDirector(dir, (director) => {
        const alert = acknowledgeAlert(director.inventory, Number(raw), isoTime(new Date()));
        return { data: { alert }, text: `Acknowledged alert ${alert.id} (${alert.kind})` };
      }),
    );
  },
};
