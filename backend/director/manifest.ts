// Checks a vehicle version manifest (Uptane 2.1 5.4.2.1 / 5.4.2.2, format in
// manifest-format.ts) against the inventory. No writes: the Director records what this
// accepts inside one transaction. Whole-manifest problems throw ManifestRefused (the
// HTTP layer turns it into a 4xx JSON error); a Secondary's bad report is discarded
// with a reason and the rest goes on.
import type { EcuRow, Inventory } from "../inventory/inventory.ts";
import { isEcuSerial, isTargetName, isVin } from "../../model/identifiers.ts";
import { MAX_INSTALL_CODE, MAX_MANIFEST_BYTES, MAX_NONCE_LENGTH, MAX_REPORT_TEXT, MAX_REPORTS_PER_MANIFEST, MAX_SIGNATURES, type EcuVersionReportSigned, type UndeliveredImage, type VehicleManifest } from "../../model/manifest-format.ts";
import { signedBy } from "./signature-check.ts";
import { Refused } from "./errors.ts";
import { isIsoTime } from "../../model/iso-time.ts";
import { canonicalJson } from "../../model/canonical-json.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../model/json-depth.ts";

export { Refused as ManifestRefused };

export interface AcceptedReport {
  ecu: EcuRow;
  report: EcuVersionReportSigned;
  /** aktualizr's report counter, recorded as the ECU's last accepted one (README "Serving aktualizr"). */
  reportCounter?: number;
}

export interface DiscardedReport {
  ecuSerial: string;
  reason: "unknown-ecu" | "retired-ecu" | "bad-signature" | "replayed-nonce" | "stale-report" | "invalid-report";
  detail: string;
}

export interface CheckedManifest {
  primarySerial: string;
  accepted: AcceptedReport[];
  discarded: DiscardedReport[];
  /** Images the Primary withheld from an ECU (a partial bundle), as its signed manifest says. */
  undelivered?: UndeliveredImage[];
}


/** Parses the body; refuses oversized bodies, bad JSON and a bad envelope. */
export function parseManifest(body: Buffer): VehicleManifest {
  if (body.length > MAX_MANIFEST_BYTES) throw new Refused(413, "body-too-large", `manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new Refused(400, "invalid-json", `manifest is not JSON: ${(e as Error).message}`);
  }
  // Before anything walks it (the signature check canonicalises `signed` recursively).
  if (nestsDeeperThan(doc)) throw new Refused(400, "too-deeply-nested", `manifest nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`);
  const problem = envelopeProblem(doc);
  if (problem) throw new Refused(400, "invalid-manifest", problem);
  return doc as VehicleManifest;
}

function envelopeProblem(doc: unknown): string | null {
  if (!isObject(doc)) return "manifest is not a JSON object";
  if (!Array.isArray(doc.signatures) || doc.signatures.length > MAX_SIGNATURES) return `signatures must be an array of at most ${MAX_SIGNATURES}`;
  const s = doc.signed;
  if (!isObject(s)) return "signed is missing or not an object";
  if (s._type !== "vehicle-manifest") return `signed._type must be "vehicle-manifest"`;
  if (!isVin(s.vin)) return "signed.vin is missing or not a valid VIN";
  if (!isEcuSerial(s.primarySerial)) return "signed.primarySerial is missing or not a valid ECU serial";
  if (!Array.isArray(s.ecuVersionReports)) return "signed.ecuVersionReports must be an array";
  if (s.ecuVersionReports.length > MAX_REPORTS_PER_MANIFEST) return `more than ${MAX_REPORTS_PER_MANIFEST} ECU version reports`;
  if (s.undelivered !== undefined) {
    if (!Array.isArray(s.undelivered) || s.undelivered.length > MAX_REPORTS_PER_MANIFEST) return `signed.undelivered must be an array of at most ${MAX_REPORTS_PER_MANIFEST}`;
    for (const u of s.undelivered) {
      if (!isObject(u) || !isEcuSerial(u.ecuSerial) || !isTargetName(u.target) || typeof u.outcome !== "string" || !/^[A-Za-z]{1,64}$/.test(u.outcome) || typeof u.detail !== "string" || u.detail.length > MAX_REPORT_TEXT) {
        return "each signed.undelivered entry must be {ecuSerial, target, outcome, detail}";
      }
    }
  }
  const seen = new Set<string>();
  for (const r of s.ecuVersionReports) {
    const serial = isObject(r) && isObject(r.signed) ? r.signed.ecuSerial : undefined;
    if (typeof serial !== "string") continue; // judged per report below
    if (seen.has(serial)) return `ECU ${JSON.stringify(serial)} has more than one version report`;
    seen.add(serial);
  }
  return null;
}

/** Why a report's shape is wrong, or null. */
export function reportProblem(r: unknown): string | null {
  if (!isObject(r) || !Array.isArray(r.signatures) || r.signatures.length > MAX_SIGNATURES || !isObject(r.signed)) return "report is not a signed envelope";
  const s = r.signed;
  if (s._type !== "ecu-version-report") return `_type must be "ecu-version-report"`;
  if (!isEcuSerial(s.ecuSerial)) return "ecuSerial is not a valid serial";
  if (s.installedImage !== null) {
    const i = s.installedImage;
    if (!isObject(i) || !isTargetName(i.filename) || !isCount(i.length) || !isHashes(i.hashes)) return "installedImage must be null or {filename, length, hashes}";
  }
  if (!isCount(s.releaseCounter)) return "releaseCounter must be a non-negative integer";
  if (typeof s.nonce !== "string" || s.nonce.length === 0 || s.nonce.length > MAX_NONCE_LENGTH) return `nonce must be a string of 1 to ${MAX_NONCE_LENGTH} characters`;
  if (typeof s.attacksDetected !== "string" || s.attacksDetected.length > MAX_REPORT_TEXT) return `attacksDetected must be a string of at most ${MAX_REPORT_TEXT} characters`;
  if (!isIsoTime(s.reportTime)) return "reportTime must be YYYY-MM-DDTHH:MM:SSZ";
  if (s.lastInstall !== undefined) {
    const l = s.lastInstall;
    if (!isObject(l) || !isTargetName(l.filename) || typeof l.success !== "boolean" || typeof l.code !== "string" || l.code.length > MAX_INSTALL_CODE || typeof l.detail !== "string" || l.detail.length > MAX_REPORT_TEXT) {
      return "lastInstall must be {filename, success, code, detail}";
    }
  }
  return null;
}

/**
 * Checks a parsed manifest posted to `/director/vehicles/URL_VIN/manifest`. Call inside
 * the transaction that records the result, so the nonce check and the insert are one step.
 */
export function checkManifest(manifest: VehicleManifest, urlVin: string, inventory: Inventory): CheckedManifest {
  const signed = manifest.signed;
  const vehicle = inventory.vehicleState(urlVin);
  if (!vehicle) throw new Refused(404, "unknown-vin", `no vehicle ${urlVin} is registered`);
  const decommissioned = vehicle.decommissioned_at;
  if (decommissioned !== null) throw new Refused(410, "decommissioned", `vehicle ${urlVin} was decommissioned at ${decommissioned}: its manifests are refused`);
  // An aktualizr vehicle reports in its own dialect only, where its report counter is checked (README "Serving aktualizr").
  if (vehicle.client_profile === "aktualizr") throw new Refused(409, "wrong-profile", `vehicle ${urlVin} runs aktualizr: it reports with PUT /aktualizr/director/manifest`);
  if (signed.vin !== urlVin) throw new Refused(400, "vin-mismatch", `manifest is for vehicle ${signed.vin}, posted to ${urlVin}`);
  const ecus = new Map(inventory.ecusOf(urlVin).map((e) => [e.serial, e]));
  const primary = ecus.get(signed.primarySerial);
  if (!primary || primary.is_primary !== 1) {
    const retired = inventory.ecu(signed.primarySerial);
    const why = retired?.vin === urlVin && retired.retired_at !== null ? ` (a workshop replaced it at ${retired.retired_at}: its key no longer counts)` : "";
    throw new Refused(400, "unknown-primary", `${signed.primarySerial} is not the registered Primary of ${urlVin}${why}`);
  }
  // 5.4.2.2: the manifest is signed by the Primary's key.
  if (!signedBy(signed, manifest.signatures, { keyid: primary.keyid, publicKeyHex: primary.public_key })) {
    throw new Refused(400, "bad-primary-signature", `manifest is not signed by the registered key of Primary ${primary.serial}`);
  }

  const accepted: AcceptedReport[] = [];
  const discarded: DiscardedReport[] = [];
  // The nonces of the well-formed reports of known ECUs, looked up in one query.
  const seen = inventory.noncesSeen(
    urlVin,
    signed.ecuVersionReports.flatMap((raw) => (reportProblem(raw) === null && ecus.has((raw as { signed: EcuVersionReportSigned }).signed.ecuSerial) ? [{ serial: (raw as { signed: EcuVersionReportSigned }).signed.ecuSerial, nonce: (raw as { signed: EcuVersionReportSigned }).signed.nonce }] : [])),
  );
  for (const raw of signed.ecuVersionReports) {
    const serialOf = (isObject(raw) && isObject(raw.signed) && typeof raw.signed.ecuSerial === "string" ? raw.signed.ecuSerial : "?").slice(0, 64);
    const problem = reportProblem(raw);
    if (problem) {
      discarded.push({ ecuSerial: serialOf, reason: "invalid-report", detail: problem });
      continue;
    }
    const report = raw as { signatures: unknown; signed: EcuVersionReportSigned };
    const ecu = ecus.get(report.signed.ecuSerial);
    if (!ecu) {
      // A part the inventory does not know (fitted without a workshop's record), or one a workshop took out.
      const retired = inventory.ecu(report.signed.ecuSerial);
      if (retired?.vin === urlVin && retired.retired_at !== null) {
        discarded.push({ ecuSerial: serialOf, reason: "retired-ecu", detail: `ECU ${serialOf} was replaced or removed by a workshop at ${retired.retired_at}: its key no longer counts` });
      } else discarded.push({ ecuSerial: serialOf, reason: "unknown-ecu", detail: `ECU ${serialOf} is not registered in vehicle ${urlVin}: no update for it until a workshop records it` });
      continue;
    }
    // 5.4.2.1: each ECU version report is signed by that ECU's key.
    if (!signedBy(report.signed, report.signatures, { keyid: ecu.keyid, publicKeyHex: ecu.public_key })) {
      discarded.push({ ecuSerial: serialOf, reason: "bad-signature", detail: `report is not signed by the registered key of ECU ${serialOf}: the ECU gets no update until a workshop records a change` });
      continue;
    }
    // 5.4.2.1: the nonce/counter makes each report fresh; one seen before is a replay. Only
    // the newest report rows are kept (retention), so a report older than the ECU's last
    // one is a replay too (an ECU's report time comes from its verified time: it never goes back).
    if (seen.has(`${ecu.serial}\n${report.signed.nonce}`)) {
      discarded.push({ ecuSerial: serialOf, reason: "replayed-nonce", detail: `ECU ${serialOf} already sent nonce ${JSON.stringify(report.signed.nonce)}` });
      continue;
    }
    if (ecu.last_report_time !== null && report.signed.reportTime < ecu.last_report_time) {
      discarded.push({ ecuSerial: serialOf, reason: "stale-report", detail: `ECU ${serialOf} reported at ${report.signed.reportTime}, before its last report (${ecu.last_report_time})` });
      continue;
    }
    accepted.push({ ecu, report: report.signed });
  }

  // The Primary's own report must be there and good; otherwise the whole manifest is
  // stale or forged (a replayed manifest carries the Primary's old nonce).
  const primaryDiscard = discarded.find((d) => d.ecuSerial === primary.serial);
  if (primaryDiscard) {
    const replay = primaryDiscard.reason === "replayed-nonce" || primaryDiscard.reason === "stale-report";
    const status = replay ? 409 : 400;
    const code = replay ? primaryDiscard.reason : "bad-primary-report";
    throw new Refused(status, code, `Primary's report refused: ${primaryDiscard.detail}`);
  }
  if (!accepted.some((a) => a.ecu.serial === primary.serial)) throw new Refused(400, "bad-primary-report", `manifest holds no version report of Primary ${primary.serial}`);
  return { primarySerial: primary.serial, accepted, discarded, undelivered: signed.undelivered };
}

/**
 * What is stored of an accepted manifest: `signed` (all of it is signed) and the
 * signatures by the Primary's key, as canonical JSON; unsigned fields beside them and
 * other signature entries are dropped (the probe padded both).
 */
export function storedManifestBody(manifest: VehicleManifest, primaryKeyid: string): string {
  const signatures = (manifest.signatures as unknown[])
    .filter((s): s is { keyid: string; sig: string } => isObject(s) && s.keyid === primaryKeyid && typeof s.sig === "string")
    .map((s) => ({ keyid: s.keyid, sig: s.sig }));
  return canonicalJson({ signatures, signed: manifest.signed });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function isHashes(v: unknown): v is Record<string, string> {
  if (!isObject(v)) return false;
  const entries = Object.entries(v);
  return entries.length > 0 && entries.length <= 4 && entries.every(([alg, h]) => /^[a-z0-9-]{1,16}$/.test(alg) && typeof h === "string" && /^[0-9a-f]{1,128}$/.test(h));
}
