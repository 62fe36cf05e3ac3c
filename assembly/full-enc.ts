// build/full-enc.wasm: full.wasm plus per-ECU image decryption (README "Per-ECU image
// encryption: the ECU side"), a separate build so full.wasm keeps its size budget.
export * from "./full";
export * from "./exports/crypto-enc";
export * from "./exports/image-decrypt";
