// `uptane audit DIR --backup OUT` (README "Backup, audit and garbage collection"): "allows
// administrators to detect and recover from a repository compromise" (Deployment Best
// Practices). Reports every file added, changed or removed since the backup, and what no
// longer verifies: the Image repository's current metadata against its roots (signatures,
// versions, lengths and hashes), every stored image against the hash in its name, and the
// Director's served files against the signed bytes the inventory holds. Reads only.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { join, posix } from "node:path";
import { loadPublished } from "../image/published.ts";
import { repositoryDir } from "../image/layout.ts";
import { openInventory } from "../inventory/location.ts";
import { DIRECTOR_ROOT_DIR, DIRECTOR_VEHICLES_DIR } from "../director/state-check.ts";
import { coveredFiles, hashFile, readListing } from "./listing.ts";

export interface Finding {
  kind: "added" | "changed" | "removed" | "does-not-verify" | "image-hash-mismatch" | "director-file-mismatch";
  /** The file, relative to the backend folder. */
  path: string;
  detail: string;
}

export interface AuditResult {
  listing: string;
  listingSha256: string;
  files: number;
  findings: Finding[];
}

export async function auditBackend(dir: string, out: string, options: { listing?: string; expectSha256?: string } = {}): Promise<AuditResult> {
  const { name, listing, sha256 } = readListing(out, { name: options.listing, expectSha256: options.expectSha256 });
  const findings: Finding[] = [];
  const before = new Map(listing.files.map((f) => [f.path, f]));
  const now = coveredFiles(dir, { onlineKeys: listing.keys.online, offlineKeys: listing.keys.offline });
  for (const path of now) {
    const old = before.get(path);
    if (!old) {
      findings.push({ kind: "added", path, detail: "not in the backup" });
      continue;
    }
    const cur = await hashFile(join(dir, ...path.split("/")));
    if (cur.sha256 !== old.sha256 || cur.length !== old.length) findings.push({ kind: "changed", path, detail: `SHA-256 ${cur.sha256} (${cur.length} bytes), backed up as ${old.sha256} (${old.length} bytes)` });
  }
  const present = new Set(now);
  for (const f of listing.files) if (!present.has(f.path)) findings.push({ kind: "removed", path: f.path, detail: "in the backup, not in the backend" });

  try {
    await loadPublished(dir);
  } catch (e) {
    findings.push({ kind: "does-not-verify", path: "image/repository", detail: (e as Error).message });
  }
  findings.push(...(await imageHashMismatches(dir)));
  findings.push(...directorMismatches(dir));
  return { listing: name, listingSha256: sha256, files: now.length, findings };
}

/** Every stored image whose bytes do not hash to the SHA-256 or SHA-512 its file name carries. */
async function imageHashMismatches(dir: string): Promise<Finding[]> {
  const found: Finding[] = [];
  const root = join(repositoryDir(dir), "targets");
  if (!existsSync(root)) return found;
  const walk = async (rel: string) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const path = rel === "" ? entry.name : posix.join(rel, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const m = /^([0-9a-f]{64}|[0-9a-f]{128})\./.exec(entry.name);
        if (!m) continue;
        const algorithm = m[1]!.length === 64 ? "sha256" : "sha512";
        const hash = createHash(algorithm);
        for await (const chunk of createReadStream(join(root, path))) hash.update(chunk as Buffer);
        const actual = hash.digest("hex");
        if (actual !== m[1]) found.push({ kind: "image-hash-mismatch", path: `image/repository/targets/${path}`, detail: `its ${algorithm} is ${actual}, its name says ${m[1]}` });
      }
    }
  };
  await walk("");
  return found;
}

/** The Director's root and vehicle files that differ from the signed bytes in the inventory (SQLite: files served). */
function directorMismatches(dir: string): Finding[] {
  const found: Finding[] = [];
  const inventory = openInventory(dir);
  try {
    const rootDir = join(dir, DIRECTOR_ROOT_DIR);
    for (const name of existsSync(rootDir) ? readdirSync(rootDir) : []) {
      const m = /^([1-9]\d*)\.root\.json$/.exec(name);
      if (!m) continue;
      const signed = inventory.directorRoot(Number(m[1]));
      if (signed === undefined || !readFileSync(join(rootDir, name)).equals(Buffer.from(signed))) found.push({ kind: "director-file-mismatch", path: `${DIRECTOR_ROOT_DIR}/${name}`, detail: signed === undefined ? "no such root was signed" : "differs from the root the Director signed" });
    }
    if (inventory.sql.kind !== "sqlite") return found; // PostgreSQL serves from the database
    const vehicles = join(dir, DIRECTOR_VEHICLES_DIR);
    for (const vin of existsSync(vehicles) ? readdirSync(vehicles) : []) {
      if (!statSync(join(vehicles, vin)).isDirectory()) continue;
      for (const name of readdirSync(join(vehicles, vin))) {
        const m = /^(?:([1-9]\d*)\.(targets|snapshot)|(timestamp))\.json$/.exec(name);
        if (!m) continue;
        const role = (m[2] ?? m[3]) as "targets" | "snapshot" | "timestamp";
        const row = m[1] ? inventory.metadataVersion(vin, role, Number(m[1])) : inventory.metadataVersion(vin, "timestamp", inventory.publishedTimestampVersion(vin));
        if (!row || !readFileSync(join(vehicles, vin, name)).equals(Buffer.from(row.json))) found.push({ kind: "director-file-mismatch", path: `${DIRECTOR_VEHICLES_DIR}/${vin}/${name}`, detail: row ? "differs from what the Director signed" : "the Director signed no such version" });
      }
    }
  } finally {
    inventory.close();
  }
  return found;
}
