// Which module is being compiled: asconfig.json defines PARTIAL_MODULE per target (asc
// --use), so the partial module lays out only the state partial verification needs
// (README "Verification core": sizes) while both modules share one source. SCHEME_P256
// and SCHEME_RSA add ECDSA P-256 and RSA-PSS keys (assembly/meta/schemes.ts): the full
// module has both, the default partial module neither (its Ed25519 size stays).
// @ts-ignore: PARTIAL_MODULE is a compile-time constant defined by the build
export const IS_PARTIAL: bool = PARTIAL_MODULE == 1;
// @ts-ignore: defined by the build
export const HAS_P256: bool = SCHEME_P256 == 1;
// @ts-ignore: defined by the build
export const HAS_RSA: bool = SCHEME_RSA == 1;
// DECRYPTION: per-ECU image decryption (full-enc.wasm, partial-enc.wasm; README "Per-ECU
// image encryption: the ECU side"). Without it a partial module only notices that its
// target is encrypted, and refuses to check the image.
// @ts-ignore: defined by the build
export const HAS_DECRYPTION: bool = DECRYPTION == 1;
