// `uptane alerts DIR` and `uptane alert ack DIR ID`: the alerts the console lists and
// acknowledges, from the command line under the same rules (README "Backend: OEM console").
import { UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { openInventory } from "../../backend/inventory/location.ts";
import { FleetView } from "../../backend/inventory/fleet-view.ts";
import { acknowledgeAlert, alertOf } from "../../backend/director/alerts.ts";
import { checkAccountName } from "../../backend/supplier-portal/accounts.ts";
import { isVin } from "../../model/identifiers.ts";
import { CliError } from "./errors.ts";

export const alertsCommand: Command = {
  name: "alerts",
  summary: "list alerts, newest first (open ones unless --state says otherwise)",
  usage: ["uptane alerts DIR [--vin VIN] [--kind KIND] [--state open|acknowledged|all] [--json]", "", "At most 50 alerts, newest first, and how many match in all."].join("\n"),
  options: { values: { vin: {}, kind: {}, state: {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const vin = parsed.values.vin?.[0];
    if (vin !== undefined && !isVin(vin)) throw new CliError("invalid-vin", `VIN '${vin}' is outside the rule (1-64 of letters, digits, _ -)`);
    const state = parsed.values.state?.[0] ?? "open";
    if (state !== "open" && state !== "acknowledged" && state !== "all") throw new UsageError(`--state must be open, acknowledged or all, got '${state}'`);
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const inventory = openInventory(dir);
      try {
        const { total, alerts } = new FleetView(inventory).alerts({ vin, kind: parsed.values.kind?.[0], state });
        const lines = alerts.map((a) => `${a.id}  ${a.created_at}  ${a.vin || "(backend)"}  ${a.ecu_serial ?? "-"}  ${a.kind}: ${a.detail}${a.acknowledged_at ? `  [acknowledged by ${a.acknowledged_by}]` : ""}`);
        return { data: { total, alerts: alerts.map(alertOf) }, text: [`${total} alert(s) match${alerts.length < total ? ` (newest ${alerts.length} shown)` : ""}.`, ...lines].join("\n") };
      } finally {
        inventory.close();
      }
    });
  },
};

export const alertAckCommand: Command = {
  name: "alert ack",
  summary: "acknowledge an alert (it stays listed, with who and when)",
  usage: ["uptane alert ack DIR ID [--by NAME] [--json]", "", "NAME (default: cli) is recorded as who acknowledged it. Refused when there is no alert ID or it is acknowledged already."].join("\n"),
  options: { values: { by: {} }, flags: ["json"] },
  positionals: ["DIR", "ID"],
  async run(parsed) {
    const [dir, raw] = parsed.positional as [string, string];
    if (!/^[1-9]\d{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`ID must be an alert number, got '${raw}'`);
    const by = parsed.values.by?.[0] ?? "cli";
    checkAccountName(by);
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const inventory = openInventory(dir);
      try {
        const alert = alertOf(acknowledgeAlert(inventory, Number(raw), by, new Date()));
        return { data: { alert }, text: `Alert ${alert.id} (${alert.kind}, ${alert.vin || "backend"}) acknowledged by ${by}.` };
      } finally {
        inventory.close();
      }
    });
  },
};
