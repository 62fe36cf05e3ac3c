// Large Director targets documents for the streaming tests: a standard simulated vehicle
// (its ECU's target first in canonical order) plus targets for no ECU, each with a note,
// until the document reaches the size asked for.
import { VehicleSim } from "../sim/vehicle.ts";

/** A standard vehicle whose Director targets are padded to about `bytes` with targets for no ECU. */
export function vehicleWithDirectorTargets(bytes: number): VehicleSim {
  const v = VehicleSim.standard();
  v.director.tamper.targets = (s) => {
    const note = "n".repeat(900);
    const count = Math.max(0, Math.floor(bytes / 1150));
    for (let i = 0; i < count; i++) {
      s.targets[`filler/${String(i).padStart(7, "0")}.bin`] = {
        length: i,
        hashes: { sha256: i.toString(16).padStart(64, "0") },
        custom: { ecuIdentifiers: {}, note },
      };
    }
  };
  return v;
}

