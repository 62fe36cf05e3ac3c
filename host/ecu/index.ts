// `uptane-wasm/secondary`: a Secondary ECU (flash with A/B slots, key store, UDS server on a
// CAN bus) with its verifier, and the Primary's client for it. Node only (the flash is files).
import "../wasm/embedded.ts";
export { Secondary, type SecondaryConfig, type SecondaryResult, type SecondaryVerifier, type VerifierProvider } from "./secondary.ts";
export { partialVerifier, fullVerifier } from "./verifiers.ts";
export { FlashStore } from "./flash.ts";
export { SecondaryClient, SecondaryRefusedError, type SecondaryClientConfig } from "./secondary-client.ts";
export { CanSecondaryLink } from "./can-secondary-link.ts";
export { CanBus, type BusConfig } from "../can/bus.ts";
