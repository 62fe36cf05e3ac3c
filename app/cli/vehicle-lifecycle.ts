// `uptane vehicle replace-ecu / replace-primary / add-ecu / remove-ecu / decommission / history`:
// a vehicle's changes after registration recorded in the inventory from the backend folder
// (README "Backend: vehicle lifecycle"); a workshop records the same through the workshop API
// with its own account. Each change is recorded with `cli:USER` as who made it.
import { optionValue, UsageError, type Command, type ParsedArgs } from "./command.ts";
import { pendingLine, runReporting } from "./output.ts";
import { openDirector } from "../../backend/director/part.ts";
import { readEcuPublicKey } from "../../backend/director/public-key-file.ts";
import { vehicleRecord, type FittedEcu, type HistoryEntry, type VehicleChange } from "../../backend/director/vehicle-lifecycle.ts";
import { requireBackend } from "./backend-dir.ts";
import { cliActor } from "./actor.ts";
import { inputFile } from "./input-files.ts";

/** `--ecu SERIAL:HARDWARE_ID:PUBKEY_FILE`, the file checked now; the key read when the command runs. */
function ecuOption(parsed: ParsedArgs): () => FittedEcu {
  const spec = optionValue(parsed, "ecu");
  const parts = spec.split(":");
  if (parts.length !== 3) throw new UsageError(`--ecu ${spec}: expected SERIAL:HARDWARE_ID:PUBKEY_FILE`);
  const file = inputFile(parts[2]!, `--ecu ${spec}: PUBKEY_FILE`);
  return () => ({ serial: parts[0]!, hardwareId: parts[1]!, publicKeyHex: readEcuPublicKey(file) });
}

function describe(e: HistoryEntry): string {
  const d = e.detail as { old?: { serial: string }; new?: { serial: string; hardwareId: string; keyid: string }; certificatesRevoked?: number };
  switch (e.action) {
    case "replace-ecu":
    case "replace-primary":
      return `replaced ${d.old!.serial} by ${d.new!.serial} (${d.new!.hardwareId}, key ${d.new!.keyid.slice(0, 16)}...): ${d.old!.serial}'s key no longer counts`;
    case "add-ecu":
      return `added ${d.new!.serial} (${d.new!.hardwareId}, key ${d.new!.keyid.slice(0, 16)}...)`;
    case "remove-ecu":
      return `removed ${d.old!.serial}: its key no longer counts`;
    case "decommission":
      return `decommissioned: its metadata is no longer served and its manifests are refused; ${d.certificatesRevoked} client certificate(s) revoked`;
  }
}

function changeCommand(name: VehicleChange["action"], summary: string, synopsis: string, help: string[], build: (parsed: ParsedArgs) => () => VehicleChange, values: string[]): Command {
  return {
    name: `vehicle ${name}`,
    summary,
    usage: [`uptane vehicle ${name} DIR VIN ${synopsis}[--json]`, "", ...help, "", "Recorded in the vehicle's history with who made it (cli:USER) and when: `uptane vehicle history`.", "A workshop records the same with its own account: POST /director/workshop/vehicles/VIN/" + name + "."].join("\n"),
    options: { values: Object.fromEntries(values.map((v) => [v, {}])), flags: ["json"] },
    positionals: ["DIR", "VIN"],
    async run(parsed) {
      const [dir, vin] = parsed.positional as [string, string];
      const change = build(parsed);
      return runReporting(parsed.flags.has("json"), async () => {
        await requireBackend(dir);
        const built = change();
        const director = openDirector(dir);
        try {
          const r = director.recordVehicleChange(vin, built, cliActor());
          return { data: { ...r }, text: `${vin}: ${describe(r.change)}${pendingLine(r)}` };
        } finally {
          director.close();
        }
      });
    },
  };
}

export const vehicleReplaceEcuCommand = changeCommand(
  "replace-ecu",
  "record a replaced Secondary ECU (new serial, hardware ID and key; the old key stops counting)",
  "--serial OLD --ecu SERIAL:HARDWARE_ID:PUBKEY_FILE ",
  [
    "Records that ECU OLD of VIN was replaced by SERIAL (SERIAL may be OLD when the new part",
    "keeps the serial; the key must be new). From this moment a report signed by OLD's key is",
    "refused with an alert; assignments still open for OLD end. An ECU held because it",
    "reported with another key (see `vehicle history`) is released by recording its replacement.",
  ],
  (parsed) => {
    const serial = optionValue(parsed, "serial");
    const ecu = ecuOption(parsed);
    return () => ({ action: "replace-ecu", serial, ecu: ecu() });
  },
  ["serial", "ecu"],
);

export const vehicleReplacePrimaryCommand = changeCommand(
  "replace-primary",
  "record a replaced Primary ECU: manifests signed by the old Primary are refused",
  "--ecu SERIAL:HARDWARE_ID:PUBKEY_FILE ",
  ["Records that VIN's Primary was replaced by SERIAL with its own key; the old Primary's", "manifests are refused from this moment (unknown-primary)."],
  (parsed) => {
    const ecu = ecuOption(parsed);
    return () => ({ action: "replace-primary", ecu: ecu() });
  },
  ["ecu"],
);

export const vehicleAddEcuCommand = changeCommand(
  "add-ecu",
  "record a Secondary ECU fitted to a registered vehicle",
  "--ecu SERIAL:HARDWARE_ID:PUBKEY_FILE ",
  ["Records Secondary SERIAL (hardware ID, Ed25519 public key) as part of VIN."],
  (parsed) => {
    const ecu = ecuOption(parsed);
    return () => ({ action: "add-ecu", ecu: ecu() });
  },
  ["ecu"],
);

export const vehicleRemoveEcuCommand = changeCommand(
  "remove-ecu",
  "record a Secondary ECU taken out of a vehicle (its key stops counting)",
  "--serial SERIAL ",
  ["Records that Secondary SERIAL left VIN: its reports are refused with an alert from now on,", "and its open assignments end. The Primary is replaced, never removed."],
  (parsed) => {
    const serial = optionValue(parsed, "serial");
    return () => ({ action: "remove-ecu", serial });
  },
  ["serial"],
);

export const vehicleDecommissionCommand = changeCommand(
  "decommission",
  "retire a vehicle: its metadata is no longer served, its manifests refused",
  "",
  ["Retires VIN: its Director metadata is no longer served and its manifests are refused", "(410 decommissioned), its client certificates are revoked, its open assignments end, and", "campaigns pass it by. The inventory keeps its records."],
  () => () => ({ action: "decommission" }),
  [],
);

export const vehicleHistoryCommand: Command = {
  name: "vehicle history",
  summary: "a vehicle's lifecycle: its ECUs (held ones with why), the changes workshops recorded, its newest alerts",
  usage: [
    "uptane vehicle history DIR VIN [--json]",
    "",
    "Prints VIN's current ECUs (an ECU is held, and gets no update, when it reported with",
    "another key than the registered one, until a workshop records the change), the changes",
    "workshops recorded (who, when) and the newest alerts.",
  ].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR", "VIN"],
  async run(parsed) {
    const [dir, vin] = parsed.positional as [string, string];
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const director = openDirector(dir);
      try {
        const r = vehicleRecord(director.inventory, vin);
        const lines = [`${vin}${r.decommissionedAt ? ` (decommissioned ${r.decommissionedAt})` : ""}`];
        for (const e of r.ecus) lines.push(`  ${e.serial}  ${e.hardwareId}${e.primary ? "  primary" : ""}  ${e.installed ?? "nothing installed"}${e.held ? `  HELD: ${e.held}` : ""}`);
        if (r.history.length > 0) lines.push("History:", ...r.history.map((h) => `  ${h.at}  ${h.actor}  ${describe(h)}`));
        if (r.alerts.length > 0) lines.push("Newest alerts:", ...r.alerts.slice(-10).map((a) => `  ${a.at}  ${a.kind}${a.ecuSerial ? ` ${a.ecuSerial}` : ""}: ${a.detail}`));
        return { data: { ...r }, text: lines.join("\n") };
      } finally {
        director.close();
      }
    });
  },
};
