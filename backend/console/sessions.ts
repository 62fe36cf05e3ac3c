// Console sessions (README "Backend: OEM console"): a random 256-bit cookie, secure,
// HTTP-only and same-site strict; the inventory keeps only its SHA-256 with the user, the
// session's CSRF token and its times, so a copy of the database opens no session and
// every server process on the database knows every session. A session ends at logout,
// after IDLE_MS without a request, ABSOLUTE_MS after login, or when its user is disabled.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { ConsoleUserRow, Inventory } from "../inventory/inventory.ts";

/** `__Host-`: the browser keeps it only when set over HTTPS, for this host and path `/`. */
export const SESSION_COOKIE = "__Host-uptane-console";
/** The login form's own CSRF token (double submit: this cookie and the form field must match). */
export const LOGIN_COOKIE = "__Host-uptane-console-login";

export const IDLE_MS = 30 * 60_000;
export const ABSOLUTE_MS = 12 * 60 * 60_000;
/** A session's last request time is written at most this often (one write per minute, not per page). */
const TOUCH_MS = 60_000;

export interface ConsoleSession {
  tokenSha256: string;
  user: ConsoleUserRow;
  csrf: string;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The named cookie of a request, or undefined. */
export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function setCookie(name: string, value: string, maxAgeSeconds?: number): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Strict${maxAgeSeconds === undefined ? "" : `; Max-Age=${maxAgeSeconds}`}`;
}

/** Two tokens compared in constant time (by their hashes: equal lengths whatever was sent). */
export function sameToken(a: string, b: string): boolean {
  return a !== "" && b !== "" && timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}

export class ConsoleSessions {
  constructor(
    private readonly inventory: Inventory,
    private readonly clock: () => Date,
  ) {}

  /** A new session for `user`: the cookie value to set (never stored). */
  open(user: string): { cookie: string; csrf: string } {
    const token = randomBytes(32).toString("base64url");
    const csrf = randomBytes(32).toString("hex");
    const now = this.clock();
    this.inventory.transaction(() => {
      this.inventory.deleteConsoleSessions({ expiredBefore: now.toISOString() });
      this.inventory.insertConsoleSession({
        token_sha256: sha256Hex(token),
        user_name: user,
        csrf_token: csrf,
        created_at: now.toISOString(),
        last_seen_at: now.toISOString(),
        expires_at: new Date(now.getTime() + ABSOLUTE_MS).toISOString(),
      });
    });
    return { cookie: setCookie(SESSION_COOKIE, token), csrf };
  }

  /** The request's live session, or null (no cookie, unknown, expired, idle too long, user disabled). */
  lookup(req: IncomingMessage): ConsoleSession | null {
    const token = cookieValue(req, SESSION_COOKIE);
    if (token === undefined || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const hash = sha256Hex(token);
    const row = this.inventory.consoleSession(hash);
    if (!row) return null;
    const now = this.clock().getTime();
    if (Date.parse(row.expires_at) <= now || Date.parse(row.last_seen_at) + IDLE_MS <= now) {
      this.inventory.deleteConsoleSession(hash);
      return null;
    }
    const user = this.inventory.consoleUser(row.user_name);
    if (!user || user.disabled_at !== null) return null;
    if (now - Date.parse(row.last_seen_at) >= TOUCH_MS) this.inventory.touchConsoleSession(hash, new Date(now).toISOString());
    return { tokenSha256: hash, user, csrf: row.csrf_token };
  }

  close(session: ConsoleSession): void {
    this.inventory.deleteConsoleSession(session.tokenSha256);
  }
}
