// One password login, the same for the supplier portal and the OEM console (README "Backend:
// supplier portal"): the throttle first (no KDF work for a locked account or address;
// login-throttle.ts), then at most KDF_SLOTS scrypt runs at a time (a queue past KDF_QUEUE
// is refused: memory stays bounded), then the hash. An unknown or disabled account costs
// the same scrypt run as a known one and gets the same answer, so names cannot be told
// apart by the reply or its timing.
import { randomBytes } from "node:crypto";
import { hashPassword, verifyPassword } from "./password-hash.ts";
import type { LoginThrottle } from "./login-throttle.ts";

const KDF_SLOTS = 2;
const KDF_QUEUE = 32;

/** Too many logins are waiting for the KDF: try again in a few seconds (503). */
export class LoginsBusy extends Error {}

/** Runs at most KDF_SLOTS jobs at once; more than KDF_QUEUE waiting is refused. */
class KdfGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= KDF_SLOTS) {
      if (this.waiting.length >= KDF_QUEUE) throw new LoginsBusy("too many logins at once; try again in a few seconds");
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

/** The stored account a login names: its hash, and whether it may log in (not disabled). */
export interface LoginAccount {
  name: string;
  passwordHash: string;
  usable: boolean;
}

export type LoginResult = { outcome: "ok" } | { outcome: "refused" } | { outcome: "locked"; retryAfterSeconds: number };

export class PasswordLogin {
  private readonly gate = new KdfGate();
  /** A hash no password matches, for unknown accounts (same parameters, same work); made at the first need. */
  private decoyHash?: Promise<string>;

  constructor(private readonly throttle: LoginThrottle) {}

  /** Checks `password` for `account` (undefined: no such name) from `address`; throws LoginsBusy when the KDF queue is full. */
  async check(account: LoginAccount | undefined, password: string, address: string): Promise<LoginResult> {
    const wait = this.throttle.attempt(account ? account.name : null, address);
    if (wait > 0) return { outcome: "locked", retryAfterSeconds: wait };
    const usable = account !== undefined && account.usable;
    const ok = await this.gate.run(async () => verifyPassword(password, usable ? account.passwordHash : await (this.decoyHash ??= hashPassword(randomBytes(24).toString("hex")))));
    if (!ok || !usable) return { outcome: "refused" };
    this.throttle.succeeded(account.name, address);
    return { outcome: "ok" };
  }
}
