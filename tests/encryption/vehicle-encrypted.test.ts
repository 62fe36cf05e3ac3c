// A Primary (full.wasm) fetching images the Director encrypted for two Secondaries, a
// partial-enc one on CAN FD and a full-enc one on classic CAN (README "Per-ECU image
// encryption: the ECU side"): the Primary fetches each ciphertext where the Director serves
// it, checks it against the Director's entry, forwards it; each Secondary decrypts into its
// inactive slot and reports the plaintext image; the next cycle sends nothing again.
import { createHash } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CanBus } from "../../host/can/bus.ts";
import { CanSecondaryLink } from "../../host/ecu/can-secondary-link.ts";
import { FlashStore } from "../../host/ecu/flash.ts";
import { Secondary } from "../../host/ecu/secondary.ts";
import { SecondaryClient } from "../../host/ecu/secondary-client.ts";
import { fullVerifier, partialVerifier } from "../../host/ecu/verifiers.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { Primary, provisionPrimary, encryptedImagePath } from "../../host/primary/primary.ts";
import { MemoryStore } from "../../host/primary/store.ts";
import { SimBackend } from "../primary/sim-backend.ts";
import { imageBytes, VehicleSim } from "../sim/vehicle.ts";
import { tempDir } from "../ecu/rig.ts";
import { METHOD_X25519 } from "../helpers/encrypt-image.ts";

const ECUS = [
  { serial: "primary-001", hardwareId: "hw-primary" },
  { serial: "brakes-002", hardwareId: "hw-brakes" },
  { serial: "gearbox-003", hardwareId: "hw-gearbox" },
];
const reportOf = (manifest: any, serial: string) => manifest.signed.ecuVersionReports.find((r: any) => r.signed.ecuSerial === serial)?.signed;

async function vehicle() {
  const sim = new VehicleSim({ ecus: ECUS });
  for (const ecu of ECUS) {
    const name = `${ecu.hardwareId}-1.0.bin`;
    sim.addImage({ name, bytes: imageBytes(name, ecu.serial === "gearbox-003" ? 9000 : 5000), hardwareIds: [ecu.hardwareId], releaseCounter: 1 });
  }
  sim.assign("primary-001", "hw-primary-1.0.bin");
  const fdBus = new CanBus({ bitrate: 500_000, fd: true, dataBitrate: 2_000_000 });
  const classicBus = new CanBus({ bitrate: 500_000 });
  const brakes = Secondary.powerUp({ ...ECUS[1]!, flash: new FlashStore(tempDir("enc-brakes")), verifier: partialVerifier({ ...sim.partialConfig("brakes-002"), module: "partial-enc" }) });
  brakes.serve(fdBus, { txId: 0x7e9, rxId: 0x7e1, fd: true });
  const gearbox = Secondary.powerUp({ ...ECUS[2]!, flash: new FlashStore(tempDir("enc-gearbox")), verifier: fullVerifier({ ...sim.fullConfig("gearbox-003"), module: "full-enc" }) });
  gearbox.serve(classicBus, { txId: 0x7ea, rxId: 0x7e2 });
  // the Director encrypts for each Secondary's registered X25519 key
  const encB = sim.assignEncrypted("brakes-002", "hw-brakes-1.0.bin", { method: METHOD_X25519, publicKey: brakes.keys.encryptionPublicKey });
  const encG = sim.assignEncrypted("gearbox-003", "hw-gearbox-1.0.bin", { method: METHOD_X25519, publicKey: gearbox.keys.encryptionPublicKey });
  const backend = new SimBackend(sim);
  const store = new MemoryStore();
  await provisionPrimary(store, { directorRoot: sim.director.root(1), imageRoot: sim.image.root(1) });
  const links = [
    new CanSecondaryLink(new SecondaryClient(fdBus, "primary", { isotp: { txId: 0x7e1, rxId: 0x7e9, fd: true } }), "brakes-002", "partial"),
    new CanSecondaryLink(new SecondaryClient(classicBus, "primary", { isotp: { txId: 0x7e2, rxId: 0x7ea } }), "gearbox-003", "full"),
  ];
  const primary = await Primary.open({ vin: sim.vin, serial: "primary-001", hardwareId: "hw-primary", vehicleEcus: ECUS.map((e) => e.serial), fetcher: backend.fetcher, store, keys: SoftwareKeyStore.generate(), secondaries: links });
  return { sim, backend, primary, brakes, gearbox, encB, encG };
}

test("a Primary fetches each ciphertext from the Director, checks it, forwards it; a partial-enc and a full-enc Secondary decrypt, install and report the plaintext", async () => {
  const { sim, backend, primary, brakes, gearbox, encB, encG } = await vehicle();
  const first = await primary.runCycle();
  assert.equal(first.secondaries, [{ serial: "brakes-002", image: encB.name }, { serial: "gearbox-003", image: encG.name }]);
  assert.equal(first.images.map((i) => i.target).sort(), ["hw-primary-1.0.bin", encB.name, encG.name].sort());
  assert.is(brakes.installedImage?.filename, "hw-brakes-1.0.bin");
  assert.is(gearbox.installedImage?.filename, "hw-gearbox-1.0.bin");
  const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
  assert.is(brakes.installedImage?.hashes.sha256, sha(sim.images.get("hw-brakes-1.0.bin")!));
  sim.nextCycle();
  backend.publish();
  const second = await primary.runCycle();
  assert.equal(second.images, [], "every ECU reports the plaintext of its assignment: nothing is due");
  const manifest = backend.manifests.at(-1);
  assert.is(reportOf(manifest, "brakes-002").installedImage.filename, "hw-brakes-1.0.bin");
  assert.is(reportOf(manifest, "gearbox-003").installedImage.filename, "hw-gearbox-1.0.bin");
});

test("the Primary handed the plaintext at the Director's path where the Director listed ciphertext: LengthOrHashMismatch, withheld, nothing sent", async () => {
  const { sim, backend, primary, brakes, encB } = await vehicle();
  backend.fetcher.setFile(encryptedImagePath(sim.vin, { name: encB.name } as never), sim.images.get("hw-brakes-1.0.bin")!);
  const err = await primary.runCycle().then(() => null, (e: unknown) => e as Error);
  assert.ok(err && /LengthOrHashMismatch/.test(`${(err as any).outcome} ${err.message}`), String(err));
  assert.is(brakes.installedImage, null);
  assert.is(primary.status.undelivered?.[0]?.outcome ?? "LengthOrHashMismatch", "LengthOrHashMismatch");
});

test.run();
