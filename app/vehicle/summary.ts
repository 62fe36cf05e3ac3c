// The per-ECU summary of one or more update cycles, as a text table (for people) and as
// plain objects (for --json).
import type { EcuCycleReport, VehicleCycleReport } from "./vehicle.ts";
import type { ImageFileInfo } from "../../model/manifest-format.ts";

export interface EcuSummary {
  serial: string;
  role: "primary" | "secondary";
  mode: "full" | "partial";
  bus: string;
  verifyMs: number;
  /** Over the bus for a Secondary; downloaded over HTTP for the Primary. */
  bytes: number;
  busMs: number;
  /** "Installed" if any cycle installed an image, else the last cycle's outcome. */
  outcome: string;
  detail: string;
  /** What the ECU runs after the last cycle: the same object as each cycle's `installed`. */
  installed: ImageFileInfo | null;
}

/** Outcomes that say nothing happened to the ECU. */
const QUIET = new Set(["NoUpdate", "NotServed", "Verified"]);

/** Sums each ECU's numbers over `cycles`; the outcome that matters most is kept. */
export function summarise(cycles: VehicleCycleReport[]): EcuSummary[] {
  const bySerial = new Map<string, EcuSummary>();
  for (const cycle of cycles) {
    for (const e of cycle.ecus) {
      const s = bySerial.get(e.serial) ?? fresh(e);
      s.verifyMs += e.verifyMs;
      s.bytes += e.bytes;
      s.busMs += e.busMs;
      // A refusal or an install is news; a later quiet cycle does not hide it.
      if (!QUIET.has(e.outcome) || QUIET.has(s.outcome)) {
        s.outcome = e.outcome;
        s.detail = e.detail;
      }
      s.installed = e.installed;
      bySerial.set(e.serial, s);
    }
  }
  return [...bySerial.values()];
}

function fresh(e: EcuCycleReport): EcuSummary {
  return { serial: e.serial, role: e.role, mode: e.mode, bus: e.bus, verifyMs: 0, bytes: 0, busMs: 0, outcome: e.outcome, detail: e.detail, installed: null };
}

/** A fixed-width text table of the summary. */
export function summaryTable(rows: EcuSummary[]): string {
  const header = ["ECU", "role", "mode", "bus", "verify ms", "bytes", "bus time ms", "outcome"];
  const body = rows.map((r) => [
    r.serial,
    r.role,
    r.mode,
    r.bus,
    r.verifyMs.toFixed(1),
    r.role === "primary" ? `${r.bytes} (HTTPS)` : String(r.bytes),
    r.role === "primary" ? "-" : r.busMs.toFixed(1),
    r.outcome === "Installed" ? `Installed ${r.detail}` : r.outcome,
  ]);
  const right = new Set([4, 5, 6]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** What the table's columns mean (printed under it). */
export const SUMMARY_LEGEND =
  "verify ms: wall-clock time inside the ECU's wasm module; bytes: UDS payloads to and from the ECU over its bus (the Primary: downloaded over HTTPS); bus time: simulated time those exchanges take on the bus. Totals over the cycles run.";
