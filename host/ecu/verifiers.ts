// The Secondary's verification modules: partial.wasm or full.wasm (host/wasm/verifier.ts)
// behind the Secondary's SecondaryVerifier interface. The Primary hands every root it
// holds; only those newer than the module's trusted root go in as rotations (the module
// checks the chain, the host only picks where it starts).
import "../wasm/embedded.ts";
import { FullVerifier, type FullVerifierConfig, PartialVerifier, type PartialVerifierConfig } from "../wasm/verifier.ts";
import type { RepoName } from "../../model/outcome.ts";
import type { TimeAttestationInput, VerifiedTarget, VerifyResult } from "../../model/verification.ts";
import type { SecondaryVerifier, VerifierProvider } from "./secondary.ts";
import { fullVerificationFiles, type MetadataBundle, type RepositoryBundle } from "../../model/metadata-bundle.ts";

/** `signed.version` of a root file, or null when it cannot be read (the module will refuse it). */
function rootVersion(bytes: Uint8Array): number | null {
  try {
    const v = JSON.parse(Buffer.from(bytes).toString("utf8"))?.signed?.version;
    return Number.isSafeInteger(v) ? v : null;
  } catch {
    return null;
  }
}

/** Roots after the trusted one, in the order given; unreadable ones stay in so the module names them. */
function rotationsAfter(roots: Uint8Array[], trusted: Uint8Array): Uint8Array[] {
  const from = rootVersion(trusted) ?? 0;
  return roots.filter((r) => {
    const v = rootVersion(r);
    return v === null || v > from;
  });
}

function missing(detail: string): VerifyResult {
  return { outcome: "InvalidMetadata", ok: false, repo: "image", role: null, detail };
}

abstract class Adapter<V extends PartialVerifier | FullVerifier> implements SecondaryVerifier {
  abstract readonly mode: "partial" | "full";
  protected readonly v: V;
  constructor(v: V) {
    this.v = v;
  }
  attestTime(input: TimeAttestationInput): VerifyResult & { time?: number } {
    return this.v.attestTime(input);
  }
  imageCheck(target: VerifiedTarget) {
    return this.v.imageCheck(target);
  }
  get decrypts(): boolean {
    return this.v.decrypts;
  }
  decryptingImageCheck(target: VerifiedTarget, key: Uint8Array) {
    return this.v.decryptingImageCheck(target, key);
  }
  setInstalledReleaseCounter(n: number): void {
    this.v.setInstalledReleaseCounter(n);
  }
  exportState(): Uint8Array {
    return this.v.exportState();
  }
  abstract verifyMetadata(bundle: MetadataBundle, nowUnixSeconds: number): VerifyResult;
}

class PartialAdapter extends Adapter<PartialVerifier> {
  readonly mode = "partial" as const;
  verifyMetadata(bundle: MetadataBundle, now: number): VerifyResult {
    // README "Offline updates": partial.wasm has no offline-update mode (the Primary sends it none)
    if (bundle.director.offline) return { outcome: "InvalidMetadata", ok: false, repo: "director", role: "offline-update-targets", detail: "partial verification has no offline-update mode" };
    // 5.4.4.1: Director root rotations (optional), then Director targets.
    const rootRotations = rotationsAfter(bundle.director.roots, this.v.trustedRoot("director"));
    return this.v.update({ rootRotations, targets: bundle.director.targets }, now);
  }
  beginMetadataStream(directorRoots: Uint8Array[], targetsLength: number, now: number) {
    const rootRotations = rotationsAfter(directorRoots, this.v.trustedRoot("director"));
    return this.v.beginStream({ rootRotations, targetsLength }, now);
  }
}

class FullAdapter extends Adapter<FullVerifier> {
  readonly mode = "full" as const;
  verifyMetadata(bundle: MetadataBundle, now: number): VerifyResult {
    if (bundle.director.offline) return this.verifyOffline(bundle, now);
    const files = (repo: RepoName, b: RepositoryBundle | undefined) => fullVerificationFiles(b, (roots) => rotationsAfter(roots, this.v.trustedRoot(repo)));
    const director = files("director", bundle.director);
    if (!director) return { ...missing("full verification needs the Director's timestamp, snapshot and targets"), repo: "director" };
    const image = files("image", bundle.image);
    if (!image) return missing("full verification needs the Image repository's timestamp, snapshot and targets");
    // 5.4.4.2: both repositories, then the cross-check of targets.
    return this.v.update(director, image, now);
  }

  /** PURE-2: the offline update the Primary verified and forwards; this ECU verifies it all again. */
  private verifyOffline(bundle: MetadataBundle, now: number): VerifyResult {
    const { director, image } = bundle;
    if (!image || !image.snapshot) return missing("an offline update needs the Image repository's snapshot and targets");
    return this.v.updateOffline(
      {
        director: { rootRotations: rotationsAfter(director.roots, this.v.trustedRoot("director")), offlineSnapshot: director.offline!.snapshot, offlineTargets: { file: director.offline!.targetsFile, bytes: director.targets } },
        image: { rootRotations: rotationsAfter(image.roots, this.v.trustedRoot("image")), snapshot: image.snapshot, targets: image.targets, ...(image.delegations ? { delegations: image.delegations } : {}) },
      },
      now,
    );
  }
}

/** A partial-verification Secondary's module (partial.wasm), provisioned with the Director root. */
export function partialVerifier(config: PartialVerifierConfig): VerifierProvider {
  return {
    create: () => new PartialAdapter(new PartialVerifier(config)),
    restore: (state) => new PartialAdapter(PartialVerifier.fromState(config, state)),
  };
}

/** A full-verification Secondary's module (full.wasm), provisioned with both roots and the vehicle's ECUs. */
export function fullVerifier(config: FullVerifierConfig): VerifierProvider {
  return {
    create: () => new FullAdapter(new FullVerifier(config)),
    restore: (state) => new FullAdapter(FullVerifier.fromState(config, state)),
  };
}
