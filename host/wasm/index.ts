// `uptane-wasm/verifier`: the verification cores for any JavaScript engine (Node, Deno,
// browsers; nothing here uses a Node API). Load a module, then make verifiers from it:
//   await loadModule("partial"); const v = new PartialVerifier({directorRoot, ecu});
// README "Embedding" shows each use.
export { loadModule, type ModuleKind } from "./module.ts";
export { FullVerifier, PartialVerifier, type FullVerifierConfig, type PartialVerifierConfig } from "./verifier.ts";
export { CryptoCore, type Hasher, type HashAlgorithm } from "./crypto.ts";
export { OUTCOMES, CRYPTO_STATUS, VerificationError, ModuleMisuseError, type OutcomeName, type CryptoStatusName, type OutcomeDetail, type RepoName } from "../../model/outcome.ts";
export type { EcuIdentity, RepositoryFiles, TimeAttestationInput, VerifiedTarget, VerifyResult } from "../../model/verification.ts";
