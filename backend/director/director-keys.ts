// The Director's and time server's keys on disk: root keys are offline (only `init`,
// `refresh --offline` and `director rotate` read them; keep `DIR/keys/offline/` off the
// serving host), the targets/snapshot/timestamp and timeserver keys are online (the server
// signs with them). One file per key, mode 0600: `init` writes `PREFIX.pem`, a rotation
// `PREFIX-KEYID.pem`; a key in a PKCS#11 token has a reference `PREFIX[-KEYID].pkcs11.json`
// instead (README "Backend: keys in a PKCS#11 token"). Which key signs a role is decided by the newest Director root in the
// inventory, never by the file names alone.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SigningKey, TufKey } from "../../model/keys.ts";
import { keyFileBytes, keyFileSuffix, keyFromFile, makeKey, type KeySpec } from "../keys/key-files.ts";
import type { Inventory } from "../inventory/inventory.ts";
import { openInventory } from "../inventory/location.ts";
import { readFileInside } from "../fs/read-inside.ts";

export const DIRECTOR_ROOT_KEY_FILE = "keys/offline/director-root.pem";
/**
 * PURE-2 (offline updates): the Offline-update Snapshot and Offline-update Targets roles,
 * each with its own key (PURE-2: "SHOULD use its own"), kept offline with the root key:
 * only `uptane offline create` signs with them (README "Offline updates").
 */
export const OFFLINE_UPDATE_KEY_FILES = {
  "offline-update-snapshot": "keys/offline/director-offline-update-snapshot.pem",
  "offline-update-targets": "keys/offline/director-offline-update-targets.pem",
} as const;
export type OfflineUpdateRole = keyof typeof OFFLINE_UPDATE_KEY_FILES;
export const OFFLINE_UPDATE_ROLES = Object.keys(OFFLINE_UPDATE_KEY_FILES) as OfflineUpdateRole[];
export const DIRECTOR_ONLINE_KEY_FILES = {
  targets: "keys/online/director-targets.pem",
  snapshot: "keys/online/director-snapshot.pem",
  timestamp: "keys/online/director-timestamp.pem",
  timeserver: "keys/online/timeserver.pem",
} as const;

export type OnlineRole = keyof typeof DIRECTOR_ONLINE_KEY_FILES;
export type DirectorRole = "root" | OnlineRole | OfflineUpdateRole;
export const ONLINE_ROLES = Object.keys(DIRECTOR_ONLINE_KEY_FILES) as OnlineRole[];
export const DIRECTOR_ROLES: DirectorRole[] = ["root", ...ONLINE_ROLES, ...OFFLINE_UPDATE_ROLES];
export type OfflineUpdateKeys = Record<OfflineUpdateRole, SigningKey>;
export type DirectorOnlineKeys = Record<OnlineRole, SigningKey>;

export interface RoleKeys {
  keyids: string[];
  threshold: number;
}

/** The parts of a Director root's `signed` that say who signs what. */
export interface DirectorRootSigned {
  version: number;
  expires: string;
  keys: Record<string, TufKey>;
  /** The offline-update roles are absent from roots signed before a backend gained them. */
  roles: Record<"root" | OnlineRole, RoleKeys> & Partial<Record<OfflineUpdateRole, RoleKeys>>;
  [field: string]: unknown;
}

export class DirectorKeyError extends Error {}

const FIRST_FILE: Record<DirectorRole, string> = { root: DIRECTOR_ROOT_KEY_FILE, ...DIRECTOR_ONLINE_KEY_FILES, ...OFFLINE_UPDATE_KEY_FILES };

function folderOf(role: DirectorRole): string {
  return FIRST_FILE[role].slice(0, FIRST_FILE[role].lastIndexOf("/"));
}

function prefixOf(role: DirectorRole): string {
  return FIRST_FILE[role].slice(FIRST_FILE[role].lastIndexOf("/") + 1, -".pem".length);
}

/** Where a rotation puts a new key of `role` (relative to DIR). */
export function directorKeyFile(role: DirectorRole, keyid: string, suffix = ".pem"): string {
  return `${folderOf(role)}/${prefixOf(role)}-${keyid}${suffix}`;
}

/** Writes `key`'s file at `rel` with the key's suffix instead of `.pem`; returns the path written, relative to DIR. */
function writeKey(dir: string, rel: string, key: SigningKey): string {
  const path = rel.slice(0, -".pem".length) + keyFileSuffix(key);
  writeFileSync(join(dir, path), keyFileBytes(key), { mode: 0o600, flag: "wx" });
  return path;
}

/** How `createDirectorKeys` makes each role's key (a role absent from `perRole` takes `spec`). */
export interface DirectorKeySpecs {
  spec: KeySpec;
  perRole?: Partial<Record<DirectorRole, KeySpec>>;
}

/**
 * Creates the root key, the online keys and the offline-update keys; refuses to overwrite an
 * existing file. Returns the keys and the files written (relative to DIR).
 */
export function createDirectorKeys(dir: string, specs: DirectorKeySpecs = { spec: { type: "ed25519" } }): { root: SigningKey; online: DirectorOnlineKeys; offlineUpdate: OfflineUpdateKeys; files: Record<DirectorRole, string> } {
  mkdirSync(join(dir, "keys/offline"), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, "keys/online"), { recursive: true, mode: 0o700 });
  const files = {} as Record<DirectorRole, string>;
  const make = (role: DirectorRole) => {
    const key = makeKey(specs.perRole?.[role] ?? specs.spec, `uptane director ${role}`);
    files[role] = writeKey(dir, FIRST_FILE[role], key);
    return key;
  };
  const root = make("root");
  const online = {} as DirectorOnlineKeys;
  for (const role of ONLINE_ROLES) online[role] = make(role);
  const offlineUpdate = {} as OfflineUpdateKeys;
  for (const role of OFFLINE_UPDATE_ROLES) offlineUpdate[role] = make(role);
  return { root, online, offlineUpdate, files };
}

/** Writes a new key of `role` (0600, never over an existing file); returns its path relative to DIR. */
export function writeDirectorKey(dir: string, role: DirectorRole, key: SigningKey): string {
  mkdirSync(join(dir, folderOf(role)), { recursive: true, mode: 0o700 });
  return writeKey(dir, directorKeyFile(role, key.keyid), key);
}

/** Every key file of `role` in its folder, by keyid (a rotated key's file must hold the key its name says). */
export function loadDirectorKeys(dir: string, role: DirectorRole): Map<string, SigningKey> {
  const folder = join(dir, folderOf(role));
  const prefix = prefixOf(role);
  const keys = new Map<string, SigningKey>();
  const names = existsSync(folder) ? readdirSync(folder) : [];
  for (const name of names) {
    const m = new RegExp(`^${prefix}(?:-([0-9a-f]{64}))?\\.(?:pem|pkcs11\\.json)$`).exec(name);
    if (!m) continue;
    let key: SigningKey;
    try {
      key = keyFromFile(name, readFileSync(join(folder, name), "utf8"));
    } catch (e) {
      throw new DirectorKeyError(`cannot read key file ${join(folder, name)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (m[1] !== undefined && m[1] !== key.keyid) throw new DirectorKeyError(`key file ${join(folder, name)} holds key ${key.keyid}, not the one its name says`);
    keys.set(key.keyid, key);
  }
  return keys;
}

/** The keys on disk that sign `role` under `root`; at least its threshold of them. */
export function signersFor(dir: string, role: DirectorRole, root: DirectorRootSigned): SigningKey[] {
  const available = loadDirectorKeys(dir, role);
  const listed = root.roles[role];
  if (!listed) throw new DirectorKeyError(`Director root version ${root.version} has no ${role} role (\`uptane director rotate DIR --role ${role}\` adds it)`);
  const { keyids, threshold } = listed;
  const signers = keyids.map((id) => available.get(id)).filter((k): k is SigningKey => k !== undefined);
  if (signers.length < threshold) {
    throw new DirectorKeyError(`only ${signers.length} of the ${threshold} Director ${role} key(s) needed (root version ${root.version}) are in ${join(dir, folderOf(role))}`);
  }
  return signers;
}

/** The online keys Director root `root` names (one per role: online roles have threshold 1). */
export function onlineKeysFor(dir: string, root: DirectorRootSigned): DirectorOnlineKeys {
  const online = {} as DirectorOnlineKeys;
  for (const role of ONLINE_ROLES) online[role] = signersFor(dir, role, root)[0]!;
  return online;
}

/** `signed` of a Director root document's bytes. */
export function rootSignedOf(bytes: string | Buffer): DirectorRootSigned {
  return (JSON.parse(bytes.toString()) as { signed: DirectorRootSigned }).signed;
}

/** The newest Director root as signed: its database row, or (a backend made before the database kept roots) its file. */
function latestRoot(dir: string, inventory: Inventory): DirectorRootSigned {
  const version = inventory.latestDirectorRootVersion();
  if (version > 0) return rootSignedOf(inventory.directorRoot(version)!);
  const folder = join(dir, "director/root");
  const versions = (existsSync(folder) ? readdirSync(folder) : []).map((n) => /^([1-9]\d{0,8})\.root\.json$/.exec(n)?.[1]).filter((v): v is string => v !== undefined).map(Number);
  if (versions.length === 0) throw new DirectorKeyError(`${dir} holds no Director root`);
  const bytes = readFileInside(dir, `director/root/${Math.max(...versions)}.root.json`);
  if (!bytes) throw new DirectorKeyError(`${dir} holds no Director root`);
  return rootSignedOf(bytes);
}

/** The online keys of the newest Director root of the backend in `dir`. */
export function loadDirectorOnlineKeys(dir: string): DirectorOnlineKeys {
  const inventory = openInventory(dir);
  try {
    return onlineKeysFor(dir, latestRoot(dir, inventory));
  } finally {
    inventory.close();
  }
}

/**
 * The online keys a running server signs with: those of the newest Director root in the
 * inventory, re-read when a rotation (possibly by another process) committed a new root,
 * so every document signed after the commit is signed by the new keys.
 */
export class DirectorKeyring {
  private version = -1;
  private keys: DirectorOnlineKeys | null = null;
  private listed: Map<OnlineRole, Record<string, TufKey>> | null = null;
  private listedAt = -1;

  constructor(
    private readonly dir: string,
    private readonly inventory: Inventory,
  ) {}

  current(): DirectorOnlineKeys {
    const version = this.inventory.latestDirectorRootVersion();
    if (this.keys === null || version !== this.version) {
      this.keys = onlineKeysFor(this.dir, latestRoot(this.dir, this.inventory));
      this.version = version;
    }
    return this.keys;
  }

  /**
   * The keys a time attestation is signed with: the newest root's timeserver key, and the
   * earlier roots' timeserver keys still on disk. A Primary checks the time (Uptane 5.4.2.2)
   * before it downloads Director roots (5.4.2.3), so a vehicle that has not seen the
   * rotation yet verifies by the old key, then takes the new root; under that root the old
   * key counts for nothing.
   */
  timeServerSigners(): SigningKey[] {
    const current = this.current().timeserver;
    if (this.timeSigners?.version !== this.version) {
      const listed = this.everListed("timeserver");
      const earlier = [...loadDirectorKeys(this.dir, "timeserver").values()].filter((k) => k.keyid !== current.keyid && k.keyid in listed);
      this.timeSigners = { version: this.version, keys: [current, ...earlier] };
    }
    return this.timeSigners.keys;
  }

  private timeSigners: { version: number; keys: SigningKey[] } | null = null;

  /**
   * Every public key some Director root version listed for `role`: a document signed before
   * a rotation still verifies by the key of its time (the database holds only what the
   * Director signed; vehicles take only what the newest root allows).
   */
  everListed(role: OnlineRole, recheck = true): Record<string, TufKey> {
    // Without `recheck` the listing known is enough: it only grows, so a document it
    // verifies stays verified; one it does not is checked again with `recheck`.
    if (!recheck && this.listed !== null) return this.listed.get(role)!;
    const versions = this.inventory.directorRootVersions();
    const latest = versions.at(-1) ?? 0;
    if (this.listed === null || this.listedAt !== latest) {
      const listed = new Map<OnlineRole, Record<string, TufKey>>(ONLINE_ROLES.map((r) => [r, {}]));
      const roots = versions.length > 0 ? versions.map((v) => rootSignedOf(this.inventory.directorRoot(v)!)) : [latestRoot(this.dir, this.inventory)];
      for (const root of roots) {
        for (const r of ONLINE_ROLES) for (const id of root.roles[r]?.keyids ?? []) if (root.keys[id]) listed.get(r)![id] = root.keys[id];
      }
      this.listed = listed;
      this.listedAt = latest;
    }
    return this.listed.get(role)!;
  }
}
