// A Secondary's factory load (Uptane 2.1 "Build-time prerequisite requirements for ECUs"):
// a partial ECU takes the Director's root and targets from `uptane provision --partial`, a
// full one both repositories' four roles; the time attestation first, then the metadata,
// in the ECU's own module; a refusal leaves the flash as it was.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { newBackend, removeTempDirs, tempDir, writeTemp } from "../helpers/image-backend.ts";
import { addImage } from "../../backend/image/repository.ts";
import { openDirector } from "../../backend/director/part.ts";
import { factoryBundle } from "../../backend/factory-bundle.ts";
import { parseFactoryBundle, type FactoryBundle } from "../../model/factory-bundle.ts";
import { VerificationError } from "../../model/outcome.ts";
import { isoTime } from "../../model/iso-time.ts";
import { FlashStore } from "../../host/ecu/flash.ts";
import { Secondary } from "../../host/ecu/secondary.ts";
import { fullVerifier, partialVerifier } from "../../host/ecu/verifiers.ts";
import { EcuKeyStore } from "../../host/ecu/keystore.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { DID } from "../../host/ecu/secondary-protocol.ts";

const VIN = "FACTORY0VIN000010";
const BRAKE = { serial: "brake-1", hardwareId: "brake-ctl" };
const CAM = { serial: "cam-1", hardwareId: "adas-cam" };
let partial: FactoryBundle;
let full: FactoryBundle;
let work = "";

test.before(async () => {
  const backend = await newBackend();
  work = await tempDir();
  await addImage(backend, await writeTemp(work, "brake-2.bin", Buffer.alloc(1500, 9)), { name: "brake-2.bin", hardwareIds: [BRAKE.hardwareId], releaseCounter: 2 });
  // The ECUs' keys are made in their flash first, then registered: the factory order.
  const key = (serial: string) => EcuKeyStore.openOrCreate(new FlashStore(join(work, serial))).publicKey.keyval.public;
  const director = openDirector(backend);
  try {
    director.addVehicle(VIN, [
      { serial: "gw-1", hardwareId: "gateway", publicKeyHex: SoftwareKeyStore.generate().publicKey.keyval.public, primary: true },
      { ...BRAKE, publicKeyHex: key(BRAKE.serial), primary: false },
      { ...CAM, publicKeyHex: key(CAM.serial), primary: false },
    ]);
    await director.assign(VIN, BRAKE.serial, "brake-2.bin");
  } finally {
    director.close();
  }
  partial = parseFactoryBundle((await factoryBundle(backend, { vin: VIN, url: "https://127.0.0.1:8443", partial: true })).bytes);
  full = parseFactoryBundle((await factoryBundle(backend, { vin: VIN, url: "https://127.0.0.1:8443" })).bytes);
});
test.after(removeTempDirs);

const attested = (b: FactoryBundle) => Date.parse(JSON.parse(Buffer.from(b.time!.attestation).toString("utf8")).signed.time) / 1000;
const brakeVerifier = (b: FactoryBundle) => partialVerifier({ directorRoot: b.metadata.director.roots[0]!, ecu: { ...BRAKE, installedReleaseCounter: 0 } });

test("a partial Secondary loaded from the factory's partial bundle verifies the Director's root and targets and keeps the attested time", () => {
  assert.is(partial.metadata.image, undefined, "the partial bundle carries the Director's root and targets only");
  const flash = new FlashStore(join(work, BRAKE.serial));
  const loaded = Secondary.provisionFactoryLoad(flash, brakeVerifier(partial), partial);
  assert.is(loaded.outcome, "Ok", "its target is in the Director's targets");
  assert.is(loaded.time, attested(partial));
  const ecu = Secondary.powerUp({ ...BRAKE, flash, verifier: brakeVerifier(partial) });
  const report = JSON.parse(Buffer.from(ecu.readData(DID.versionReport)).toString("utf8"));
  assert.is(report.signed.reportTime, isoTime(loaded.time), "its first report carries the provisioned time, not the epoch");
  assert.throws(() => Secondary.provisionFactoryLoad(flash, brakeVerifier(partial), partial), /already holds a verified state/);
});

test("a full Secondary is loaded with both repositories' four roles; a partial bundle does not satisfy it", () => {
  const config = { directorRoot: full.metadata.director.roots[0]!, imageRoot: full.metadata.image!.roots[0]!, ecu: { ...CAM, installedReleaseCounter: 0 }, vin: VIN, vehicleEcus: ["gw-1", BRAKE.serial, CAM.serial] };
  const refusedFlash = new FlashStore(join(work, "cam-partial"));
  assert.throws(() => Secondary.provisionFactoryLoad(refusedFlash, fullVerifier(config), partial), (e: unknown) => e instanceof VerificationError && e.outcome === "InvalidMetadata");
  assert.equal(existsSync(refusedFlash.dir) ? readdirSync(refusedFlash.dir) : [], [], "a refused load writes nothing");
  const loaded = Secondary.provisionFactoryLoad(new FlashStore(join(work, CAM.serial)), fullVerifier(config), full);
  assert.is(loaded.outcome, "NoUpdate", "nothing is assigned to the camera");
  assert.is(loaded.time, attested(full));
});

test("a factory bundle whose Director targets were changed after signing is refused by the Secondary's module, and its flash is untouched", () => {
  const targets = Buffer.from(partial.metadata.director.targets).toString("utf8").replace('"releaseCounter":2', '"releaseCounter":3');
  assert.ok(targets !== Buffer.from(partial.metadata.director.targets).toString("utf8"));
  const altered: FactoryBundle = { ...partial, metadata: { director: { ...partial.metadata.director, targets: Buffer.from(targets) } } };
  const flash = new FlashStore(join(work, "brake-altered"));
  assert.throws(() => Secondary.provisionFactoryLoad(flash, brakeVerifier(partial), altered), (e: unknown) => e instanceof VerificationError && e.outcome === "UnmetThreshold");
  assert.equal(existsSync(flash.dir) ? readdirSync(flash.dir) : [], []);
  assert.throws(() => Secondary.provisionFactoryLoad(flash, brakeVerifier(partial), { ...partial, time: null }), /no time attestation/);
});

test.run();
