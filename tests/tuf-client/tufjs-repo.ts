// A TUF repository made with tuf-js (@tufjs/models builds and signs every document), served
// over HTTP on 127.0.0.1 for `uptane tuf`. It publishes on demand and can break anything:
// a test replaces the bytes served at a path (or serves an endless body there), signs any
// document it makes up (`sign`, through tuf-js; `signRaw`, for what tuf-js refuses to
// build, such as a threshold of 0), rotates root keys, and delegates.
import { createServer, type Server } from "node:http";
import { createHash } from "node:crypto";
import { Metadata, MetadataKind, Signature } from "@tufjs/models";
import { generateSigningKey, signMetadata, signRaw, type KeyType, type SoftwareSigningKey as SigningKey } from "../../model/keys.ts";

export type TopRole = "root" | "timestamp" | "snapshot" | "targets";

export interface Delegation {
  name: string;
  /** The role that delegates it ("targets" or another delegated role). */
  parent: string;
  keys: SigningKey[];
  threshold: number;
  paths?: string[];
  pathHashPrefixes?: string[];
  terminating?: boolean;
}

/** An ISO time `days` from now, as the verifiers read it (YYYY-MM-DDTHH:MM:SSZ). */
export function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const sha512 = (b: Uint8Array) => createHash("sha512").update(b).digest("hex");

/** What the server answers at a path instead of the published bytes: bytes, 404 (null), or a body that never ends. */
export type Override = Uint8Array | null | "endless";

export class TufJsRepo {
  consistent = true;
  readonly roles: Record<TopRole, { keys: SigningKey[]; threshold: number }>;
  /** Who signs each role when it is published (default: its keys); a test may change it. */
  readonly signers = new Map<string, SigningKey[]>();
  /** Expiry of each role's next publication (default: 30 days; root 365). */
  readonly expires = new Map<string, string>();
  readonly delegations: Delegation[] = [];
  /** Target files per signing role. */
  readonly content = new Map<string, Map<string, Uint8Array>>([["targets", new Map()]]);
  /** Whether snapshot and timestamp list lengths and hashes of the files they name. */
  hashesInMeta = true;
  /** Custom fields of each target entry (none by default: plain TUF). */
  readonly custom = new Map<string, Record<string, unknown>>();
  readonly versions = new Map<string, number>();
  /** Everything published: path under the server ("metadata/2.snapshot.json", "targets/HASH.name") -> bytes. */
  readonly files = new Map<string, Uint8Array>();
  readonly overrides = new Map<string, Override>();
  /** Paths the server was asked for, in order. */
  readonly requests: string[] = [];
  private server: Server | null = null;
  url = "";

  constructor(keyType: KeyType = "ed25519") {
    const key = () => generateSigningKey(keyType);
    this.roles = { root: { keys: [key()], threshold: 1 }, timestamp: { keys: [key()], threshold: 1 }, snapshot: { keys: [key()], threshold: 1 }, targets: { keys: [key()], threshold: 1 } };
    this.publishRoot();
    this.publish();
  }

  get metadataUrl(): string {
    return `${this.url}/metadata`;
  }
  get targetsUrl(): string {
    return `${this.url}/targets`;
  }

  version(role: string): number {
    return this.versions.get(role) ?? 0;
  }

  /** The signed part of root for the current keys (version `version`). */
  rootSigned(version: number): Record<string, unknown> {
    const keys: Record<string, unknown> = {};
    const roles: Record<string, unknown> = {};
    for (const [role, set] of Object.entries(this.roles)) {
      for (const k of set.keys) keys[k.keyid] = k.publicKey;
      roles[role] = { keyids: set.keys.map((k) => k.keyid), threshold: set.threshold };
    }
    return { _type: "root", spec_version: "1.0.31", version, expires: this.expires.get("root") ?? inDays(365), consistent_snapshot: this.consistent, keys, roles };
  }

  /** Root N+1 with the current keys, signed by `signers` (default: the previous root's keys and the new ones). */
  publishRoot(signers?: SigningKey[], previousKeys: SigningKey[] = []): Uint8Array {
    const v = this.version("root") + 1;
    const bytes = this.sign(MetadataKind.Root, this.rootSigned(v), signers ?? unique([...previousKeys, ...this.roles.root.keys]));
    this.files.set(`metadata/${v}.root.json`, bytes);
    this.versions.set("root", v);
    return bytes;
  }

  /** Replaces the keys of `role` and publishes root N+1 signed by the old and new root keys. */
  rotate(role: TopRole, keys: SigningKey[], threshold = 1): void {
    const oldRoot = this.roles.root.keys;
    this.roles[role] = { keys, threshold };
    this.signers.delete(role);
    this.publishRoot(undefined, oldRoot);
  }

  addTarget(name: string, bytes: Uint8Array, role = "targets"): void {
    if (!this.content.has(role)) this.content.set(role, new Map());
    this.content.get(role)!.set(name, bytes);
    for (const alg of [sha256(bytes), sha512(bytes)]) {
      const slash = name.lastIndexOf("/");
      this.files.set(`targets/${name.slice(0, slash + 1)}${alg}.${name.slice(slash + 1)}`, bytes);
    }
    this.files.set(`targets/${name}`, bytes);
  }

  delegate(d: Delegation): void {
    this.delegations.push(d);
    if (!this.content.has(d.name)) this.content.set(d.name, new Map());
  }

  /** The signed part of a targets role's next version (its targets and delegations). */
  targetsSigned(role: string, version: number): Record<string, unknown> {
    const targets: Record<string, unknown> = {};
    for (const [name, bytes] of this.content.get(role) ?? new Map()) {
      const entry: Record<string, unknown> = { length: bytes.length, hashes: { sha256: sha256(bytes), sha512: sha512(bytes) } };
      const custom = this.custom.get(name);
      if (custom) entry.custom = custom;
      targets[name] = entry;
    }
    const signed: Record<string, unknown> = { _type: "targets", spec_version: "1.0.31", version, expires: this.expires.get(role) ?? inDays(30), targets };
    const children = this.delegations.filter((d) => d.parent === role);
    if (children.length > 0) {
      const keys: Record<string, unknown> = {};
      for (const d of children) for (const k of d.keys) keys[k.keyid] = k.publicKey;
      signed.delegations = {
        keys,
        roles: children.map((d) => {
          const r: Record<string, unknown> = { name: d.name, keyids: d.keys.map((k) => k.keyid), threshold: d.threshold, terminating: d.terminating ?? false };
          if (d.pathHashPrefixes) r.path_hash_prefixes = d.pathHashPrefixes;
          else r.paths = d.paths ?? ["*"];
          return r;
        }),
      };
    }
    return signed;
  }

  private metaEntry(version: number, bytes: Uint8Array): Record<string, unknown> {
    return this.hashesInMeta ? { version, length: bytes.length, hashes: { sha256: sha256(bytes) } } : { version };
  }

  private keysOf(role: string): SigningKey[] {
    const top = (this.roles as Record<string, { keys: SigningKey[] }>)[role];
    return this.signers.get(role) ?? top?.keys ?? this.delegations.find((d) => d.name === role)!.keys;
  }

  /** Publishes a new version of every targets role, the snapshot and the timestamp. */
  publish(): void {
    const meta: Record<string, unknown> = {};
    for (const role of ["targets", ...this.delegations.map((d) => d.name)]) {
      const v = this.version(role) + 1;
      const signed = this.targetsSigned(role, v);
      // a delegation tuf-js will not build (a threshold of 0) is signed the raw way
      const raw = this.delegations.some((d) => d.parent === role && d.threshold < 1);
      const bytes = raw ? this.signRaw(signed, this.keysOf(role)) : this.sign(MetadataKind.Targets, signed, this.keysOf(role));
      this.versions.set(role, v);
      this.files.set(`metadata/${v}.${encodeURIComponent(role)}.json`, bytes);
      this.files.set(`metadata/${encodeURIComponent(role)}.json`, bytes);
      meta[`${role}.json`] = this.metaEntry(v, bytes);
    }
    this.publishSnapshot(meta);
  }

  /** A new snapshot listing `meta`, and a new timestamp listing it. */
  publishSnapshot(meta: Record<string, unknown>): void {
    const sv = this.version("snapshot") + 1;
    const snap = this.sign(MetadataKind.Snapshot, { _type: "snapshot", spec_version: "1.0.31", version: sv, expires: this.expires.get("snapshot") ?? inDays(30), meta }, this.keysOf("snapshot"));
    this.versions.set("snapshot", sv);
    this.files.set(`metadata/${sv}.snapshot.json`, snap);
    this.files.set("metadata/snapshot.json", snap);
    this.publishTimestamp({ "snapshot.json": this.metaEntry(sv, snap) });
  }

  publishTimestamp(meta: Record<string, unknown>): void {
    const tv = this.version("timestamp") + 1;
    const ts = this.sign(MetadataKind.Timestamp, { _type: "timestamp", spec_version: "1.0.31", version: tv, expires: this.expires.get("timestamp") ?? inDays(1), meta }, this.keysOf("timestamp"));
    this.versions.set("timestamp", tv);
    this.files.set("metadata/timestamp.json", ts);
  }

  /** The published document at `path` as JSON. */
  doc(path: string): { signed: Record<string, any>; signatures: Array<{ keyid: string; sig: string }> } {
    return JSON.parse(Buffer.from(this.files.get(path)!).toString("utf8"));
  }

  /** `signed` signed by `keys` through tuf-js (Metadata.sign over its canonical JSON). */
  sign(kind: MetadataKind, signed: Record<string, unknown>, keys: SigningKey[]): Uint8Array {
    const md = Metadata.fromJSON(kind as MetadataKind.Root, { signed, signatures: [] } as never);
    for (const k of keys) md.sign((data) => new Signature({ keyID: k.keyid, sig: signRaw(k.privateKey, data).toString("hex") }), true);
    return Buffer.from(JSON.stringify(md.toJSON(), null, 1));
  }

  /** `signed` signed by `keys` over our canonical JSON, for documents tuf-js refuses to build. */
  signRaw(signed: Record<string, unknown>, keys: SigningKey[]): Uint8Array {
    return Buffer.from(JSON.stringify(signMetadata(signed, keys)));
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const path = decodeURIComponent((req.url ?? "/").slice(1));
      this.requests.push(path);
      const o = this.overrides.has(path) ? this.overrides.get(path) : undefined;
      if (o === "endless") {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (res.write(chunk)) if (res.destroyed) return;
        };
        res.on("drain", pump);
        res.on("close", () => res.off("drain", pump));
        pump();
        return;
      }
      const bytes = o !== undefined ? o : this.files.get(path) ?? null;
      if (bytes === null) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-length": bytes.length }).end(Buffer.from(bytes));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const addr = server.address() as { port: number };
    this.server = server;
    this.url = `http://127.0.0.1:${addr.port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

function unique(keys: SigningKey[]): SigningKey[] {
  return [...new Map(keys.map((k) => [k.keyid, k])).values()];
}
