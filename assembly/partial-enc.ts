// build/partial-enc.wasm: partial.wasm plus per-ECU image decryption (README "Per-ECU
// image encryption: the ECU side"), a separate build so partial.wasm keeps its 24,000-byte budget.
import { usePartialCaps } from "./verify/caps";
usePartialCaps();
export * from "./exports/verify-partial";
export * from "./exports/verify";
export * from "./exports/memory";
export * from "./exports/crypto";
export * from "./exports/crypto-enc";
export * from "./exports/image-decrypt";
export * from "./exports/target-encrypted";
