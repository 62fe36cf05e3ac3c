// build/full.wasm: full verification (Primaries and capable Secondaries).
// The module's whole exported surface is listed here.
export * from "./exports/memory";
export * from "./exports/crypto";
export * from "./exports/crypto-p256";
export * from "./exports/crypto-rsa";
export * from "./exports/verify";
export * from "./exports/verify-full";
export * from "./exports/verify-offline";
export * from "./exports/verify-tuf";
export * from "./exports/json";
export * from "./exports/target-encrypted";
