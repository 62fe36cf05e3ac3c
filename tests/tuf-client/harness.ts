// Drives `uptane tuf` (in process, as the bundle runs it) against a repository: a client
// folder per test, the JSON verdict of each run, and what the metadata folder holds.
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uptane } from "../helpers/uptane-in-process.ts";

const made: string[] = [];

export function removeClients(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface Run {
  code: number;
  doc: Record<string, unknown>;
}

export class Client {
  readonly home = mkdtempSync(join(tmpdir(), "uptane-tuf-client-"));
  readonly metadataDir = join(this.home, "metadata");
  readonly targetDir = join(this.home, "targets");

  constructor(
    private readonly metadataUrl: string,
    private readonly targetsUrl: string,
  ) {
    made.push(this.home);
  }

  private async run(...argv: string[]): Promise<Run> {
    const r = await uptane("tuf", ...argv, "--json");
    const lines = r.out.split("\n").filter((l) => l !== "");
    assert.is(lines.length, 1, `one JSON line: ${r.out} ${r.err}`);
    return { code: r.code, doc: JSON.parse(lines[0]!) };
  }

  async init(root: Uint8Array): Promise<Run> {
    const file = join(this.home, "initial_root.json");
    writeFileSync(file, root);
    return this.run("--metadata-dir", this.metadataDir, "init", file);
  }

  refresh(...extra: string[]): Promise<Run> {
    return this.run("--metadata-dir", this.metadataDir, "--metadata-url", this.metadataUrl, ...extra, "refresh");
  }

  download(name: string, ...extra: string[]): Promise<Run> {
    return this.run("--metadata-dir", this.metadataDir, "--metadata-url", this.metadataUrl, "--target-name", name, "--target-base-url", this.targetsUrl, "--target-dir", this.targetDir, ...extra, "download");
  }

  /** The `signed.version` of a trusted file in the metadata folder (0 if absent). */
  version(role: string): number {
    try {
      return JSON.parse(readFileSync(join(this.metadataDir, `${role}.json`), "utf8")).signed.version;
    } catch {
      return 0;
    }
  }

  files(): string[] {
    return readdirSync(this.metadataDir).sort();
  }

  downloaded(): string[] {
    try {
      return readdirSync(this.targetDir).sort();
    } catch {
      return [];
    }
  }

  file(name: string): Buffer {
    return readFileSync(join(this.targetDir, encodeURIComponent(name)));
  }
}

/** Asserts a run refused with `outcome` about `role` (the module's verdict, through the CLI's JSON). */
export function expectRefused(run: Run, outcome: string, role: string | null, what = ""): void {
  assert.is(run.code, 1, `${what} exit 1: ${JSON.stringify(run.doc)}`);
  assert.is(run.doc.error, "verification-failed", `${what}: ${JSON.stringify(run.doc)}`);
  assert.is(run.doc.outcome, outcome, `${what}: ${JSON.stringify(run.doc)}`);
  // the image bytes are no repository's role: "(image)"
  if (role !== null) assert.ok(String(run.doc.detail).startsWith(`${outcome} (${role === "file" ? "image" : `image ${role}`})`), `${what}: ${JSON.stringify(run.doc)}`);
}

export function expectOk(run: Run, what = ""): void {
  assert.is(run.code, 0, `${what}: ${JSON.stringify(run.doc)}`);
  assert.is(run.doc.ok, true, what);
}
