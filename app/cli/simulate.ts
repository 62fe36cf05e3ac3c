// `uptane simulate --config FILE --server URL`: runs a simulated vehicle (app/vehicle/)
// against a running backend and prints what each ECU did.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { optionInt, optionValue, UsageError, type Command } from "./command.ts";
import { parseVehicleConfig, VehicleConfigError } from "../vehicle/config.ts";
import { enrolVehicle } from "../vehicle/enrol.ts";
import { ProgressBars } from "../vehicle/progress.ts";
import { SUMMARY_LEGEND, summarise, summaryTable } from "../vehicle/summary.ts";
import { Vehicle, type VehicleCycleReport } from "../vehicle/vehicle.ts";
import { HttpFetcher } from "../../host/primary/fetcher.ts";
import { CliError } from "./errors.ts";
import { inputFile, inputFolder } from "./input-files.ts";

/** A bound on a loop the user starts: each cycle writes the vehicle's reports to the backend's database. */
const MAX_CYCLES = 1000;

export const simulateCommand: Command = {
  name: "simulate",
  summary: "run a simulated vehicle (Primary, Secondaries on CAN buses) against a running backend",
  usage: [
    "uptane simulate --config FILE --server URL [--ca FILE] [--state DIR] [--token-file FILE] [--offline BUNDLE] [--cycles N] [--json]",
    "",
    "Runs N update cycles (default 1) of the vehicle described in FILE against the backend at URL",
    "(`uptane serve` prints it): the Primary over HTTP, each Secondary over its simulated CAN bus.",
    "Progress bars for downloads and bus transfers go to stderr when it is a terminal; then a",
    "table per ECU: mode, bus, time in its verification module, bytes over the bus, simulated",
    "bus time, outcome.",
    "",
    "  --ca FILE          the CA of the server's certificate (DIR/tls/server-ca.pem); needed to",
    "                     enrol, then pinned in the state folder",
    "  --state DIR        the vehicle's persistent state (ECU keys, TLS key and certificate,",
    "                     flash, the Primary's store);",
    "                     default: a temporary folder removed afterwards",
    "  --token-file FILE  the backend's API token (DIR/keys/api-token), needed when the state",
    "                     folder holds no vehicle yet: the vehicle is then enrolled (keys made,",
    "                     registered with the Director, which issues its client certificate,",
    "                     roots taken from the server: trust on first use)",
    "  --offline BUNDLE   first install the PURE-2 offline update in BUNDLE (`uptane offline",
    "                     create`) without the network: the Primary verifies it, each full",
    "                     Secondary of a listed hardware ID gets it over its bus (README",
    "                     \"Offline updates\"); then the cycles, which report it to the Director",
    `  --cycles N         update cycles to run (default 1, 0 with --offline; at most ${MAX_CYCLES})`,
    "  --json             one JSON object: {ok, vin, cycles:[...], summary:[...]}",
    "",
    "Config (JSON):",
    '  {"vin": "VIN1", "primary": {"serial": "gw-1", "hardwareId": "gateway"},',
    '   "buses": {"chassis": {"bitrate": 500000, "fd": true, "dataBitrate": 2000000, "lossRate": 0.01}},',
    '   "secondaries": [{"serial": "brake-1", "hardwareId": "brake-ctl", "mode": "partial", "bus": "chassis"},',
    '                   {"serial": "cam-1", "hardwareId": "adas-cam", "mode": "full", "bus": "can-500k"}]}',
    "A Secondary's bus is a name from `buses` or a preset: can-500k, can-1m, canfd-2m, canfd-5m",
    "(CAN FD: 500k arbitration). Secondaries naming the same bus share it (at most 8).",
    "",
    "Exit status: 0 every cycle ran without a refusal, 1 an ECU refused something or the",
    "backend could not be reached, 2 bad usage or config.",
  ].join("\n"),
  options: { values: { config: {}, server: {}, ca: {}, state: {}, "token-file": {}, cycles: {}, offline: {} }, flags: ["json"] },
  async run(parsed) {
    const json = parsed.flags.has("json");
    const configFile = optionValue(parsed, "config");
    const server = optionValue(parsed, "server");
    if (!/^https:\/\/[^/]+/.test(server)) throw new UsageError(`--server must be an https:// URL (uptane serve prints it), got '${server}'`);
    const caFile = parsed.values.ca?.[0];
    const ca = caFile === undefined ? undefined : await readFile(inputFile(caFile, "--ca"), "utf8");
    const tokenFile = parsed.values["token-file"]?.[0];
    if (tokenFile !== undefined) inputFile(tokenFile, "--token-file");
    const offline = parsed.values.offline?.[0];
    if (offline !== undefined) inputFolder(offline, "--offline");
    const cycles = optionInt(parsed, "cycles", offline === undefined ? 1 : 0, MAX_CYCLES);
    if (cycles < 1 && offline === undefined) throw new UsageError("--cycles must be at least 1");
    let config;
    try {
      config = parseVehicleConfig(await readFile(inputFile(configFile, "--config"), "utf8"));
    } catch (e) {
      if (e instanceof VehicleConfigError) throw new CliError("invalid-config", `${configFile}: ${e.message}`);
      throw e;
    }
    const given = parsed.values.state?.[0];
    const stateDir = given ?? (await mkdtemp(join(tmpdir(), "uptane-vehicle-")));
    const say = (line: string) => {
      if (!json) console.log(line);
    };
    try {
      if (!Vehicle.isProvisioned(stateDir)) {
        if (!tokenFile) throw new UsageError(`${given ? `${stateDir} holds no vehicle yet` : "a new vehicle"} must be enrolled: give --token-file DIR/keys/api-token`);
        const token = (await readFile(tokenFile, "utf8")).trim();
        // It goes into an Authorization header: printable ASCII only (else Node's "Cannot convert argument to a ByteString").
        if (!/^[\x21-\x7e]+$/.test(token)) throw new CliError("unreadable-file", `--token-file ${tokenFile} holds no API token (printable ASCII without spaces, as DIR/keys/api-token)`);
        if (ca === undefined) throw new UsageError("enrolling needs --ca DIR/tls/server-ca.pem: the CA the server's certificate is checked against");
        await enrolVehicle(config, stateDir, server, token, ca);
        say(`Enrolled ${config.vin}: ECU keys made in ${stateDir}, registered with the Director, roots pinned (taken from ${server}).`);
      }
      const bars = new ProgressBars();
      const http = new HttpFetcher(server, { tls: Vehicle.tlsOptions(stateDir, ca) });
      const vehicle = await Vehicle.open(stateDir, { fetcher: http, config, onProgress: json ? undefined : bars.listener });
      const reports: VehicleCycleReport[] = [];
      for (let n = offline === undefined ? 1 : 0; n <= cycles; n++) {
        const report = n === 0 ? await vehicle.installOffline(offline!) : await vehicle.runCycle();
        bars.end();
        reports.push(report);
        const installed = report.ecus.filter((e) => e.outcome === "Installed").map((e) => `${e.serial} installed ${e.detail}`);
        const refused = report.ecus.filter((e) => !["Installed", "NoUpdate", "Verified", "NotServed"].includes(e.outcome)).map((e) => `${e.serial}: ${e.outcome} (${e.detail})`);
        const what = report.refusedBy === config.primary.serial ? `the Primary refused: ${report.outcome} (${report.detail})` : report.outcome === "TransportError" ? `backend unreachable: ${report.detail}` : [...installed, ...refused].join("; ") || "nothing to install";
        say(`${n === 0 ? "offline update" : `cycle ${n}`}: ${what}`);
      }
      http.close();
      const summary = summarise(reports);
      const result = { vin: config.vin, state: given ?? null, cycles: reports, summary };
      if (!json) {
        console.log("");
        console.log(summaryTable(summary));
        console.log(SUMMARY_LEGEND);
      }
      const unreachable = reports.findIndex((r) => r.outcome === "TransportError");
      const refused = reports.findIndex((r) => r.refusedBy !== null);
      const which = (i: number) => (offline === undefined ? `cycle ${i + 1}` : i === 0 ? "offline update" : `cycle ${i}`);
      if (unreachable >= 0) throw new CliError("unreachable", `${which(unreachable)}: backend unreachable: ${reports[unreachable]!.detail}`, json ? result : {});
      if (refused >= 0) {
        const ecu = reports[refused]!.ecus.find((e) => e.serial === reports[refused]!.refusedBy)!;
        throw new CliError("vehicle-refused", `${which(refused)}: ${ecu.serial} refused: ${ecu.outcome}${ecu.detail ? ` (${ecu.detail})` : ""}`, json ? result : {});
      }
      if (json) console.log(JSON.stringify({ ok: true, ...result }));
      return 0;
    } finally {
      if (!given) await rm(stateDir, { recursive: true, force: true });
    }
  },
};
