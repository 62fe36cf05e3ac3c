// Secondaries receiving an encrypted image over the bus (README "Per-ECU image encryption:
// the ECU side"): the key store holds the ECU's X25519 key (or a shared AES-128 key), the
// module decrypts as the image streams in, the inactive slot gets only plaintext, and the
// version report names the plaintext image that is installed.
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { canonicalForwarding } from "../../host/wasm/canonical.ts";
import { SecondaryRefusedError } from "../../host/ecu/secondary-client.ts";
import { fullVerifier, partialVerifier } from "../../host/ecu/verifiers.ts";
import type { MetadataBundle } from "../../model/metadata-bundle.ts";
import { imageBytes, VehicleSim } from "../sim/vehicle.ts";
import { rig, SECONDARY, tempDir, type Rig } from "../ecu/rig.ts";
import { METHOD_SHARED, METHOD_X25519, type Recipient } from "../helpers/encrypt-image.ts";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const NAME = "brakes-2.bin";

function vehicle(): VehicleSim {
  const v = new VehicleSim({ ecus: [{ serial: "primary-001", hardwareId: "hw-primary" }, SECONDARY] });
  v.addImage({ name: NAME, bytes: imageBytes(NAME, 10_000), hardwareIds: [SECONDARY.hardwareId], releaseCounter: 2 });
  return v;
}

function fullBundle(v: VehicleSim): MetadataBundle {
  const f = v.files();
  const repo = (files: typeof f.director, roots: Uint8Array[]) => ({ roots, timestamp: files.timestamp, snapshot: files.snapshot, targets: files.targets, delegations: files.delegations ?? new Map() });
  return { director: repo(f.director, v.director.roots), image: repo(f.image, v.image.roots) };
}
const partialBundle = (v: VehicleSim): MetadataBundle => ({ director: { roots: v.director.roots, targets: canonicalForwarding(v.director.files(1).targets) } });

async function refusal(p: Promise<unknown>): Promise<SecondaryRefusedError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SecondaryRefusedError) return err;
    throw err;
  }
  throw new Error("expected the Secondary to refuse");
}

/** Time and metadata, then the file the Director serves for this ECU (or `bytes`), verify, install. */
async function update(r: Rig, v: VehicleSim, bundle: MetadataBundle, bytes?: Uint8Array): Promise<string> {
  const report = await r.client.readReport();
  await r.client.sendTime(v.timeAttestation({ nonces: [report.signed.nonce] }));
  const verdict = await r.client.sendMetadata(bundle);
  if (verdict.outcome === "NoUpdate") return "NoUpdate";
  await r.client.sendImage(bytes ?? v.images.get(v.assignedName(SECONDARY.serial))!);
  await r.client.verify();
  return r.client.install();
}

const slotBytes = (r: Rig) => Object.fromEntries(fs.readdirSync(r.flash.dir).filter((f) => f.startsWith("slot-")).map((f) => [f, sha256(fs.readFileSync(path.join(r.flash.dir, f)))]));

for (const kind of ["partial-enc", "full-enc"] as const) {
  for (const method of [METHOD_X25519, METHOD_SHARED] as const) {
    test(`${kind} Secondary, ${method}: decrypts its image into the inactive slot over CAN FD and reports the plaintext image installed`, async () => {
      const v = vehicle();
      const dir = tempDir("enc");
      const provider = kind === "partial-enc" ? partialVerifier({ ...v.partialConfig(SECONDARY.serial), module: kind }) : fullVerifier({ ...v.fullConfig(SECONDARY.serial), module: kind });
      const r = rig(dir, provider);
      const sharedKey = randomBytes(16);
      if (method === METHOD_SHARED) r.ecu.keys.provisionSharedKey(sharedKey);
      const recipient: Recipient = method === METHOD_X25519 ? { method, publicKey: r.ecu.keys.encryptionPublicKey } : { method, sharedKey };
      const enc = v.assignEncrypted(SECONDARY.serial, NAME, recipient);
      v.nextCycle();
      assert.is(await update(r, v, kind === "partial-enc" ? partialBundle(v) : fullBundle(v)), "installed");
      const plaintext = v.images.get(NAME)!;
      const report = await r.client.readReport();
      assert.equal(report.signed.installedImage, { filename: NAME, length: plaintext.length, hashes: { sha256: sha256(plaintext), sha512: createHash("sha512").update(plaintext).digest("hex") } });
      assert.is(report.signed.releaseCounter, 2);
      assert.ok(fs.readFileSync(path.join(dir, `slot-${r.ecu.activeSlot}.bin`)).equals(Buffer.from(plaintext)), "the slot holds the plaintext");
      assert.is.not(enc.name, NAME);
      // the keys are files of their own, owner-only
      const mode = fs.statSync(path.join(dir, "ecu-encryption-key.bin")).mode & 0o777;
      assert.is(mode, 0o600);
      // the same assignment again installs nothing
      v.nextCycle();
      assert.is(await update(r, v, kind === "partial-enc" ? partialBundle(v) : fullBundle(v)), "NoUpdate");
    });
  }
}

test("partial-enc Secondary: a ciphertext with one byte flipped is refused (DecryptionFailed) and no slot changes", async () => {
  const v = vehicle();
  const r = rig(tempDir("enc"), partialVerifier({ ...v.partialConfig(SECONDARY.serial), module: "partial-enc" }));
  const enc = v.assignEncrypted(SECONDARY.serial, NAME, { method: METHOD_X25519, publicKey: r.ecu.keys.encryptionPublicKey });
  v.nextCycle();
  const before = slotBytes(r);
  const bad = Buffer.from(enc.ciphertext);
  bad[5000] ^= 0x80;
  const err = await refusal(update(r, v, partialBundle(v), bad));
  assert.match(err.message, /DecryptionFailed/);
  assert.equal(slotBytes(r), before);
  assert.is((await r.client.readReport()).signed.installedImage, null);
});

test("partial-enc Secondary: an image encrypted for another ECU's key is refused (DecryptionFailed), nothing installed", async () => {
  const v = vehicle();
  const r = rig(tempDir("enc"), partialVerifier({ ...v.partialConfig(SECONDARY.serial), module: "partial-enc" }));
  const other = rig(tempDir("enc"), partialVerifier({ ...v.partialConfig(SECONDARY.serial), module: "partial-enc" }));
  v.assignEncrypted(SECONDARY.serial, NAME, { method: METHOD_X25519, publicKey: other.ecu.keys.encryptionPublicKey });
  v.nextCycle();
  const err = await refusal(update(r, v, partialBundle(v)));
  assert.match(err.message, /DecryptionFailed/);
  assert.is((await r.client.readReport()).signed.installedImage, null);
});

test("partial.wasm Secondary (no decryption): its encrypted target is refused by the module's image check (DecryptionFailed), ciphertext never installed", async () => {
  const v = vehicle();
  const r = rig(tempDir("enc"), partialVerifier(v.partialConfig(SECONDARY.serial)));
  v.assignEncrypted(SECONDARY.serial, NAME, { method: METHOD_X25519, publicKey: r.ecu.keys.encryptionPublicKey });
  v.nextCycle();
  const before = slotBytes(r);
  const err = await refusal(update(r, v, partialBundle(v)));
  assert.match(err.message, /DecryptionFailed/);
  assert.equal(slotBytes(r), before);
  assert.is((await r.client.readReport()).signed.installedImage, null);
});

test("partial-enc Secondary without a shared key: an image wrapped for a shared key is refused at the metadata (DecryptionFailed)", async () => {
  const v = vehicle();
  const r = rig(tempDir("enc"), partialVerifier({ ...v.partialConfig(SECONDARY.serial), module: "partial-enc" }));
  v.assignEncrypted(SECONDARY.serial, NAME, { method: METHOD_SHARED, sharedKey: randomBytes(16) });
  v.nextCycle();
  const report = await r.client.readReport();
  await r.client.sendTime(v.timeAttestation({ nonces: [report.signed.nonce] }));
  const err = await refusal(r.client.sendMetadata(partialBundle(v)));
  assert.match(err.message, /DecryptionFailed/);
});

test.run();
