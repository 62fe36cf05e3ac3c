// `uptane vehicle add DIR --vin VIN --ecu SERIAL:HARDWARE_ID:PUBKEY_FILE[:primary] ...`
import { optionValue, UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { openDirector } from "../../backend/director/part.ts";
import { readEd25519PublicKeyHex } from "../../backend/director/public-key-file.ts";
import { requireBackend } from "./backend-dir.ts";

export const vehicleAddCommand: Command = {
  name: "vehicle add",
  summary: "register a vehicle and its ECUs (serial, hardware ID, public key) in the inventory",
  usage: [
    "uptane vehicle add DIR --vin VIN --ecu SERIAL:HARDWARE_ID:PUBKEY_FILE[:primary] [--ecu ...] [--json]",
    "",
    "Registers vehicle VIN with its ECUs in DIR's inventory database and publishes its first",
    "Director metadata (empty targets made for VIN). Exactly one ECU is marked `:primary`.",
    "PUBKEY_FILE holds the ECU's Ed25519 public key: PEM (SPKI), a TUF key JSON object, or",
    "64 hex characters. The same is available over HTTP: POST /director/api/vehicles",
    "(Authorization: Bearer TOKEN, the token in DIR/keys/api-token).",
  ].join("\n"),
  options: { values: { vin: {}, ecu: { repeat: true } }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const vin = optionValue(parsed, "vin");
    const specs = parsed.values.ecu ?? [];
    if (specs.length === 0) throw new UsageError("at least one --ecu SERIAL:HARDWARE_ID:PUBKEY_FILE[:primary] is required");
    const ecus = specs.map((spec) => {
      const parts = spec.split(":");
      const primary = parts.length === 4 && parts[3] === "primary";
      if (parts.length !== 3 && !primary) throw new UsageError(`--ecu ${spec}: expected SERIAL:HARDWARE_ID:PUBKEY_FILE[:primary]`);
      return { serial: parts[0]!, hardwareId: parts[1]!, keyFile: parts[2]!, primary };
    });
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const registrations = ecus.map((e) => ({ serial: e.serial, hardwareId: e.hardwareId, publicKeyHex: readEd25519PublicKeyHex(e.keyFile), primary: e.primary }));
      const director = openDirector(dir);
      try {
        director.addVehicle(vin, registrations);
      } finally {
        director.close();
      }
      return {
        data: { vin, ecus: registrations.map((r) => ({ serial: r.serial, hardwareId: r.hardwareId, primary: r.primary })) },
        text: `Registered ${vin} with ${registrations.length} ECU(s): ${registrations.map((r) => `${r.serial} (${r.hardwareId}${r.primary ? ", primary" : ""})`).join(", ")}`,
      };
    });
  },
};
