// build/partial-p256.wasm: partial verification for a Secondary whose Director root uses
// ECDSA P-256 keys (assembly/build.ts: SCHEME_P256). The same exports as partial.wasm, and
// the P-256 crypto export; partial.wasm itself stays Ed25519 only.
import { usePartialCaps } from "./verify/caps";
usePartialCaps();
export * from "./exports/verify-partial";
export * from "./exports/verify";
export * from "./exports/memory";
export * from "./exports/crypto";
export * from "./exports/crypto-p256";
