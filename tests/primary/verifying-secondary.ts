// A Secondary test double that runs the real verifier (full.wasm or partial.wasm) on what
// the Primary hands it, and "installs" an image whose check passed (no A/B banks, no
// bus: host/ecu/ has the real Secondary).
import type { ImageFileInfo } from "../../model/manifest-format.ts";
import { canonicalBytes } from "../../model/canonical-json.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { signedVersion } from "../../host/primary/repository-download.ts";
import type { SecondaryEndpoint, VerificationMode } from "../../host/primary/secondary-link.ts";
import "../../host/wasm/embedded.ts";
import { FullVerifier, PartialVerifier } from "../../host/wasm/verifier.ts";
import type { VerifiedTarget, VerifyResult } from "../../model/verification.ts";
import { fullVerificationFiles, type MetadataBundle } from "../../model/metadata-bundle.ts";

export class VerifyingSecondary implements SecondaryEndpoint {
  readonly keys = SoftwareKeyStore.generate();
  nonce = "";
  time: number | null = null;
  /** Root versions this Secondary trusts (it was provisioned with version 1 of each). */
  trustedRoots = { director: 1, image: 1 };
  verdicts: VerifyResult[] = [];
  imageVerdicts: VerifyResult[] = [];
  received: MetadataBundle[] = [];
  installed: ImageFileInfo | null = null;
  releaseCounter = 0;

  constructor(
    readonly serial: string,
    readonly verification: VerificationMode,
    private readonly verifier: FullVerifier | PartialVerifier,
  ) {}

  async versionReport(): Promise<Uint8Array> {
    this.nonce = `n-${Math.random().toString(16).slice(2)}`;
    const signed = { _type: "ecu-version-report" as const, ecuSerial: this.serial, installedImage: this.installed, releaseCounter: this.releaseCounter, nonce: this.nonce, attacksDetected: "", reportTime: "2026-01-01T00:00:00Z" };
    return new Uint8Array(Buffer.from(JSON.stringify({ signatures: [await this.keys.sign(canonicalBytes(signed))], signed })));
  }

  async receiveTime(attestation: Uint8Array): Promise<void> {
    const r = this.verifier.attestTime({ attestation, nonce: this.nonce });
    if (r.ok) this.time = r.time!;
  }

  async receiveMetadata(bundle: MetadataBundle): Promise<void> {
    this.received.push(bundle);
    const newer = (repo: "director" | "image", roots: Uint8Array[]) => roots.filter((r) => signedVersion(r)! > this.trustedRoots[repo]);
    const verdict =
      this.verifier instanceof FullVerifier
        ? this.verifier.update(fullVerificationFiles(bundle.director, (roots) => newer("director", roots))!, fullVerificationFiles(bundle.image, (roots) => newer("image", roots))!, this.time!)
        : this.verifier.update({ rootRotations: newer("director", bundle.director.roots), targets: bundle.director.targets }, this.time!);
    if (verdict.ok || verdict.outcome === "NoUpdate") {
      this.trustedRoots.director = signedVersion(bundle.director.roots.at(-1)!)!;
      if (bundle.image) this.trustedRoots.image = signedVersion(bundle.image.roots.at(-1)!)!;
    }
    this.verdicts.push(verdict);
  }

  async receiveImage(target: VerifiedTarget, image: Uint8Array): Promise<void> {
    const check = this.verifier.imageCheck(target);
    check.update(image);
    const verdict = check.finish();
    this.imageVerdicts.push(verdict);
    if (verdict.ok) {
      this.installed = { filename: target.name, length: target.length, hashes: { ...target.hashes } };
      this.releaseCounter = target.releaseCounter;
    }
  }
}
