// The Primary's update cycle (Uptane 5.4.2) against the repository simulator, through
// an in-memory fetcher: what installs, what stops the cycle, and what the Director hears.
// The verifier is the real one (full.wasm).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VerificationError } from "../../model/outcome.ts";
import { SlowRetrievalError, TransportError } from "../../host/primary/errors.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { Primary, provisionPrimary, type CycleStep, type PrimaryConfig } from "../../host/primary/primary.ts";
import { MemoryStore, type Store } from "../../host/primary/store.ts";
import type { VerifierFactory } from "../../host/primary/verifier-port.ts";
import { VehicleSim, imageBytes } from "../sim/vehicle.ts";
import { rejects } from "./helpers.ts";
import { SimBackend } from "./sim-backend.ts";
import { RecordingSecondary } from "./test-secondary.ts";
import { fullVerifierFactory } from "../../host/primary/full-verifier.ts";

const VERIFIER: VerifierFactory = fullVerifierFactory;
// Aborts a stalled download after 300 ms; any download that moves at all passes (no flakes on a busy machine).
const FAST = { minBytesPerSecond: 1, windowMs: 300 };

async function vehicle(opts: { store?: Store } = {}) {
  const sim = VehicleSim.standard();
  const backend = new SimBackend(sim);
  const store = opts.store ?? new MemoryStore();
  await provisionPrimary(store, { directorRoot: sim.director.root(1), imageRoot: sim.image.root(1) });
  const secondary = new RecordingSecondary(sim.ecus[1]!.serial);
  const keys = SoftwareKeyStore.generate();
  const flashed: string[] = [];
  const config = (extra: Partial<PrimaryConfig> = {}): PrimaryConfig =>
    backend.primaryConfig(store, [secondary], {
      keys,
      verifier: VERIFIER,
      retrieval: FAST,
      install: async (target) => void flashed.push(target.name),
      ...extra,
    });
  const open = (extra: Partial<PrimaryConfig> = {}) => Primary.open(config(extra));
  return { sim, backend, store, secondary, keys, flashed, open, config };
}

/** The Director moves an ECU to another image (its previous target leaves the Director's targets). */
function reassign(sim: VehicleSim, serial: string, name: string): void {
  sim.director.targets.get("targets")!.delete(sim.assignedName(serial));
  sim.assign(serial, name);
}

const ownReport = (manifest: any, serial: string) => manifest.signed.ecuVersionReports.find((r: any) => r.signed.ecuSerial === serial).signed;

test("a good update installs the Primary's image and hands the Secondary time, metadata and its image", async () => {
  const v = await vehicle();
  const primary = await v.open();
  const result = await primary.runCycle();
  const ownName = v.sim.assignedName(v.sim.primary.serial);
  const brakesName = v.sim.assignedName(v.secondary.serial);
  assert.is(result.outcome, "Ok");
  assert.ok(result.manifest.accepted);
  assert.equal(result.installed?.name, ownName);
  assert.equal(v.flashed, [ownName]);
  assert.equal(primary.status.installed.image?.filename, ownName);
  assert.equal(result.images.map((i) => [i.ecuSerial, i.source]).sort(), [[v.secondary.serial, "downloaded"], [v.sim.primary.serial, "downloaded"]].sort());
  // 5.4.2.5-5.4.2.7: the Secondary got the time, both repositories, and its image bytes.
  assert.is(v.secondary.times.length, 1);
  assert.ok(v.secondary.bundles[0]!.image, "a full-verification Secondary gets the Image repository too");
  assert.is(v.secondary.bundles[0]!.director.roots.length, 1);
  assert.equal(v.secondary.images.map((i) => i.target.name), [brakesName]);
  assert.equal([...v.secondary.images[0]!.bytes], [...v.sim.images.get(brakesName)!]);
  // 5.4.2.1: the manifest carried both reports, and the time server signed both nonces.
  const first = v.backend.manifests[0];
  assert.is(first.signed.primarySerial, v.sim.primary.serial);
  assert.is(ownReport(first, v.sim.primary.serial).installedImage, null);
  assert.is((await v.open()).status.nonce, ownReport(first, v.sim.primary.serial).nonce, "the nonce sent is in the store");
  assert.equal(v.backend.attestedNonces[0], [ownReport(first, v.sim.primary.serial).nonce, ownReport(first, v.secondary.serial).nonce]);
});

test("the Director sees the new versions in the next manifest, and an unchanged Director downloads no image", async () => {
  const v = await vehicle();
  const primary = await v.open();
  await primary.runCycle();
  const second = await primary.runCycle();
  assert.is(second.outcome, "NoUpdate");
  assert.equal(second.images, []);
  assert.is(second.installed, null);
  const manifest = v.backend.manifests[1];
  assert.is(ownReport(manifest, v.sim.primary.serial).installedImage.filename, v.sim.assignedName(v.sim.primary.serial));
  assert.is(ownReport(manifest, v.sim.primary.serial).lastInstall.success, true);
  assert.is(ownReport(manifest, v.secondary.serial).installedImage.filename, v.sim.assignedName(v.secondary.serial));
  assert.is.not(ownReport(manifest, v.sim.primary.serial).nonce, ownReport(v.backend.manifests[0], v.sim.primary.serial).nonce, "a fresh nonce per manifest");
  assert.is(v.backend.fetcher.log.filter((l) => l.includes("/image/targets/")).length, 2, "images fetched once");
  assert.equal((v.store as MemoryStore).keys().filter((k) => k.startsWith("held-image.")), [], "images are not kept once installed");
});

test("two cycles at once on one Primary are refused (they would interleave state writes)", async () => {
  const v = await vehicle();
  const primary = await v.open();
  const first = primary.runCycle();
  await rejects(() => primary.runCycle(), /already running/);
  assert.is((await first).outcome, "Ok");
});

test("rollback of the Director's metadata stops the cycle without installing, and the next manifest reports it", async () => {
  const v = await vehicle();
  const oldTimestamp = v.sim.director.files(1).timestamp;
  v.sim.nextCycle();
  v.backend.publish();
  await (await v.open()).runCycle();
  // A newer image for the Primary; then an attacker replays the old Director timestamp.
  const name = "hw-primary-2.0.bin";
  v.sim.addImage({ name, bytes: imageBytes(name), hardwareIds: ["hw-primary"], releaseCounter: 2 });
  reassign(v.sim, v.sim.primary.serial, name);
  v.sim.nextCycle();
  v.backend.publish();
  v.backend.fetcher.setFile(v.backend.directorPath("timestamp.json"), oldTimestamp);
  const primary = await v.open();
  const e = await rejects(() => primary.runCycle(), VerificationError);
  assert.is(e.outcome, "RollbackAttack");
  assert.is(e.context.repo, "director");
  assert.is.not(primary.status.installed.image?.filename, name);
  assert.equal(v.flashed.length, 1);
  v.backend.publish(); // the attack ends
  const next = await primary.runCycle();
  assert.match(ownReport(v.backend.manifests.at(-1), v.sim.primary.serial).attacksDetected, /RollbackAttack/);
  assert.equal(next.installed?.name, name);
  assert.is(ownReport(v.backend.manifests.at(-1), v.sim.primary.serial).attacksDetected.length <= 1024, true);
});

test("a stalled image download is aborted, nothing installs, and the next manifest reports slow retrieval", async () => {
  const v = await vehicle();
  const ownName = v.sim.assignedName(v.sim.primary.serial);
  const bytes = v.sim.images.get(ownName)!;
  v.backend.fetcher.handle("GET", v.backend.imagePath(ownName), () => ({
    status: 200,
    body: (async function* () {
      yield bytes.subarray(0, 100);
      await new Promise(() => {}); // the server stops sending
    })(),
  }));
  const primary = await v.open();
  await rejects(() => primary.runCycle(), SlowRetrievalError);
  assert.equal(v.flashed, []);
  assert.is(primary.status.installed.image, null);
  v.backend.fetcher.unhandle("GET", v.backend.imagePath(ownName));
  const next = await primary.runCycle();
  assert.match(ownReport(v.backend.manifests.at(-1), v.sim.primary.serial).attacksDetected, /slow retrieval of hw-primary-1\.0\.bin/);
  // The Director did not change: the held metadata is verified again to check the image.
  assert.is(next.outcome, "NoUpdate");
  assert.equal(next.installed?.name, ownName, "the next cycle fetches it again and installs");
});

test("an image longer than its length (endless data) is cut off one byte past it and refused", async () => {
  const v = await vehicle();
  const ownName = v.sim.assignedName(v.sim.primary.serial);
  const bytes = v.sim.images.get(ownName)!;
  let served = 0;
  v.backend.fetcher.handle("GET", v.backend.imagePath(ownName), () => ({
    status: 200,
    body: (async function* () {
      yield bytes;
      for (;;) {
        served += 4096;
        yield new Uint8Array(4096);
      }
    })(),
  }));
  const primary = await v.open();
  const e = await rejects(() => primary.runCycle(), VerificationError);
  assert.is(e.outcome, "LengthOrHashMismatch");
  assert.ok(served <= 8192, `read stopped right after the cap (source produced ${served} extra bytes)`);
  assert.equal(v.flashed, []);
});

test("a time attestation without the Primary's nonce stops the cycle before any metadata is fetched", async () => {
  const v = await vehicle();
  v.backend.fetcher.handle("POST", "/time/attestation", () => ({ status: 200, body: v.sim.timeAttestation({ nonces: ["someone-else"] }) }));
  const e = await rejects(() => v.open().then((p) => p.runCycle()), VerificationError);
  assert.is(e.outcome, "BadTimeAttestation");
  assert.not.ok(v.backend.fetcher.log.some((l) => l.includes("timestamp.json")));
});

test("an unreachable repository is a TransportError, not a verification failure", async () => {
  const v = await vehicle();
  v.backend.fetcher.handle("GET", "/image/timestamp.json", () => ({ status: 503 }));
  const e = await rejects(() => v.open().then((p) => p.runCycle()), TransportError);
  assert.not.instance(e, VerificationError);
  assert.equal(v.flashed, []);
});

test("an image missing from the Image repository is a TransportError and installs nothing", async () => {
  const v = await vehicle();
  v.backend.fetcher.removeFile(v.backend.imagePath(v.sim.assignedName(v.sim.primary.serial)));
  const e = await rejects(() => v.open().then((p) => p.runCycle()), TransportError);
  assert.is(e.status, 404);
  assert.equal(v.flashed, []);
});

test("a Secondary off the bus does not stop the Primary installing its own image", async () => {
  const v = await vehicle();
  v.secondary.offline = true;
  const result = await (await v.open()).runCycle();
  assert.equal(v.flashed, [v.sim.assignedName(v.sim.primary.serial)]);
  assert.ok(result.secondaries[0]!.error);
  assert.is(v.backend.manifests[0].signed.ecuVersionReports.length, 1, "its report is left out");
});

test("an image signed by a supplier's delegated role is found: the Primary fetches the delegated role and installs", async () => {
  const v = await vehicle();
  v.sim.delegate({ name: "supplier-a", paths: ["hw-primary-*"] });
  const name = "hw-primary-3.0.bin";
  v.sim.addImage({ name, bytes: imageBytes(name, 3000), hardwareIds: ["hw-primary"], releaseCounter: 3, role: "supplier-a" });
  reassign(v.sim, v.sim.primary.serial, name);
  v.sim.nextCycle();
  v.backend.publish();
  const primary = await v.open();
  const result = await primary.runCycle();
  assert.ok(v.backend.fetcher.log.includes("GET /image/1.supplier-a.json"));
  assert.equal(result.installed?.name, name);
  assert.ok(v.secondary.bundles[0]!.image!.delegations?.has("supplier-a"), "the Secondary gets the delegated role too");
});

const STEPS: CycleStep[] = ["manifest", "time", "metadata", "images", "secondaries", "install"];

for (const crashAt of STEPS) {
  test(`a Primary restarted after step "${crashAt}" resumes from its trusted state and still catches a rollback`, async () => {
    const v = await vehicle();
    const oldTargets = v.sim.director.files(1);
    v.sim.nextCycle();
    v.backend.publish();
    const crashing = await v.open({
      onStep: (step) => {
        if (step === crashAt) throw new Error(`power lost after ${step}`);
      },
    });
    await rejects(() => crashing.runCycle(), /power lost/);
    // Restart from the store alone.
    const restarted = await v.open();
    const result = await restarted.runCycle();
    assert.equal(restarted.status.installed.image?.filename, v.sim.assignedName(v.sim.primary.serial));
    assert.ok(result.outcome === "Ok" || result.outcome === "NoUpdate");
    // The state saved before the crash still holds version 2: version 1 is a rollback.
    v.backend.fetcher.setFile(v.backend.directorPath("timestamp.json"), oldTargets.timestamp);
    const again = await v.open();
    const e = await rejects(() => again.runCycle(), VerificationError);
    assert.is(e.outcome, "RollbackAttack");
  });
}

test.run();
