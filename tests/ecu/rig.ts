// A Secondary on its own bus with a Primary-side client, over a flash folder that
// survives "power cycles" (a new Secondary over the same folder), and the update steps
// a Primary takes, for the Secondary tests.
import { canonicalForwarding } from "../../host/wasm/canonical.ts";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CanBus, type BusConfig } from "../../host/can/bus.ts";
import { FlashStore, type FlashFaults } from "../../host/ecu/flash.ts";
import { Secondary, type VerifierProvider } from "../../host/ecu/secondary.ts";
import { SecondaryClient, type SecondaryClientConfig } from "../../host/ecu/secondary-client.ts";
import { imageBytes, VehicleSim } from "../sim/vehicle.ts";
import type { MetadataBundle } from "../../model/metadata-bundle.ts";

export const SECONDARY = { serial: "brakes-002", hardwareId: "hw-brakes" };

const created: string[] = [];
process.on("exit", () => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh flash folder, removed when the test process exits. */
export function tempDir(tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `uptane-${tag}-`));
  created.push(dir);
  return dir;
}

/** A vehicle whose Director assigns `brakes-1.bin` (release counter 1) to the Secondary. */
export function vehicle(): VehicleSim {
  const v = new VehicleSim({ ecus: [{ serial: "primary-001", hardwareId: "hw-primary" }, SECONDARY] });
  addRelease(v, 1);
  return v;
}

/** Signs `brakes-N.bin` and points the Director at it for the Secondary (a new cycle). */
export function addRelease(v: VehicleSim, n: number, bytes = imageBytes(`brakes-${n}.bin`, 3000)): string {
  const name = `brakes-${n}.bin`;
  v.addImage({ name, bytes, hardwareIds: [SECONDARY.hardwareId], releaseCounter: n });
  v.director.targets.get("targets")!.clear();
  v.assign(SECONDARY.serial, name);
  v.nextCycle();
  return name;
}

export interface RigOptions {
  bus?: Partial<BusConfig>;
  faults?: FlashFaults;
  client?: Partial<SecondaryClientConfig>;
  selfTest?: (image: Uint8Array) => boolean;
  verifier?: VerifierProvider;
}

export interface Rig {
  bus: CanBus;
  flash: FlashStore;
  ecu: Secondary;
  client: SecondaryClient;
}

/** Powers the Secondary up over `dir` on a fresh bus (CAN FD 500k/2M unless told). */
export function rig(dir: string, provider: VerifierProvider, opts: RigOptions = {}): Rig {
  const busConfig: BusConfig = { bitrate: 500_000, fd: true, dataBitrate: 2_000_000, ...opts.bus };
  const bus = new CanBus(busConfig);
  const fd = busConfig.fd ?? false;
  const flash = new FlashStore(dir, opts.faults);
  const ecu = Secondary.powerUp({ ...SECONDARY, flash, verifier: opts.verifier ?? provider, selfTest: opts.selfTest });
  ecu.serve(bus, { txId: 0x7e9, rxId: 0x7e1, fd });
  const client = new SecondaryClient(bus, "primary", { isotp: { txId: 0x7e1, rxId: 0x7e9, fd }, ...opts.client });
  return { bus, flash, ecu, client };
}

export function directorBundle(v: VehicleSim): MetadataBundle {
  const files = v.director.files(1);
  // the Director targets as a Primary forwards them to a partial Secondary: canonical JSON
  return { director: { roots: [v.director.root(1), ...files.rootRotations], targets: canonicalForwarding(files.targets) } };
}

/** What a Primary does for one Secondary: report, time, metadata, then image, verify, install. */
export async function update(r: Rig, v: VehicleSim): Promise<string> {
  const report = await r.client.readReport();
  await r.client.sendTime(v.timeAttestation({ nonces: [report.signed.nonce] }));
  const verdict = await r.client.sendMetadata(directorBundle(v));
  if (verdict.outcome === "NoUpdate") return "NoUpdate";
  await r.client.sendImage(v.images.get(v.assignedName(SECONDARY.serial))!);
  await r.client.verify();
  return r.client.install();
}
