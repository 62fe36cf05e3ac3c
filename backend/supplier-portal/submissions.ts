// Bundles suppliers upload through the portal, held for the OEM's review (README "Backend:
// supplier portal"). Nothing is published on upload: the bundle's bytes go to a 0600 file
// named by their SHA-256 under DIR/supplier-submissions/ and a row into the inventory.
// Approval is the out-of-band check of the Deployment Best Practices (the supplier states
// the bundle's SHA-256 through another channel and the OEM confirms it), then the same
// import as `uptane supplier import`, over exactly the bytes whose hash was confirmed.
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import type { Inventory, SubmissionRow } from "../inventory/inventory.ts";
import { openInventory } from "../inventory/location.ts";
import { decodeBundle, BundleError, type Bundle } from "../image/bundle.ts";
import { importDecodedBundle, type ImportResult } from "../image/repository.ts";

export const SUBMISSIONS_DIR = "supplier-submissions";

/** A refused review step; `code` is its error code for the CLI. */
export class SubmissionError extends Error {
  constructor(
    message: string,
    readonly code: "unknown-submission" | "submission-closed" | "invalid-sha256" | "sha256-mismatch" | "submission-unreadable",
  ) {
    super(message);
  }
}

export interface SubmittedRole {
  name: string;
  version: number | null;
  targets: string[];
}

export interface Submission {
  id: number;
  account: string;
  sha256: string;
  bytes: number;
  roles: SubmittedRole[];
  status: SubmissionRow["status"];
  reason: string | null;
  receivedAt: string;
  decidedAt: string | null;
  snapshotVersion: number | null;
}

export function submissionOf(row: SubmissionRow): Submission {
  return {
    id: row.id,
    account: row.account,
    sha256: row.sha256,
    bytes: row.bytes,
    roles: JSON.parse(row.roles) as SubmittedRole[],
    status: row.status,
    reason: row.reason,
    receivedAt: row.received_at,
    decidedAt: row.decided_at,
    snapshotVersion: row.snapshot_version,
  };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function submissionPath(dir: string, sha256: string): string {
  return join(dir, SUBMISSIONS_DIR, `${sha256}.bundle`);
}

/** What a bundle's roles claim, for listings (the import checks every one of them). */
function rolesOf(bundle: Bundle): SubmittedRole[] {
  return bundle.roles.map(({ name, metadata }) => {
    const signed = (metadata as { signed?: { version?: unknown; targets?: unknown } }).signed;
    const targets = signed?.targets;
    return {
      name,
      version: Number.isSafeInteger(signed?.version) ? (signed!.version as number) : null,
      targets: typeof targets === "object" && targets !== null ? Object.keys(targets).slice(0, 100) : [],
    };
  });
}

/** Keeps an uploaded bundle for review: its file (0600), then its row; returns the row. */
export async function storeSubmission(dir: string, inventory: Inventory, account: string, bytes: Buffer, bundle: Bundle, now: Date): Promise<Submission> {
  const sha256 = sha256Hex(bytes);
  await mkdir(join(dir, SUBMISSIONS_DIR), { recursive: true, mode: 0o700 });
  // Written before the row: a crash in between leaves an unlisted file, never a row without bytes.
  await writeFileAtomic(submissionPath(dir, sha256), bytes, 0o600);
  const id = inventory.insertSubmission({ account, sha256, bytes: bytes.length, roles: JSON.stringify(rolesOf(bundle)), now: now.toISOString() });
  return submissionOf(inventory.submission(id)!);
}

function withInventory<T>(dir: string, fn: (inventory: Inventory) => Promise<T>): Promise<T> {
  const inventory = openInventory(dir);
  return fn(inventory).finally(() => inventory.close());
}

function pending(inventory: Inventory, id: number): SubmissionRow {
  const row = inventory.submission(id);
  if (!row) throw new SubmissionError(`no submission ${id}`, "unknown-submission");
  if (row.status !== "pending") throw new SubmissionError(`submission ${id} is ${row.status} already`, "submission-closed");
  return row;
}

export function listSubmissions(dir: string, filter: { status?: SubmissionRow["status"]; account?: string } = {}): Promise<Submission[]> {
  return withInventory(dir, async (inventory) => inventory.submissions(filter).map(submissionOf));
}

/**
 * Approves submission `id` when `expectSha256` (the hash the supplier gave out of band) is
 * its bundle's, then imports it as `uptane supplier import` does. A bundle the import
 * refuses is marked refused with the reason (the supplier sees it) and nothing is published.
 */
export async function approveSubmission(dir: string, id: number, expectSha256: string, now = new Date()): Promise<{ submission: Submission; imported: ImportResult }> {
  const expected = expectSha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) throw new SubmissionError("--expect-sha256 must be 64 hexadecimal digits (the SHA-256 `uptane supplier sign` printed)", "invalid-sha256");
  return withInventory(dir, async (inventory) => {
    const row = pending(inventory, id);
    if (row.sha256 !== expected) {
      throw new SubmissionError(`submission ${id} is bundle ${row.sha256}, not the ${expected} confirmed out of band: not approved (reject it, or ask the supplier which bundle it sent)`, "sha256-mismatch");
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(submissionPath(dir, row.sha256));
    } catch (e) {
      throw new SubmissionError(`cannot read submission ${id}'s bundle: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, "submission-unreadable");
    }
    const got = sha256Hex(bytes);
    if (got !== expected) throw new SubmissionError(`submission ${id}'s file hashes to ${got}, not ${expected}: it changed on disk since upload; not approved`, "sha256-mismatch");
    let imported: ImportResult;
    try {
      imported = await importDecodedBundle(dir, decodeBundle(bytes));
    } catch (e) {
      if (e instanceof BundleError) inventory.decideSubmission(id, { status: "refused", reason: e.message, now: now.toISOString() });
      throw e;
    }
    inventory.decideSubmission(id, { status: "approved", reason: null, now: now.toISOString(), snapshotVersion: imported.snapshotVersion });
    return { submission: submissionOf(inventory.submission(id)!), imported };
  });
}

/** Rejects pending submission `id`; the supplier sees the reason. */
export function rejectSubmission(dir: string, id: number, reason: string, now = new Date()): Promise<Submission> {
  return withInventory(dir, async (inventory) => {
    pending(inventory, id);
    inventory.decideSubmission(id, { status: "rejected", reason, now: now.toISOString() });
    return submissionOf(inventory.submission(id)!);
  });
}
