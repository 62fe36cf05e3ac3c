// A plain TUF 1.0 client of one repository over full.wasm (README "TUF client"): the
// workflow of the TUF 1.0 specification's section 5, read top to bottom, with the
// interface the TUF conformance suite drives (init, refresh, download). Every verdict is
// the module's (host/wasm/tuf-verifier.ts); this file only moves bytes: it chooses the
// file names (consistent snapshots: VERSION.ROLE.json and HASH.NAME), caps every fetch
// (a body longer than its cap is cut off there and handed in one byte long, so the module
// refuses it), keeps the trusted metadata in the metadata folder (each file written
// atomically, 0644, only once the module accepted it) and writes the target file only
// once the module checked its bytes.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { TufVerifier } from "../wasm/tuf-verifier.ts";
import { HttpFetcher, collect, type TlsClientOptions } from "../primary/fetcher.ts";
import { NotFoundError, OversizedResponseError, TransportError } from "../primary/errors.ts";
import { VerificationError } from "../../model/outcome.ts";
import type { VerifiedTarget, VerifyResult } from "../../model/verification.ts";

/**
 * Fetches a URL's body as chunks: at most `maxBytes` bytes in all, then (if the body had
 * more) OversizedResponseError; null when the server says it does not exist (403, 404).
 */
export type TufFetch = (url: string, maxBytes: number) => Promise<AsyncIterable<Uint8Array> | null>;

export interface TufClientOptions {
  /** Where the trusted metadata lives: root.json, timestamp.json, snapshot.json, targets.json, ROLE.json. */
  metadataDir: string;
  /** The repository's metadata URL (refresh and download). */
  metadataUrl?: string;
  /** The reference time, unix seconds (TUF 5.1: fixed once per update); the clock by default. */
  now?: () => number;
  /** How bytes are fetched; HTTP(S) by default. */
  fetch?: TufFetch;
  /** For https:// URLs with the default fetch: a pinned CA, a client certificate and key (PEM). */
  tls?: TlsClientOptions;
  /** Linear memory limit of the module in 64 KiB pages (default 4,096: 256 MiB); a cycle's documents stay in it. */
  memoryLimitPages?: number;
}

/** Where a downloaded target was put. */
export interface TufDownload {
  target: VerifiedTarget;
  path: string;
  /** false when the file in the target folder already matched and nothing was fetched. */
  fetched: boolean;
}

/**
 * The module's memory limit by default, in 64 KiB pages (256 MiB): the documents of a cycle
 * stay in its memory, and up to 128 delegated roles of 5 MiB each must not take the host's.
 */
const DEFAULT_MEMORY_PAGES = 4096;

/** Time allowed for one fetch, in milliseconds (a stalled server must not hold the client forever). */
const FETCH_TIMEOUT_MS = 60_000;

/**
 * Bodies over HTTP(S) (host/primary/fetcher.ts), cut at `maxBytes`; null for 403 and 404
 * (TUF 5.3.3: no newer root). `tls` (https:// only): a pinned CA instead of the system's,
 * and a client certificate (our backend serves /image/ to vehicles).
 */
export const httpFetch = (tls?: TlsClientOptions): TufFetch => async (url, maxBytes) => {
  const u = new URL(url);
  const fetcher = new HttpFetcher(`${u.protocol}//${u.host}`, u.protocol === "https:" && tls ? { tls } : {});
  let body: AsyncIterable<Uint8Array>;
  try {
    body = await fetcher.get(u.pathname + u.search, { maxBytes, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (e) {
    fetcher.close();
    if (e instanceof NotFoundError || (e instanceof TransportError && e.status === 403)) return null;
    throw e;
  }
  return (async function* () {
    try {
      yield* body;
    } finally {
      fetcher.close();
    }
  })();
};

/** A JSON document's `signed` part, read for file names only (the module verified the bytes). */
function signedOf(bytes: Uint8Array): Record<string, unknown> {
  const doc = JSON.parse(Buffer.from(bytes).toString("utf8")) as { signed?: Record<string, unknown> };
  return doc.signed ?? {};
}

/** The version a trusted file says it is (-1 if it cannot be read). */
function versionOf(bytes: Uint8Array): number {
  try {
    return Number(signedOf(bytes).version);
  } catch {
    return -1;
  }
}

/** The METAFILES entry `name` of verified snapshot or timestamp bytes: its version and length, if listed. */
function listing(bytes: Uint8Array, name: string): { version: number; length?: number } | null {
  const meta = signedOf(bytes).meta as Record<string, { version?: unknown; length?: unknown }> | undefined;
  const e = meta?.[name];
  if (!e || !Number.isSafeInteger(e.version)) return null;
  return { version: e.version as number, length: Number.isSafeInteger(e.length) ? (e.length as number) : undefined };
}

/** A role name or target path segment in a URL (TUF: names are URL-quoted). */
function quote(s: string): string {
  return encodeURIComponent(s);
}

/** A local file name that is one segment whatever the name holds (the conformance suite's rule: one name per target). */
export function localName(name: string): string {
  const q = encodeURIComponent(name);
  if (q === "." || q === ".." || q === "") throw new VerificationError("InvalidMetadata", { repo: "image", role: "targets", detail: `target path '${name}' cannot be a file name` });
  return q;
}

function refused(res: VerifyResult): never {
  throw new VerificationError(res.outcome, res);
}

/** The module refused a copy the client held (not fetched): the cycle runs again with everything fetched. */
class LocalCopyRefused extends Error {}

function refusedOrStale(res: VerifyResult, held: boolean): never {
  if (held) throw new LocalCopyRefused(res.detail);
  refused(res);
}

/** Writes `bytes` to `path` atomically (temp file, fsync, rename), mode 0644. */
export function writeAtomic(path: string, bytes: Uint8Array): void {
  const temp = join(dirname(path), `.tmp-${randomBytes(6).toString("hex")}`);
  const fd = openSync(temp, "wx", 0o644);
  try {
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

export class TufClient {
  private readonly dir: string;
  private readonly url: string | undefined;
  private readonly now: () => number;
  private readonly fetchBody: TufFetch;
  private readonly memoryLimitPages: number;

  constructor(options: TufClientOptions) {
    this.dir = options.metadataDir;
    this.url = options.metadataUrl?.replace(/\/+$/, "");
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.fetchBody = options.fetch ?? httpFetch(options.tls);
    this.memoryLimitPages = options.memoryLimitPages ?? DEFAULT_MEMORY_PAGES;
  }

  /**
   * `init TRUSTED_ROOT`: the root the client starts from, kept as root.json. It must be
   * signed by a threshold of its own root keys (the module says; DESIGN.md section 4);
   * nothing is fetched.
   */
  init(root: Uint8Array): void {
    new TufVerifier(root, { memoryLimitPages: this.memoryLimitPages });
    mkdirSync(this.dir, { recursive: true });
    writeAtomic(join(this.dir, "root.json"), root);
  }

  /**
   * `refresh`: the top-level metadata (TUF 5.1-5.6). A snapshot, targets or delegated role
   * file the client holds already, of the version the new listing names, is handed to the
   * module instead of fetched (as python-tuf's ngclient does); when the module refuses such
   * a copy, the whole cycle runs again with everything fetched.
   */
  async refresh(): Promise<void> {
    await this.withLocalCopies(() => this.refreshCycle());
  }

  private useLocal = true;

  private async withLocalCopies<T>(run: () => Promise<T>): Promise<T> {
    this.useLocal = true;
    try {
      return await run();
    } catch (e) {
      if (!(e instanceof LocalCopyRefused)) throw e;
      this.useLocal = false;
      return await run();
    }
  }

  /** A trusted file of the version a listing names (a candidate the module checks like a fetched one), or null. */
  private held(file: string, version: number): Uint8Array | null {
    if (!this.useLocal) return null;
    const bytes = this.local(file);
    return bytes && versionOf(bytes) === version ? bytes : null;
  }

  /** One cycle through the top-level metadata; the verifier, mid-cycle, for a lookup after it. */
  private async refreshCycle(): Promise<TufVerifier> {
    // 5.2: the trusted root (a copy the module does not accept stops here)
    const v = new TufVerifier(this.local("root.json") ?? this.missing("root.json"), { memoryLimitPages: this.memoryLimitPages });
    const limits = v.limits;
    // 5.1: the reference time, fixed for the whole cycle
    v.begin(this.now());
    // the last trusted timestamp and snapshot are the rollback floors (TUF 5.4.3, 5.5.5), expired or not
    for (const role of ["timestamp", "snapshot"] as const) {
      const bytes = this.local(`${role}.json`);
      if (bytes) v.trusted(role, bytes); // a local file the root no longer accepts (keys rotated) is left out
    }
    // 5.3: root N+1, N+2, ... until the repository has none; each one persisted once accepted
    for (let i = 0; i <= limits.rootRotations; i++) {
      const next = Number(signedOf(v.trustedRoot("image")).version) + 1;
      const bytes = await this.metadata(`${next}.root.json`, limits.rootBytes);
      if (bytes === null) break;
      const r = v.rootRotation(bytes);
      if (!r.ok) refused(r);
      this.persist("root.json", bytes);
    }
    // 5.3.10 freeze; 5.3.11 (timestamp / snapshot keys rotated: their floors are dropped by the module)
    const fin = v.rootFinish();
    if (!fin.ok) refused(fin);
    const consistent = signedOf(v.trustedRoot("image")).consistent_snapshot === true;
    // 5.4: timestamp.json, never versioned
    const ts = (await this.metadata("timestamp.json", limits.timestampBytes)) ?? this.notFound("timestamp.json");
    const tr = v.timestamp(ts);
    if (!tr.ok) refused(tr);
    // 5.4.3.1: a timestamp of the trusted version changes nothing; the trusted file stays
    const held = this.local("timestamp.json");
    if (!held || versionOf(held) !== versionOf(ts)) this.persist("timestamp.json", ts);
    // 5.5: the snapshot the timestamp lists, at most its listed length
    const snapListed = listing(ts, "snapshot.json")!;
    const heldSnap = this.held("snapshot.json", snapListed.version);
    const snap = heldSnap ?? (await this.metadata(consistent ? `${snapListed.version}.snapshot.json` : "snapshot.json", snapListed.length ?? limits.snapshotBytes)) ?? this.notFound("snapshot.json");
    const sr = v.snapshot(snap);
    if (!sr.ok) refusedOrStale(sr, heldSnap !== null);
    if (!heldSnap) this.persist("snapshot.json", snap);
    this.snapshotBytes = snap;
    this.consistent = consistent;
    // 5.6: top-level targets as the snapshot lists them (a snapshot without it: the module refuses empty bytes)
    const tl = listing(snap, "targets.json");
    const heldTargets = tl ? this.held("targets.json", tl.version) : null;
    const targets = heldTargets ?? (tl ? ((await this.metadata(consistent ? `${tl.version}.targets.json` : "targets.json", tl.length ?? limits.targetsBytes)) ?? this.notFound("targets.json")) : new Uint8Array());
    const gr = v.targets(targets);
    if (!gr.ok) refusedOrStale(gr, heldTargets !== null);
    if (!heldTargets) this.persist("targets.json", targets);
    return v;
  }

  private snapshotBytes: Uint8Array = new Uint8Array();
  private consistent = false;

  /**
   * `download`: refresh, then the target through the delegations (TUF 5.6.7: a delegated
   * role fetched only when the search reaches it), then its file (5.7), checked by the
   * module while it streams into a temporary file in `targetDir`, renamed into place only
   * when it matches. A file already there that matches is kept and nothing is fetched.
   */
  async download(name: string, targetBaseUrl: string, targetDir: string): Promise<TufDownload> {
    return this.withLocalCopies(() => this.downloadCycle(name, targetBaseUrl, targetDir));
  }

  private async downloadCycle(name: string, targetBaseUrl: string, targetDir: string): Promise<TufDownload> {
    const v = await this.refreshCycle();
    const limits = v.limits;
    const pending: Array<[string, Uint8Array]> = [];
    const heldRoles = new Set<string>();
    let target: VerifiedTarget | null = null;
    // each round hands in one more role; the module's table bounds the rounds
    for (let round = 0; round <= limits.delegatedRoles && !target; round++) {
      const found = v.lookup(name);
      if (found.kind === "refused") refusedOrStale(found.result, found.result.role !== null && heldRoles.has(found.result.role));
      // the roles handed in so far were verified by the search that went past them
      for (const [role, bytes] of pending.splice(0)) this.persist(`${localName(role)}.json`, bytes);
      if (found.kind === "target") {
        target = found.target;
        break;
      }
      const listed = listing(this.snapshotBytes, `${found.role}.json`);
      // a role the snapshot does not list: the module says so when it reaches it (nothing to fetch)
      const heldRole = listed ? this.held(`${localName(found.role)}.json`, listed.version) : null;
      const bytes = heldRole ?? (listed ? ((await this.metadata(this.consistent ? `${listed.version}.${quote(found.role)}.json` : `${quote(found.role)}.json`, listed.length ?? limits.targetsBytes)) ?? this.notFound(`${found.role}.json`)) : new Uint8Array());
      const r = v.delegatedRole(found.role, bytes);
      if (!r.ok) refused(r);
      if (heldRole) heldRoles.add(found.role);
      else pending.push([found.role, bytes]);
    }
    if (!target) throw new VerificationError("DelegationError", { repo: "image", role: "targets", detail: "more delegated roles than the module holds" });
    mkdirSync(targetDir, { recursive: true });
    const path = join(targetDir, localName(name));
    // a copy already there that the module accepts is not fetched again
    if (existsSync(path) && statSync(path).isFile() && statSync(path).size === target.length) {
      const check = v.imageCheck(target);
      check.update(readFileSync(path));
      if (check.finish().ok) return { target, path, fetched: false };
    }
    const hash = target.hashes.sha256 ?? target.hashes.sha512!;
    const slash = name.lastIndexOf("/");
    const file = this.consistent ? `${name.slice(0, slash + 1)}${hash}.${name.slice(slash + 1)}` : name;
    const url = `${targetBaseUrl.replace(/\/+$/, "")}/${file.split("/").map(quote).join("/")}`;
    const body = await this.fetchBody(url, target.length + 1);
    if (body === null) throw new TransportError(`${url}: not found`, 404);
    // 5.7: length and every listed hash, in the module, while the file streams to a temporary
    // file; endless data is cut one byte past the length
    const check = v.imageCheck(target);
    const temp = join(targetDir, `.tmp-${randomBytes(6).toString("hex")}`);
    const fd = openSync(temp, "wx", 0o644);
    let res: VerifyResult;
    try {
      try {
        for await (const chunk of body) {
          check.update(chunk);
          let at = 0;
          while (at < chunk.length) at += writeSync(fd, chunk, at, chunk.length - at);
        }
      } catch (e) {
        if (!(e instanceof OversizedResponseError)) throw e;
      }
      res = check.finish();
      if (res.ok) fsyncSync(fd);
      closeSync(fd);
      if (!res.ok) refused(res);
      renameSync(temp, path);
    } catch (e) {
      try {
        closeSync(fd);
      } catch {
        // closed already
      }
      rmSync(temp, { force: true });
      throw e;
    }
    return { target, path, fetched: true };
  }

  private local(name: string): Uint8Array | null {
    try {
      return readFileSync(join(this.dir, name));
    } catch {
      return null;
    }
  }

  private missing(name: string): never {
    throw new VerificationError("InvalidMetadata", { repo: "image", role: "root", detail: `no trusted ${name} in ${this.dir} (run init first)` });
  }

  private notFound(name: string): never {
    throw new TransportError(`${this.url}/${name}: not found`, 404);
  }

  /** A metadata file's bytes, cut one byte past `limit` (so the module sees it is too long); null when it does not exist. */
  private async metadata(file: string, limit: number): Promise<Uint8Array | null> {
    if (!this.url) throw new TypeError("no metadata URL");
    const body = await this.fetchBody(`${this.url}/${file}`, limit + 1);
    return body ? (await collect(body)).bytes : null;
  }

  private persist(name: string, bytes: Uint8Array): void {
    writeAtomic(join(this.dir, name), bytes);
  }
}
