// A vehicle described by a small JSON file: its VIN, its Primary, and its Secondaries
// with serial, hardware ID, verification mode and the CAN bus each sits on. Parsed and
// checked here so that a bad file is refused with the field that is wrong.
//
//   {"vin": "DEMO0001",
//    "primary": {"serial": "gateway-1", "hardwareId": "gateway"},
//    "buses": {"chassis": {"bitrate": 500000, "fd": true, "dataBitrate": 2000000, "lossRate": 0.05}},
//    "secondaries": [
//      {"serial": "brake-front", "hardwareId": "brake-ctl", "mode": "partial", "bus": "chassis"},
//      {"serial": "brake-rear",  "hardwareId": "brake-ctl", "mode": "partial", "bus": "can-500k"},
//      {"serial": "adas-cam",    "hardwareId": "adas-cam",  "mode": "full",    "bus": "canfd-5m"}]}
//
// A Secondary with `"decrypt": true` runs the decrypting module (partial-enc.wasm or
// full-enc.wasm) and is registered with its X25519 encryption key, so the Director
// encrypts its images for it (README "Per-ECU image encryption: the ECU side").
//
// A Secondary's `bus` names an entry of `buses` or a preset: `can-500k` (classic CAN
// 500 kbit/s), `canfd-2m` / `canfd-5m` (CAN FD, 500 kbit/s arbitration, 2 or 5 Mbit/s
// data phase). Secondaries naming the same bus share it.
import type { BusConfig } from "../../host/can/bus.ts";

export type VerificationMode = "full" | "partial";

export interface BusSpec {
  bitrate: number;
  fd?: boolean;
  dataBitrate?: number;
  /** Probability that a frame vanishes (fault injection). */
  lossRate?: number;
  /** Probability of an error frame (the sender retransmits). */
  errorRate?: number;
  seed?: number;
}

export interface SecondarySpec {
  serial: string;
  hardwareId: string;
  mode: VerificationMode;
  bus: string;
  /** Runs the decrypting module and registers its encryption key (images encrypted for it). */
  decrypt?: boolean;
}

export interface VehicleConfig {
  vin: string;
  primary: { serial: string; hardwareId: string };
  buses: Record<string, BusSpec>;
  secondaries: SecondarySpec[];
}

export const BUS_PRESETS: Record<string, BusSpec> = {
  "can-500k": { bitrate: 500_000 },
  "can-1m": { bitrate: 1_000_000 },
  "canfd-2m": { bitrate: 500_000, fd: true, dataBitrate: 2_000_000 },
  "canfd-5m": { bitrate: 500_000, fd: true, dataBitrate: 5_000_000 },
};

/** UDS physical addressing: tester 0x7E0+i, ECU 0x7E8+i; eight Secondaries per bus. */
export const MAX_SECONDARIES_PER_BUS = 8;

export class VehicleConfigError extends Error {}

const IDENT = /^[A-Za-z0-9._-]{1,64}$/;

/** Parses and checks a vehicle config (JSON text or an already parsed object). */
export function parseVehicleConfig(input: string | unknown): VehicleConfig {
  let doc: unknown = input;
  if (typeof input === "string") {
    try {
      doc = JSON.parse(input);
    } catch (e) {
      throw new VehicleConfigError(`vehicle config is not JSON: ${(e as Error).message}`);
    }
  }
  const o = object(doc, "vehicle config");
  const vin = ident(o.vin, "vin");
  const p = object(o.primary, "primary");
  const primary = { serial: ident(p.serial, "primary.serial"), hardwareId: ident(p.hardwareId, "primary.hardwareId") };
  const buses: Record<string, BusSpec> = {};
  for (const [name, spec] of Object.entries(o.buses === undefined ? {} : object(o.buses, "buses"))) buses[ident(name, "bus name")] = busSpec(spec, `buses.${name}`);
  if (!Array.isArray(o.secondaries)) throw new VehicleConfigError("secondaries must be an array");
  const serials = new Set([primary.serial]);
  const perBus = new Map<string, number>();
  const secondaries = o.secondaries.map((s, i): SecondarySpec => {
    const e = object(s, `secondaries[${i}]`);
    const serial = ident(e.serial, `secondaries[${i}].serial`);
    if (serials.has(serial)) throw new VehicleConfigError(`ECU serial ${serial} appears twice`);
    serials.add(serial);
    if (e.mode !== "full" && e.mode !== "partial") throw new VehicleConfigError(`secondaries[${i}].mode must be "full" or "partial"`);
    const bus = ident(e.bus, `secondaries[${i}].bus`);
    if (!buses[bus] && !BUS_PRESETS[bus]) throw new VehicleConfigError(`secondaries[${i}].bus: no bus "${bus}" in buses and no such preset (${Object.keys(BUS_PRESETS).join(", ")})`);
    const n = (perBus.get(bus) ?? 0) + 1;
    if (n > MAX_SECONDARIES_PER_BUS) throw new VehicleConfigError(`bus ${bus} has more than ${MAX_SECONDARIES_PER_BUS} Secondaries`);
    perBus.set(bus, n);
    if (e.decrypt !== undefined && typeof e.decrypt !== "boolean") throw new VehicleConfigError(`secondaries[${i}].decrypt must be true or false`);
    return { serial, hardwareId: ident(e.hardwareId, `secondaries[${i}].hardwareId`), mode: e.mode, bus, ...(e.decrypt === true ? { decrypt: true } : {}) };
  });
  return { vin, primary, buses, secondaries };
}

/** The bus a Secondary's `bus` names, as the CAN simulator takes it. */
export function busConfig(config: VehicleConfig, name: string): BusConfig {
  const spec = config.buses[name] ?? BUS_PRESETS[name];
  if (!spec) throw new VehicleConfigError(`no bus ${name}`);
  return { name, ...spec };
}

/** "CAN 500k", "CAN FD 500k/2M": how a bus is shown in tables. */
export function describeBus(spec: Pick<BusSpec, "bitrate" | "fd" | "dataBitrate">): string {
  const rate = (bps: number) => (bps >= 1_000_000 ? `${bps / 1_000_000}M` : `${bps / 1000}k`);
  return spec.fd ? `CAN FD ${rate(spec.bitrate)}/${rate(spec.dataBitrate ?? spec.bitrate)}` : `CAN ${rate(spec.bitrate)}`;
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new VehicleConfigError(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

function ident(v: unknown, what: string): string {
  if (typeof v !== "string" || !IDENT.test(v)) throw new VehicleConfigError(`${what} must be 1-64 of A-Z a-z 0-9 . _ -`);
  return v;
}

function busSpec(v: unknown, what: string): BusSpec {
  const o = object(v, what);
  const rate = (x: unknown, field: string) => {
    if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 10_000 || x > 10_000_000) throw new VehicleConfigError(`${what}.${field} must be a bit rate in bit/s (10000..10000000)`);
    return x;
  };
  const probability = (x: unknown, field: string) => {
    if (x === undefined) return undefined;
    if (typeof x !== "number" || !(x >= 0 && x < 1)) throw new VehicleConfigError(`${what}.${field} must be a number in [0, 1)`);
    return x;
  };
  if (o.fd !== undefined && typeof o.fd !== "boolean") throw new VehicleConfigError(`${what}.fd must be true or false`);
  const fd = o.fd === true;
  const spec: BusSpec = { bitrate: rate(o.bitrate, "bitrate"), fd };
  if (o.dataBitrate !== undefined) {
    if (!fd) throw new VehicleConfigError(`${what}.dataBitrate needs "fd": true`);
    spec.dataBitrate = rate(o.dataBitrate, "dataBitrate");
  }
  const loss = probability(o.lossRate, "lossRate");
  if (loss !== undefined) spec.lossRate = loss;
  const err = probability(o.errorRate, "errorRate");
  if (err !== undefined) spec.errorRate = err;
  if (o.seed !== undefined) {
    if (typeof o.seed !== "number" || !Number.isSafeInteger(o.seed)) throw new VehicleConfigError(`${what}.seed must be an integer`);
    spec.seed = o.seed;
  }
  return spec;
}
