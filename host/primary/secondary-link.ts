// How the Primary talks to one Secondary (Uptane 5.4.2.1, 5.4.2.5-5.4.2.7). The can
// engineer's link carries these calls over ISO-TP/UDS; InProcessLink calls a Secondary
// in the same process, copying bytes both ways as a bus would.
import type { MetadataBundle, RepositoryBundle } from "../../model/metadata-bundle.ts";
import type { VerifiedTarget } from "../../model/verification.ts";

export type VerificationMode = "full" | "partial";

export interface SecondaryLink {
  readonly serial: string;
  readonly verification: VerificationMode;
  /** 5.4.2.1: the Secondary's signed ECU version report (JSON bytes), with a fresh nonce. */
  versionReport(): Promise<Uint8Array>;
  /** 5.4.2.5: the latest time attestation (the time server's signed bytes, unchanged). */
  sendTime(attestation: Uint8Array): Promise<void>;
  /** 5.4.2.6: the metadata it verifies. */
  sendMetadata(bundle: MetadataBundle): Promise<void>;
  /** 5.4.2.7: its image; the install result comes back in its next version report. */
  sendImage(target: VerifiedTarget, image: Uint8Array): Promise<void>;
}

/** What a Secondary implements to be reachable in process (the ECU side of a SecondaryLink). */
export interface SecondaryEndpoint {
  readonly serial: string;
  readonly verification: VerificationMode;
  versionReport(): Promise<Uint8Array>;
  receiveTime(attestation: Uint8Array): Promise<void>;
  receiveMetadata(bundle: MetadataBundle): Promise<void>;
  receiveImage(target: VerifiedTarget, image: Uint8Array): Promise<void>;
}

/** A SecondaryLink to a Secondary in the same process; nothing is shared by reference. */
export class InProcessLink implements SecondaryLink {
  readonly serial: string;
  readonly verification: VerificationMode;
  private readonly endpoint: SecondaryEndpoint;

  constructor(endpoint: SecondaryEndpoint) {
    this.endpoint = endpoint;
    this.serial = endpoint.serial;
    this.verification = endpoint.verification;
  }

  async versionReport(): Promise<Uint8Array> {
    return (await this.endpoint.versionReport()).slice();
  }

  sendTime(attestation: Uint8Array): Promise<void> {
    return this.endpoint.receiveTime(attestation.slice());
  }

  sendMetadata(bundle: MetadataBundle): Promise<void> {
    return this.endpoint.receiveMetadata(copyBundle(bundle));
  }

  sendImage(target: VerifiedTarget, image: Uint8Array): Promise<void> {
    return this.endpoint.receiveImage(structuredClone(target), image.slice());
  }
}

function copyRepo(r: RepositoryBundle): RepositoryBundle {
  return {
    roots: r.roots.map((b) => b.slice()),
    ...(r.timestamp ? { timestamp: r.timestamp.slice() } : {}),
    ...(r.snapshot ? { snapshot: r.snapshot.slice() } : {}),
    targets: r.targets.slice(),
    ...(r.delegations ? { delegations: new Map([...r.delegations].map(([k, v]) => [k, v.slice()])) } : {}),
    ...(r.offline ? { offline: { snapshot: r.offline.snapshot.slice(), targetsFile: r.offline.targetsFile } } : {}),
  };
}

function copyBundle(b: MetadataBundle): MetadataBundle {
  return { director: copyRepo(b.director), ...(b.image ? { image: copyRepo(b.image) } : {}) };
}
