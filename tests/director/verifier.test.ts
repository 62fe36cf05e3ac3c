// The Director's metadata for a vehicle, next to the real Image repository of the same
// backend, passes the project's own verifier (full.wasm and partial.wasm), and the
// Director's time attestation passes as the verifiers' time source format expects.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newBackend, removeDir, tempDir } from "../helpers/image-backend.ts";
import { addImage } from "../../backend/image/repository.ts";
import { repositoryDir } from "../../backend/image/layout.ts";
import { openDirector } from "../../backend/director/part.ts";
import { DIRECTOR_ROOT_DIR, DIRECTOR_VEHICLES_DIR } from "../../backend/director/director.ts";
import { generateSigningKey } from "../../model/keys.ts";
import "../../host/wasm/embedded.ts";
import { FullVerifier, PartialVerifier } from "../../host/wasm/verifier.ts";
import type { RepositoryFiles } from "../../model/verification.ts";

/** The chain a client reads: timestamp.json, then the snapshot and targets versions it names. */
function chain(folder: string): RepositoryFiles {
  const timestamp = readFileSync(join(folder, "timestamp.json"));
  const sv = JSON.parse(timestamp.toString()).signed.meta["snapshot.json"].version;
  const snapshot = readFileSync(join(folder, `${sv}.snapshot.json`));
  const tv = JSON.parse(snapshot.toString()).signed.meta["targets.json"].version;
  return { rootRotations: [], timestamp, snapshot, targets: readFileSync(join(folder, `${tv}.targets.json`)) };
}

test("a vehicle's Director metadata passes the project's full and partial verifiers for the assigned ECU", async () => {
  const dir = await newBackend();
  const work = await tempDir();
  try {
    writeFileSync(join(work, "fw.bin"), "door controller firmware 3");
    await addImage(dir, join(work, "fw.bin"), { name: "door-3.bin", hardwareIds: ["door"], releaseCounter: 3 });
    const director = openDirector(dir);
    const key = () => generateSigningKey().publicKey.keyval.public;
    director.addVehicle("WASM1", [
      { serial: "PRI", hardwareId: "gateway", publicKeyHex: key(), primary: true },
      { serial: "DOOR", hardwareId: "door", publicKeyHex: key(), primary: false },
    ]);
    await director.assign("WASM1", "DOOR", "door-3.bin");
    director.close();

    const directorRoot = readFileSync(join(dir, DIRECTOR_ROOT_DIR, "1.root.json"));
    const imageRoot = readFileSync(join(repositoryDir(dir), "1.root.json"));
    const directorFiles = chain(join(dir, DIRECTOR_VEHICLES_DIR, "WASM1"));
    const imageFiles = chain(repositoryDir(dir));
    const now = Math.floor(Date.now() / 1000);
    const ecu = { serial: "DOOR", hardwareId: "door", installedReleaseCounter: 0 };

    const full = new FullVerifier({ directorRoot, imageRoot, ecu, vin: "WASM1", vehicleEcus: ["PRI", "DOOR"] });
    const r = full.update(directorFiles, imageFiles, now);
    assert.is(r.outcome, "Ok", r.detail);
    assert.is(r.target!.name, "door-3.bin");
    assert.is(r.target!.releaseCounter, 3);

    const partial = new PartialVerifier({ directorRoot, ecu });
    const p = partial.update({ rootRotations: [], targets: directorFiles.targets }, now);
    assert.is(p.outcome, "Ok", p.detail);
    assert.is(p.target!.name, "door-3.bin");

    // The same metadata is refused for another vehicle (signed.custom.vin).
    const other = new FullVerifier({ directorRoot, imageRoot, ecu, vin: "OTHER", vehicleEcus: ["PRI", "DOOR"] });
    assert.is(other.update(directorFiles, imageFiles, now).outcome, "EcuMismatch");
  } finally {
    await removeDir(dir);
    await removeDir(work);
  }
});

test("the time server's attestation passes the project's verifier for the nonce it carries, and fails for another", async () => {
  const dir = await newBackend();
  try {
    const directorRoot = readFileSync(join(dir, DIRECTOR_ROOT_DIR, "1.root.json"));
    const { loadDirectorOnlineKeys } = await import("../../backend/director/director-keys.ts");
    const { signTimeAttestation } = await import("../../backend/timeserver/attestation.ts");
    const now = new Date();
    const attestation = Buffer.from(signTimeAttestation(["nonce-A", "nonce-B"], now, loadDirectorOnlineKeys(dir).timeserver));
    const pv = new PartialVerifier({ directorRoot, ecu: { serial: "DOOR", hardwareId: "door", installedReleaseCounter: 0 } });
    const ok = pv.attestTime({ attestation, nonce: "nonce-B" });
    assert.is(ok.outcome, "Ok", ok.detail);
    assert.is(ok.time, Math.floor(now.getTime() / 1000));
    assert.is(pv.attestTime({ attestation, nonce: "nonce-C" }).outcome, "BadTimeAttestation");
  } finally {
    await removeDir(dir);
  }
});

test.run();
