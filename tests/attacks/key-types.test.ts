// Threshold attacks with ECDSA P-256 and RSA-PSS keys beside Ed25519 (README "ECDSA P-256
// and RSA-PSS"; TUF 1.0 5.3-5.6): a threshold counts distinct keys of any type, one key
// counts once however many key ids or signatures name it, and a key type the module does
// not read never counts. Full verification in full.wasm, partial in partial-p256.wasm.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PartialVerifier } from "../../host/wasm/verifier.ts";
import { generateSigningKey, keyIdOf, type SigningKey, type SoftwareSigningKey, type TufKey } from "../../model/keys.ts";
import { VehicleSim, expectOutcome, verifyFull, verifyPartial, partialCycle, at } from "./harness.ts";

const ecdsa = () => generateSigningKey("ecdsa-p256");
const ed25519 = () => generateSigningKey("ed25519");
const rsa = () => generateSigningKey("rsa-pss");

/** The same key under another key id: with a field more (as python-tuf writes) it is another key object. */
function sameKeyOtherId(k: SoftwareSigningKey): SoftwareSigningKey {
  const twin = { ...k.publicKey, keyid_hash_algorithms: ["sha256", "sha512"] } as unknown as TufKey;
  return { keyid: keyIdOf(twin), publicKey: twin, privateKey: k.privateKey };
}

/** A key as python-tuf's securesystemslib wrote ECDSA keys: keytype "ecdsa-sha2-nistp256" and keyid_hash_algorithms. */
function pythonTufStyle(k: SoftwareSigningKey): SoftwareSigningKey {
  const key = { keytype: "ecdsa-sha2-nistp256", scheme: "ecdsa-sha2-nistp256", keyid_hash_algorithms: ["sha256", "sha512"], keyval: { public: k.publicKey.keyval.public } };
  return { keyid: keyIdOf(key as unknown as TufKey), publicKey: key as unknown as TufKey, privateKey: k.privateKey };
}

test("an ECDSA key and an Ed25519 key meet Director targets threshold 2: Ok", () => {
  const v = VehicleSim.standard();
  const two = [ecdsa(), ed25519()];
  v.director.roles.targets = { keys: two, threshold: 2 };
  v.director.repinRoot();
  v.director.signers.targets = two;
  expectOutcome(verifyFull(v), "Ok", null, null);
});

test("ECDSA, RSA-PSS and Ed25519 keys in every role of both repositories (root, timestamp, snapshot, targets): Ok", () => {
  const v = VehicleSim.standard();
  for (const repo of [v.director, v.image]) {
    for (const role of ["root", "timestamp", "snapshot", "targets"] as const) {
      const set = [ecdsa(), rsa(), ed25519()];
      repo.roles[role] = { keys: set, threshold: 3 };
    }
    repo.repinRoot();
    for (const role of ["timestamp", "snapshot", "targets"] as const) repo.signers[role] = repo.roles[role].keys;
  }
  expectOutcome(verifyFull(v), "Ok", null, null);
});

test("metadata signed by python-tuf-style ECDSA keys (keytype ecdsa-sha2-nistp256, keyid_hash_algorithms) verifies: Ok", () => {
  const v = VehicleSim.standard();
  const [a, b] = [pythonTufStyle(ecdsa()), pythonTufStyle(ecdsa())];
  v.image.roles.targets = { keys: [a, b], threshold: 2 };
  v.image.repinRoot();
  v.image.signers.targets = [a, b];
  expectOutcome(verifyFull(v), "Ok", null, null);
});

test("the same ECDSA key twice, under two key ids, counts once toward threshold 2: UnmetThreshold (director targets)", () => {
  const v = VehicleSim.standard();
  const k = ecdsa();
  const twin = sameKeyOtherId(k);
  assert.is.not(twin.keyid, k.keyid);
  v.director.roles.targets = { keys: [k, twin], threshold: 2 };
  v.director.repinRoot();
  v.director.signers.targets = [k, twin];
  expectOutcome(verifyFull(v), "UnmetThreshold", "director", "targets");
});

test("one ECDSA key signing twice counts once toward threshold 2: UnmetThreshold (image snapshot)", () => {
  const v = VehicleSim.standard();
  const two = [ecdsa(), ed25519()];
  v.image.roles.snapshot = { keys: two, threshold: 2 };
  v.image.repinRoot();
  v.image.signers.snapshot = [two[0]!, two[0]!];
  expectOutcome(verifyFull(v), "UnmetThreshold", "image", "snapshot");
});

test("an ECDSA signature under an Ed25519 key's key id counts for nothing: UnmetThreshold (image targets)", () => {
  const v = VehicleSim.standard();
  const good = v.image.roles.targets.keys[0]!;
  v.image.signers.targets = [ecdsa()];
  v.image.tamperEnvelope.targets = (doc) => (doc.signatures[0].keyid = good.keyid);
  expectOutcome(verifyFull(v), "UnmetThreshold", "image", "targets");
});

test("an ECDSA key whose PEM is not strict (a blank line inside) never counts: UnmetThreshold (director targets)", () => {
  const v = VehicleSim.standard();
  const k = ecdsa();
  const pem = k.publicKey.keyval.public.replace("\n", "\n\n");
  const bad = { ...k.publicKey, keyval: { public: pem } } as TufKey;
  const key = { keyid: keyIdOf(bad), publicKey: bad, privateKey: k.privateKey };
  v.director.roles.targets = { keys: [key], threshold: 1 };
  v.director.repinRoot();
  v.director.signers.targets = [key];
  expectOutcome(verifyFull(v), "UnmetThreshold", "director", "targets");
});

test("ECDSA signed content changed after signing: UnmetThreshold (director targets)", () => {
  const v = VehicleSim.standard();
  const k = ecdsa();
  v.director.roles.targets = { keys: [k], threshold: 1 };
  v.director.repinRoot();
  v.director.signers.targets = [k];
  v.director.tamperEnvelope.targets = (doc) => (doc.signed.targets[v.assignedName()].length += 1);
  expectOutcome(verifyFull(v), "UnmetThreshold", "director", "targets");
});

test("RSA-PSS signature by a key the root does not list: UnmetThreshold (director timestamp)", () => {
  const v = VehicleSim.standard();
  v.director.signers.timestamp = [rsa()];
  expectOutcome(verifyFull(v), "UnmetThreshold", "director", "timestamp");
});

// ---- partial verification ----

function partialP256(v: VehicleSim): PartialVerifier {
  return new PartialVerifier({ ...v.partialConfig(v.primary.serial, 0), module: "partial-p256" });
}

test("partial-p256.wasm: Director targets signed by an ECDSA key and an Ed25519 key, threshold 2: Ok", () => {
  const v = VehicleSim.standard();
  const two = [ecdsa(), ed25519()];
  v.director.roles.targets = { keys: two, threshold: 2 };
  v.director.roles.root = { keys: [ecdsa()], threshold: 1 };
  v.director.repinRoot();
  v.director.signers.targets = two;
  expectOutcome(partialCycle(partialP256(v), v, 1, at(v)), "Ok", null, null);
});

test("partial-p256.wasm: the same ECDSA key under two key ids counts once: UnmetThreshold (director targets)", () => {
  const v = VehicleSim.standard();
  const k = ecdsa();
  const twin = sameKeyOtherId(k);
  v.director.roles.targets = { keys: [k, twin], threshold: 2 };
  v.director.repinRoot();
  v.director.signers.targets = [k, twin];
  expectOutcome(partialCycle(partialP256(v), v, 1, at(v)), "UnmetThreshold", "director", "targets");
});

test("partial.wasm (Ed25519 only): a Director root whose root role has only ECDSA keys does not load (its keys never count)", () => {
  const v = VehicleSim.standard();
  v.director.roles.root = { keys: [ecdsa()], threshold: 1 };
  v.director.repinRoot();
  expectOutcome(verifyPartial(v), "UnmetThreshold", "director", "root");
});

test.run();
