// Who is at a password door: the supplier portal (README "Backend: supplier portal") and the
// workshop API (README "Backend: vehicle lifecycle"). HTTP Basic credentials (account name and
// the password `uptane supplier account add` / `uptane workshop account add` showed once), over TLS only.
// Order of checks: throttle (no KDF work for a locked account or address; login-throttle.ts), then at most
// KDF_SLOTS scrypt runs at a time (a queue past KDF_QUEUE is a 503: memory stays bounded),
// then the hash. An unknown or disabled account costs the same scrypt run as a known one
// and gets the same answer, so names cannot be told apart by the reply or its timing.
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { Refused } from "../director/errors.ts";
import { requireTls, type Client } from "../http/client.ts";
import type { Inventory } from "../inventory/inventory.ts";
import { accountOf, type SupplierAccount } from "./accounts.ts";
import { hashPassword, verifyPassword } from "./password-hash.ts";
import type { LoginThrottle } from "./login-throttle.ts";

const KDF_SLOTS = 2;
const KDF_QUEUE = 32;
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

/** Runs at most KDF_SLOTS jobs at once; more than KDF_QUEUE waiting is refused. */
class KdfGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= KDF_SLOTS) {
      if (this.waiting.length >= KDF_QUEUE) throw new PortalRefused(503, "busy", "too many logins at once; try again in a few seconds", { "retry-after": "5" });
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes on
      else this.running--;
    }
  }
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
  private readonly gate = new KdfGate();
  /** A hash no password matches, for unknown accounts (same parameters, same work); made at the first need. */
  private decoyHash?: Promise<string>;
  private readonly challenge: Record<string, string>;

  constructor(
    private readonly door: PasswordDoor,
    private readonly throttle: LoginThrottle,
  ) {
    this.challenge = { "www-authenticate": `Basic realm="${door.realm}", charset="UTF-8"` };
  }

  /** The name of the account the request's credentials open, or a refusal (401, 429, 503; 403 over plain HTTP). */
  async authenticate(req: IncomingMessage, client: Client): Promise<string> {
    requireTls(client, `${this.door.name}'s credentials`);
    const credentials = basicCredentials(req);
    if (credentials === null) throw new PortalRefused(401, "unauthenticated", `${this.door.name} needs \`Authorization: Basic\` with the account name and password the OEM gave you`, this.challenge);
    const address = req.socket.remoteAddress ?? "unknown";
    const account = credentials.name === "" ? undefined : this.door.lookup(credentials.name);
    const wait = this.throttle.attempt(account ? credentials.name : null, address);
    if (wait > 0) throw new PortalRefused(429, "too-many-failed-logins", `too many failed logins for this account or from this address; try again in ${wait} s`, { "retry-after": String(wait) });
    const usable = account !== undefined && !account.disabled;
    const ok = await this.gate.run(async () => verifyPassword(credentials.password, usable ? account.passwordHash : await (this.decoyHash ??= hashPassword(randomBytes(24).toString("hex")))));
    if (!ok || !usable) throw new PortalRefused(401, "unauthenticated", "wrong account name or password", this.challenge);
    this.throttle.succeeded(credentials.name, address);
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
