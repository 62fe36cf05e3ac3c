// The production verifier of the Primary: full verification in full.wasm.
import "../wasm/embedded.ts";
import { FullVerifier } from "../wasm/verifier.ts";
import type { VerifierFactory } from "./verifier-port.ts";

export const fullVerifierFactory: VerifierFactory = (config, state) => (state ? FullVerifier.fromState(config, state) : new FullVerifier(config));
