// A served backend with OEM images and one simulated vehicle enrolled over HTTPS, for the
// lifecycle tests (README "Backend: vehicle lifecycle", "withdrawing an image"): cycles run
// the real Primary and Secondaries against `uptane serve`'s code.
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { newBackend, tempDir } from "./image-backend.ts";
import { serveBackend, type ServedBackend } from "../../backend/serve.ts";
import { close } from "../../backend/http/server.ts";
import { readApiToken } from "../../backend/http/api-token.ts";
import { addImage } from "../../backend/image/repository.ts";
import { DirectorApi, DirectorApiError } from "../../app/vehicle/director-api.ts";
import { enrolVehicle } from "../../app/vehicle/enrol.ts";
import { Vehicle } from "../../app/vehicle/vehicle.ts";
import { parseVehicleConfig, type VehicleConfig } from "../../app/vehicle/config.ts";
import { HttpFetcher } from "../../host/primary/fetcher.ts";
import { serverCa } from "./tls.ts";

export interface ServedVehicle {
  dir: string;
  work: string;
  state: string;
  config: VehicleConfig;
  served: ServedBackend;
  api: DirectorApi;
  ca: string;
  /** One update cycle of the vehicle, powered up afresh from its state folder. */
  cycle(): Promise<{ report: Awaited<ReturnType<Vehicle["runCycle"]>>; installed: ReturnType<Vehicle["installed"]> }>;
  /** The API's refusal code of an assignment, or "assigned". */
  assignment(serial: string, target: string): Promise<string>;
  stop(): Promise<void>;
}

/** A vehicle (Primary gw-1, partial Secondaries brake-1 ... brake-N on CAN FD) and the OEM images `images` ([name, release counter], hardware brake-ctl). */
export async function servedVehicle(vin: string, images: Array<[string, number]>, before: (dir: string) => Promise<void> = async () => {}, secondaries = 1): Promise<ServedVehicle> {
  const brakes = Array.from({ length: secondaries }, (_, i) => ({ serial: `brake-${i + 1}`, hardwareId: "brake-ctl", mode: "partial", bus: "canfd-5m" }));
  const config = parseVehicleConfig({ vin, primary: { serial: "gw-1", hardwareId: "gateway" }, secondaries: brakes });
  const dir = await newBackend();
  const work = await tempDir("uptane-served-vehicle-");
  for (const [name, rc] of images) {
    const file = join(work, name.replace(/\//g, "_"));
    writeFileSync(file, Buffer.alloc(2048, rc));
    await addImage(dir, file, { name, hardwareIds: ["brake-ctl"], releaseCounter: rc });
  }
  await before(dir);
  const served = await serveBackend(dir);
  const ca = serverCa(dir);
  const api = new DirectorApi(served.url, readApiToken(dir), ca);
  const state = join(work, "car");
  await enrolVehicle(config, state, served.url, readApiToken(dir), ca);
  return {
    dir,
    work,
    state,
    config,
    served,
    api,
    ca,
    async cycle() {
      const vehicle = await Vehicle.open(state, { fetcher: new HttpFetcher(served.url, { tls: Vehicle.tlsOptions(state) }) });
      const report = await vehicle.runCycle();
      return { report, installed: vehicle.installed() };
    },
    async assignment(serial, target) {
      try {
        await api.assign(vin, serial, target);
      } catch (e) {
        if (e instanceof DirectorApiError) return e.code;
        throw e;
      }
      return "assigned";
    },
    stop: () => close(served.server),
  };
}
