// The verifier as the Primary uses it: the shape of FullVerifier (host/wasm/verifier.ts).
// Everything that decides "install or not" happens behind it, in full.wasm.
import type { EcuIdentity, RepositoryFiles, TimeAttestationInput, VerifiedTarget, VerifyResult } from "../../model/verification.ts";

export interface PrimaryVerifierConfig {
  directorRoot: Uint8Array;
  imageRoot: Uint8Array;
  ecu: EcuIdentity;
  vin: string;
  vehicleEcus: string[];
}

export interface ImageCheck {
  update(chunk: Uint8Array): void;
  finish(): VerifyResult;
}

export interface PrimaryVerifier {
  attestTime(input: TimeAttestationInput): VerifyResult & { time?: number };
  update(director: RepositoryFiles, image: RepositoryFiles, nowUnixSeconds: number): VerifyResult;
  imageCheck(target: VerifiedTarget): ImageCheck;
  setInstalledReleaseCounter(n: number): void;
  /** Factory provisioning with a stated time: the floor later attestations and cycles may not go below. */
  provisionTime(t: number): void;
  exportState(): Uint8Array;
}

/** Makes the verifier: fresh from the pinned roots, or from the state it exported last. */
export type VerifierFactory = (config: PrimaryVerifierConfig, state: Uint8Array | null) => PrimaryVerifier;
