// The Secondary ECU (partial.wasm) over the simulated bus: installs, refusals, rollback, power cuts.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { canonicalBytes } from "../../model/canonical-json.ts";
import { verifyBytes } from "../../model/keys.ts";
import type { EcuVersionReport } from "../../model/manifest-format.ts";
import { NRC } from "../../host/can/uds.ts";
import { SecondaryRefusedError } from "../../host/ecu/secondary-client.ts";
import { FlashStore } from "../../host/ecu/flash.ts";
import { Secondary } from "../../host/ecu/secondary.ts";
import { CanSecondaryLink } from "../../host/ecu/can-secondary-link.ts";
import { imageBytes, VehicleSim } from "../sim/vehicle.ts";
import { partialVerifier } from "../../host/ecu/verifiers.ts";
import { addRelease, directorBundle, rig, SECONDARY, tempDir, update, vehicle, type Rig } from "./rig.ts";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function provider(v: VehicleSim) {
  return partialVerifier(v.partialConfig(SECONDARY.serial));
}

function assertSignedBy(r: Rig, report: EcuVersionReport): void {
  assert.is(report.signatures[0]!.keyid, r.ecu.keys.keyid);
  assert.ok(verifyBytes(r.ecu.keys.publicKey, canonicalBytes(report.signed), report.signatures[0]!.sig), "report signature verifies");
}

async function refusal(p: Promise<unknown>): Promise<SecondaryRefusedError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SecondaryRefusedError) return err;
    throw err;
  }
  throw new Error("expected the Secondary to refuse");
}

/** Bytes of every slot file, to prove a refusal changed nothing. */
function slots(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).filter((f) => f.startsWith("slot-"))) out[f] = sha256(fs.readFileSync(path.join(dir, f)));
  return out;
}

test("a Secondary installs its image over CAN FD and reports it, signed, with a fresh nonce each time", async () => {
  const v = vehicle();
  const r = rig(tempDir("sec"), provider(v));
  const before = await r.client.readReport();
  assert.is(before.signed.installedImage, null);
  assert.is(await update(r, v), "installed");
  const after = await r.client.readReport();
  const again = await r.client.readReport();
  assertSignedBy(r, after);
  assert.equal(after.signed.installedImage, { filename: "brakes-1.bin", length: 3000, hashes: v.expectedTarget("brakes-1.bin", SECONDARY.serial).hashes });
  assert.is(after.signed.releaseCounter, 1);
  assert.equal(after.signed.lastInstall, { filename: "brakes-1.bin", success: true, code: "Ok", detail: "installed in slot A" });
  assert.is.not(after.signed.nonce, again.signed.nonce);
  assert.is(after.signed.attacksDetected, "");
  assert.ok(r.bus.seconds > 0 && r.client.stats.bytesSent > 3000);
  assert.is(await update(r, v), "NoUpdate", "the same assignment again installs nothing");
});

test("a factory-provisioned image boots and is reported; the first update goes into the other slot", async () => {
  const v = vehicle();
  const dir = tempDir("sec");
  const factory = imageBytes("factory.bin", 500);
  const info = { filename: "factory.bin", length: 500, hashes: { sha256: sha256(factory) } };
  assert.throws(() => Secondary.provisionFactoryImage(new FlashStore(dir), { ...info, length: 499 }, 0, factory), /does not match/);
  Secondary.provisionFactoryImage(new FlashStore(dir), info, 0, factory);
  assert.throws(() => Secondary.provisionFactoryImage(new FlashStore(dir), info, 0, factory), /already holds an ECU/);
  const r = rig(dir, provider(v));
  assert.equal((await r.client.readReport()).signed.installedImage, info);
  assert.is(await update(r, v), "installed");
  assert.is(r.ecu.activeSlot, "B");
  assert.equal(fs.readFileSync(path.join(dir, "slot-A.bin")), Buffer.from(factory), "the factory image stays in slot A");
});

test("a tampered image over the bus is refused (LengthOrHashMismatch) and no slot changes", async () => {
  const v = vehicle();
  const dir = tempDir("sec");
  const r = rig(dir, provider(v));
  await update(r, v);
  const name = addRelease(v, 2);
  const report = await r.client.readReport();
  await r.client.sendTime(v.timeAttestation({ nonces: [report.signed.nonce] }));
  assert.is((await r.client.sendMetadata(directorBundle(v))).outcome, "Ok");
  const tampered = Uint8Array.from(v.images.get(name)!);
  tampered[1234]! ^= 0x01;
  const before = slots(dir);
  await r.client.sendImage(tampered);
  const err = await refusal(r.client.verify());
  assert.is(err.nrc, NRC.conditionsNotCorrect);
  assert.is(err.outcome, "LengthOrHashMismatch");
  assert.equal(slots(dir), before, "slot files unchanged");
  assert.is((await refusal(r.client.install())).nrc, NRC.requestSequenceError, "nothing verified to install");
  const after = await r.client.readReport();
  assert.is(after.signed.installedImage!.filename, "brakes-1.bin");
  assert.match(after.signed.attacksDetected, /LengthOrHashMismatch/);
  // Once the report carrying it is answered by the time server, the attack counts as reported.
  assert.match((await r.client.readReport()).signed.attacksDetected, /LengthOrHashMismatch/, "still there until then");
  await r.client.sendTime(v.timeAttestation({ nonces: [after.signed.nonce] }));
  assert.is((await r.client.readReport()).signed.attacksDetected, "");
});

test("an image streamed from a chunk source in odd sizes arrives whole, in blocks of the ECU's announced size", async () => {
  const v = vehicle();
  const r = rig(tempDir("sec"), provider(v), { client: { blockLength: 1000 } });
  const report = await r.client.readReport();
  await r.client.sendTime(v.timeAttestation({ nonces: [report.signed.nonce] }));
  await r.client.sendMetadata(directorBundle(v));
  const image = v.images.get("brakes-1.bin")!;
  function* chunks() {
    for (let off = 0; off < image.length; off += 333) yield image.subarray(off, off + 333);
  }
  const progress: number[] = [];
  await r.client.sendImage({ length: image.length, chunks: chunks() }, (sent) => progress.push(sent));
  assert.equal(progress, [1000, 2000, 3000]);
  await r.client.verify();
  await r.client.install();
  assert.is((await r.client.readReport()).signed.installedImage!.filename, "brakes-1.bin");
});

test("a time attestation in the middle of an image download abandons the download (transferDataSuspended)", async () => {
  const v = vehicle();
  const r = rig(tempDir("sec"), provider(v));
  const report = await r.client.readReport();
  await r.client.sendTime(v.timeAttestation({ nonces: [report.signed.nonce] }));
  await r.client.sendMetadata(directorBundle(v));
  const image = v.images.get("brakes-1.bin")!;
  r.client.uds.request(Uint8Array.of(0x34, 0x00, 0x44, 0, 0, 0, 0, 0, 0, image.length >> 8, image.length & 0xff));
  r.client.uds.request(Uint8Array.of(0x36, 0x01, ...image.subarray(0, 1000)));
  await r.client.sendTime(v.timeAttestation({ nonces: [await r.client.readNonce()] }));
  assert.throws(() => r.client.uds.request(Uint8Array.of(0x36, 0x02, ...image.subarray(1000, 2000))), /transferDataSuspended/);
  assert.throws(() => r.client.uds.request(Uint8Array.of(0x37)), /requestSequenceError/);
  assert.is((await refusal(r.client.verify())).nrc, NRC.requestSequenceError);
});

test("an image longer than the verified target is refused at RequestDownload", async () => {
  const v = vehicle();
  const r = rig(tempDir("sec"), provider(v));
  const report = await r.client.readReport();
  await r.client.sendTime(v.timeAttestation({ nonces: [report.signed.nonce] }));
  await r.client.sendMetadata(directorBundle(v));
  const err = await refusal(r.client.sendImage(new Uint8Array(3001)));
  assert.is(err.nrc, NRC.uploadDownloadNotAccepted);
});

test("Director metadata signed by a foreign repository is refused and the ECU takes no image", async () => {
  const v = vehicle();
  const foreign = vehicle();
  const r = rig(tempDir("sec"), provider(v));
  const report = await r.client.readReport();
  await r.client.sendTime(v.timeAttestation({ nonces: [report.signed.nonce] }));
  const err = await refusal(r.client.sendMetadata(directorBundle(foreign)));
  assert.is(err.nrc, NRC.conditionsNotCorrect);
  assert.is(err.outcome, "UnmetThreshold");
  assert.is((await refusal(r.client.sendImage(foreign.images.get("brakes-1.bin")!))).nrc, NRC.requestSequenceError);
  assert.is((await r.client.readReport()).signed.installedImage, null);
});

test("a target for another hardware type is refused (HardwareIdMismatch)", async () => {
  const v = vehicle();
  v.addImage({ name: "gearbox.bin", bytes: imageBytes("gearbox.bin"), hardwareIds: ["hw-gearbox"] });
  v.director.targets.get("targets")!.clear();
  v.assign(SECONDARY.serial, "gearbox.bin", { hardwareId: "hw-gearbox" });
  const r = rig(tempDir("sec"), provider(v));
  const report = await r.client.readReport();
  await r.client.sendTime(v.timeAttestation({ nonces: [report.signed.nonce] }));
  assert.is((await refusal(r.client.sendMetadata(directorBundle(v)))).outcome, "HardwareIdMismatch");
});

test("metadata before a verified time, and a time attestation for someone else's nonce, are refused", async () => {
  const v = vehicle();
  const r = rig(tempDir("sec"), provider(v));
  assert.is((await refusal(r.client.sendMetadata(directorBundle(v)))).nrc, NRC.requestSequenceError);
  const err = await refusal(r.client.sendTime(v.timeAttestation({ nonces: ["not-my-nonce"] })));
  assert.is(err.outcome, "BadTimeAttestation");
  const forged = v.timeAttestation({ nonces: [await r.client.readNonce()], signers: [v.director.roles.targets.keys[0]!] });
  assert.is((await refusal(r.client.sendTime(forged))).outcome, "BadTimeAttestation");
});

test("a new image that fails its boot check is rolled back and the report says so", async () => {
  const v = vehicle();
  const bad = imageBytes("brakes-2.bin", 3000);
  const r = rig(tempDir("sec"), provider(v), { selfTest: (img) => sha256(img) !== sha256(bad) });
  await update(r, v);
  addRelease(v, 2, bad);
  const err = await refusal(update(r, v));
  assert.is(err.nrc, NRC.generalProgrammingFailure);
  const report = await r.client.readReport();
  assertSignedBy(r, report);
  assert.is(report.signed.installedImage!.filename, "brakes-1.bin");
  assert.is(report.signed.releaseCounter, 1);
  assert.is(report.signed.lastInstall?.success, false);
  assert.is(report.signed.lastInstall?.code, "BootCheckFailed");
});

test("5% frame loss on CAN FD: the update completes through retries", async () => {
  const v = vehicle();
  const r = rig(tempDir("sec"), provider(v), { bus: { lossRate: 0.05, seed: 11 }, client: { maxSingleWrite: 0, blockLength: 240, uds: { attempts: 40 } } });
  assert.is(await update(r, v), "installed");
  assert.ok(r.bus.stats.lost > 0 && r.client.uds.retries > 0);
  assert.is((await r.client.readReport()).signed.installedImage!.filename, "brakes-1.bin");
});

test("5% frame loss on classic CAN with few retries: the update fails cleanly and the ECU still reports the truth", async () => {
  const v = vehicle();
  const dir = tempDir("sec");
  await update(rig(dir, provider(v)), v);
  addRelease(v, 2);
  const lossy = rig(dir, provider(v), { bus: { fd: false, dataBitrate: undefined, lossRate: 0.05, seed: 5 }, client: { uds: { attempts: 2 } } });
  let error: unknown;
  try {
    await update(lossy, v);
  } catch (err) {
    error = err;
  }
  assert.instance(error, Error);
  assert.match((error as Error).message, /no response|refused/);
  const calm = rig(dir, provider(v));
  const report = await calm.client.readReport();
  assertSignedBy(calm, report);
  assert.is(report.signed.installedImage!.filename, "brakes-1.bin");
});

test("a power cut at every flash write of an install leaves the ECU booting a verified image and reporting it truthfully", async () => {
  const v = vehicle();
  const base = tempDir("sec-base");
  await update(rig(base, provider(v)), v);
  addRelease(v, 2);
  const images: Record<string, Uint8Array> = { "brakes-1.bin": v.images.get("brakes-1.bin")!, "brakes-2.bin": v.images.get("brakes-2.bin")! };
  let cuts = 0;
  for (let cutAt = 0; ; cutAt++) {
    const dir = tempDir("sec-cut");
    fs.cpSync(base, dir, { recursive: true });
    const victim = rig(dir, provider(v), { faults: { cutAt } });
    let failed = false;
    try {
      await update(victim, v);
    } catch {
      failed = true;
    }
    if (!victim.flash.poweredOff) {
      assert.not.ok(failed, `no cut at ${cutAt}, so the update succeeds`);
      break;
    }
    cuts++;
    // Power comes back.
    const back = rig(dir, provider(v));
    const report = await back.client.readReport();
    assertSignedBy(back, report);
    const installed = report.signed.installedImage;
    assert.ok(installed, `cut ${cutAt}: an image still boots`);
    const bytes = images[installed!.filename]!;
    assert.is(installed!.hashes.sha256, sha256(bytes), `cut ${cutAt}: report names the image's real hash`);
    const slotBytes = fs.readFileSync(path.join(dir, `slot-${back.ecu.activeSlot}.bin`));
    assert.is(sha256(slotBytes), sha256(bytes), `cut ${cutAt}: the booted slot holds the reported image`);
    assert.is(report.signed.releaseCounter, installed!.filename === "brakes-2.bin" ? 2 : 1);
    // And the next cycle finishes the job.
    const outcome = await update(back, v);
    assert.ok(outcome === "installed" || outcome === "NoUpdate", `cut ${cutAt}: ${outcome}`);
    assert.is((await back.client.readReport()).signed.installedImage!.filename, "brakes-2.bin");
  }
  assert.ok(cuts >= 15, `cut at ${cuts} flash operations`);
});

test("a thousand random UDS requests never crash the Secondary nor change what it runs", async () => {
  const v = vehicle();
  const dir = tempDir("sec");
  const r = rig(dir, provider(v));
  await update(r, v);
  const before = slots(dir);
  let seed = 99;
  const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const sids = [0x22, 0x2e, 0x31, 0x34, 0x36, 0x37, 0x10, 0x3e];
  let negative = 0;
  for (let i = 0; i < 1000; i++) {
    const req = Uint8Array.from({ length: 1 + rand(40) }, () => rand(256));
    req[0] = sids[rand(sids.length)]!;
    if (req[0] === 0x22 && req.length >= 3 && rand(2) === 0) { req[1] = 0xf1; req[2] = 0xa0 + rand(6); }
    try {
      r.client.uds.request(req);
    } catch (err) {
      assert.ok(err instanceof Error && err.name === "UdsNegativeResponseError", String(err));
      negative++;
    }
  }
  assert.ok(negative > 900);
  assert.equal(slots(dir), before);
  const report = await r.client.readReport();
  assertSignedBy(r, report);
  assert.is(report.signed.installedImage!.filename, "brakes-1.bin");
  assert.is(await update(r, v), "NoUpdate", "and it still takes part in the next cycle");
});

test("the Primary's SecondaryLink over CAN: report bytes, time, the Director's part of a full bundle, then the image", async () => {
  const v = vehicle();
  const r = rig(tempDir("sec"), provider(v));
  const link = new CanSecondaryLink(r.client, SECONDARY.serial, "partial");
  const report = JSON.parse(Buffer.from(await link.versionReport()).toString("utf8")) as EcuVersionReport;
  assertSignedBy(r, report);
  await link.sendTime(v.timeAttestation({ nonces: [report.signed.nonce] }));
  const files = v.files();
  const repo = (f: typeof files.director, root: Uint8Array) => ({ roots: [root, ...f.rootRotations], timestamp: f.timestamp, snapshot: f.snapshot, targets: f.targets, delegations: f.delegations ?? new Map() });
  await link.sendMetadata({ director: repo(files.director, v.director.root(1)), image: repo(files.image, v.image.root(1)) });
  assert.is(link.lastVerdict?.outcome, "Ok");
  await link.sendImage(v.expectedTarget("brakes-1.bin", SECONDARY.serial), v.images.get("brakes-1.bin")!);
  assert.is((await r.client.readReport()).signed.installedImage!.filename, "brakes-1.bin");
});

test.run();
