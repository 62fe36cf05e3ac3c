// What the Primary hands its Secondaries (5.4.2.5-5.4.2.7) is enough for them to verify
// on their own with the real verifiers: a full-verification Secondary gets both
// repositories (root rotations included), a partial one the Director's roots and targets.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { Primary, provisionPrimary } from "../../host/primary/primary.ts";
import { InProcessLink, type MetadataBundle, type SecondaryEndpoint, type VerificationMode } from "../../host/primary/secondary-link.ts";
import { MemoryStore } from "../../host/primary/store.ts";
import { signedVersion } from "../../host/primary/repository-download.ts";
import { FullVerifier, PartialVerifier } from "../../host/wasm/verifier.ts";
import type { VerifiedTarget, VerifyResult } from "../../host/verify/types.ts";
import { canonicalBytes } from "../../backend/metadata/canonical-json.ts";
import { VehicleSim } from "../sim/vehicle.ts";
import { SimBackend } from "./sim-backend.ts";

/** A Secondary test double that runs the real verifier on what it receives. */
class VerifyingSecondary implements SecondaryEndpoint {
  readonly keys = SoftwareKeyStore.generate();
  nonce = "";
  time: number | null = null;
  trustedRoot = 1;
  verdicts: VerifyResult[] = [];
  imageVerdicts: VerifyResult[] = [];
  received: MetadataBundle[] = [];

  constructor(
    readonly serial: string,
    readonly verification: VerificationMode,
    private readonly verifier: FullVerifier | PartialVerifier,
  ) {}

  async versionReport(): Promise<Uint8Array> {
    this.nonce = `n-${Math.random().toString(16).slice(2)}`;
    const signed = { _type: "ecu-version-report" as const, ecuSerial: this.serial, installedImage: null, releaseCounter: 0, nonce: this.nonce, attacksDetected: "", reportTime: "2026-01-01T00:00:00Z" };
    return new Uint8Array(Buffer.from(JSON.stringify({ signatures: [await this.keys.sign(canonicalBytes(signed))], signed })));
  }

  async receiveTime(attestation: Uint8Array): Promise<void> {
    const r = this.verifier.attestTime({ attestation, nonce: this.nonce });
    if (r.ok) this.time = r.time!;
  }

  async receiveMetadata(bundle: MetadataBundle): Promise<void> {
    this.received.push(bundle);
    const newer = (roots: Uint8Array[]) => roots.filter((r) => signedVersion(r)! > this.trustedRoot);
    const verdict =
      this.verifier instanceof FullVerifier
        ? this.verifier.update({ ...bundle.director, rootRotations: newer(bundle.director.roots) }, { ...bundle.image!, rootRotations: bundle.image!.roots.slice(1) }, this.time!)
        : this.verifier.update({ rootRotations: newer(bundle.director.roots), targets: bundle.director.targets }, this.time!);
    if (verdict.ok || verdict.outcome === "NoUpdate") this.trustedRoot = signedVersion(bundle.director.roots.at(-1)!)!;
    this.verdicts.push(verdict);
  }

  async receiveImage(target: VerifiedTarget, image: Uint8Array): Promise<void> {
    const check = this.verifier.imageCheck(target);
    check.update(image);
    this.imageVerdicts.push(check.finish());
  }
}

async function vehicleWith(mode: VerificationMode) {
  const sim = VehicleSim.standard();
  sim.director.rotate({ root: 1 }); // the Director's root is at version 2 when the cycle runs
  const backend = new SimBackend(sim);
  const store = new MemoryStore();
  await provisionPrimary(store, { directorRoot: sim.director.root(1), imageRoot: sim.image.root(1) });
  const brakes = sim.ecus[1]!;
  const ecu = { serial: brakes.serial, hardwareId: brakes.hardwareId, installedReleaseCounter: 0 };
  const verifier =
    mode === "full"
      ? new FullVerifier({ ...sim.fullConfig(brakes.serial) })
      : new PartialVerifier({ directorRoot: sim.director.root(1), ecu });
  const secondary = new VerifyingSecondary(brakes.serial, mode, verifier);
  const primary = await Primary.open({
    vin: sim.vin,
    serial: sim.primary.serial,
    hardwareId: sim.primary.hardwareId,
    vehicleEcus: sim.ecus.map((e) => e.serial),
    fetcher: backend.fetcher,
    store,
    keys: SoftwareKeyStore.generate(),
    secondaries: [new InProcessLink(secondary)],
  });
  return { sim, primary, secondary };
}

test("a full-verification Secondary verifies the time, both repositories (through a root rotation) and its image from what the Primary hands over", async () => {
  const { sim, primary, secondary } = await vehicleWith("full");
  await primary.runCycle();
  assert.is(secondary.time, sim.now, "the attestation carried the Secondary's own nonce");
  assert.is(secondary.received[0]!.director.roots.length, 2, "pinned root and the rotation");
  assert.is(secondary.verdicts[0]!.outcome, "Ok", secondary.verdicts[0]!.detail);
  assert.is(secondary.verdicts[0]!.target?.name, sim.assignedName(secondary.serial));
  assert.is(secondary.imageVerdicts[0]?.outcome, "Ok");
});

test("a partial-verification Secondary gets only the Director's roots and targets, and they verify", async () => {
  const { sim, primary, secondary } = await vehicleWith("partial");
  await primary.runCycle();
  assert.is(secondary.received[0]!.image, undefined);
  assert.is(secondary.verdicts[0]!.outcome, "Ok", secondary.verdicts[0]!.detail);
  assert.is(secondary.verdicts[0]!.target?.name, sim.assignedName(secondary.serial));
  assert.is(secondary.imageVerdicts[0]?.outcome, "Ok");
});

test.run();
