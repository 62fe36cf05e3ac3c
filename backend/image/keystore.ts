// Private keys of the Image repository on disk. Root and targets keys are offline keys and
// live under DIR/keys/offline/; snapshot and timestamp keys are online keys under
// DIR/keys/online/. One file per key, mode 0600: `image-ROLE-KEYID.pem` (the private key), or
// `image-ROLE-KEYID.pkcs11.json` (a reference to a key in a PKCS#11 token, README "Backend:
// keys in a PKCS#11 token"). Which keys sign a role is decided by the current root, never by
// the file names alone.
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { SigningKey } from "../../model/keys.ts";
import { keyFileBytes, keyFileStem, keyFileSuffix, keyFromFile } from "../keys/key-files.ts";
import type { FileWriter } from "../fs/atomic-write.ts";
import { OFFLINE_ROLES, type RoleKeys, type TopRole } from "./metadata.ts";

export class KeyStoreError extends Error {}

export function offlineKeyDir(dir: string): string {
  return join(dir, "keys", "offline");
}

export function onlineKeyDir(dir: string): string {
  return join(dir, "keys", "online");
}

export function keyFolderOf(dir: string, role: TopRole): string {
  return OFFLINE_ROLES.includes(role) ? offlineKeyDir(dir) : onlineKeyDir(dir);
}

export function keyFileName(role: TopRole, keyid: string, suffix = ".pem"): string {
  return `image-${role}-${keyid}${suffix}`;
}

export async function writeRoleKey(dir: string, role: TopRole, key: SigningKey, writer: FileWriter): Promise<string> {
  const folder = keyFolderOf(dir, role);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const path = join(folder, keyFileName(role, key.keyid, keyFileSuffix(key)));
  await writer.write(path, keyFileBytes(key), 0o600);
  return path;
}

/** Every key of `role` found in its folder, by keyid (a file whose key does not match its name is an error). */
export async function loadRoleKeys(dir: string, role: TopRole): Promise<Map<string, SigningKey>> {
  const folder = keyFolderOf(dir, role);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    throw new KeyStoreError(`cannot read the key folder ${folder}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const prefix = `image-${role}-`;
  const keys = new Map<string, SigningKey>();
  for (const name of names) {
    const stem = keyFileStem(name);
    if (!name.startsWith(prefix) || stem === null) continue;
    const path = join(folder, name);
    let key: SigningKey;
    try {
      key = keyFromFile(name, await readFile(path, "utf8"));
    } catch (err) {
      throw new KeyStoreError(`cannot read key file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (stem !== `image-${role}-${key.keyid}`) throw new KeyStoreError(`key file ${path} holds key ${key.keyid}, not the one its name says`);
    keys.set(key.keyid, key);
  }
  return keys;
}

/** The keys that sign `role` under `roleKeys`; at least a threshold of them must be on disk. */
export async function signersFor(dir: string, role: TopRole, roleKeys: RoleKeys): Promise<SigningKey[]> {
  const available = await loadRoleKeys(dir, role);
  const signers = roleKeys.keyids.map((id) => available.get(id)).filter((k): k is SigningKey => k !== undefined);
  if (signers.length < roleKeys.threshold) {
    throw new KeyStoreError(
      `only ${signers.length} of the ${roleKeys.threshold} ${role} key(s) needed are in ${keyFolderOf(dir, role)}`,
    );
  }
  return signers;
}
