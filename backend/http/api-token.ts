// The token that guards the backend's write APIs (registration, assignment, campaigns).
// `uptane init` creates it in DIR/keys/api-token (mode 0600); clients send
// `Authorization: Bearer TOKEN`. Public vehicle-facing endpoints need none.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { IncomingMessage } from "node:http";
import { Refused } from "../director/errors.ts";

export const API_TOKEN_FILE = "keys/api-token";

export function createApiToken(dir: string): string {
  mkdirSync(join(dir, "keys"), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString("hex");
  writeFileSync(join(dir, API_TOKEN_FILE), token + "\n", { mode: 0o600, flag: "wx" });
  return token;
}

export function readApiToken(dir: string): string {
  return readFileSync(join(dir, API_TOKEN_FILE), "utf8").trim();
}

/** Throws 401 unless the request carries the token (compared in constant time). */
export function requireApiToken(req: IncomingMessage, token: string): void {
  const header = req.headers.authorization ?? "";
  const presented = /^Bearer (\S+)$/.exec(header)?.[1] ?? "";
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(token).digest();
  if (presented === "" || !timingSafeEqual(a, b)) throw new Refused(401, "unauthorized", "this API needs `Authorization: Bearer TOKEN` with the token from DIR/keys/api-token");
}
