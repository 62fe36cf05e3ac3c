// The Director's and time server's keys on disk: the root key is offline (only `init`
// and root rotation read it; keep `DIR/keys/offline/` off the serving host), the
// targets/snapshot/timestamp and timeserver keys are online (the server signs with them).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSigningKey, privateKeyPem, signingKeyFromPem, type SigningKey } from "../../model/keys.ts";

export const DIRECTOR_ROOT_KEY_FILE = "keys/offline/director-root.pem";
export const DIRECTOR_ONLINE_KEY_FILES = {
  targets: "keys/online/director-targets.pem",
  snapshot: "keys/online/director-snapshot.pem",
  timestamp: "keys/online/director-timestamp.pem",
  timeserver: "keys/online/timeserver.pem",
} as const;

export type OnlineRole = keyof typeof DIRECTOR_ONLINE_KEY_FILES;
export type DirectorOnlineKeys = Record<OnlineRole, SigningKey>;

/** Creates the root key and the online keys; refuses to overwrite an existing file. */
export function createDirectorKeys(dir: string): { root: SigningKey; online: DirectorOnlineKeys } {
  mkdirSync(join(dir, "keys/offline"), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, "keys/online"), { recursive: true, mode: 0o700 });
  const write = (rel: string, key: SigningKey) => writeFileSync(join(dir, rel), privateKeyPem(key), { mode: 0o600, flag: "wx" });
  const root = generateSigningKey();
  write(DIRECTOR_ROOT_KEY_FILE, root);
  const online = {} as DirectorOnlineKeys;
  for (const role of Object.keys(DIRECTOR_ONLINE_KEY_FILES) as OnlineRole[]) {
    online[role] = generateSigningKey();
    write(DIRECTOR_ONLINE_KEY_FILES[role], online[role]);
  }
  return { root, online };
}

export function loadDirectorOnlineKeys(dir: string): DirectorOnlineKeys {
  const online = {} as DirectorOnlineKeys;
  for (const role of Object.keys(DIRECTOR_ONLINE_KEY_FILES) as OnlineRole[]) {
    online[role] = signingKeyFromPem(readFileSync(join(dir, DIRECTOR_ONLINE_KEY_FILES[role]), "utf8"));
  }
  return online;
}
