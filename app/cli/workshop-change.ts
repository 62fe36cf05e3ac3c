// `uptane workshop change URL VIN ACTION ...` and `uptane workshop show URL VIN`: a workshop
// records the changes it made to a vehicle through the workshop API (README "Backend: vehicle
// lifecycle"), with its own account's credentials over HTTPS; no access to the backend folder.
import { readFileSync } from "node:fs";
import { optionValue, UsageError, type Command, type ParsedArgs } from "./command.ts";
import { runReporting } from "./output.ts";
import { inputFile } from "./input-files.ts";
import { CliError, isErrorCode } from "./errors.ts";
import { readEcuPublicKey } from "../../backend/director/public-key-file.ts";
import { VEHICLE_CHANGES } from "../../backend/director/vehicle-lifecycle.ts";
import { DirectorApiError, requestJson } from "../vehicle/director-api.ts";

const CREDENTIALS = ["ca", "account", "password-file"];

interface Door {
  url: string;
  ca: string;
  authorization: string;
}

/** The server, its CA and the account's credentials, checked before anything is sent. */
function door(parsed: ParsedArgs): () => Door {
  const url = parsed.positional[0]!;
  if (!/^https:\/\/[^/]+/.test(url)) throw new UsageError(`URL ${url}: the workshop API is served over https:// only`);
  const ca = inputFile(optionValue(parsed, "ca"), "--ca");
  const account = optionValue(parsed, "account");
  const passwordFile = inputFile(optionValue(parsed, "password-file"), "--password-file");
  return () => {
    const password = readFileSync(passwordFile, "utf8").replace(/\r?\n$/, "");
    return { url: url.replace(/\/+$/, ""), ca: readFileSync(ca, "utf8"), authorization: `Basic ${Buffer.from(`${account}:${password}`).toString("base64")}` };
  };
}

async function call(d: Door, path: string, body: unknown | undefined): Promise<Record<string, unknown>> {
  try {
    return await requestJson(`${d.url}/director/workshop/${path}`, d.ca, d.authorization, body, "the workshop API");
  } catch (e) {
    if (!(e instanceof DirectorApiError)) throw e;
    if (e.status === 0) throw new CliError("unreachable", e.message);
    throw new CliError(isErrorCode(e.code) ? e.code : "failed", e.message);
  }
}

const credentialHelp = [
  "--ca FILE: the backend's server CA (DIR/tls/server-ca.pem); --account NAME and",
  "--password-file FILE: the workshop account `uptane workshop account add` made (the file",
  "holds the password; it is sent as HTTP Basic credentials over HTTPS only).",
];

export const workshopChangeCommand: Command = {
  name: "workshop change",
  summary: "a workshop records a vehicle change through the workshop API with its own account",
  usage: [
    "uptane workshop change URL VIN ACTION [--serial SERIAL] [--ecu SERIAL:HARDWARE_ID:PUBKEY_FILE]",
    "    --ca FILE --account NAME --password-file FILE [--json]",
    "",
    `ACTION: ${VEHICLE_CHANGES.join(", ")} (as \`uptane vehicle ACTION\` on the backend folder):`,
    "replace-ecu takes --serial (the ECU taken out) and --ecu (the part fitted), replace-primary and",
    "add-ecu take --ecu, remove-ecu takes --serial, decommission takes neither. Recorded in the",
    "vehicle's history with workshop:NAME as who made it.",
    "",
    ...credentialHelp,
  ].join("\n"),
  options: { values: { serial: {}, ecu: {}, ...Object.fromEntries(CREDENTIALS.map((c) => [c, {}])) }, flags: ["json"] },
  positionals: ["URL", "VIN", "ACTION"],
  async run(parsed) {
    const [, vin, action] = parsed.positional as [string, string, string];
    if (!(VEHICLE_CHANGES as readonly string[]).includes(action)) throw new UsageError(`ACTION ${action}: one of ${VEHICLE_CHANGES.join(", ")}`);
    const needs = { serial: action === "replace-ecu" || action === "remove-ecu", ecu: action === "replace-ecu" || action === "replace-primary" || action === "add-ecu" };
    for (const o of ["serial", "ecu"] as const) {
      if (needs[o] && parsed.values[o] === undefined) throw new UsageError(`${action} needs --${o}`);
      if (!needs[o] && parsed.values[o] !== undefined) throw new UsageError(`${action} takes no --${o}`);
    }
    let ecu: (() => { serial: string; hardwareId: string; publicKey: string }) | undefined;
    if (needs.ecu) {
      const spec = optionValue(parsed, "ecu");
      const parts = spec.split(":");
      if (parts.length !== 3) throw new UsageError(`--ecu ${spec}: expected SERIAL:HARDWARE_ID:PUBKEY_FILE`);
      const file = inputFile(parts[2]!, `--ecu ${spec}: PUBKEY_FILE`);
      ecu = () => ({ serial: parts[0]!, hardwareId: parts[1]!, publicKey: readEcuPublicKey(file) });
    }
    const server = door(parsed);
    return runReporting(parsed.flags.has("json"), async () => {
      const body = { ...(needs.serial ? { serial: optionValue(parsed, "serial") } : {}), ...(ecu ? { ecu: ecu() } : {}) };
      const answer = await call(server(), `vehicles/${encodeURIComponent(vin)}/${action}`, body);
      const change = answer.change as { actor: string; ecuSerial: string | null; at: string };
      return { data: answer, text: `${vin}: ${action}${change.ecuSerial ? ` (ECU ${change.ecuSerial})` : ""} recorded by ${change.actor} at ${change.at}` };
    });
  },
};

export const workshopShowCommand: Command = {
  name: "workshop show",
  summary: "a workshop reads a vehicle's record (ECUs, held ones, history, alerts) through the workshop API",
  usage: ["uptane workshop show URL VIN --ca FILE --account NAME --password-file FILE [--json]", "", ...credentialHelp].join("\n"),
  options: { values: Object.fromEntries(CREDENTIALS.map((c) => [c, {}])), flags: ["json"] },
  positionals: ["URL", "VIN"],
  async run(parsed) {
    const vin = parsed.positional[1]!;
    const server = door(parsed);
    return runReporting(parsed.flags.has("json"), async () => {
      const r = await call(server(), `vehicles/${encodeURIComponent(vin)}`, undefined);
      const ecus = r.ecus as Array<{ serial: string; hardwareId: string; primary: boolean; installed: string | null; held: string | null }>;
      const lines = [`${vin}${r.decommissionedAt ? ` (decommissioned ${r.decommissionedAt})` : ""}`, ...ecus.map((e) => `  ${e.serial}  ${e.hardwareId}${e.primary ? "  primary" : ""}  ${e.installed ?? "nothing installed"}${e.held ? `  HELD: ${e.held}` : ""}`)];
      return { data: r, text: lines.join("\n") };
    });
  },
};
