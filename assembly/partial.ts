// build/partial.wasm: partial verification (small Secondaries).
// The module's whole exported surface is listed here. Verification first: asc lays out
// static data in the order it compiles, so the verifier's small, often-used state lands
// at low addresses, whose constants are a byte shorter than the crypto buffers' (-73 bytes).
import { usePartialCaps } from "./verify/caps";
usePartialCaps();
export * from "./exports/verify-partial";
export * from "./exports/verify";
export * from "./exports/memory";
export * from "./exports/crypto";
