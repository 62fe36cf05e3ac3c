// Builds an ECU class's workload with the repository simulator: a vehicle of N ECUs, a
// Director target for each, and (full verification) an Image repository with M targets,
// a tenth of them signed by a supplier's delegated role.
import "../../host/wasm/embedded.ts";
import { canonicalForwarding } from "../../host/wasm/canonical.ts";
import { VehicleSim, imageBytes, keys } from "../sim/vehicle.ts";
import type { RepositoryFiles } from "../../model/verification.ts";
import type { EcuClass } from "./classes.ts";

export interface Workload {
  sim: VehicleSim;
  /** The ECU this class's verifier runs as (it installs the big image). */
  serial: string;
  hardwareId: string;
  director: RepositoryFiles;
  image: RepositoryFiles;
  imageName: string;
  /** The image this ECU installs. */
  payload: Uint8Array;
  /** Every metadata document this ECU receives, with its role (for baselines and bus time). */
  documents: Array<{ repo: "director" | "image"; role: string; bytes: Uint8Array }>;
}

export function buildWorkload(c: EcuClass, opts: { quick: boolean }): Workload {
  const n = c.workload.vehicleEcus;
  const ecus = Array.from({ length: n }, (_, i) => ({
    serial: i === 0 ? "primary-000" : `ecu-${String(i).padStart(3, "0")}`,
    hardwareId: `hw-${["gateway", "brakes", "steering", "body", "airbag", "door", "seat", "light", "hvac", "radar"][i % 10]}-${i}`,
  }));
  const sim = new VehicleSim({ ecus });
  sim.delegate({ name: "supplier-bosch", keys: keys(1), paths: ["bosch/*"] });
  const bigLength = opts.quick ? Math.min(c.workload.imageBytes, 64 << 10) : c.workload.imageBytes;
  // The installing ECU is the second one for Secondaries, the first for the Primary.
  const me = c.name === "primary" ? ecus[0]! : ecus[1]!;
  let imageName = "";
  for (let i = 0; i < n; i++) {
    const ecu = ecus[i]!;
    const viaSupplier = i % 2 === 1;
    const name = `${viaSupplier ? "bosch/" : ""}${ecu.hardwareId}-2.0.bin`;
    const bytes = ecu === me ? imageBytes(name, bigLength) : imageBytes(name, 256);
    sim.addImage({ name, bytes, hardwareIds: [ecu.hardwareId], releaseCounter: 2, role: viaSupplier ? "supplier-bosch" : "targets" });
    sim.assign(ecu.serial, name);
    if (ecu === me) imageName = name;
  }
  // Further Image-repository targets nobody in this vehicle installs (other models, older releases).
  for (let i = n; i < c.workload.imageTargets; i++) {
    const viaSupplier = i % 10 === 0;
    const name = `${viaSupplier ? "bosch/" : ""}other-model-${i}.bin`;
    sim.addImage({ name, bytes: imageBytes(name, 64), hardwareIds: [`hw-other-${i}`], role: viaSupplier ? "supplier-bosch" : "targets" });
  }
  const files = sim.files();
  const image = files.image;
  // A partial verifier receives the Director's targets alone (5.4.4.1), as canonical JSON
  // the way a Primary forwards them (README "Streaming partial verification"); a full one everything.
  const director = c.module === "full" ? files.director : { ...files.director, targets: canonicalForwarding(files.director.targets) };
  const documents: Workload["documents"] = [{ repo: "director", role: "targets", bytes: director.targets }];
  if (c.module === "full") {
    documents.push(
      { repo: "director", role: "timestamp", bytes: director.timestamp },
      { repo: "director", role: "snapshot", bytes: director.snapshot },
      { repo: "image", role: "timestamp", bytes: image.timestamp },
      { repo: "image", role: "snapshot", bytes: image.snapshot },
      { repo: "image", role: "targets", bytes: image.targets },
      ...[...(image.delegations ?? [])].map(([role, bytes]) => ({ repo: "image" as const, role, bytes })),
    );
  }
  return { sim, serial: me.serial, hardwareId: me.hardwareId, director, image, imageName, payload: sim.images.get(imageName)!, documents };
}
