// A Secondary test double for the Primary's tests: it signs real version reports with a
// fresh counter nonce and records what the Primary hands it. It does not verify anything
// (the Secondaries' own verification is tested with the Secondaries).
import { createHash } from "node:crypto";
import type { EcuVersionReport, ImageFileInfo } from "../../model/manifest-format.ts";
import { canonicalBytes } from "../../model/canonical-json.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import type { SecondaryEndpoint, VerificationMode } from "../../host/primary/secondary-link.ts";
import type { VerifiedTarget } from "../../model/verification.ts";
import type { MetadataBundle } from "../../model/metadata-bundle.ts";

export class RecordingSecondary implements SecondaryEndpoint {
  readonly serial: string;
  readonly verification: VerificationMode;
  readonly keys = SoftwareKeyStore.generate();
  installed: ImageFileInfo | null = null;
  releaseCounter = 0;
  counter = 0;
  times: Uint8Array[] = [];
  bundles: MetadataBundle[] = [];
  images: Array<{ target: VerifiedTarget; bytes: Uint8Array }> = [];
  /** Makes the next calls fail, as a Secondary off the bus would. */
  offline = false;

  constructor(serial: string, verification: VerificationMode = "full") {
    this.serial = serial;
    this.verification = verification;
  }

  async versionReport(): Promise<Uint8Array> {
    this.failIfOffline();
    const signed = {
      _type: "ecu-version-report" as const,
      ecuSerial: this.serial,
      installedImage: this.installed,
      releaseCounter: this.releaseCounter,
      nonce: String(++this.counter),
      attacksDetected: "",
      reportTime: "2026-01-01T00:00:00Z",
    };
    const report: EcuVersionReport = { signatures: [await this.keys.sign(canonicalBytes(signed))], signed };
    return new Uint8Array(Buffer.from(JSON.stringify(report)));
  }

  async receiveTime(attestation: Uint8Array): Promise<void> {
    this.failIfOffline();
    this.times.push(attestation);
  }

  async receiveMetadata(bundle: MetadataBundle): Promise<void> {
    this.failIfOffline();
    this.bundles.push(bundle);
  }

  async receiveImage(target: VerifiedTarget, bytes: Uint8Array): Promise<void> {
    this.failIfOffline();
    this.images.push({ target, bytes });
    // Installs what it was given when the bytes are the target's (no verification: a double).
    if (createHash("sha256").update(bytes).digest("hex") === target.hashes.sha256) {
      this.installed = { filename: target.name, length: target.length, hashes: { ...target.hashes } };
      this.releaseCounter = target.releaseCounter;
    }
  }

  private failIfOffline(): void {
    if (this.offline) throw new Error(`${this.serial} does not answer`);
  }
}
