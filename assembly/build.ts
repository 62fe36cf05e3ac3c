// Which module is being compiled: asconfig.json defines PARTIAL_MODULE per target (asc
// --use), so the partial module lays out only the state partial verification needs
// (README "Verification core": sizes) while both modules share one source.
// @ts-ignore: PARTIAL_MODULE is a compile-time constant defined by the build
export const IS_PARTIAL: bool = PARTIAL_MODULE == 1;
