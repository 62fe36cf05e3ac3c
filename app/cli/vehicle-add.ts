// `uptane vehicle add DIR --vin VIN --ecu SERIAL:HARDWARE_ID:PUBKEY_FILE[:primary] ...
//  [--encryption-key SERIAL:FILE] [--shared-encryption-key SERIAL:FILE]
//  [--tls-public-key FILE --tls-cert-out FILE]`, or `--profile aktualizr` without ECUs.
import { readFileSync, writeFileSync } from "node:fs";
import { optionValue, UsageError, type Command } from "./command.ts";
import { pendingLine, runReporting } from "./output.ts";
import { openDirector } from "../../backend/director/part.ts";
import type { EcuRegistration } from "../../backend/director/director.ts";
import { METHOD_SHARED, METHOD_X25519 } from "../../model/image-encryption.ts";
import { readEcuPublicKey } from "../../backend/director/public-key-file.ts";
import { requireBackend } from "./backend-dir.ts";
import { issueVehicleCertificate } from "../../backend/tls/vehicle-certificates.ts";
import { checkTlsPublicKey } from "../../backend/tls/x509.ts";
import { CliError } from "./errors.ts";
import { inputFile, outputFile } from "./input-files.ts";
import { KeyServiceError, readSharedKey, readX25519PublicKey } from "../../backend/keyservice/keyservice.ts";

export const vehicleAddCommand: Command = {
  name: "vehicle add",
  summary: "register a vehicle and its ECUs (serial, hardware ID, public key) in the inventory",
  usage: [
    "uptane vehicle add DIR --vin VIN --ecu SERIAL:HARDWARE_ID:PUBKEY_FILE[:primary] [--ecu ...]",
    "    [--encryption-key SERIAL:FILE ...] [--shared-encryption-key SERIAL:FILE ...]",
    "    [--tls-public-key FILE --tls-cert-out FILE] [--json]",
    "uptane vehicle add DIR --vin VIN --profile aktualizr --tls-public-key FILE --tls-cert-out FILE",
    "",
    "Registers vehicle VIN with its ECUs in DIR's inventory database and publishes its first",
    "Director metadata (empty targets made for VIN). Exactly one ECU is marked `:primary`.",
    "PUBKEY_FILE holds the ECU's Ed25519 public key: PEM (SPKI), a TUF key JSON object, or",
    "64 hex characters. The same is available over HTTP: POST /director/api/vehicles",
    "(Authorization: Bearer TOKEN, the token in DIR/keys/api-token).",
    "",
    "--encryption-key SERIAL:FILE: ECU SERIAL (one of the --ecu) gets its images encrypted",
    "for it (README \"Per-ECU image encryption\"): FILE holds its X25519 public encryption key,",
    "PEM (SPKI) or 64 hex characters, a different key from its signing key. Over HTTP:",
    "`encryptionKey` (64 hex) in the ECU's object.",
    "--shared-encryption-key SERIAL:FILE: the same with an AES-128 key the ECU shares with the",
    "OEM (a SHE-class ECU): FILE holds 16 raw bytes or 32 hex characters. It goes to the key",
    "service's store (DIR/keyservice/, 0600), never to the inventory; delete FILE afterwards.",
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
  options: { values: { vin: {}, ecu: { repeat: true }, "encryption-key": { repeat: true }, "shared-encryption-key": { repeat: true }, "tls-public-key": {}, "tls-cert-out": {}, profile: {} }, flags: ["json"] },
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
    // --encryption-key / --shared-encryption-key SERIAL:FILE, SERIAL one of the --ecu, one key per ECU.
    const encryptionKeys = new Map<string, { kind: "x25519" | "shared"; file: string }>();
    for (const [option, kind] of [["encryption-key", "x25519"], ["shared-encryption-key", "shared"]] as const) {
      for (const spec of parsed.values[option] ?? []) {
        const at = spec.indexOf(":");
        if (at <= 0 || at === spec.length - 1) throw new UsageError(`--${option} ${spec}: expected SERIAL:FILE`);
        const serial = spec.slice(0, at);
        if (!ecus.some((e) => e.serial === serial)) throw new UsageError(`--${option} ${spec}: ${serial} is not one of the --ecu serials`);
        if (encryptionKeys.has(serial)) throw new UsageError(`--${option} ${spec}: ECU ${serial} has an encryption key already (one per ECU)`);
        encryptionKeys.set(serial, { kind, file: inputFile(spec.slice(at + 1), `--${option} ${spec}: FILE`) });
      }
    }
    const tlsKeyFile = parsed.values["tls-public-key"]?.[0];
    const certOut = parsed.values["tls-cert-out"]?.[0];
    if ((tlsKeyFile === undefined) !== (certOut === undefined)) throw new UsageError("--tls-public-key and --tls-cert-out go together");
    if (tlsKeyFile !== undefined) inputFile(tlsKeyFile, "--tls-public-key");
    if (certOut !== undefined) outputFile(certOut, "--tls-cert-out"); // before the vehicle is registered
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const registrations: EcuRegistration[] = ecus.map((e) => ({ serial: e.serial, hardwareId: e.hardwareId, publicKeyHex: readEcuPublicKey(e.keyFile), primary: e.primary }));
      for (const r of registrations) {
        const k = encryptionKeys.get(r.serial);
        if (!k) continue;
        const bytes = readFileSync(k.file);
        try {
          if (k.kind === "x25519") r.encryptionKey = readX25519PublicKey(bytes);
          else r.sharedEncryptionKey = readSharedKey(bytes);
        } catch (e) {
          if (e instanceof KeyServiceError) throw new KeyServiceError(e.code, `${k.kind === "x25519" ? "--encryption-key" : "--shared-encryption-key"} ${r.serial}:${k.file}: ${e.message}`);
          throw e;
        } finally {
          bytes.fill(0);
        }
      }
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
        try {
          publication = director.addVehicle(vin, registrations, profile);
        } finally {
          for (const r of registrations) r.sharedEncryptionKey?.fill(0); // held by the key service now, or refused
        }
        if (tlsPublicKey !== undefined) {
          certificate = await issueVehicleCertificate(dir, director.inventory, vin, tlsPublicKey);
          writeFileSync(certOut!, certificate.certPem);
        }
      } finally {
        director.close();
      }
      const cert = certificate ? `; client certificate (serial ${certificate.serial}, valid to ${certificate.notAfter}) in ${certOut}` : "; no client certificate issued (no --tls-public-key): it cannot connect to uptane serve over TLS";
      return {
        data: { vin, profile, ...publication, ecus: registrations.map((r) => ({ serial: r.serial, hardwareId: r.hardwareId, primary: r.primary, encryption: encryptionOf(r) })), ...(certificate ? { tlsCertificate: certOut, tlsCertificateSerial: certificate.serial } : {}) },
        text: (profile === "aktualizr"
          ? `Registered ${vin} for aktualizr (its ECUs register on its first run)${cert}`
          : `Registered ${vin} with ${registrations.length} ECU(s): ${registrations.map((r) => `${r.serial} (${r.hardwareId}${r.primary ? ", primary" : ""}${encryptionOf(r) ? `, images encrypted: ${encryptionOf(r)}` : ""})`).join(", ")}${cert}`) + pendingLine(publication ?? {}),
      };
    });
  },
};

/** The encryption method an ECU's registration asks for, or null (README "Per-ECU image encryption"). */
function encryptionOf(r: EcuRegistration): string | null {
  return r.encryptionKey ? METHOD_X25519 : r.sharedEncryptionKey ? METHOD_SHARED : null;
}
