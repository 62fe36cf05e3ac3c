// Who is at a password door: the supplier portal (README "Backend: supplier portal") and the
// workshop API (README "Backend: vehicle lifecycle"). HTTP Basic credentials (account name and
// the password `uptane supplier account add` / `uptane workshop account add` showed once), over TLS only.
// Checked by the login every password door shares, the OEM console's too
// (backend/auth/password-login.ts: throttle, bounded KDF runs, the same work and answer for
// an unknown or disabled account).
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

/** Where the credentials are taken: its realm (the Basic challenge) and how it says what it needs. */
export interface PasswordDoor {
  realm: string;
  /** "the supplier portal", "the workshop API": named in refusals. */
  name: string;
  /** The account `name` opens, its stored scrypt hash, and whether it is disabled; undefined for none. */
  lookup(name: string): { passwordHash: string; disabled: boolean } | undefined;
}

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

/**
 * Password logins at a door (the supplier portal, the workshop API): one throttle and one
 * KDF gate per door, the same answer and work for an unknown, disabled or wrong account.
 */
export class PasswordAuthenticator {
  private readonly login: PasswordLogin;
  private readonly challenge: Record<string, string>;

  constructor(
    private readonly door: PasswordDoor,
    throttle: LoginThrottle,
  ) {
    this.login = new PasswordLogin(throttle);
    this.challenge = { "www-authenticate": `Basic realm="${door.realm}", charset="UTF-8"` };
  }

  /** The name of the account the request's credentials open, or a refusal (401, 429, 503; 403 over plain HTTP). */
  async authenticate(req: IncomingMessage, client: Client): Promise<string> {
    requireTls(client, `${this.door.name}'s credentials`);
    const credentials = basicCredentials(req);
    if (credentials === null) throw new PortalRefused(401, "unauthenticated", `${this.door.name} needs \`Authorization: Basic\` with the account name and password the OEM gave you`, this.challenge);
    const account = credentials.name === "" ? undefined : this.door.lookup(credentials.name);
    let result;
    try {
      result = await this.login.check(account && { name: credentials.name, passwordHash: account.passwordHash, usable: !account.disabled }, credentials.password, req.socket.remoteAddress ?? "unknown");
    } catch (e) {
      if (e instanceof LoginsBusy) throw new PortalRefused(503, "busy", e.message, { "retry-after": "5" });
      throw e;
    }
    if (result.outcome === "locked") throw new PortalRefused(429, "too-many-failed-logins", `too many failed logins for this account or from this address; try again in ${result.retryAfterSeconds} s`, { "retry-after": String(result.retryAfterSeconds) });
    if (result.outcome === "refused") throw new PortalRefused(401, "unauthenticated", "wrong account name or password", this.challenge);
    return credentials.name;
  }
}

/** The supplier portal's door: supplier accounts. */
export class PortalAuthenticator {
  private readonly door: PasswordAuthenticator;

  constructor(
    private readonly inventory: Inventory,
    throttle: LoginThrottle,
  ) {
    const lookup = (name: string) => {
      const row = inventory.supplierAccount(name);
      return row && { passwordHash: row.password_hash, disabled: row.disabled_at !== null };
    };
    this.door = new PasswordAuthenticator({ realm: "uptane supplier portal", name: "the supplier portal", lookup }, throttle);
  }

  async authenticate(req: IncomingMessage, client: Client): Promise<SupplierAccount> {
    const name = await this.door.authenticate(req, client);
    return accountOf(this.inventory.supplierAccount(name)!);
  }
}
