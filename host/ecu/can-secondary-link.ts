// The Primary's SecondaryLink (host/primary/secondary-link.ts) over the simulated CAN bus:
// each call becomes the UDS exchanges of SecondaryClient.
import { canonicalForwarding } from "../wasm/canonical.ts";
import type { VerifiedTarget } from "../../model/verification.ts";
import type { SecondaryLink, VerificationMode } from "../primary/secondary-link.ts";
import { SecondaryClient } from "./secondary-client.ts";
import type { SecondaryResult } from "./secondary.ts";
import type { MetadataBundle } from "../../model/metadata-bundle.ts";

export class CanSecondaryLink implements SecondaryLink {
  readonly serial: string;
  readonly verification: VerificationMode;
  readonly client: SecondaryClient;
  /** The Secondary's verdict on the last metadata sent. */
  lastVerdict: SecondaryResult | null = null;
  /** Called after each TransferData block of an image (progress displays). */
  onImageProgress: ((sent: number, total: number) => void) | null = null;

  constructor(client: SecondaryClient, serial: string, verification: VerificationMode) {
    this.client = client;
    this.serial = serial;
    this.verification = verification;
  }

  async versionReport(): Promise<Uint8Array> {
    return this.client.readReportBytes();
  }

  async sendTime(attestation: Uint8Array): Promise<void> {
    await this.client.sendTime(attestation);
  }

  async sendMetadata(bundle: MetadataBundle): Promise<void> {
    // A partial verifier gets the Director's roots and targets only (less over the bus),
    // the targets as canonical JSON so it can stream them (host/wasm/canonical.ts).
    const send = this.verification === "partial" ? { director: { roots: bundle.director.roots, targets: canonicalForwarding(bundle.director.targets) } } : bundle;
    this.lastVerdict = await this.client.sendMetadata(send);
  }

  /** Streams the image, has the Secondary verify it, then install it; a refusal or rollback throws. */
  async sendImage(target: VerifiedTarget, image: Uint8Array): Promise<void> {
    if (this.lastVerdict?.outcome === "NoUpdate") return; // it verified the metadata and has nothing to install
    if (image.length !== target.length) throw new Error(`image ${target.name} is ${image.length} bytes, its target ${target.length}`);
    await this.client.sendImage(image, this.onImageProgress ?? undefined);
    await this.client.verify();
    await this.client.install();
  }
}
