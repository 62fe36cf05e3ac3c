// What `uptane serve` checks before it hands out the Image repository (README "Backend":
// state checks): the root chain 1 -> N (each root signed by a threshold of the previous
// root's keys and of its own), then timestamp -> snapshot -> targets -> delegated roles
// (signatures, versions, and the lengths and hashes each names), and each image against
// the hash in its file name. Checked at start and again whenever a file of the chain
// changes (their stat fingerprints); while the chain does not verify, /image/ answers 503
// naming the file and serves nothing.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { HttpError } from "../http/server.ts";
import { repositoryDir, versionedFile } from "./layout.ts";
import { checkRoot, MetadataError, type MetaFile } from "./metadata.ts";
import { latestRootVersion, loadPublished, RepositoryError } from "./published.ts";
import { countValidSignatures } from "../../model/keys.ts";

function corrupt(message: string): never {
  throw new RepositoryError(`corrupt metadata on disk: ${message}`, "repository-corrupt");
}

/** Verifies the published chain; returns the files it consists of (names in the repository folder). */
export async function verifyImageChain(dir: string): Promise<string[]> {
  const repo = repositoryDir(dir);
  const files: string[] = [];
  const latest = await latestRootVersion(dir);
  let previous: ReturnType<typeof checkRoot> | null = null;
  for (let v = 1; v <= latest; v++) {
    const name = versionedFile(v, "root");
    let root;
    try {
      root = checkRoot(JSON.parse(await readFile(join(repo, name), "utf8")), name);
    } catch (err) {
      if (err instanceof MetadataError) corrupt(err.message);
      corrupt(`${name} cannot be read or is not JSON`);
    }
    if (root.signed.version !== v) corrupt(`${name} says version ${root.signed.version}`);
    for (const signer of previous ? [previous, root] : [root]) {
      if (countValidSignatures(root, signer.signed.keys, signer.signed.roles.root.keyids) < signer.signed.roles.root.threshold) {
        corrupt(`${name} lacks a threshold of signatures from ${signer === root ? "its own" : `root ${v - 1}'s`} root keys`);
      }
    }
    previous = root;
    files.push(name);
  }
  const state = await loadPublished(dir); // signatures and versions of timestamp, snapshot, targets, delegations
  const snapshotName = versionedFile(state.snapshot.signed.version, "snapshot");
  await checkListed(repo, snapshotName, state.timestamp.signed.meta["snapshot.json"], "timestamp.json");
  files.push("timestamp.json", snapshotName);
  for (const role of ["targets", ...state.delegated.keys()]) {
    const meta = state.snapshot.signed.meta[`${role}.json`]!;
    const name = versionedFile(meta.version, role);
    await checkListed(repo, name, meta, snapshotName);
    files.push(name);
  }
  return files;
}

/** The file's length and hashes are the ones `by` lists for it (where it lists them). */
async function checkListed(repo: string, name: string, meta: MetaFile, by: string): Promise<void> {
  const bytes = await readFile(join(repo, name));
  if (meta.length !== undefined && meta.length !== bytes.length) corrupt(`${name} is ${bytes.length} bytes, ${by} says ${meta.length}`);
  for (const [alg, want] of Object.entries(meta.hashes ?? {})) {
    if (alg !== "sha256" && alg !== "sha512") corrupt(`${by} lists an unsupported hash '${alg}' for ${name}`);
    if (createHash(alg).update(bytes).digest("hex") !== want) corrupt(`${name} does not match its ${alg} in ${by}`);
  }
}

async function fingerprintOf(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return "-";
  }
}

export class ServedImageChain {
  private files: string[] = [];
  private checked: string | null = null;
  private failure: string | null = null;
  /** Images whose bytes matched their name, by path and stat fingerprint. */
  private readonly goodImages = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  private async fingerprint(): Promise<string> {
    const repo = repositoryDir(this.dir);
    const names = [".", "timestamp.json", ...this.files];
    return (await Promise.all(names.map((n) => fingerprintOf(join(repo, n))))).join("|");
  }

  /** Null when the chain verifies now, else what is wrong (checked again only when a file changed). */
  async problem(): Promise<string | null> {
    const before = await this.fingerprint();
    if (before === this.checked) return this.failure;
    try {
      this.files = await verifyImageChain(this.dir);
      if (this.failure) this.log(`Image repository verifies again; serving /image/`);
      this.failure = null;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message !== this.failure) this.log(`ALERT the Image repository does not verify, /image/ is not served: ${message}`);
      this.failure = message;
    }
    this.checked = await this.fingerprint();
    return this.failure;
  }

  /** Throws HttpError 503 naming the file while the chain does not verify. */
  async require(): Promise<void> {
    const problem = await this.problem();
    if (problem) throw new HttpError(503, `the Image repository does not verify (${problem}); nothing under /image/ is served until it does`);
  }

  /** Throws HttpError 503 when `targets/.../HASH.NAME` does not hash to HASH. */
  async requireImage(segments: string[]): Promise<void> {
    const base = segments[segments.length - 1]!;
    const hash = /^([0-9a-f]{64}|[0-9a-f]{128})\./.exec(base)?.[1];
    if (!hash) return; // not an image name: serveStaticFile answers 404 or serves nothing signed
    const path = join(repositoryDir(this.dir), ...segments);
    const kind = await lstat(path).catch(() => null);
    if (kind && !kind.isFile()) throw new HttpError(404, "not found"); // images are regular files (hard links), never symbolic links
    const print = await fingerprintOf(path);
    if (print === "-" || this.goodImages.get(path) === print) return;
    const h = createHash(hash.length === 64 ? "sha256" : "sha512");
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
    if (h.digest("hex") !== hash) {
      const message = `image ${segments.join("/")} does not match the hash in its name`;
      this.log(`ALERT ${message}; not served`);
      throw new HttpError(503, `${message}; not served`);
    }
    this.goodImages.set(path, print);
  }
}
