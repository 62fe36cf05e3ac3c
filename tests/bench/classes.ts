// The ECU classes the benchmarks measure, in one table: which module each runs, its RAM
// budget (the wasm memory maximum, so a class that needs more fails loudly), the bus it
// is reached over, and its workload (a realistic metadata set and image size).
import "../../host/wasm/embedded.ts";
import type { ModuleKind } from "../../host/wasm/module.ts";

export type BusKind = "ethernet-100M" | "can-fd-2M" | "can-500k";

export interface EcuClass {
  name: string;
  summary: string;
  module: ModuleKind;
  /** Linear memory maximum in 64 KiB pages. */
  memoryLimitPages: number;
  bus: BusKind;
  workload: {
    /** ECUs in the vehicle (each has one Director target). */
    vehicleEcus: number;
    /** Targets the Image repository signs (a tenth of them through a supplier delegation). */
    imageTargets: number;
    /** Bytes of the image this ECU installs. */
    imageBytes: number;
  };
}

export const ECU_CLASSES: EcuClass[] = [
  {
    name: "primary",
    summary: "Primary ECU, full verification of both repositories for the whole vehicle",
    module: "full",
    memoryLimitPages: 256, // 16 MiB
    bus: "ethernet-100M",
    workload: { vehicleEcus: 10, imageTargets: 100, imageBytes: 4 << 20 },
  },
  {
    name: "secondary-full",
    summary: "capable Secondary (e.g. infotainment), full verification",
    module: "full",
    memoryLimitPages: 32, // 2 MiB
    bus: "can-fd-2M",
    workload: { vehicleEcus: 10, imageTargets: 100, imageBytes: 1 << 20 },
  },
  {
    name: "secondary-partial",
    summary: "Secondary with partial verification (Director root and targets)",
    module: "partial",
    memoryLimitPages: 8, // 512 KiB
    bus: "can-fd-2M",
    workload: { vehicleEcus: 10, imageTargets: 0, imageBytes: 256 << 10 },
  },
  {
    name: "tiny-partial",
    summary: "small Secondary (e.g. a body controller) with 128 KiB for the verifier",
    module: "partial",
    memoryLimitPages: 2, // 128 KiB
    bus: "can-500k",
    // 40 ECUs make a Director targets document of about 16 KB (issue 6's figure)
    workload: { vehicleEcus: 40, imageTargets: 0, imageBytes: 64 << 10 },
  },
];

export function ecuClass(name: string): EcuClass {
  const c = ECU_CLASSES.find((k) => k.name === name);
  if (!c) throw new Error(`no ECU class ${name}; classes: ${ECU_CLASSES.map((k) => k.name).join(", ")}`);
  return c;
}
