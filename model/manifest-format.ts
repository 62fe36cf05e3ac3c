// The vehicle version manifest (Uptane 2.1 section 5.4.2.1 / 5.4.2.2): what a Primary
// sends to `POST /director/vehicles/VIN/manifest`, and the ECU version reports inside it.
// Types and caps: the Primary builds these, Secondaries build their reports, the Director
// (backend/director/manifest.ts) checks them against the same caps.
//
// Both documents use the TUF envelope `{"signatures":[{"keyid":HEX,"sig":HEX}],"signed":{...}}`,
// signed over the OLPC canonical JSON of `signed` (model/canonical-json.ts), with
// the Ed25519 key registered for that ECU in the inventory. `_type` separates the two kinds,
// so a Primary's own ECU report signature can never pass as a manifest signature.
import type { Signature } from "./keys.ts";
import type { IsoTime } from "./iso-time.ts";

/** Largest manifest body the Director reads; anything longer is refused (413) unread. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** Largest number of ECU version reports in one manifest. */
export const MAX_REPORTS_PER_MANIFEST = 256;

/** Most signatures on a manifest or on one ECU version report. */
export const MAX_SIGNATURES = 8;

/** Longest free text in a report: `attacksDetected`, an install result's `detail`. */
export const MAX_REPORT_TEXT = 1024;

/** Longest install result `code`. */
export const MAX_INSTALL_CODE = 64;

/** A report's nonce is 1 to this many characters (the time server takes the same nonces). */
export const MAX_NONCE_LENGTH = 128;

/** `text` cut to at most `max` characters, an ellipsis marking the cut. */
export function clip(text: string, max = MAX_REPORT_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A file as TUF describes it. Hashes: algorithm ("sha256", "sha512") -> lowercase hex. */
export interface ImageFileInfo {
  filename: string;
  length: number;
  hashes: Record<string, string>;
}

/**
 * How the last install this ECU attempted ended (feeds "the previous bundle is
 * confirmed" on the Director: it holds the next bundle back until a report confirms the
 * previous one installed or names its failure).
 */
export interface InstallResult {
  /** The Director target name the ECU tried to install. */
  filename: string;
  /** true: installed and now running; false: refused or failed (and rolled back). */
  success: boolean;
  /** An outcome name (model/outcome.ts, e.g. "Ok", "LengthOrHashMismatch") or a short install error code. */
  code: string;
  /** Free text for operators, at most 1024 characters. */
  detail: string;
}

/** 5.4.2.1: the signed part of one ECU's version report. */
export interface EcuVersionReportSigned {
  _type: "ecu-version-report";
  /** The ECU's unique identifier (serial), as registered in the inventory. */
  ecuSerial: string;
  /** The image installed and running now; null when the ECU has none (factory empty). */
  installedImage: ImageFileInfo | null;
  /** Release counter of the installed image (0 when none); must never decrease. */
  releaseCounter: number;
  /**
   * A fresh value per report (random nonce or a monotonically increasing counter,
   * written as a decimal string), 1 to 128 characters. The Director refuses a report whose
   * nonce it has seen before for this ECU (replay). The same string is the ECU's nonce
   * for the time server.
   */
  nonce: string;
  /** 5.4.2.1 "any detected security attack": "" when none; at most 1024 characters. */
  attacksDetected: string;
  /** The ECU's latest verified time when it made the report. */
  reportTime: IsoTime;
  /** The last install attempt's result; absent when the ECU never attempted one. */
  lastInstall?: InstallResult;
}

export interface EcuVersionReport {
  signatures: Signature[]; // by the ECU's own key
  signed: EcuVersionReportSigned;
}

/** 5.4.2.2: the signed part of the vehicle version manifest. */
export interface VehicleManifestSigned {
  _type: "vehicle-manifest";
  /** Must equal the VIN in the URL it is posted to. */
  vin: string;
  /** Serial of the Primary that signs the manifest. */
  primarySerial: string;
  /** One report per ECU, the Primary's own included; each serial at most once. */
  ecuVersionReports: EcuVersionReport[];
  /**
   * Images of the Director's bundle the Primary could not deliver since its last accepted
   * manifest (a partial bundle): per ECU, the target and why. Absent when there were none.
   */
  undelivered?: UndeliveredImage[];
}

/**
 * An image the Primary withheld from an ECU: `outcome` "Withheld" when it could not be
 * fetched (network, missing, too slow), else the verification outcome that refused it.
 */
export interface UndeliveredImage {
  ecuSerial: string;
  target: string;
  outcome: string;
  detail: string;
}

export interface VehicleManifest {
  signatures: Signature[]; // by the Primary's key
  signed: VehicleManifestSigned;
}

/**
 * The Director's answer to an accepted manifest (HTTP 200). Refused as a whole (4xx,
 * nothing recorded): bad JSON or shape, oversized, unknown VIN, VIN differing from the
 * URL, a Primary that is not this vehicle's registered Primary, a bad Primary signature,
 * and a Primary report that is missing, forged or replayed. A Secondary's report that
 * is from an unknown ECU, badly signed, replayed or malformed is discarded and recorded
 * as an alert; the other reports are processed.
 */
export interface ManifestResponse {
  ok: true;
  /** Serials whose reports were recorded. */
  accepted: string[];
  /** Reports discarded (unknown ECU, bad signature, replayed nonce, malformed) with the reason; each is also an alert. */
  discarded: Array<{ ecuSerial: string; reason: string }>;
  /** "pending": recorded, but the Director's new files are not written yet (the server retries). */
  publication?: "done" | "pending";
  publicationDetail?: string;
}

/** Every refusal (4xx): `{"ok":false,"error":CODE,"detail":TEXT}`. */
export interface ErrorResponse {
  ok: false;
  error: string;
  detail: string;
}
