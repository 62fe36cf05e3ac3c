// A fleet for the console's tests, made through the backend's own functions: images added
// to the Image repository, vehicles registered with the Director (real ECU keys), and
// manifests signed as Primaries sign them (installed images, an attack report that raises
// an alert), received by the Director.
import { createHash, randomBytes } from "node:crypto";
import { addImage } from "../../backend/image/repository.ts";
import { openDirector } from "../../backend/director/part.ts";
import { generateSigningKey } from "../../model/keys.ts";
import { ecuReport, vehicleManifest, type TestVehicle } from "../director/fixture.ts";
import { tempDir, writeTemp } from "./image-backend.ts";

export interface SeededImage {
  name: string;
  hardwareId: string;
  releaseCounter: number;
  bytes: Buffer;
}

export const FLEET_IMAGES: SeededImage[] = [
  { name: "oem/brake-ctl-1.0.bin", hardwareId: "brake-ctl", releaseCounter: 1, bytes: Buffer.alloc(700, 1) },
  { name: "oem/brake-ctl-2.0.bin", hardwareId: "brake-ctl", releaseCounter: 2, bytes: Buffer.alloc(900, 2) },
  { name: "oem/adas-cam-4.1.bin", hardwareId: "adas-cam", releaseCounter: 4, bytes: Buffer.alloc(800, 3) },
];

export function installedOf(image: SeededImage): { filename: string; length: number; hashes: Record<string, string> } {
  return { filename: image.name, length: image.bytes.length, hashes: { sha256: createHash("sha256").update(image.bytes).digest("hex") } };
}

export function vinOf(i: number): string {
  return `WCONSOLE${String(i).padStart(5, "0")}`;
}

/**
 * `count` vehicles (gateway Primary, brake controller, and a camera on every other one);
 * the first `reporting` of them report brake-ctl 1.0 installed (camera 4.1), and vehicle 1's
 * brake controller also reports a refused attack (an alert).
 */
export async function seedFleet(dir: string, count: number, reporting: number): Promise<TestVehicle[]> {
  const work = await tempDir("uptane-console-images-");
  for (const image of FLEET_IMAGES) await addImage(dir, await writeTemp(work, image.name.replace(/\//g, "_"), image.bytes), { name: image.name, hardwareIds: [image.hardwareId], releaseCounter: image.releaseCounter });
  const director = openDirector(dir);
  try {
    const vehicles: TestVehicle[] = [];
    for (let i = 1; i <= count; i++) {
      const vin = vinOf(i);
      const ecus = [
        { serial: `${vin}-gw`, hardwareId: "gateway", key: generateSigningKey(), primary: true },
        { serial: `${vin}-brake`, hardwareId: "brake-ctl", key: generateSigningKey(), primary: false },
        ...(i % 2 === 0 ? [{ serial: `${vin}-cam`, hardwareId: "adas-cam", key: generateSigningKey(), primary: false }] : []),
      ];
      director.addVehicle(vin, ecus.map((e) => ({ serial: e.serial, hardwareId: e.hardwareId, publicKeyHex: e.key.publicKey.keyval.public, primary: e.primary })));
      vehicles.push({ vin, ecus });
    }
    for (const v of vehicles.slice(0, reporting)) report(director, v, { brake: FLEET_IMAGES[0]!, attack: v === vehicles[0] ? "targets metadata signed by an unknown key was refused" : "" });
    return vehicles;
  } finally {
    director.close();
  }
}

/**
 * One signed manifest of `v` reporting `brake` installed on its brake controller (and the
 * camera image on its camera); `failedInstall` names an image the brake controller failed to install.
 */
export function report(director: ReturnType<typeof openDirector>, v: TestVehicle, o: { brake: SeededImage; attack?: string; failedInstall?: SeededImage }): void {
  const reports: Record<string, ReturnType<typeof ecuReport>> = {};
  for (const e of v.ecus) {
    const image = e.hardwareId === "brake-ctl" ? o.brake : e.hardwareId === "adas-cam" ? FLEET_IMAGES[2]! : null;
    reports[e.serial] = ecuReport(e, {
      installed: image && installedOf(image),
      releaseCounter: image?.releaseCounter ?? 0,
      nonce: randomBytes(16).toString("hex"),
      attacksDetected: e.hardwareId === "brake-ctl" ? (o.attack ?? "") : "",
      lastInstall: e.hardwareId === "brake-ctl" && o.failedInstall ? { filename: o.failedInstall.name, success: false, code: "LengthOrHashMismatch", detail: "the image's hash did not match" } : undefined,
    });
  }
  const body = Buffer.from(JSON.stringify(vehicleManifest(v, { reports })));
  director.receiveManifest(v.vin, body); // throws when refused
}
