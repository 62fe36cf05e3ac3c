// Secondaries running the real verification modules (partial.wasm, full.wasm) over the bus:
// root rotation through the Primary's roots, trusted state across power cycles, full mode.
import { canonicalForwarding } from "../../host/wasm/canonical.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fullVerifier, partialVerifier } from "../../host/ecu/verifiers.ts";
import { SecondaryRefusedError } from "../../host/ecu/secondary-client.ts";
import type { VehicleSim } from "../sim/vehicle.ts";
import { addRelease, directorBundle, rig, SECONDARY, tempDir, update, vehicle, type Rig } from "./rig.ts";
import type { MetadataBundle } from "../../model/metadata-bundle.ts";

const partial = (v: VehicleSim) => partialVerifier(v.partialConfig(SECONDARY.serial));
const full = (v: VehicleSim) => fullVerifier(v.fullConfig(SECONDARY.serial));

/** Both repositories as a Primary holds them: every root from version 1 on. */
function fullBundle(v: VehicleSim): MetadataBundle {
  const f = v.files();
  const repo = (files: typeof f.director, roots: Uint8Array[]) => ({ roots, timestamp: files.timestamp, snapshot: files.snapshot, targets: files.targets, delegations: files.delegations ?? new Map() });
  return { director: repo(f.director, v.director.roots), image: repo(f.image, v.image.roots) };
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

async function timeAndMetadata(r: Rig, v: VehicleSim, bundle: MetadataBundle) {
  const report = await r.client.readReport();
  await r.client.sendTime(v.timeAttestation({ nonces: [report.signed.nonce] }));
  return r.client.sendMetadata(bundle);
}

test("partial.wasm Secondary: a Director root rotation arrives with the Primary's roots, and resending every root later is harmless", async () => {
  const v = vehicle();
  const r = rig(tempDir("secv"), partial(v));
  assert.is(await update(r, v), "installed");
  v.director.rotate({ targets: 1 });
  addRelease(v, 2);
  const bundle: MetadataBundle = { director: { roots: v.director.roots, targets: canonicalForwarding(v.director.files(1).targets) } };
  assert.is((await timeAndMetadata(r, v, bundle)).outcome, "Ok");
  await r.client.sendImage(v.images.get("brakes-2.bin")!);
  await r.client.verify();
  await r.client.install();
  addRelease(v, 3);
  assert.is((await timeAndMetadata(r, v, { director: { roots: v.director.roots, targets: canonicalForwarding(v.director.files(1).targets) } })).outcome, "Ok");
});

test("partial.wasm Secondary: after a power cycle it still refuses older Director targets (rollback)", async () => {
  const v = vehicle();
  const dir = tempDir("secv");
  const old = directorBundle(v);
  const first = rig(dir, partial(v));
  await update(first, v);
  addRelease(v, 2);
  await update(first, v);
  const again = rig(dir, partial(v));
  assert.is((await again.client.readReport()).signed.installedImage!.filename, "brakes-2.bin");
  const err = await refusal(timeAndMetadata(again, v, old));
  assert.is(err.outcome, "RollbackAttack");
});

test("full.wasm Secondary: installs with both repositories' metadata over the bus", async () => {
  const v = vehicle();
  const r = rig(tempDir("secv"), full(v));
  assert.is((await timeAndMetadata(r, v, fullBundle(v))).outcome, "Ok");
  await r.client.sendImage(v.images.get("brakes-1.bin")!);
  await r.client.verify();
  await r.client.install();
  assert.is((await r.client.readReport()).signed.installedImage!.filename, "brakes-1.bin");
});

test("full.wasm Secondary: Director metadata alone is refused (it needs the Image repository too)", async () => {
  const v = vehicle();
  const r = rig(tempDir("secv"), full(v));
  const err = await refusal(timeAndMetadata(r, v, directorBundle(v)));
  assert.is(err.outcome, "InvalidMetadata");
});

test("full.wasm Secondary: an image the Image repository does not sign is refused (MissingTarget)", async () => {
  const v = vehicle();
  const r = rig(tempDir("secv"), full(v));
  v.image.targets.get("targets")!.clear();
  v.nextCycle();
  const err = await refusal(timeAndMetadata(r, v, fullBundle(v)));
  assert.is(err.outcome, "MissingTarget");
});

test.run();
