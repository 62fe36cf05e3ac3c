// `uptane vehicle add DIR --vin VIN --ecu SERIAL:HARDWARE_ID:PUBKEY_FILE[:primary] ...
//  [--tls-public-key FILE --tls-cert-out FILE]`, or `--profile aktualizr` without ECUs.
import { readFileSync, writeFileSync } from "node:fs";
import { optionValue, UsageError, type Command } from "./command.ts";
import { pendingLine, runReporting } from "./output.ts";
import { openDirector } from "../../backend/director/part.ts";
import { readEcuPublicKey } from "../../backend/director/public-key-file.ts";
import { requireBackend } from "./backend-dir.ts";
import { issueVehicleCertificate } from "../../backend/tls/vehicle-certificates.ts";
import { checkTlsPublicKey } from "../../backend/tls/x509.ts";
import { CliError } from "./errors.ts";
import { inputFile, outputFile } from "./input-files.ts";

export const vehicleAddCommand: Command = {
  name: "vehicle add",
  summary: "register a vehicle and its ECUs (serial, hardware ID, public key) in the inventory",
  usage: [
    "uptane vehicle add DIR --vin VIN --ecu SERIAL:HARDWARE_ID:PUBKEY_FILE[:primary] [--ecu ...]",
    "    [--tls-public-key FILE --tls-cert-out FILE] [--json]",
    "uptane vehicle add DIR --vin VIN --profile aktualizr --tls-public-key FILE --tls-cert-out FILE",
    "",
    "Registers vehicle VIN with its ECUs in DIR's inventory database and publishes its first",
    "Director metadata (empty targets made for VIN). Exactly one ECU is marked `:primary`.",
    "PUBKEY_FILE holds the ECU's Ed25519 public key: PEM (SPKI), a TUF key JSON object, or",
    "64 hex characters. The same is available over HTTP: POST /director/api/vehicles",
    "(Authorization: Bearer TOKEN, the token in DIR/keys/api-token).",
    "",
    "--tls-public-key FILE: the vehicle's TLS public key (ECDSA P-256, PEM; `uptane primary",
    "init` writes STATE/tls-key.pub.pem). A client certificate naming VIN, issued by the",
    "backend's vehicle CA, is written to --tls-cert-out: the vehicle's credential for",
    "`uptane serve` (revoked by `uptane vehicle revoke`).",
    "",
    "--profile aktualizr: the vehicle runs aktualizr (README \"Serving aktualizr\"). It is",
    "added without --ecu: on its first run the device registers its ECUs and keys itself,",
    "identified by the client certificate issued here (CN = VIN), which it needs.",
  ].join("\n"),
  options: { values: { vin: {}, ecu: { repeat: true }, "tls-public-key": {}, "tls-cert-out": {}, profile: {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const vin = optionValue(parsed, "vin");
    const specs = parsed.values.ecu ?? [];
    const profile = parsed.values.profile?.[0] ?? "uptane";
    if (profile !== "uptane" && profile !== "aktualizr") throw new UsageError(`--profile ${profile}: expected uptane or aktualizr`);
    if (profile === "uptane" && specs.length === 0) throw new UsageError("at least one --ecu SERIAL:HARDWARE_ID:PUBKEY_FILE[:primary] is required");
    if (profile === "aktualizr" && specs.length > 0) throw new UsageError("--profile aktualizr takes no --ecu: the device registers its ECUs itself");
    if (profile === "aktualizr" && parsed.values["tls-public-key"] === undefined) throw new UsageError("--profile aktualizr needs --tls-public-key and --tls-cert-out: the device is identified by its client certificate");
    const ecus = specs.map((spec) => {
      const parts = spec.split(":");
      const primary = parts.length === 4 && parts[3] === "primary";
      if (parts.length !== 3 && !primary) throw new UsageError(`--ecu ${spec}: expected SERIAL:HARDWARE_ID:PUBKEY_FILE[:primary]`);
      return { serial: parts[0]!, hardwareId: parts[1]!, keyFile: inputFile(parts[2]!, `--ecu ${spec}: PUBKEY_FILE`), primary };
    });
    const tlsKeyFile = parsed.values["tls-public-key"]?.[0];
    const certOut = parsed.values["tls-cert-out"]?.[0];
    if ((tlsKeyFile === undefined) !== (certOut === undefined)) throw new UsageError("--tls-public-key and --tls-cert-out go together");
    if (tlsKeyFile !== undefined) inputFile(tlsKeyFile, "--tls-public-key");
    if (certOut !== undefined) outputFile(certOut, "--tls-cert-out"); // before the vehicle is registered
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const registrations = ecus.map((e) => ({ serial: e.serial, hardwareId: e.hardwareId, publicKeyHex: readEcuPublicKey(e.keyFile), primary: e.primary }));
      let tlsPublicKey: string | undefined;
      if (tlsKeyFile !== undefined) {
        tlsPublicKey = readFileSync(tlsKeyFile, "utf8");
        try {
          checkTlsPublicKey(tlsPublicKey); // before anything is registered
        } catch (e) {
          throw new CliError("invalid-tls-key", `--tls-public-key ${tlsKeyFile}: ${(e as Error).message}`);
        }
      }
      const director = openDirector(dir);
      let certificate;
      let publication;
      try {
        publication = director.addVehicle(vin, registrations, profile);
        if (tlsPublicKey !== undefined) {
          certificate = await issueVehicleCertificate(dir, director.inventory, vin, tlsPublicKey);
          writeFileSync(certOut!, certificate.certPem);
        }
      } finally {
        director.close();
      }
      const cert = certificate ? `; client certificate (serial ${certificate.serial}, valid to ${certificate.notAfter}) in ${certOut}` : "; no client certificate issued (no --tls-public-key): it cannot connect to uptane serve over TLS";
      return {
        data: { vin, profile, ...publication, ecus: registrations.map((r) => ({ serial: r.serial, hardwareId: r.hardwareId, primary: r.primary })), ...(certificate ? { tlsCertificate: certOut, tlsCertificateSerial: certificate.serial } : {}) },
        text: (profile === "aktualizr"
          ? `Registered ${vin} for aktualizr (its ECUs register on its first run)${cert}`
          : `Registered ${vin} with ${registrations.length} ECU(s): ${registrations.map((r) => `${r.serial} (${r.hardwareId}${r.primary ? ", primary" : ""})`).join(", ")}${cert}`) + pendingLine(publication ?? {}),
      };
    });
  },
};
