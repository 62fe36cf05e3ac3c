// The documents a Primary signs for the Director (Uptane 5.4.2.1): its own ECU version
// report and the vehicle version manifest around every ECU's report. Formats are the
// Director's (model/manifest-format.ts).
import { randomBytes } from "node:crypto";
import { canonicalBytes } from "../../model/canonical-json.ts";
import type {
  EcuVersionReport,
  EcuVersionReportSigned,
  ImageFileInfo,
  InstallResult,
  UndeliveredImage,
  VehicleManifest,
  VehicleManifestSigned,
} from "../../model/manifest-format.ts";
import { clip, MAX_NONCE_LENGTH, MAX_REPORTS_PER_MANIFEST } from "../../model/manifest-format.ts";
import type { KeyStore } from "./keystore.ts";
import { isoTime } from "../../model/iso-time.ts";

/** Longest ECU version report the Primary accepts from a Secondary. */
export const MAX_SECONDARY_REPORT_BYTES = 64 * 1024;

/** 5.4.2.1: a fresh nonce for each report (16 random bytes, hex). */
export function freshNonce(): string {
  return randomBytes(16).toString("hex");
}

export interface OwnReportInput {
  ecuSerial: string;
  installedImage: ImageFileInfo | null;
  releaseCounter: number;
  nonce: string;
  attacksDetected: string;
  reportTime: number;
  lastInstall?: InstallResult;
}

/** 5.4.2.1: the Primary's own ECU version report, signed with its ECU key. */
export async function signEcuVersionReport(keys: KeyStore, input: OwnReportInput): Promise<EcuVersionReport> {
  const signed: EcuVersionReportSigned = {
    _type: "ecu-version-report",
    ecuSerial: input.ecuSerial,
    installedImage: input.installedImage,
    releaseCounter: input.releaseCounter,
    nonce: input.nonce,
    attacksDetected: clip(input.attacksDetected),
    reportTime: isoTime(input.reportTime),
    ...(input.lastInstall ? { lastInstall: { ...input.lastInstall, detail: clip(input.lastInstall.detail) } } : {}),
  };
  return { signatures: [await keys.sign(canonicalBytes(signed))], signed };
}

/** 5.4.2.1: the vehicle version manifest over every ECU's report, signed by the Primary. */
export async function signVehicleManifest(keys: KeyStore, vin: string, primarySerial: string, reports: EcuVersionReport[], undelivered: UndeliveredImage[] = []): Promise<VehicleManifest> {
  if (reports.length > MAX_REPORTS_PER_MANIFEST) throw new RangeError(`${reports.length} reports exceed the Director's ${MAX_REPORTS_PER_MANIFEST}`);
  const signed: VehicleManifestSigned = { _type: "vehicle-manifest", vin, primarySerial, ecuVersionReports: reports };
  if (undelivered.length > 0) signed.undelivered = undelivered.slice(0, MAX_REPORTS_PER_MANIFEST);
  return { signatures: [await keys.sign(canonicalBytes(signed))], signed };
}

/**
 * A Secondary's report as it came over the link. The Director checks its signature and
 * nonce; the Primary only makes sure it is a report from that Secondary, so that a
 * broken Secondary cannot speak for another ECU or break the manifest's shape.
 */
export function parseSecondaryReport(bytes: Uint8Array, serial: string): EcuVersionReport {
  if (bytes.length > MAX_SECONDARY_REPORT_BYTES) throw new Error(`report of ${bytes.length} bytes exceeds ${MAX_SECONDARY_REPORT_BYTES}`);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new Error("report is not JSON");
  }
  const r = doc as EcuVersionReport;
  if (typeof r !== "object" || r === null || !Array.isArray(r.signatures) || typeof r.signed !== "object" || r.signed === null) {
    throw new Error("report is not a signed envelope");
  }
  if (r.signed._type !== "ecu-version-report") throw new Error(`report _type is ${JSON.stringify(r.signed._type)}`);
  if (r.signed.ecuSerial !== serial) throw new Error(`report speaks for ${JSON.stringify(r.signed.ecuSerial)}, not ${serial}`);
  if (typeof r.signed.nonce !== "string" || r.signed.nonce.length < 1 || r.signed.nonce.length > MAX_NONCE_LENGTH) throw new Error(`report nonce is not a 1-${MAX_NONCE_LENGTH} character string`);
  return r;
}
