// aktualizr's vehicle manifest (`PUT {director}/manifest`), checked against the inventory
// and turned into the reports our manifests give the Director (README "Serving aktualizr"):
//   {"signatures": [{keyid, method: "ed25519", sig: BASE64}],          by the Primary's key
//    "signed": {"primary_ecu_serial": S,
//               "ecu_version_manifests": {SERIAL: {"signatures": [...], "signed": {
//                   "ecu_serial", "installed_image": {"filepath", "fileinfo": {"length", "hashes": {"sha256"}}},
//                   "attacks_detected", "report_counter": "N", ...}}},
//               "installation_report"?: {"report": {"correlation_id",
//                   "items": [{"ecu", "result": {"success", "code", "description"}}]}}}}
// It carries no nonce and no release counter: a report counter not above the ECU's last
// accepted one is a replay; the release counter is the assigned image's when the installed
// image is the assigned one, otherwise the one on record (never lowered by a report).
import type { EcuRow, Inventory } from "../inventory/inventory.ts";
import type { AcceptedReport, CheckedManifest, DiscardedReport } from "../director/manifest.ts";
import { Refused } from "../director/errors.ts";
import { signedBy } from "../director/signature-check.ts";
import { sameImage } from "../../model/same-image.ts";
import { clip, MAX_INSTALL_CODE, MAX_REPORT_TEXT, MAX_REPORTS_PER_MANIFEST, MAX_SIGNATURES, type EcuVersionReportSigned, type ImageFileInfo, type InstallResult } from "../../model/manifest-format.ts";
import { isoTime } from "../../model/iso-time.ts";
import { isEcuSerial, isTargetName } from "../../model/identifiers.ts";

/** What aktualizr reports for an ECU with nothing installed (its "unknown" target: no name, no bytes). */
const UNKNOWN_TARGET = "unknown";
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** The correlation id the dialect's Director targets carry for a bundle; aktualizr echoes it in its installation report. */
export function correlationIdOf(bundle: number): string {
  return `bundle-${bundle}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function invalid(detail: string): Refused {
  return new Refused(400, "invalid-manifest", detail);
}

interface ParsedReport {
  serial: string;
  counter: number;
  installed: ImageFileInfo | null;
  attacksDetected: string;
}

/** Why one ECU's report is malformed, or its content. */
function parseReport(serialKey: string, r: unknown): ParsedReport | string {
  if (!isObject(r) || !Array.isArray(r.signatures) || r.signatures.length > MAX_SIGNATURES || !isObject(r.signed)) return "report is not a signed envelope";
  const s = r.signed;
  if (s.ecu_serial !== serialKey) return `ecu_serial is not ${serialKey}, the key it is reported under`;
  if (typeof s.report_counter !== "string" || !/^[1-9]\d{0,14}$/.test(s.report_counter)) return "report_counter must be a positive decimal string";
  const attacks = s.attacks_detected ?? "";
  if (typeof attacks !== "string" || attacks.length > MAX_REPORT_TEXT) return `attacks_detected must be a string of at most ${MAX_REPORT_TEXT} characters`;
  const i = s.installed_image;
  if (!isObject(i) || !isObject(i.fileinfo) || !isObject(i.fileinfo.hashes)) return "installed_image must be {filepath, fileinfo: {length, hashes}}";
  const { filepath } = i;
  const { length, hashes } = i.fileinfo;
  const sha256 = hashes.sha256;
  if (typeof filepath !== "string" || typeof length !== "number" || !Number.isSafeInteger(length) || length < 0 || typeof sha256 !== "string" || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    return "installed_image needs a filepath, a length and a sha256 hash";
  }
  const none = filepath === UNKNOWN_TARGET && length === 0 && sha256.toLowerCase() === EMPTY_SHA256;
  if (!none && !isTargetName(filepath)) return "installed_image.filepath is not a target name";
  return { serial: serialKey, counter: Number(s.report_counter), installed: none ? null : { filename: filepath, length, hashes: { sha256: sha256.toLowerCase() } }, attacksDetected: attacks };
}

/** The installation report's result for each ECU, when its correlation id is one the Director handed out. */
function installResults(signed: Record<string, unknown>): { correlationId: string; items: Map<string, { success: boolean; code: string; detail: string }> } | null {
  const ir = signed.installation_report;
  if (ir === undefined) return null;
  if (!isObject(ir) || !isObject(ir.report)) throw invalid("installation_report must be {content_type, report}");
  const report = ir.report;
  if (typeof report.correlation_id !== "string" || !Array.isArray(report.items) || report.items.length > MAX_REPORTS_PER_MANIFEST) throw invalid("installation_report.report needs correlation_id and items");
  const items = new Map<string, { success: boolean; code: string; detail: string }>();
  for (const item of report.items) {
    if (!isObject(item) || typeof item.ecu !== "string" || !isObject(item.result)) throw invalid("each installation report item is {ecu, result}");
    const { success, code, description } = item.result;
    if (typeof success !== "boolean" || typeof code !== "string" || code.length > MAX_INSTALL_CODE || typeof (description ?? "") !== "string") throw invalid("an installation result is {success, code, description}");
    items.set(item.ecu, { success, code, detail: clip(String(description ?? "")) });
  }
  return { correlationId: report.correlation_id, items };
}

/** The shape check before anything is looked up. */
export function parseDialectManifest(doc: unknown): { signed: Record<string, unknown>; signatures: unknown[]; reports: Array<[string, unknown]> } {
  if (!isObject(doc) || !Array.isArray(doc.signatures) || doc.signatures.length > MAX_SIGNATURES || !isObject(doc.signed)) throw invalid("manifest must be {signatures, signed}");
  const signed = doc.signed;
  if (!isEcuSerial(signed.primary_ecu_serial)) throw invalid("signed.primary_ecu_serial is missing or not a valid ECU serial");
  if (!isObject(signed.ecu_version_manifests)) throw invalid("signed.ecu_version_manifests must be an object keyed by ECU serial");
  const reports = Object.entries(signed.ecu_version_manifests);
  if (reports.length > MAX_REPORTS_PER_MANIFEST) throw invalid(`more than ${MAX_REPORTS_PER_MANIFEST} ECU version manifests`);
  return { signed, signatures: doc.signatures, reports };
}

/**
 * Checks a parsed manifest of vehicle `vin` (the VIN of the client certificate) inside the
 * Director's transaction: the Primary's signature, each report's signature and counter.
 * Whole-manifest problems throw Refused; a Secondary's bad report is discarded.
 */
export function checkDialectManifest(doc: ReturnType<typeof parseDialectManifest>, vin: string, inventory: Inventory, now: Date): CheckedManifest {
  const ecus = new Map(inventory.ecusOf(vin).map((e) => [e.serial, e]));
  if (ecus.size === 0) throw new Refused(409, "not-registered", `vehicle ${vin} has not registered its ECUs (POST .../director/ecus first)`);
  const primarySerial = doc.signed.primary_ecu_serial as string;
  const primary = ecus.get(primarySerial);
  if (!primary || primary.is_primary !== 1) throw new Refused(400, "unknown-primary", `${primarySerial} is not the registered Primary of ${vin}`);
  if (!signedBy(doc.signed, doc.signatures, { keyid: primary.keyid, publicKeyHex: primary.public_key }, "dialect")) {
    throw new Refused(400, "bad-primary-signature", `manifest is not signed by the registered key of Primary ${primary.serial}`);
  }
  const results = installResults(doc.signed);
  const accepted: AcceptedReport[] = [];
  const discarded: DiscardedReport[] = [];
  for (const [serial, raw] of doc.reports) {
    const shown = serial.slice(0, 64);
    const parsed = parseReport(serial, raw);
    if (typeof parsed === "string") {
      discarded.push({ ecuSerial: shown, reason: "invalid-report", detail: parsed });
      continue;
    }
    const ecu = ecus.get(serial);
    if (!ecu) {
      discarded.push({ ecuSerial: shown, reason: "unknown-ecu", detail: `ECU ${shown} is not registered in vehicle ${vin}` });
      continue;
    }
    const envelope = raw as { signed: unknown; signatures: unknown };
    if (!signedBy(envelope.signed, envelope.signatures, { keyid: ecu.keyid, publicKeyHex: ecu.public_key }, "dialect")) {
      discarded.push({ ecuSerial: shown, reason: "bad-signature", detail: `report is not signed by the registered key of ECU ${shown}` });
      continue;
    }
    // No nonce in aktualizr's reports: its counter grows with every report, so one not above the last accepted is a replay.
    if (ecu.report_counter !== null && parsed.counter <= ecu.report_counter) {
      discarded.push({ ecuSerial: shown, reason: "replayed-nonce", detail: `ECU ${shown} sent report counter ${parsed.counter}, not above the last accepted ${ecu.report_counter}` });
      continue;
    }
    accepted.push({ ecu, report: reportOf(ecu, parsed, results, inventory, now), reportCounter: parsed.counter });
  }
  const primaryDiscard = discarded.find((d) => d.ecuSerial === primary.serial);
  if (primaryDiscard) {
    const replay = primaryDiscard.reason === "replayed-nonce";
    throw new Refused(replay ? 409 : 400, replay ? "replayed-report" : "bad-primary-report", `Primary's report refused: ${primaryDiscard.detail}`);
  }
  if (!accepted.some((a) => a.ecu.serial === primary.serial)) throw new Refused(400, "bad-primary-report", `manifest holds no version report of Primary ${primary.serial}`);
  return { primarySerial: primary.serial, accepted, discarded };
}

/** One aktualizr report as the Director's report: release counter and last install from what the Director assigned. */
function reportOf(ecu: EcuRow, parsed: ParsedReport, results: ReturnType<typeof installResults>, inventory: Inventory, now: Date): EcuVersionReportSigned {
  const published = inventory.openAssignmentsOfEcu(ecu.serial).filter((a) => a.status === "published");
  const installed = parsed.installed;
  const assigned = installed ? published.find((a) => a.target_name === installed.filename && sameImage(installed, { length: a.length, hashes: JSON.parse(a.hashes) as Record<string, string> })) : undefined;
  let lastInstall: InstallResult | undefined;
  const result = results?.items.get(ecu.serial);
  if (result) {
    // The result is of the bundle whose correlation id it names; the assignment of that bundle is what it installed or failed.
    const of = published.find((a) => a.bundle !== null && correlationIdOf(a.bundle) === results!.correlationId);
    if (of) lastInstall = { filename: of.target_name, success: result.success, code: result.code, detail: result.detail };
  }
  return {
    _type: "ecu-version-report",
    ecuSerial: ecu.serial,
    installedImage: installed,
    releaseCounter: assigned ? Math.max(assigned.release_counter, ecu.installed_release_counter) : ecu.installed_release_counter,
    nonce: `report-counter-${parsed.counter}`,
    attacksDetected: parsed.attacksDetected,
    reportTime: isoTime(now),
    ...(lastInstall ? { lastInstall } : {}),
  };
}
