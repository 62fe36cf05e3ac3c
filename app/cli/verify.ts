// `uptane verify` (DESIGN.md section 8): offline verification of a Director and an Image
// repository on disk as one ECU would do it, through the same wasm verifiers the vehicle
// runs. This file only reads files and reports; every check happens in the module.
import { closeSync, openSync, readSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "./command.ts";
import { UsageError, optionInt, optionValue } from "./command.ts";
import "../../host/wasm/embedded.ts";
import { FullVerifier, PartialVerifier } from "../../host/wasm/verifier.ts";
import { canonicalForwarding } from "../../host/wasm/canonical.ts";
import { VerificationError } from "../../model/outcome.ts";
import type { RepositoryFiles, VerifyResult } from "../../model/verification.ts";
import { CliError } from "./errors.ts";
import { inputFile } from "./input-files.ts";

const USAGE = `uptane verify --mode full|partial --director DIR --image DIR --ecu SERIAL --hardware-id HW
              [--vin VIN] [--time ISO8601] [--target-file FILE] [--json]
              [--vehicle-ecu SERIAL]... [--installed-release-counter N] [--max-pages N]

Verifies Uptane metadata offline, as the ECU SERIAL (hardware type HW) would.

Each DIR holds the pinned trusted root.json, N.root.json for each newer root,
timestamp.json, snapshot.json, targets.json and ROLE.json per delegated role; files
may also be named by version (3.snapshot.json; the highest version is used).
In partial mode --image is not needed and --director needs only root.json,
targets.json and any N.root.json.

  --mode full|partial            full (Uptane 5.4.4.2) or partial (5.4.4.1) verification
  --director DIR                 the Director repository for this vehicle
  --image DIR                    the Image repository (full mode)
  --ecu SERIAL                   the verifying ECU
  --hardware-id HW               its hardware ID
  --vin VIN                      the vehicle; without it, the VIN the Director targets carry
  --vehicle-ecu SERIAL           another ECU of the vehicle (repeat for each)
  --installed-release-counter N  release counter of the installed image (default 0)
  --time ISO8601                 reference time (default: now)
  --target-file FILE             also check these image bytes against the verified target
  --max-pages N                  linear memory maximum of the module in 64 KiB pages, as an
                                 ECU class sets it (default: unlimited)
  --json                         print {"ok","outcome","repo","role","detail"}; in partial
                                 mode also "memoryPages", the module's peak linear memory
                                 in pages

In partial mode the Director targets are streamed to the module in chunks, as the
Secondary receives them, after the re-encoding as canonical JSON a Primary does when it
forwards them (README "Streaming partial verification").

Exit status: 0 Ok, 3 NoUpdate, 1 any other outcome, 2 bad usage.`;

/** Reads at most the largest metadata cap plus one byte: an endless file is cut off and the module reports it as oversized. */
const READ_LIMIT = 5 * 1024 * 1024 + 1;
const TOP_ROLES = new Set(["root", "timestamp", "snapshot", "targets"]);
const ROLE_FILE = /^(?:(\d+)\.)?(.+)\.json$/;

function readCapped(path: string, limit = READ_LIMIT): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(Math.min(limit, Math.max(statSync(path).size, 0) + 1));
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Files of one repository directory by role: the plain name if present, else the highest version. */
interface RepoDir {
  dir: string;
  pinnedRoot: Uint8Array;
  rotations: Array<{ version: number; path: string }>;
  roles: Map<string, string>; // role -> path
}

function scanRepo(dir: string, what: string): RepoDir {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error();
    names = readdirSync(dir);
  } catch {
    throw new CliError("unreadable-file", `${what} directory '${dir}' does not exist or is not a directory`);
  }
  if (!names.includes("root.json")) throw new CliError("unreadable-file", `${what} directory '${dir}' has no pinned root.json`);
  const pinnedRoot = readCapped(join(dir, "root.json"));
  const pinnedVersion = lenientVersion(pinnedRoot);
  const rotations: RepoDir["rotations"] = [];
  const best = new Map<string, { version: number; path: string }>(); // plain name = version Infinity
  for (const name of names) {
    const m = ROLE_FILE.exec(name);
    if (!m || name === "root.json") continue;
    const role = m[2]!;
    const version = m[1] === undefined ? Infinity : Number(m[1]);
    if (role === "root") {
      if (m[1] !== undefined && version > pinnedVersion) rotations.push({ version, path: join(dir, name) });
      continue;
    }
    if (role.includes(".")) continue; // not a role file (e.g. a target named x.y.json)
    const prev = best.get(role);
    if (!prev || version > prev.version) best.set(role, { version, path: join(dir, name) });
  }
  rotations.sort((a, b) => a.version - b.version);
  return { dir, pinnedRoot, rotations, roles: new Map([...best].map(([r, v]) => [r, v.path])) };
}

/** The pinned root's version, read without trusting it: only to skip rotation files it already covers. */
function lenientVersion(bytes: Uint8Array): number {
  try {
    const v = JSON.parse(Buffer.from(bytes).toString("utf8"))?.signed?.version;
    return Number.isSafeInteger(v) && v > 0 ? v : 0;
  } catch {
    return 0;
  }
}

function need(repo: RepoDir, role: string, what: string): Uint8Array {
  const path = repo.roles.get(role);
  if (!path) throw new CliError("unreadable-file", `${what} directory '${repo.dir}' has no ${role}.json`);
  return readCapped(path);
}

function repositoryFiles(repo: RepoDir, what: string, withDelegations: boolean): RepositoryFiles {
  const delegations = new Map<string, Uint8Array>();
  if (withDelegations) {
    for (const [role, path] of repo.roles) if (!TOP_ROLES.has(role)) delegations.set(role, readCapped(path));
  }
  return {
    rootRotations: repo.rotations.map((r) => readCapped(r.path)),
    timestamp: need(repo, "timestamp", what),
    snapshot: need(repo, "snapshot", what),
    targets: need(repo, "targets", what),
    ...(delegations.size > 0 ? { delegations } : {}),
  };
}

function parseTime(raw: string | undefined): number {
  if (raw === undefined) return Math.floor(Date.now() / 1000);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(raw)) throw new UsageError(`--time must be ISO 8601 with a zone, e.g. 2026-01-01T00:00:00Z, got '${raw}'`);
  const ms = Date.parse(raw);
  if (!Number.isFinite(ms)) throw new UsageError(`--time is not a valid date: '${raw}'`);
  return Math.floor(ms / 1000);
}

/** The VIN the Director targets carry, read only to fill in a missing --vin; the module checks it again. */
function directorVin(targets: Uint8Array): string {
  try {
    const vin = JSON.parse(Buffer.from(targets).toString("utf8"))?.signed?.custom?.vin;
    return typeof vin === "string" ? vin : "";
  } catch {
    return "";
  }
}

function fromError(err: unknown): VerifyResult {
  if (err instanceof VerificationError) {
    return { outcome: err.outcome, ok: false, repo: err.context.repo, role: err.context.role, detail: err.context.detail };
  }
  throw err;
}

function streamImage(verifier: FullVerifier | PartialVerifier, result: VerifyResult, file: string): VerifyResult {
  const target = result.target!;
  const check = verifier.imageCheck(target);
  const fd = openSync(file, "r");
  try {
    const chunk = Buffer.alloc(64 * 1024);
    let total = 0;
    // Reads at most one byte past the verified length: endless data stops there.
    while (total <= target.length) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, target.length + 1 - total), null);
      if (n === 0) break;
      check.update(chunk.subarray(0, n));
      total += n;
    }
  } finally {
    closeSync(fd);
  }
  const image = check.finish();
  return image.ok ? { ...result, detail: `${result.detail}; image ${file} matches` } : image;
}

/**
 * The partial module for these Director roots (README "`uptane verify`"): partial-p256.wasm
 * when the pinned root or a newer one lists an ECDSA P-256 key, else partial.wasm (Ed25519
 * only). Only a choice of module: both check every signature again, and one that fails to
 * parse here is left to the module to refuse.
 */
export function partialModuleFor(roots: Uint8Array[]): "partial" | "partial-p256" {
  for (const bytes of roots) {
    try {
      const keys = (JSON.parse(Buffer.from(bytes).toString("utf8")) as { signed?: { keys?: Record<string, { keytype?: unknown }> } }).signed?.keys;
      if (keys && typeof keys === "object" && Object.values(keys).some((k) => k?.keytype === "ecdsa" || k?.keytype === "ecdsa-sha2-nistp256")) return "partial-p256";
    } catch {
      // not JSON: the module refuses it whichever it is
    }
  }
  return "partial";
}

function report(result: VerifyResult, json: boolean, memoryPages: number | undefined, module?: string): void {
  if (json) {
    const ok = result.outcome === "Ok";
    // The contract's error shape (README "CLI"), with the verdict's fields beside it.
    const line: Record<string, unknown> = { ok, ...(ok ? {} : { error: result.outcome === "NoUpdate" ? "no-update" : "verification-failed" }), outcome: result.outcome, repo: result.repo ?? null, role: result.role ?? null, detail: result.detail };
    if (memoryPages !== undefined) line.memoryPages = memoryPages;
    if (module !== undefined) line.module = module;
    console.log(JSON.stringify(line));
    return;
  }
  const where = [result.repo, result.role].filter(Boolean).join(" ");
  console.log(`${result.outcome}${where ? ` (${where})` : ""}${result.detail ? `: ${result.detail}` : ""}`);
  const t = result.target;
  if (result.outcome === "Ok" && t) {
    console.log(`  target ${t.name}  length ${t.length}  hardware ${t.hardwareId}  release counter ${t.releaseCounter}`);
    for (const [alg, hex] of Object.entries(t.hashes)) console.log(`  ${alg} ${hex}`);
  }
}

export const verifyCommand: Command = {
  name: "verify",
  summary: "verify Director and Image repository metadata offline, as an ECU would",
  usage: USAGE,
  options: {
      values: {
        mode: {}, director: {}, image: {}, ecu: {}, "hardware-id": {}, vin: {}, time: {}, "target-file": {},
        "vehicle-ecu": { repeat: true }, "installed-release-counter": {}, "max-pages": {},
      },
      flags: ["json"],
    },
  async run(parsed) {
    const mode = optionValue(parsed, "mode");
    if (mode !== "full" && mode !== "partial") throw new UsageError(`--mode must be full or partial, got '${mode}'`);
    const ecu = {
      serial: optionValue(parsed, "ecu"),
      hardwareId: optionValue(parsed, "hardware-id"),
      installedReleaseCounter: optionInt(parsed, "installed-release-counter", 0),
    };
    const now = parseTime(parsed.values.time?.[0]);
    const maxPages = parsed.values["max-pages"] === undefined ? undefined : optionInt(parsed, "max-pages");
    if (maxPages === 0) throw new UsageError("--max-pages must be at least 1");
    const targetFile = parsed.values["target-file"]?.[0];
    if (targetFile !== undefined) inputFile(targetFile, "--target-file");
    const director = scanRepo(optionValue(parsed, "director"), "Director");
    const json = parsed.flags.has("json");

    let verifier: FullVerifier | PartialVerifier | undefined;
    let result: VerifyResult;
    let module: "partial" | "partial-p256" | undefined;
    if (mode === "full") {
      const image = scanRepo(optionValue(parsed, "image"), "Image");
      const directorFiles = repositoryFiles(director, "Director", false);
      const imageFiles = repositoryFiles(image, "Image", true);
      const vin = parsed.values.vin?.[0] ?? directorVin(directorFiles.targets);
      const vehicleEcus = [ecu.serial, ...(parsed.values["vehicle-ecu"] ?? []).filter((s) => s !== ecu.serial)];
      try {
        verifier = new FullVerifier({ directorRoot: director.pinnedRoot, imageRoot: image.pinnedRoot, ecu, vin, vehicleEcus, memoryLimitPages: maxPages });
        result = verifier.update(directorFiles, imageFiles, now);
      } catch (err) {
        result = fromError(err);
      }
    } else {
      const rootRotations = director.rotations.map((r) => readCapped(r.path));
      const targets = need(director, "targets", "Director");
      try {
        module = partialModuleFor([director.pinnedRoot, ...rootRotations]);
        verifier = new PartialVerifier({ directorRoot: director.pinnedRoot, ecu, memoryLimitPages: maxPages, module });
        // what a Primary forwards to a partial Secondary: the targets as canonical JSON
        result = verifier.update({ rootRotations, targets: canonicalForwarding(targets) }, now);
      } catch (err) {
        result = fromError(err);
      }
    }
    if (result.outcome === "Ok" && targetFile !== undefined && verifier) result = streamImage(verifier, result, targetFile);
    report(result, json, mode === "partial" ? verifier?.memoryPages : undefined, module);
    return result.outcome === "Ok" ? 0 : result.outcome === "NoUpdate" ? 3 : 1;
  },
};
