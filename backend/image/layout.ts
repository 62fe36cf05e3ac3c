// Where the Image repository keeps things inside a backend folder DIR.
//   DIR/image/config.json          expiry policy
//   DIR/image/repository/          exactly what `/image/` serves: N.root.json, timestamp.json,
//                                  N.snapshot.json, N.targets.json, N.ROLE.json, targets/…/HASH.BASE
//   DIR/keys/offline/, DIR/keys/online/   private keys (see keystore.ts)
import { join, posix } from "node:path";
import { checkTargetName } from "./names.ts";

export const imageDir = (dir: string) => join(dir, "image");
export const configPath = (dir: string) => join(dir, "image", "config.json");
export const repositoryDir = (dir: string) => join(dir, "image", "repository");
export const lockPath = (dir: string) => join(dir, "image", ".lock");

export const versionedFile = (version: number, role: string) => `${version}.${role}.json`;

/** `targets/a/b/HASH.c.bin` for target `a/b/c.bin`, as a consistent-snapshot TUF client fetches it. */
export function targetFileRelative(name: string, hash: string): string {
  checkTargetName(name);
  const dir = posix.dirname(name);
  const base = posix.basename(name);
  return dir === "." ? `targets/${hash}.${base}` : `targets/${dir}/${hash}.${base}`;
}

export function targetFilePath(dir: string, name: string, hash: string): string {
  return join(repositoryDir(dir), ...targetFileRelative(name, hash).split("/"));
}
