// build/partial.wasm: partial verification (small Secondaries).
// The module's whole exported surface is listed here.
import { usePartialCaps } from "./verify/caps";
usePartialCaps();
export * from "./exports/memory";
export * from "./exports/crypto";
export * from "./exports/verify";
export * from "./exports/verify-partial";
