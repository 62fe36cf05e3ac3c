// Who is at the supplier portal (README "Backend: supplier portal"): HTTP Basic credentials
// (account name and the password `uptane supplier account add` showed once), over TLS only.
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

const CHALLENGE = { "www-authenticate": 'Basic realm="uptane supplier portal", charset="UTF-8"' };

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

export class PortalAuthenticator {
  private readonly gate = new KdfGate();
  /** A hash no password matches, for unknown accounts (same parameters, same work); made at the first need. */
  private decoyHash?: Promise<string>;

  constructor(
    private readonly inventory: Inventory,
    private readonly throttle: LoginThrottle,
  ) {}

  /** The account the request's credentials open, or a refusal (401, 429, 503; 403 over plain HTTP). */
  async authenticate(req: IncomingMessage, client: Client): Promise<SupplierAccount> {
    requireTls(client, "the supplier portal's credentials");
    const credentials = basicCredentials(req);
    if (credentials === null) throw new PortalRefused(401, "unauthenticated", "the supplier portal needs `Authorization: Basic` with the account name and password the OEM gave you", CHALLENGE);
    const address = req.socket.remoteAddress ?? "unknown";
    const row = credentials.name === "" ? undefined : this.inventory.supplierAccount(credentials.name);
    const wait = this.throttle.attempt(row ? row.name : null, address);
    if (wait > 0) throw new PortalRefused(429, "too-many-failed-logins", `too many failed logins for this account or from this address; try again in ${wait} s`, { "retry-after": String(wait) });
    const usable = row !== undefined && row.disabled_at === null;
    const ok = await this.gate.run(async () => verifyPassword(credentials.password, usable ? row.password_hash : await (this.decoyHash ??= hashPassword(randomBytes(24).toString("hex")))));
    if (!ok || !usable) throw new PortalRefused(401, "unauthenticated", "wrong account name or password", CHALLENGE);
    this.throttle.succeeded(row.name, address);
    return accountOf(row);
  }
}
