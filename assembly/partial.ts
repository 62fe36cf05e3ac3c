// build/partial.wasm: partial verification (small Secondaries).
// The module's whole exported surface is listed here.
export * from "./exports/memory";
export * from "./exports/crypto";
