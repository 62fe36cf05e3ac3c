// What `uptane demo` does: the plain update, step by step, and the attack scenarios
// (app/vehicle/attacks.ts) on the same world. Functions, so that tests run exactly what
// the demo shows.
import { DemoWorld, RELEASES, type WorldOptions } from "./demo-world.ts";
import { summarise, type EcuSummary } from "./summary.ts";

export interface PlainDemoResult {
  summary: EcuSummary[];
  directorView: ReturnType<DemoWorld["directorView"]>;
  cycles: DemoWorld["cycles"];
  /** The temporary folder the world lived in (removed when the demo returns). */
  work: string;
}

/**
 * A supplier signs a brake controller image under its delegation, the OEM imports it and
 * adds a camera image of its own; a campaign assigns the brake image, an assignment the
 * camera's; the vehicle updates and reports, and the Director sees the new versions.
 */
export async function plainDemo(options: WorldOptions & { beforeClose?: (world: DemoWorld, result: PlainDemoResult) => Promise<void> } = {}): Promise<PlainDemoResult> {
  const world = await DemoWorld.start(options);
  try {
    await world.supplierRelease(RELEASES.brake);
    await world.oemRelease(RELEASES.adas);
    await world.campaign(RELEASES.brake.hardwareId, RELEASES.brake.name);
    await world.assign("adas-cam", RELEASES.adas.name);
    await world.cycle(); // the brake controllers install
    await world.cycle(); // their reports confirm the bundle; the Director publishes the camera's, which installs
    await world.cycle(); // the camera's report confirms it
    world.logDirectorView();
    const result = { summary: summarise(world.cycles), directorView: world.directorView(), cycles: world.cycles, work: world.work };
    // `uptane demo --console`: the backend stays up (its console too) until this resolves.
    await options.beforeClose?.(world, result);
    return result;
  } finally {
    await world.close();
  }
}
