// `uptane serve DIR`: one HTTP server with every backend part mounted under its prefix, and
// the server's upkeep (README "Backend": freshness): at start and then on a timer, each part
// re-signs its online roles that are half way to expiry and warns about offline-keyed roles
// near or past theirs. The clock is injectable, so tests move time forward without waiting.
import type { Server } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { listen, Router, type ServerTls } from "./http/server.ts";
import { tlsClient } from "./http/client.ts";
import { openInventory, useDatabaseFor } from "./inventory/location.ts";
import { OEM_CA_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE, VEHICLE_CA_FILE } from "./tls/layout.ts";
import { isBackend } from "./init.ts";
import { backendParts, type ServeContext } from "./parts.ts";
import { DEFAULT_WARN_DAYS } from "./offline-expiry.ts";
import { DEFAULT_LIMITS, type ServerLimits } from "./http/limits.ts";
import type { SupplierPortalOptions } from "./supplier-portal/part.ts";
import type { Retention } from "./director/director.ts";

export class ServeError extends Error {}

export interface ServeOptions {
  host?: string;
  port?: number;
  clock?: () => Date;
  /** Where log lines go (request log, re-signings, warnings, alerts); default: nowhere. */
  log?: (line: string) => void;
  /** Days before an offline-keyed role expires from which it is warned about (default 30). */
  warnDays?: number;
  /** Milliseconds between upkeep runs (default one minute). */
  upkeepIntervalMs?: number;
  /**
   * Plain HTTP instead of HTTPS: nobody is authenticated and the write APIs refuse their
   * secrets. Refused unless `host` is a loopback address (development and tests only).
   */
  plainHttp?: boolean;
  /** The inventory's postgres:// URL, instead of the backend's own setting (README "Backend: the inventory on PostgreSQL"). */
  database?: string;
  /** The supplier portal's upload cap and failed-login limits (README "Backend: supplier portal"). */
  supplierPortal?: SupplierPortalOptions;
  /** The Director's retention policy, where not the default (README "retention"). */
  retention?: Partial<Retention>;
  /** Time limits, connection caps and request rates (README "Backend: limits"); DEFAULT_LIMITS for what is not given. */
  limits?: Partial<ServerLimits>;
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain HTTP may listen on. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The server's certificate and key and the CAs vehicles' certificates chain to, from DIR/tls/ and DIR/keys/online/. */
export function loadServerTls(dir: string): ServerTls {
  try {
    const read = (file: string) => readFileSync(join(dir, file), "utf8");
    return { key: read(SERVER_KEY_FILE), cert: read(SERVER_CERT_FILE), clientCas: [read(VEHICLE_CA_FILE), read(OEM_CA_FILE)] };
  } catch (e) {
    throw new ServeError(`${dir} has no TLS files (${(e as NodeJS.ErrnoException).code}): backends made before TLS need a new uptane init, or serve with --plain-http on loopback`);
  }
}

export interface ServedBackend {
  server: Server;
  url: string;
  /** Runs the upkeep now (the timer runs it too); resolves when it is done. */
  upkeep(): Promise<void>;
}

const DAY_MS = 86_400_000;

export async function serveBackend(dir: string, options: ServeOptions = {}): Promise<ServedBackend> {
  if (!(await isBackend(dir))) throw new ServeError(`${dir} holds no backend (run uptane init ${dir} first)`);
  const host = options.host ?? "127.0.0.1";
  if (options.plainHttp && !isLoopback(host)) throw new ServeError(`plain HTTP is only served on a loopback address, not ${host}: vehicles and the write API need TLS`);
  const tls = options.plainHttp ? undefined : loadServerTls(dir);
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? (() => {});
  const stamp = (line: string) => log(`${clock().toISOString()} ${line}`);
  const jobs: Array<() => Promise<void> | void> = [];
  const checks: Array<() => Promise<void> | void> = [];
  const releases: Array<() => void> = [];
  const release = () => {
    for (const r of releases.splice(0).reverse()) r();
  };
  const warned = new Map<string, { message: string; at: number }>();
  const ctx: ServeContext = {
    clock,
    log: stamp,
    warnDays: options.warnDays ?? DEFAULT_WARN_DAYS,
    warn(key, message) {
      if (message === null) {
        warned.delete(key);
        return;
      }
      const last = warned.get(key);
      const now = clock().getTime();
      if (last && last.message === message && now - last.at < DAY_MS) return;
      warned.set(key, { message, at: now });
      stamp(`WARNING ${message}`);
    },
    upkeep: (job) => void jobs.push(job),
    startCheck: (check) => void checks.push(check),
    onClose: (r) => void releases.push(r),
    supplierPortal: options.supplierPortal,
    retention: options.retention,
  };
  const router = new Router();
  try {
    // Every part's inventory (Director, time server, TLS lookups) from this database.
    if (options.database !== undefined) releases.push(useDatabaseFor(dir, options.database));
    if (tls) {
      // Its own connection to the inventory: every request's certificate is looked up (revocation holds at once).
      const certificates = openInventory(dir);
      releases.push(() => certificates.close());
      router.identify = (req) => tlsClient(req, (serial) => {
        const row = certificates.vehicleCertificate(serial);
        return row && { vin: row.vin, revokedAt: row.revoked_at };
      });
    }
    for (const part of backendParts) await part.mount(router, dir, ctx);
  } catch (err) {
    release();
    throw err;
  }

  // One upkeep run at a time; a failing job is logged and the others still run.
  let running: Promise<void> | null = null;
  const upkeep = (): Promise<void> => {
    running ??= (async () => {
      for (const job of jobs) {
        try {
          await job();
        } catch (err) {
          stamp(`ERROR upkeep failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })().finally(() => (running = null));
    return running;
  };
  await upkeep();
  for (const check of checks) {
    try {
      await check();
    } catch (err) {
      release();
      throw new ServeError(`not serving ${dir}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  let listening;
  try {
    listening = await listen(router, host, options.port ?? 0, options.log ? stamp : undefined, tls, { ...DEFAULT_LIMITS, ...options.limits });
  } catch (err) {
    release();
    throw err;
  }
  const { server, url } = listening;
  const timer = setInterval(() => void upkeep(), options.upkeepIntervalMs ?? 60_000);
  timer.unref(); // the server, not the timer, keeps the process alive
  server.on("close", () => {
    clearInterval(timer);
    void (running ?? Promise.resolve()).then(release);
  });
  if (!tls) stamp(`WARNING serving plain HTTP on ${host}: no vehicle is authenticated and the write APIs are refused (development only)`);
  return { server, url, upkeep };
}
