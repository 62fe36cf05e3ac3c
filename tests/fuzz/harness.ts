// The mutation fuzzer: takes the documents of a good simulated update, replaces one of
// them by a mutant, runs the verifier, and checks two properties:
//   1. no trap: the verifier returns an outcome; nothing throws (no ModuleMisuseError);
//   2. no acceptance of changed signed content: an accepted mutant parses as JSON, has no
//      duplicate keys in `signed`, and its `signed` is canonically the original's.
// Mutants that only move white space must still be accepted (pretty-printed metadata
// verifies); other canonically equal ones (letters written as \u escapes) may be either.
import { canonicalJson } from "../../model/canonical-json.ts";
import "../../host/wasm/embedded.ts";
import { FullVerifier, PartialVerifier } from "../../host/wasm/verifier.ts";
import type { RepositoryFiles, VerifyResult } from "../../model/verification.ts";
import { VerificationError } from "../../model/outcome.ts";
import { VehicleSim } from "../sim/vehicle.ts";
import { Rng, mutate, mutateResigned, type Mutant } from "./mutate.ts";
import { signBytes } from "../../model/keys.ts";
import { canonicalForwarding } from "../../host/wasm/canonical.ts";

/** Where a mutant goes: which document of which verification. */
export interface Slot {
  name: string;
  original: Uint8Array;
  /** The document's bytes are pinned by hashes in another document: any byte change must be refused. */
  bytesPinned?: boolean;
  /** Runs one verification with `doc` in place of the original. */
  run(doc: Uint8Array): VerifyResult;
  /** Makes the slot's own mutants (default: `mutate` on the whole document). */
  mutate?(rng: Rng): Mutant;
  /** The slot's own verdict on a result (default: accepted only if `signed` is unchanged). */
  judge?(result: VerifyResult, mutant: Mutant): string | null;
  /** Drops a reused verifier: after a throw, and after any accepted mutant if `resetOnAccept`. */
  reset?(): void;
  resetOnAccept?: boolean;
}

export interface Finding {
  seed: number;
  index: number;
  slot: string;
  kind: string;
  problem: string;
  bytes: Uint8Array;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Strict reading for the oracle: valid UTF-8, JSON.parse-able, no duplicate keys in `signed`. */
function signedCanonical(bytes: Uint8Array): string | null {
  try {
    const text = decoder.decode(bytes);
    const doc = JSON.parse(text);
    if (!doc || typeof doc !== "object" || !("signed" in doc)) return null;
    if (hasDuplicateKeys(text)) return null;
    return canonicalJson(doc.signed);
  } catch {
    return null;
  }
}

/**
 * True if an object inside `signed` repeats a key in the JSON
 * text, or `signed` itself appears twice (JSON.parse keeps the last one silently; a
 * verifier that keeps the first would check other content than the oracle sees). Repeats
 * elsewhere (in signatures) are outside the signed content.
 */
export function hasDuplicateKeys(text: string): boolean {
  // A reviver cannot see repeats, so a small tokenizer over the (already valid) text.
  const stack: Array<{ keys: Set<string> | null; inSigned: boolean }> = [];
  let i = 0;
  let expectKey = false;
  let topKey = "";
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key) && (top.inSigned || (stack.length === 1 && key === "signed"))) return true;
        top.keys.add(key);
        if (stack.length === 1) topKey = key;
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === "{" || c === "[") {
      const parent = stack[stack.length - 1];
      const inSigned = (parent?.inSigned ?? false) || (stack.length === 1 && topKey === "signed");
      stack.push({ keys: c === "{" ? new Set() : null, inSigned });
      expectKey = c === "{";
    } else if (c === "}" || c === "]") stack.pop();
    else if (c === ",") expectKey = stack.length > 0 && stack[stack.length - 1]!.keys !== null;
    i++;
  }
  return false;
}

const ACCEPTED = new Set(["Ok", "NoUpdate"]);

function verdict(run: () => VerifyResult): VerifyResult {
  try {
    return run();
  } catch (err) {
    if (!(err instanceof VerificationError)) throw err;
    return { outcome: err.outcome, ok: false, repo: err.context.repo, role: err.context.role, detail: err.context.detail };
  }
}

function check(slot: Slot, baseline: VerifyResult, mutant: Mutant, run: () => VerifyResult): string | null {
  let result: VerifyResult;
  try {
    result = run();
  } catch (err) {
    return `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  }
  if (typeof result?.outcome !== "string") return "returned no outcome";
  if (slot.judge) return slot.judge(result, mutant);
  if (slot.bytesPinned) {
    const same = mutant.bytes.length === slot.original.length && mutant.bytes.every((b, i) => b === slot.original[i]);
    return ACCEPTED.has(result.outcome) && !same ? `accepted (${result.outcome}) other bytes than the hashes listing the document allow` : null;
  }
  if (mutant.mustVerify) {
    return result.outcome === baseline.outcome ? null : `canonically equal document gave ${result.outcome} (${result.detail}), the original ${baseline.outcome}`;
  }
  if (!ACCEPTED.has(result.outcome)) return null;
  const original = signedCanonical(slot.original);
  const got = signedCanonical(mutant.bytes);
  if (got === null) return `accepted (${result.outcome}) a document that is not strict JSON or repeats a key in signed`;
  if (got !== original) return `accepted (${result.outcome}) a document whose signed content changed`;
  return null;
}

/** The slots: each document of a good update, fed to the verifier that reads it. */
export function buildSlots(): Slot[] {
  const v = VehicleSim.standard();
  const name = "supplier-a/brakes-2.0.bin";
  v.delegate({ name: "supplier-a", paths: ["supplier-a/*"], hardwareIds: [v.ecus[1]!.hardwareId] });
  v.director.rotate({ root: 1 });
  v.addImage({ name, bytes: new Uint8Array(300).fill(7), hardwareIds: [v.ecus[1]!.hardwareId], releaseCounter: 2, role: "supplier-a" });
  v.director.targets.get("targets")!.delete(v.assignedName(v.ecus[1]!.serial));
  v.assign(v.ecus[1]!.serial, name);
  const now = v.now + 60;
  const { director, image } = v.files();
  const secondary = v.ecus[1]!.serial;

  // A refused pinned root is thrown by the constructor as a VerificationError: a verdict, not a trap.
  const partialConfig = (root = v.director.root(1)) => ({ directorRoot: root, ecu: v.partialConfig(secondary).ecu });
  const fullConfig = (roots = { d: v.director.root(1), i: v.image.root(1) }) => ({ ...v.fullConfig(secondary), directorRoot: roots.d, imageRoot: roots.i });
  const fresh = (d: RepositoryFiles, i: RepositoryFiles, roots?: { d: Uint8Array; i: Uint8Array }) => verdict(() => new FullVerifier(fullConfig(roots)).update(d, i, now));
  const nonce = "fuzz-nonce";
  const attestation = v.timeAttestation({ nonces: [nonce], time: now });

  // Verifiers reused across mutants (a refused document leaves the trusted state as it
  // was): one that already accepted the original update, and one that holds only root 1.
  // partial Secondaries get the Director targets as a Primary forwards them: canonical JSON
  const forwarded = canonicalForwarding(director.targets);
  const primedPartial = reusable(() => {
    const p = new PartialVerifier(partialConfig());
    p.update({ rootRotations: director.rootRotations, targets: forwarded }, now);
    return p;
  });
  const streamedPartial = reusable(() => {
    const p = new PartialVerifier(partialConfig());
    p.update({ rootRotations: director.rootRotations, targets: forwarded }, now);
    return p;
  });
  // the streamed verdict must not depend on the chunking: 7-byte chunks against one chunk
  let chunkingDiffers: string | null = null;
  const rootOnlyPartial = reusable(() => new PartialVerifier(partialConfig()));
  const primedFull = reusable(() => {
    const f = new FullVerifier(fullConfig());
    f.update(director, image, now);
    return f;
  });

  const resignedPartial = reusable(() => {
    const p = new PartialVerifier(partialConfig());
    p.update({ rootRotations: director.rootRotations, targets: forwarded }, now);
    return p;
  });
  const targetsKeys = v.director.roles.targets.keys;
  const ecu = v.partialConfig(secondary).ecu;

  return [
    {
      name: "partial director targets, re-signed",
      original: director.targets,
      reset: resignedPartial.reset,
      resetOnAccept: true,
      mutate: (rng) => mutateResigned(rng, director.targets, (bytes) => targetsKeys.map((k) => signBytes(k, bytes))),
      run: (doc) => resignedPartial.get().update({ rootRotations: [], targets: canonicalForwarding(doc) }, now),
      judge: (result, mutant) => agreesWithJson(result, mutant.bytes, ecu.serial, ecu.hardwareId),
    },
    { name: "partial director targets", original: director.targets, reset: primedPartial.reset, run: (doc) => primedPartial.get().update({ rootRotations: [], targets: canonicalForwarding(doc) }, now) },
    {
      // mutants of the forwarded document reach the streaming reader as sent (a Primary
      // need not be trusted): same verdict in any chunking; a canonically equal mutant
      // is accepted or refused as not canonical JSON
      name: "partial director targets, streamed as sent",
      original: forwarded,
      reset: streamedPartial.reset,
      run: (doc) => {
        const p = streamedPartial.get();
        const chunked = p.updateStreamed({ rootRotations: [], targets: doc }, now, 7);
        const whole = p.updateStreamed({ rootRotations: [], targets: doc }, now, doc.length + 1);
        chunkingDiffers = chunked.outcome === whole.outcome && chunked.detail === whole.detail ? null : `7-byte chunks gave ${chunked.outcome} (${chunked.detail}), one chunk ${whole.outcome} (${whole.detail})`;
        return chunked;
      },
      judge: (result, mutant) => {
        if (chunkingDiffers) return chunkingDiffers;
        if (mutant.mustVerify) return result.outcome === "Ok" || /not canonical JSON/.test(result.detail) ? null : `canonically equal document gave ${result.outcome} (${result.detail})`;
        if (!ACCEPTED.has(result.outcome)) return null;
        const got = signedCanonical(mutant.bytes);
        if (got === null) return `accepted (${result.outcome}) a document that is not strict JSON or repeats a key in signed`;
        return got === signedCanonical(forwarded) ? null : `accepted (${result.outcome}) a document whose signed content changed`;
      },
    },
    {
      name: "partial director root rotation", original: director.rootRotations[0]!, reset: rootOnlyPartial.reset, resetOnAccept: true,
      run: (doc) => rootOnlyPartial.get().update({ rootRotations: [doc], targets: forwarded }, now),
    },
    { name: "partial pinned director root", original: v.director.root(1), run: (doc) => verdict(() => new PartialVerifier(partialConfig(doc)).update({ rootRotations: director.rootRotations, targets: forwarded }, now)) },
    { name: "time attestation", original: attestation, reset: rootOnlyPartial.reset, run: (doc) => rootOnlyPartial.get().attestTime({ attestation: doc, nonce }) },
    { name: "full director timestamp", original: director.timestamp, reset: primedFull.reset, run: (doc) => primedFull.get().update({ ...director, rootRotations: [], timestamp: doc }, image, now) },
    { name: "full director snapshot", original: director.snapshot, bytesPinned: true, run: (doc) => fresh({ ...director, snapshot: doc }, image) },
    { name: "full director targets", original: director.targets, run: (doc) => fresh({ ...director, targets: doc }, image) },
    { name: "full image targets", original: image.targets, run: (doc) => fresh(director, { ...image, targets: doc }) },
    { name: "full image delegation", original: image.delegations!.get("supplier-a")!, run: (doc) => fresh(director, { ...image, delegations: new Map([["supplier-a", doc]]) }) },
    { name: "full pinned image root", original: v.image.root(1), run: (doc) => fresh(director, image, { d: v.director.root(1), i: doc }) },
  ];
}

/**
 * For validly signed mutants: an accepted verdict must agree with what JSON.parse reads
 * from the same bytes (a differential check of the module's parser): no repeated key, and
 * the ECU's one target with the same name, length, hashes, hardware ID, release counter.
 */
function agreesWithJson(result: VerifyResult, bytes: Uint8Array, serial: string, hardwareId: string): string | null {
  if (!ACCEPTED.has(result.outcome)) return null;
  let text: string;
  let doc: { signed?: { targets?: Record<string, { length?: unknown; hashes?: Record<string, unknown>; custom?: { ecuIdentifiers?: Record<string, { hardwareId?: unknown }>; releaseCounter?: unknown } }> } };
  try {
    text = decoder.decode(bytes);
    doc = JSON.parse(text);
  } catch {
    return `accepted (${result.outcome}) a document JSON.parse refuses`;
  }
  if (hasDuplicateKeys(text)) return `accepted (${result.outcome}) a document that repeats a key in signed`;
  const mine = Object.entries(doc.signed?.targets ?? {}).filter(([, t]) => Object.hasOwn(t?.custom?.ecuIdentifiers ?? {}, serial));
  if (result.outcome === "NoUpdate") return mine.length === 0 ? null : `NoUpdate, but JSON.parse sees ${mine.length} target(s) for ${serial}`;
  if (mine.length !== 1) return `Ok, but JSON.parse sees ${mine.length} targets for ${serial}`;
  const [name, t] = mine[0]!;
  const got = result.target;
  if (!got) return "Ok without a target";
  const diffs: string[] = [];
  if (got.name !== name) diffs.push(`name ${JSON.stringify(got.name)} vs ${JSON.stringify(name)}`);
  if (got.length !== t.length) diffs.push(`length ${got.length} vs ${String(t.length)}`);
  for (const [alg, hex] of Object.entries(got.hashes)) if (t.hashes?.[alg] !== hex) diffs.push(`${alg} ${hex} vs ${String(t.hashes?.[alg])}`);
  if (got.hardwareId !== hardwareId || t.custom?.ecuIdentifiers?.[serial]?.hardwareId !== hardwareId) diffs.push(`hardware ID ${got.hardwareId}`);
  // A Director target without releaseCounter reads as 0 (the aktualizr dialect has none); the rollback check still applies.
  if (got.releaseCounter !== (t.custom?.releaseCounter ?? 0)) diffs.push(`releaseCounter ${got.releaseCounter} vs ${String(t.custom?.releaseCounter)}`);
  return diffs.length ? `accepted, but the module's target differs from JSON.parse's: ${diffs.join("; ")}` : null;
}

/** A verifier made on first use and kept until reset (after a throw, or an accepted root rotation). */
function reusable<T>(make: () => T): { get(): T; reset(): void } {
  let current: T | undefined;
  return {
    get: () => (current ??= make()),
    reset: () => {
      current = undefined;
    },
  };
}

/** Relative cost of running a slot: cheap partial checks get most of the mutants. */
const WEIGHTS: Record<string, number> = {
  "partial director targets, re-signed": 10,
  "partial director targets": 20,
  "partial director targets, streamed as sent": 20,
  "partial director root rotation": 12,
  "partial pinned director root": 3,
  "time attestation": 12,
  "full director timestamp": 6,
};

export interface FuzzReport {
  seed: number;
  documents: number;
  accepted: number;
  byOutcome: Map<string, number>;
  findings: Finding[];
}

/** Runs `count` mutants from `seed` (reproducible: same seed, same mutants). */
export function fuzz(seed: number, count: number, slots = buildSlots()): FuzzReport {
  const rng = new Rng(seed);
  const baselines = slots.map((s) => {
    const b = s.run(s.original);
    s.reset?.();
    return b;
  });
  for (const [i, b] of baselines.entries()) {
    if (!ACCEPTED.has(b.outcome)) throw new Error(`fuzz baseline for ${slots[i]!.name} is ${b.outcome} (${b.detail}), not accepted`);
  }
  const weighted: number[] = [];
  slots.forEach((s, i) => {
    for (let w = 0; w < (WEIGHTS[s.name] ?? 1); w++) weighted.push(i);
  });
  const report: FuzzReport = { seed, documents: 0, accepted: 0, byOutcome: new Map(), findings: [] };
  for (let index = 0; index < count; index++) {
    const s = rng.pick(weighted);
    const slot = slots[s]!;
    const other = slots[rng.int(slots.length)]!.original;
    const mutant = slot.mutate ? slot.mutate(rng) : mutate(rng, slot.original, other);
    let outcome = "threw";
    const problem = check(slot, baselines[s]!, mutant, () => {
      const r = slot.run(mutant.bytes);
      outcome = r.outcome;
      return r;
    });
    report.documents++;
    report.byOutcome.set(outcome, (report.byOutcome.get(outcome) ?? 0) + 1);
    if (ACCEPTED.has(outcome)) report.accepted++;
    if (outcome === "threw" || (slot.resetOnAccept && ACCEPTED.has(outcome))) slot.reset?.();
    if (problem) report.findings.push({ seed, index, slot: slot.name, kind: mutant.kind, problem, bytes: mutant.bytes });
  }
  return report;
}
