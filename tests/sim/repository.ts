// One TUF / Uptane repository held in memory that signs on demand and can break anything:
// the test-side stand-in for a Director or an Image repository (python-tuf's
// RepositorySimulator habit). Tests edit the plain fields, then call files() to get the
// bytes a verifier would download. Nothing here checks anything: breaking is the point.
import { createHash } from "node:crypto";
import { canonicalBytes } from "../../model/canonical-json.ts";
import { generateSigningKey, signBytes, type SigningKey, type TufKey } from "../../model/keys.ts";
import type { RepositoryFiles } from "../../model/verification.ts";
import type { RepoName } from "../../model/outcome.ts";
import { aktualizrKey, aktualizrKeyId, aktualizrSignature, aktualizrType, type Dialect } from "./dialect.ts";
import { isoTime } from "../../model/iso-time.ts";

export type TopRole = "root" | "timestamp" | "snapshot" | "targets";
/** Roles a root lists: the four TUF roles plus the Director's `timeserver`. */
export type RootRole = TopRole | "timeserver";

export interface RoleKeys {
  keys: SigningKey[];
  threshold: number;
}

export interface TargetEntry {
  length: number;
  hashes: Record<string, string>;
  custom?: Record<string, unknown>;
}

/** A delegated targets role (Image repository; Director only to attack it). */
export interface DelegationSpec {
  name: string;
  keys: SigningKey[];
  threshold: number;
  paths?: string[];
  pathHashPrefixes?: string[];
  terminating?: boolean;
  /** Uptane restriction: the role applies only to targets for these hardware types. */
  hardwareIds?: string[];
}

// `any` on purpose: tamper hooks may put anything into a document.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
export type SignedHook = (signed: Json) => void;
export type EnvelopeHook = (doc: { signatures: Json[]; signed: Json }) => void;

export const DAY = 86_400;
/** The simulators' default reference time: 2026-01-01T00:00:00Z. */
export const SIM_NOW = Date.UTC(2026, 0, 1) / 1000;

export function hashesOf(bytes: Uint8Array, algorithms: string[] = ["sha256", "sha512"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const alg of algorithms) out[alg] = createHash(alg).update(bytes).digest("hex");
  return out;
}

export function keys(n: number): SigningKey[] {
  return Array.from({ length: n }, () => generateSigningKey());
}

export class RepoSim {
  readonly repo: RepoName;
  /** Expiry defaults are measured from here. */
  now: number;
  dialect: Dialect = "tuf";
  /** Pretty-print documents (verifiers re-canonicalise, so this must verify too). */
  pretty = false;

  /** Keys and threshold each role has in the root published next. */
  roles: Record<RootRole, RoleKeys> & Partial<Record<string, RoleKeys>>;
  /** Who actually signs a role's next document (default: its authorised keys; root: see publishRoot). Duplicates allowed. */
  signers: Partial<Record<string, SigningKey[]>> = {};
  /** Version of each non-root document (top-level and delegated, by role name). */
  versions: Record<string, number> = { timestamp: 1, snapshot: 1, targets: 1 };
  /** Expiry of each role (unix seconds), default now + 365 days. */
  expires: Record<string, number> = {};
  /** Targets each targets role signs, by role name ("targets" for the top-level role). */
  targets = new Map<string, Map<string, TargetEntry>>([["targets", new Map()]]);
  /** Delegations each targets role makes, in priority order. */
  delegations = new Map<string, DelegationSpec[]>();
  /** `signed.custom` of the top-level targets (the Director puts `{vin}` here). */
  targetsCustom: Record<string, unknown> | undefined;
  /** Snapshot meta entries carry length and hashes too (TUF optional). */
  snapshotMetaHashes = false;
  /** Edits of `signed` after it is built and before it is signed, by role name. */
  tamper: Partial<Record<string, SignedHook>> = {};
  /** Edits of the signed envelope (e.g. changing `signed` after signing), by role name. */
  tamperEnvelope: Partial<Record<string, EnvelopeHook>> = {};
  /** Bytes served instead of the built document, by role name. */
  raw: Partial<Record<string, Uint8Array>> = {};
  /** Edits of the snapshot / timestamp meta computed from the documents they list. */
  tamperSnapshotMeta: ((meta: Record<string, Json>) => void) | undefined;
  tamperTimestampMeta: ((meta: Record<string, Json>) => void) | undefined;

  /** Every root published, roots[i] being the bytes of the (i+1)-th publication. */
  readonly roots: Uint8Array[] = [];
  /** Root keys that signed the last published root: the "old" keys of the next rotation. */
  private lastRootKeys: RoleKeys;
  private lastRootVersion = 0;

  constructor(repo: RepoName, opts: { now?: number; timeserver?: boolean; dialect?: Dialect } = {}) {
    this.repo = repo;
    this.now = opts.now ?? SIM_NOW;
    if (opts.dialect) this.dialect = opts.dialect;
    this.roles = {
      root: { keys: keys(1), threshold: 1 },
      timestamp: { keys: keys(1), threshold: 1 },
      snapshot: { keys: keys(1), threshold: 1 },
      targets: { keys: keys(1), threshold: 1 },
      timeserver: { keys: opts.timeserver ? keys(1) : [], threshold: 1 },
    };
    this.lastRootKeys = this.roles.root;
    this.publishRoot();
  }

  // ---- root ---------------------------------------------------------------------------

  /** Version of the last root published. */
  get rootVersion(): number {
    return this.lastRootVersion;
  }

  /** Bytes of the root published as version `version` (the first publication of that version). */
  root(version = 1): Uint8Array {
    const bytes = this.roots[version - 1];
    if (!bytes) throw new Error(`${this.repo}: no root version ${version} published`);
    return bytes;
  }

  /**
   * Publishes the next root from `roles`. A rotation is signed by the previous root keys
   * and the new ones (Uptane 5.4.4.3: N+1 must meet both thresholds); the options leave
   * either out, force a version, use other signers, or edit the document.
   */
  publishRoot(opts: { version?: number; signWithOld?: boolean; signWithNew?: boolean; signers?: SigningKey[]; tamper?: SignedHook; tamperEnvelope?: EnvelopeHook } = {}): Uint8Array {
    const version = opts.version ?? this.lastRootVersion + 1;
    const signed = this.buildRoot(version);
    opts.tamper?.(signed);
    let signers = opts.signers;
    if (!signers) {
      const set = new Map<string, SigningKey>();
      if (opts.signWithOld ?? true) for (const k of this.lastRootKeys.keys) set.set(k.keyid, k);
      if (opts.signWithNew ?? true) for (const k of this.roles.root.keys) set.set(k.keyid, k);
      signers = [...set.values()];
    }
    const bytes = this.envelope(signed, signers, opts.tamperEnvelope);
    this.roots.push(bytes);
    this.lastRootVersion = version;
    this.lastRootKeys = { keys: [...this.roles.root.keys], threshold: this.roles.root.threshold };
    return bytes;
  }

  /**
   * Forgets every published root and publishes version 1 again from `roles`: for
   * scenarios whose pinned root itself differs (more keys, other thresholds).
   */
  repinRoot(opts: Parameters<RepoSim["publishRoot"]>[0] = {}): Uint8Array {
    this.roots.length = 0;
    this.lastRootVersion = 0;
    this.lastRootKeys = { keys: [...this.roles.root.keys], threshold: this.roles.root.threshold };
    return this.publishRoot(opts);
  }

  /** Rotates keys of the given roles (fresh keys unless given) and publishes the next root. */
  rotate(roles: Partial<Record<RootRole, SigningKey[] | number>>, publish: Parameters<RepoSim["publishRoot"]>[0] = {}): Uint8Array {
    for (const [role, spec] of Object.entries(roles)) {
      const current = this.roles[role]!;
      const newKeys = typeof spec === "number" ? keys(spec) : spec!;
      this.roles[role] = { keys: newKeys, threshold: Math.min(current.threshold, Math.max(newKeys.length, 1)) };
    }
    return this.publishRoot(publish);
  }

  private buildRoot(version: number): Json {
    const keyMap: Record<string, Json> = {};
    const roleMap: Record<string, Json> = {};
    for (const [name, role] of Object.entries(this.roles)) {
      if (!role || (name === "timeserver" && role.keys.length === 0)) continue;
      for (const k of role.keys) keyMap[this.keyId(k)] = this.publicKey(k);
      roleMap[name] = { keyids: role.keys.map((k) => this.keyId(k)), threshold: role.threshold };
    }
    return {
      _type: this.type("root"),
      ...this.specVersion(),
      version,
      expires: isoTime(this.expiry("root")),
      consistent_snapshot: true,
      keys: keyMap,
      roles: roleMap,
    };
  }

  // ---- targets ------------------------------------------------------------------------

  /** Adds (or replaces) a target in a targets role. */
  addTarget(name: string, entry: TargetEntry, role = "targets"): void {
    let map = this.targets.get(role);
    if (!map) this.targets.set(role, (map = new Map()));
    map.set(name, entry);
  }

  /** Adds a delegation from `parent` (default the top-level targets role). */
  delegate(spec: DelegationSpec, parent = "targets"): void {
    const list = this.delegations.get(parent) ?? [];
    list.push(spec);
    this.delegations.set(parent, list);
    if (!this.targets.has(spec.name)) this.targets.set(spec.name, new Map());
    this.versions[spec.name] ??= 1;
  }

  /** Names of every delegated role, parents before children. */
  delegatedRoles(): string[] {
    const out: string[] = [];
    const walk = (parent: string) => {
      for (const d of this.delegations.get(parent) ?? []) {
        if (out.includes(d.name)) continue;
        out.push(d.name);
        walk(d.name);
      }
    };
    walk("targets");
    return out;
  }

  /** Increments the version of each role named (e.g. a new cycle: timestamp, snapshot, targets). */
  bump(...roles: string[]): void {
    for (const r of roles) this.versions[r] = (this.versions[r] ?? 1) + 1;
  }

  private buildTargets(role: string): Json {
    const targets: Record<string, Json> = {};
    for (const [name, e] of this.targets.get(role) ?? []) {
      targets[name] = { length: e.length, hashes: { ...e.hashes }, ...(e.custom ? { custom: structuredClone(e.custom) } : {}) };
    }
    const signed: Json = {
      _type: this.type("targets"),
      ...this.specVersion(),
      version: this.versions[role] ?? 1,
      expires: isoTime(this.expiry(role)),
      targets,
    };
    const delegations = this.delegations.get(role);
    if (delegations) {
      const keyMap: Record<string, Json> = {};
      const roles = delegations.map((d) => {
        for (const k of d.keys) keyMap[this.keyId(k)] = this.publicKey(k);
        return {
          name: d.name,
          keyids: d.keys.map((k) => this.keyId(k)),
          threshold: d.threshold,
          ...(d.pathHashPrefixes ? { path_hash_prefixes: d.pathHashPrefixes } : { paths: d.paths ?? ["*"] }),
          terminating: d.terminating ?? false,
          ...(d.hardwareIds ? { hardwareIds: d.hardwareIds } : {}),
        };
      });
      signed.delegations = { keys: keyMap, roles };
    }
    if (role === "targets" && this.targetsCustom) signed.custom = structuredClone(this.targetsCustom);
    return signed;
  }

  private delegationKeys(role: string): SigningKey[] {
    for (const list of this.delegations.values()) {
      const d = list.find((x) => x.name === role);
      if (d) return d.keys;
    }
    throw new Error(`${this.repo}: no delegation named ${role}`);
  }

  // ---- the files of one cycle ---------------------------------------------------------

  /**
   * The documents a verifier downloads now. `trustedRootVersion` is the root the verifier
   * holds: roots published after it are handed over as rotations.
   */
  files(trustedRootVersion = 1): RepositoryFiles {
    const targets = this.document("targets", this.buildTargets("targets"));
    const delegations = new Map<string, Uint8Array>();
    for (const name of this.delegatedRoles()) delegations.set(name, this.document(name, this.buildTargets(name)));

    const snapMeta: Record<string, Json> = { "targets.json": this.metaFor(targets, this.versions.targets!, this.snapshotMetaHashes) };
    for (const [name, bytes] of delegations) snapMeta[`${name}.json`] = this.metaFor(bytes, this.versions[name] ?? 1, this.snapshotMetaHashes);
    this.tamperSnapshotMeta?.(snapMeta);
    const snapshot = this.document("snapshot", {
      _type: this.type("snapshot"),
      ...this.specVersion(),
      version: this.versions.snapshot,
      expires: isoTime(this.expiry("snapshot")),
      meta: snapMeta,
    });

    const tsMeta: Record<string, Json> = { "snapshot.json": this.metaFor(snapshot, this.versions.snapshot!, true) };
    this.tamperTimestampMeta?.(tsMeta);
    const timestamp = this.document("timestamp", {
      _type: this.type("timestamp"),
      ...this.specVersion(),
      version: this.versions.timestamp,
      expires: isoTime(this.expiry("timestamp")),
      meta: tsMeta,
    });

    return {
      rootRotations: this.roots.slice(trustedRootVersion),
      timestamp,
      snapshot,
      targets,
      ...(delegations.size > 0 ? { delegations } : {}),
    };
  }

  private metaFor(bytes: Uint8Array, version: number, withHashes: boolean): Json {
    return withHashes ? { version, length: bytes.length, hashes: hashesOf(bytes, ["sha256"]) } : { version };
  }

  private document(role: string, signed: Json): Uint8Array {
    const raw = this.raw[role];
    if (raw) return raw;
    this.tamper[role]?.(signed);
    const topLevel = role === "timestamp" || role === "snapshot" || role === "targets";
    const signers = this.signers[role] ?? (topLevel ? this.roles[role]!.keys : this.delegationKeys(role));
    return this.envelope(signed, signers, this.tamperEnvelope[role]);
  }

  // ---- signing and encoding -----------------------------------------------------------

  private envelope(signed: Json, signers: SigningKey[], hook?: EnvelopeHook): Uint8Array {
    const bytes = canonicalBytes(signed);
    const doc = {
      signatures: signers.map((k) => (this.dialect === "aktualizr" ? aktualizrSignature(k, bytes) : signBytes(k, bytes))),
      signed,
    };
    hook?.(doc);
    return Buffer.from(this.pretty ? JSON.stringify(doc, null, 2) : JSON.stringify(doc), "utf8");
  }

  keyId(k: SigningKey): string {
    return this.dialect === "aktualizr" ? aktualizrKeyId(k) : k.keyid;
  }

  private publicKey(k: SigningKey): TufKey | Json {
    return this.dialect === "aktualizr" ? aktualizrKey(k) : { ...k.publicKey, keyval: { ...k.publicKey.keyval } };
  }

  private type(role: TopRole): string {
    return this.dialect === "aktualizr" ? aktualizrType(role) : role;
  }

  private specVersion(): { spec_version?: string } {
    return this.dialect === "aktualizr" ? {} : { spec_version: "1.0.31" };
  }

  private expiry(role: string): number {
    return this.expires[role] ?? this.now + 365 * DAY;
  }
}
