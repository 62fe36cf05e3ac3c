// Who is at the supplier portal (README "Backend: supplier portal"): HTTP Basic credentials
// (account name and the password `uptane supplier account add` showed once), over TLS only,
// checked by the login every password door shares (backend/auth/password-login.ts).
import type { IncomingMessage } from "node:http";
import { Refused } from "../director/errors.ts";
import { requireTls, type Client } from "../http/client.ts";
import type { Inventory } from "../inventory/inventory.ts";
import { accountOf, type SupplierAccount } from "./accounts.ts";
import { LoginsBusy, PasswordLogin } from "../auth/password-login.ts";
import type { LoginThrottle } from "../auth/login-throttle.ts";

const MAX_CREDENTIAL_CHARS = 512;

/** A refusal that carries headers (WWW-Authenticate, Retry-After). */
export class PortalRefused extends Refused {
  constructor(
    status: number,
    code: string,
    detail: string,
    readonly headers: Record<string, string>,
  ) {
    super(status, code, detail);
  }
}

const CHALLENGE = { "www-authenticate": 'Basic realm="uptane supplier portal", charset="UTF-8"' };

function basicCredentials(req: IncomingMessage): { name: string; password: string } | null {
  const header = req.headers.authorization;
  if (header === undefined) return null;
  const m = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(header);
  if (!m || m[1]!.length > MAX_CREDENTIAL_CHARS) return { name: "", password: "" };
  const text = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) return { name: "", password: "" };
  return { name: text.slice(0, colon), password: text.slice(colon + 1) };
}

export class PortalAuthenticator {
  private readonly login: PasswordLogin;

  constructor(
    private readonly inventory: Inventory,
    throttle: LoginThrottle,
  ) {
    this.login = new PasswordLogin(throttle);
  }

  /** The account the request's credentials open, or a refusal (401, 429, 503; 403 over plain HTTP). */
  async authenticate(req: IncomingMessage, client: Client): Promise<SupplierAccount> {
    requireTls(client, "the supplier portal's credentials");
    const credentials = basicCredentials(req);
    if (credentials === null) throw new PortalRefused(401, "unauthenticated", "the supplier portal needs `Authorization: Basic` with the account name and password the OEM gave you", CHALLENGE);
    const row = credentials.name === "" ? undefined : this.inventory.supplierAccount(credentials.name);
    let result;
    try {
      result = await this.login.check(row && { name: row.name, passwordHash: row.password_hash, usable: row.disabled_at === null }, credentials.password, req.socket.remoteAddress ?? "unknown");
    } catch (e) {
      if (e instanceof LoginsBusy) throw new PortalRefused(503, "busy", e.message, { "retry-after": "5" });
      throw e;
    }
    if (result.outcome === "locked") throw new PortalRefused(429, "too-many-failed-logins", `too many failed logins for this account or from this address; try again in ${result.retryAfterSeconds} s`, { "retry-after": String(result.retryAfterSeconds) });
    if (result.outcome === "refused" || !row) throw new PortalRefused(401, "unauthenticated", "wrong account name or password", CHALLENGE);
    return accountOf(row);
  }
}
