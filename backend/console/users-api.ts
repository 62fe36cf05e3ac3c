// The OEM console's users over the HTTP API (README "Backend: OEM console"), under
// `/director/api/` with the OEM's bearer token, over TLS only; the same functions as the
// console's Users and Account pages and `uptane user ...`, so the same rules:
//   GET  users                                 every user (never a password or its hash)
//   POST users                {name, role}     a new user; its password, once
//   POST users/NAME/disable                    its sessions end; never the last enabled admin
//   POST users/NAME/password  {currentPassword}  a new password, once; every session of the user ends
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendJson } from "../http/request-body.ts";
import { Refused } from "../director/errors.ts";
import { parseJsonObject, stringField } from "../director/api-fields.ts";
import { AccountError } from "../supplier-portal/accounts.ts";
import { NameError } from "../image/names.ts";
import type { PasswordLogin } from "../auth/password-login.ts";
import { addConsoleUser, changeConsolePassword, CONSOLE_ROLES, ConsoleUserError, disableConsoleUser, isConsoleRole, listConsoleUsers } from "./users.ts";

const MAX_USERS_BODY_BYTES = 4 * 1024;

/** Whether `/director/api/SEGMENTS` is a users route. */
export function isUsersResource(segments: string[]): boolean {
  return segments[0] === "users";
}

/** A refusal of users.ts as the API answers it (the error table's codes). */
export function usersRefusal(e: unknown): unknown {
  if (e instanceof AccountError) return new Refused(e.code === "unknown-account" ? 404 : 409, e.code, e.message);
  if (e instanceof NameError) return new Refused(400, e.code, e.message);
  if (e instanceof ConsoleUserError) {
    const status = e.code === "wrong-password" ? 403 : e.code === "login-locked" ? 429 : e.code === "logins-busy" ? 503 : 409;
    return new Refused(status, e.code, e.message);
  }
  return e;
}

export async function consoleUserRoutes(dir: string, login: PasswordLogin, r: { method: string; segments: string[]; req: IncomingMessage; res: ServerResponse; log: (line: string) => void }): Promise<void> {
  const [, name, action, ...rest] = r.segments;
  try {
    if (name === undefined) {
      if (r.method === "GET") return sendJson(r.res, 200, { ok: true, users: listConsoleUsers(dir) });
      if (r.method !== "POST") throw new Refused(405, "method-not-allowed", "users: GET or POST");
      const body = parseJsonObject(await readBody(r.req, MAX_USERS_BODY_BYTES));
      const role = stringField(body, "role");
      if (!isConsoleRole(role)) throw new Refused(400, "invalid-request", `role must be one of ${CONSOLE_ROLES.join(", ")}`);
      const { user, password } = await addConsoleUser(dir, stringField(body, "name"), role);
      r.log(`API added console user ${user.name} (${user.role})`);
      return sendJson(r.res, 201, { ok: true, user, password });
    }
    if (rest.length > 0 || (action !== "disable" && action !== "password")) throw new Refused(404, "not-found", "users/NAME/disable or users/NAME/password");
    if (r.method !== "POST") throw new Refused(405, "method-not-allowed", `users/NAME/${action}: POST`);
    const body = parseJsonObject(await readBody(r.req, MAX_USERS_BODY_BYTES));
    if (action === "disable") {
      const user = disableConsoleUser(dir, name);
      r.log(`API disabled console user ${user.name}`);
      return sendJson(r.res, 200, { ok: true, user });
    }
    const { user, password } = await changeConsolePassword(dir, login, { name, current: stringField(body, "currentPassword"), address: r.req.socket.remoteAddress ?? "unknown" });
    r.log(`API changed the password of console user ${user.name}; its sessions ended`);
    return sendJson(r.res, 200, { ok: true, user, password, sessionsEnded: true });
  } catch (e) {
    if (e instanceof ConsoleUserError && e.retryAfterSeconds !== undefined) r.res.setHeader("retry-after", String(e.retryAfterSeconds));
    throw usersRefusal(e);
  }
}
