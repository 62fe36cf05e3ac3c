// The host's names for assembly/outcome.ts (generated at build time into build/abi.ts,
// README "Embedding: the module ABI") and the typed errors the host raises for them.
import { CryptoStatusNames, OutcomeNames } from "../build/abi.ts";

/** Outcome names by code (generated from assembly/outcome.ts). */
export const OUTCOMES = OutcomeNames;

export type OutcomeName = (typeof OUTCOMES)[number];

export function outcomeName(code: number): OutcomeName {
  const name = OUTCOMES[code];
  if (name === undefined) throw new ModuleMisuseError(`module returned unknown outcome code ${code}`);
  return name;
}

export type RepoName = "director" | "image";

/** Context the module reports with a failed verification (DESIGN.md section 3). */
export interface OutcomeDetail {
  repo: RepoName | null;
  role: string | null;
  expected?: number;
  got?: number;
  detail: string;
}

/** Untrusted input failed a check: an attack or a broken repository. */
export class VerificationError extends Error {
  readonly outcome: OutcomeName;
  readonly context: OutcomeDetail;
  constructor(outcome: OutcomeName, context: OutcomeDetail) {
    const where = [context.repo, context.role].filter(Boolean).join(" ");
    super(`${outcome}${where ? ` (${where})` : ""}: ${context.detail}`);
    this.name = "VerificationError";
    this.outcome = outcome;
    this.context = context;
  }
}

/** The host used the module wrongly (a bug here, not an attack). */
export class ModuleMisuseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModuleMisuseError";
  }
}

/** Results of the crypto primitives (assembly/outcome.ts CryptoStatus). */
export const CRYPTO_STATUS = CryptoStatusNames;
export type CryptoStatusName = (typeof CRYPTO_STATUS)[number];
