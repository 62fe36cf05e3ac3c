// A Primary (full.wasm) driving two Secondaries over CAN through CanSecondaryLink: a
// partial one on CAN FD 500k/2M and a full one on classic CAN 500k. The Director hears
// each Secondary's new version report in the next cycle's manifest.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CanBus } from "../../host/can/bus.ts";
import { CanSecondaryLink } from "../../host/ecu/can-secondary-link.ts";
import { FlashStore } from "../../host/ecu/flash.ts";
import { Secondary } from "../../host/ecu/secondary.ts";
import { SecondaryClient } from "../../host/ecu/secondary-client.ts";
import { fullVerifier, partialVerifier } from "../../host/ecu/verifiers.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { Primary, provisionPrimary } from "../../host/primary/primary.ts";
import { MemoryStore } from "../../host/primary/store.ts";
import { SimBackend } from "../primary/sim-backend.ts";
import { imageBytes, VehicleSim } from "../sim/vehicle.ts";
import { tempDir } from "./rig.ts";

const ECUS = [
  { serial: "primary-001", hardwareId: "hw-primary" },
  { serial: "brakes-002", hardwareId: "hw-brakes" },
  { serial: "gearbox-003", hardwareId: "hw-gearbox" },
];

function reportOf(manifest: any, serial: string) {
  return manifest.signed.ecuVersionReports.find((r: any) => r.signed.ecuSerial === serial)?.signed;
}

test("a Primary updates a partial Secondary on CAN FD and a full one on classic CAN; their new reports reach the Director", async () => {
  const sim = new VehicleSim({ ecus: ECUS });
  for (const ecu of ECUS) {
    const name = `${ecu.hardwareId}-1.0.bin`;
    sim.addImage({ name, bytes: imageBytes(name, ecu.serial === "gearbox-003" ? 6000 : 2000), hardwareIds: [ecu.hardwareId], releaseCounter: 1 });
    sim.assign(ecu.serial, name);
  }
  const backend = new SimBackend(sim);
  const store = new MemoryStore();
  await provisionPrimary(store, { directorRoot: sim.director.root(1), imageRoot: sim.image.root(1) });

  const fdBus = new CanBus({ bitrate: 500_000, fd: true, dataBitrate: 2_000_000 });
  const classicBus = new CanBus({ bitrate: 500_000 });
  const brakes = Secondary.powerUp({ ...ECUS[1]!, flash: new FlashStore(tempDir("veh-brakes")), verifier: partialVerifier(sim.partialConfig("brakes-002")) });
  brakes.serve(fdBus, { txId: 0x7e9, rxId: 0x7e1, fd: true });
  const gearbox = Secondary.powerUp({ ...ECUS[2]!, flash: new FlashStore(tempDir("veh-gearbox")), verifier: fullVerifier(sim.fullConfig("gearbox-003")) });
  gearbox.serve(classicBus, { txId: 0x7ea, rxId: 0x7e2 });
  const links = [
    new CanSecondaryLink(new SecondaryClient(fdBus, "primary", { isotp: { txId: 0x7e1, rxId: 0x7e9, fd: true } }), "brakes-002", "partial"),
    new CanSecondaryLink(new SecondaryClient(classicBus, "primary", { isotp: { txId: 0x7e2, rxId: 0x7ea } }), "gearbox-003", "full"),
  ];

  const primary = await Primary.open({
    vin: sim.vin,
    serial: "primary-001",
    hardwareId: "hw-primary",
    vehicleEcus: ECUS.map((e) => e.serial),
    fetcher: backend.fetcher,
    store,
    keys: SoftwareKeyStore.generate(),
    secondaries: links,
  });
  const first = await primary.runCycle();
  assert.equal(first.secondaries, [{ serial: "brakes-002", image: "hw-brakes-1.0.bin" }, { serial: "gearbox-003", image: "hw-gearbox-1.0.bin" }]);
  assert.is(brakes.installedImage?.filename, "hw-brakes-1.0.bin");
  assert.is(gearbox.installedImage?.filename, "hw-gearbox-1.0.bin");
  assert.ok(classicBus.seconds > fdBus.seconds, "the bigger image on the slower bus takes longer");
  const [fdLink, classicLink] = links.map((l) => l.client.stats);
  assert.is(classicLink!.busNs, classicBus.now, "the only traffic on the classic bus is this link's");
  assert.ok(classicLink!.bytesSent > 6000 && fdLink!.bytesSent > 2000);

  sim.nextCycle();
  backend.publish();
  await primary.runCycle();
  const manifest = backend.manifests.at(-1);
  for (const [serial, name] of [["brakes-002", "hw-brakes-1.0.bin"], ["gearbox-003", "hw-gearbox-1.0.bin"]]) {
    const report = reportOf(manifest, serial!);
    assert.is(report.installedImage.filename, name);
    assert.equal(report.lastInstall, { filename: name, success: true, code: "Ok", detail: report.lastInstall.detail });
  }
  assert.is.not(reportOf(manifest, "brakes-002").nonce, reportOf(backend.manifests[0], "brakes-002").nonce, "fresh nonce per report");
});

test.run();
