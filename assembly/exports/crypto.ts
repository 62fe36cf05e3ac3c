// Crypto exports, for the host's tests and benchmarks. Verification code calls the
// primitives in assembly/crypto/ directly.
// STUB: the foundations issue fills these in.
export { ed25519Verify } from "../crypto/ed25519";
