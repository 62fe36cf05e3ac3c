// What a supplier folder knows of the delegation it holds: the paths and hardware IDs the OEM
// (or, for a tier-2 supplier, the tier-1 above it) delegated to its role, read from the
// delegating role's metadata by `uptane supplier delegation WORK --from FILE` and kept in
// WORK/delegation.json. With it the supplier's own tools refuse a tier-2 delegation, or an
// image, outside what it was given, where it enters, instead of only at the OEM's import
// (which checks the whole chain in any case: the record guards the supplier against its own
// mistakes, it grants nothing).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeBundle, BundleError } from "../image/bundle.ts";
import { checkTargets, MetadataError, type DelegatedRole, type Signed, type TargetsSigned } from "../image/metadata.ts";
import { checkHardwareId, checkPathPattern, matchesPathPattern, patternWithin } from "../image/names.ts";

export const DELEGATION_RECORD = "delegation.json";

export interface DelegationRecord {
  /** The role that delegates to this one ("targets" for the OEM's top-level targets). */
  delegator: string;
  /** The delegating metadata's version the record was read from. */
  version: number;
  paths: string[];
  hardwareIds?: string[];
}

/** A refusal: `code` is its error code for the CLI. */
export class DelegationRecordError extends Error {
  constructor(
    message: string,
    readonly code: "outside-delegation" | "role-not-delegated" | "unreadable-file" | "supplier-refused",
  ) {
    super(message);
  }
}

/** Every signed targets document FILE holds: itself, or each role of a supplier bundle. */
function delegatingDocuments(bytes: Buffer, file: string): { name: string; doc: Signed<TargetsSigned> }[] {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new DelegationRecordError(`${file} is not JSON: expected the delegating role's metadata (the OEM's N.targets.json, or a tier-1 supplier's bundle)`, "unreadable-file");
  }
  try {
    if (typeof raw === "object" && raw !== null && "format" in raw) {
      return decodeBundle(bytes).roles.map((r) => ({ name: r.name, doc: checkTargets(r.metadata, `${file} role '${r.name}'`, false) }));
    }
    return [{ name: "targets", doc: checkTargets(raw, file, false) }];
  } catch (err) {
    if (err instanceof MetadataError || err instanceof BundleError) throw new DelegationRecordError(`${file}: ${err.message}`, "unreadable-file");
    throw err;
  }
}

/**
 * Finds, in FILE's metadata, the delegation to `role` that lists one of `keyids` (this
 * folder's keys: a delegation of the same name to other keys is not this supplier's).
 */
export async function readDelegationFrom(file: string, role: string, keyids: string[]): Promise<DelegationRecord> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new DelegationRecordError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`, "unreadable-file");
  }
  let sameNameOtherKeys = false;
  for (const { name, doc } of delegatingDocuments(bytes, file)) {
    const entry: DelegatedRole | undefined = doc.signed.delegations?.roles.find((r) => r.name === role);
    if (!entry) continue;
    if (!entry.keyids.some((k) => keyids.includes(k))) {
      sameNameOtherKeys = true;
      continue;
    }
    return { delegator: name, version: doc.signed.version, paths: [...entry.paths], ...(entry.hardwareIds ? { hardwareIds: [...entry.hardwareIds] } : {}) };
  }
  throw new DelegationRecordError(
    sameNameOtherKeys
      ? `${file} delegates '${role}' to other keys than this folder's (${keyids.join(", ")})`
      : `${file} delegates nothing to '${role}'`,
    "role-not-delegated",
  );
}

/** The folder's record, or undefined when none was made (a folder made before records existed). */
export async function readDelegationRecord(work: string): Promise<DelegationRecord | undefined> {
  let text: string;
  try {
    text = await readFile(join(work, DELEGATION_RECORD), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new DelegationRecordError(`cannot read ${join(work, DELEGATION_RECORD)}: ${(err as NodeJS.ErrnoException).code}`, "supplier-refused");
  }
  try {
    const r = JSON.parse(text) as DelegationRecord;
    if (!Array.isArray(r.paths) || r.paths.length === 0) throw new Error("no paths");
    r.paths.forEach(checkPathPattern);
    if (r.hardwareIds !== undefined) r.hardwareIds.forEach(checkHardwareId);
    return r;
  } catch (err) {
    throw new DelegationRecordError(`${join(work, DELEGATION_RECORD)} is not a delegation record (${(err as Error).message}); record it again with uptane supplier delegation`, "supplier-refused");
  }
}

function held(record: DelegationRecord): string {
  return `paths ${record.paths.join(", ")}${record.hardwareIds ? `, hardware ${record.hardwareIds.join(", ")}` : ""}, from '${record.delegator}' version ${record.version}`;
}

/**
 * A delegation this folder's role makes must stay within what it holds: each path, and its
 * hardware IDs (`inheritHardwareIds` fills in the holder's when the delegation names none).
 */
export function checkDelegationWithin(record: DelegationRecord, role: string, child: { name: string; paths: string[]; hardwareIds?: string[] }): void {
  const outside = child.paths.find((p) => !record.paths.some((mine) => patternWithin(p, mine)));
  if (outside !== undefined) {
    throw new DelegationRecordError(`'${role}' cannot delegate '${outside}' to '${child.name}': it is not within what '${role}' holds (${held(record)})`, "outside-delegation");
  }
  if (record.hardwareIds && child.hardwareIds) {
    const foreign = child.hardwareIds.find((h) => !record.hardwareIds!.includes(h));
    if (foreign !== undefined) throw new DelegationRecordError(`'${role}' cannot delegate hardware '${foreign}' to '${child.name}': it holds ${held(record)}`, "outside-delegation");
  }
}

/** A target this folder's role signs must be one its delegation covers. */
export function checkTargetWithin(record: DelegationRecord, role: string, name: string, hardwareIds: string[]): void {
  if (!record.paths.some((p) => matchesPathPattern(name, p))) {
    throw new DelegationRecordError(`'${role}' cannot sign '${name}': it is outside what '${role}' holds (${held(record)})`, "outside-delegation");
  }
  const foreign = record.hardwareIds && hardwareIds.find((h) => !record.hardwareIds!.includes(h));
  if (foreign) throw new DelegationRecordError(`'${role}' cannot sign '${name}' for hardware '${foreign}': it holds ${held(record)}`, "outside-delegation");
}

/**
 * A delegation naming no hardware IDs below a role restricted to some is restricted to them
 * anyway (a role vouches only within every ancestor's, README "Backend: Image repository");
 * written out, so the supplier below can record it and stay within it too.
 */
export function inheritHardwareIds<T extends { hardwareIds?: string[] }>(record: DelegationRecord, child: T): T {
  return record.hardwareIds && !child.hardwareIds ? { ...child, hardwareIds: [...record.hardwareIds] } : child;
}
