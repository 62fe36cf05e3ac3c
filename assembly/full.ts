// build/full.wasm: full verification (Primaries and capable Secondaries).
// The module's whole exported surface is listed here.
export * from "./exports/memory";
export * from "./exports/crypto";
export * from "./exports/verify";
export * from "./exports/verify-full";
export * from "./exports/verify-offline";
export * from "./exports/json";
