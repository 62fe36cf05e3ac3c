// Enrolling a simulated vehicle with a running backend (what `uptane simulate` does for
// a new state folder): make the ECU keys and the TLS key, register the vehicle through the
// Director's API (which certifies the TLS key), then pin the roots the backend serves. Taking the roots from the server is trust
// on first use, fine for a simulation; a real vehicle gets them at the factory (the demo
// reads them from the backend folder instead).
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { collect, HttpFetcher } from "../../host/primary/fetcher.ts";
import type { VehicleConfig } from "./config.ts";
import { DirectorApi, DirectorApiError } from "./director-api.ts";
import { Vehicle } from "./vehicle.ts";

/** Largest root accepted (the root cap of DESIGN.md section 5). */
const MAX_ROOT_BYTES = 512 * 1024;

/**
 * Enrols the vehicle of `config` in `stateDir`. A refused or failed enrolment leaves no keys
 * behind: the folder is removed when enrolment made it, emptied again when it was empty.
 */
export async function enrolVehicle(config: VehicleConfig, stateDir: string, serverUrl: string, apiToken: string, serverCa: string): Promise<void> {
  const existed = existsSync(stateDir);
  if (existed && readdirSync(stateDir).length > 0) throw new Error(`${stateDir} is not empty: a vehicle is enrolled into a new or empty state folder`);
  try {
    await enrol(config, stateDir, serverUrl, apiToken, serverCa);
  } catch (e) {
    if (existed) for (const name of readdirSync(stateDir)) rmSync(join(stateDir, name), { recursive: true, force: true });
    else rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
}

async function enrol(config: VehicleConfig, stateDir: string, serverUrl: string, apiToken: string, serverCa: string): Promise<void> {
  const registrations = Vehicle.createKeys(config, stateDir);
  try {
    const { tlsCertificate } = await new DirectorApi(serverUrl, apiToken, serverCa).registerVehicle(config.vin, registrations, Vehicle.tlsPublicKey(stateDir));
    if (!tlsCertificate) throw new Error("the backend registered the vehicle but issued no client certificate");
    Vehicle.installTlsCredentials(stateDir, tlsCertificate, serverCa);
  } catch (e) {
    if (e instanceof DirectorApiError && (e.code === "vehicle-exists" || e.code === "ecu-exists")) {
      throw new DirectorApiError(e.status, e.code, `${e.message}; a registered vehicle runs from the --state folder it was enrolled with`);
    }
    throw e;
  }
  const fetcher = new HttpFetcher(serverUrl, { tls: Vehicle.tlsOptions(stateDir) });
  const get = async (path: string) => {
    const { bytes, oversized } = await collect(await fetcher.get(path, { maxBytes: MAX_ROOT_BYTES }));
    if (oversized) throw new Error(`${path} is larger than ${MAX_ROOT_BYTES} bytes`);
    return bytes;
  };
  const directorRoot = await get(`/director/vehicles/${encodeURIComponent(config.vin)}/1.root.json`);
  const imageRoot = await get("/image/1.root.json");
  fetcher.close();
  await Vehicle.provision(config, stateDir, { directorRoot, imageRoot });
}
