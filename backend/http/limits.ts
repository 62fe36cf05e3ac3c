// What one client may take from the server (README "Backend: limits"): time limits on a
// request's headers and body and on idle connections (slow clients dropped in seconds),
// a cap on connections in all and per address, and request rates per vehicle and per
// address (429 with Retry-After). Every table is bounded.
import type { Server } from "node:http";
import type { Socket } from "node:net";

export interface RateLimit {
  /** Requests allowed at once (the bucket's size). */
  burst: number;
  /** Requests allowed per second once the burst is spent. */
  perSecond: number;
}

export interface ServerLimits {
  /** The request line and headers must arrive within this (then 408 and the connection closed). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (then 408 and closed). */
  requestTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed. */
  idleTimeoutMs: number;
  /** Open connections in all; more are closed as they arrive. */
  maxConnections: number;
  /** Open connections from one address. */
  maxConnectionsPerAddress: number;
  /** Requests of one vehicle (by its certificate's VIN), whatever its address. */
  vehicleRate: RateLimit;
  /** Requests from one address. */
  addressRate: RateLimit;
  /** Buckets kept per kind; the stalest is dropped first (a dropped bucket starts full). */
  maxTracked: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  maxConnections: 1024,
  maxConnectionsPerAddress: 64,
  vehicleRate: { burst: 300, perSecond: 5 },
  addressRate: { burst: 3000, perSecond: 100 },
  maxTracked: 100_000,
};

/** How often Node looks for requests over their time limits (its default is 30 s). */
const CHECK_INTERVAL_MS = 250;

/** Options for http(s).createServer that enforce the time limits. */
export function serverTimeOptions(limits: ServerLimits): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number; keepAliveTimeout: number } {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(CHECK_INTERVAL_MS, limits.headersTimeoutMs),
    keepAliveTimeout: Math.min(5_000, limits.idleTimeoutMs),
  };
}

/** Caps connections in all and per address, and closes idle ones. */
export function capConnections(server: Server, limits: ServerLimits): void {
  server.maxConnections = limits.maxConnections;
  server.setTimeout(limits.idleTimeoutMs); // no listener: an idle socket is destroyed
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "?";
    const n = (open.get(address) ?? 0) + 1;
    if (n > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    open.set(address, n);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/** Token buckets by key, at most `maxTracked` of them (Map order: least recently used first). */
class Buckets {
  private readonly map = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    private readonly rate: RateLimit,
    private readonly maxTracked: number,
  ) {}

  /** Takes one token: 0 when there was one, else the seconds until there is. */
  take(key: string, nowMs: number): number {
    const b = this.map.get(key) ?? { tokens: this.rate.burst, atMs: nowMs };
    b.tokens = Math.min(this.rate.burst, b.tokens + ((nowMs - b.atMs) / 1000) * this.rate.perSecond);
    b.atMs = nowMs;
    this.map.delete(key);
    this.map.set(key, b);
    while (this.map.size > this.maxTracked) this.map.delete(this.map.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return this.rate.perSecond > 0 ? Math.max(1, Math.ceil((1 - b.tokens) / this.rate.perSecond)) : 3600;
  }

  get size(): number {
    return this.map.size;
  }
}

export class RateLimiter {
  private readonly vehicles: Buckets;
  private readonly addresses: Buckets;

  constructor(
    limits: ServerLimits,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.vehicles = new Buckets(limits.vehicleRate, limits.maxTracked);
    this.addresses = new Buckets(limits.addressRate, limits.maxTracked);
  }

  /** Counts one request: 0 when allowed, else the seconds to wait (Retry-After). */
  admit(address: string, vin: string | null): number {
    const now = this.nowMs();
    const byAddress = this.addresses.take(address, now);
    const byVehicle = vin === null ? 0 : this.vehicles.take(vin, now);
    return Math.max(byAddress, byVehicle);
  }

  /** Buckets held (for the bound's test). */
  get tracked(): { vehicles: number; addresses: number } {
    return { vehicles: this.vehicles.size, addresses: this.addresses.size };
  }
}
