// The one time format of the project: UTC to the second, `YYYY-MM-DDTHH:MM:SSZ` (TUF 1.0
// `expires`; the Uptane time attestation's `time`; ECU version reports' `reportTime`).

export type IsoTime = string;

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** `when` (a Date, or unix seconds) as `YYYY-MM-DDTHH:MM:SSZ`, the fraction of a second dropped. */
export function isoTime(when: Date | number): IsoTime {
  const ms = typeof when === "number" ? Math.floor(when) * 1000 : when.getTime();
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** True for a string in exactly that form that names a real instant. */
export function isIsoTime(value: unknown): value is IsoTime {
  return typeof value === "string" && ISO_SECONDS.test(value) && !Number.isNaN(Date.parse(value));
}
