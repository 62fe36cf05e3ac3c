// Slows password guessing at the supplier portal and the OEM console (README "Backend:
// supplier portal"):
// failed logins are counted per account and per client address. Past a limit, that
// account or address is locked for a while (429 with Retry-After), the lock doubling with
// each further failure up to a ceiling; a quiet spell forgets the count. A lock is checked
// before the password is hashed, so a locked guesser costs no KDF work, and every attempt
// counts as a failure until it succeeds, so guesses sent all at once are limited as well
// as guesses sent one after another. Memory is bounded: at most `maxEntries` counters per
// kind, the stalest dropped first.

export interface ThrottleLimits {
  /** Failures of one account before it is locked. */
  accountFailures: number;
  /** Failures from one address (any accounts, unknown names too) before it is locked. */
  addressFailures: number;
  /** The first lock; each failure past the limit doubles it. */
  baseLockMs: number;
  maxLockMs: number;
  /** A counter with no failure for this long starts over. */
  forgetAfterMs: number;
  /** Counters kept per kind (accounts, addresses). */
  maxEntries: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = {
  accountFailures: 5,
  addressFailures: 20,
  baseLockMs: 60_000,
  maxLockMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
  maxEntries: 10_000,
};

interface Counter {
  failures: number;
  lastFailureMs: number;
  lockedUntilMs: number;
}

/** Failure counters of one kind, bounded in number (Map keeps insertion order: oldest first). */
class Counters {
  private readonly map = new Map<string, Counter>();

  constructor(
    private readonly limit: number,
    private readonly limits: ThrottleLimits,
  ) {}

  get size(): number {
    return this.map.size;
  }

  private live(key: string, now: number): Counter | undefined {
    const c = this.map.get(key);
    if (c && now - c.lastFailureMs > this.limits.forgetAfterMs && c.lockedUntilMs <= now) {
      this.map.delete(key);
      return undefined;
    }
    return c;
  }

  /** Milliseconds `key` stays locked (0: not locked). */
  lockedFor(key: string, now: number): number {
    const c = this.live(key, now);
    return c ? Math.max(0, c.lockedUntilMs - now) : 0;
  }

  fail(key: string, now: number): void {
    const c = this.live(key, now) ?? { failures: 0, lastFailureMs: now, lockedUntilMs: 0 };
    c.failures++;
    c.lastFailureMs = now;
    if (c.failures >= this.limit) {
      const doublings = Math.min(c.failures - this.limit, 30);
      c.lockedUntilMs = now + Math.min(this.limits.maxLockMs, this.limits.baseLockMs * 2 ** doublings);
    }
    this.map.delete(key); // re-inserted as the most recent
    this.map.set(key, c);
    while (this.map.size > this.limits.maxEntries) this.map.delete(this.map.keys().next().value!);
  }

  forget(key: string): void {
    this.map.delete(key);
  }

  /** Takes back one failure (an attempt that succeeded), lifting a lock it caused. */
  undo(key: string): void {
    const c = this.map.get(key);
    if (!c) return;
    c.failures = Math.max(0, c.failures - 1);
    if (c.failures < this.limit) c.lockedUntilMs = 0;
  }
}

export class LoginThrottle {
  private readonly accounts: Counters;
  private readonly addresses: Counters;

  constructor(
    private readonly clock: () => Date,
    readonly limits: ThrottleLimits = DEFAULT_THROTTLE,
  ) {
    this.accounts = new Counters(limits.accountFailures, limits);
    this.addresses = new Counters(limits.addressFailures, limits);
  }

  /**
   * Starts a login attempt: the seconds to wait when the account or the address is locked
   * (nothing counted), else 0 and the attempt is counted as a failure until `succeeded`.
   * `account` is null when no such account exists (only the address counts then).
   */
  attempt(account: string | null, address: string): number {
    const now = this.clock().getTime();
    const ms = Math.max(account === null ? 0 : this.accounts.lockedFor(account, now), this.addresses.lockedFor(address, now));
    if (ms > 0) return Math.ceil(ms / 1000);
    if (account !== null) this.accounts.fail(account, now);
    this.addresses.fail(address, now);
    return 0;
  }

  /** The attempt succeeded: the account's count starts over, the address's loses this attempt. */
  succeeded(account: string, address: string): void {
    this.accounts.forget(account);
    this.addresses.undo(address);
  }

  /** Counters held (for the bound's test). */
  get entries(): { accounts: number; addresses: number } {
    return { accounts: this.accounts.size, addresses: this.addresses.size };
  }
}
