// `uptane serve DIR`: one HTTP server with every backend part mounted under its prefix, and
// the server's upkeep (README "Backend": freshness): at start and then on a timer, each part
// re-signs its online roles that are half way to expiry and warns about offline-keyed roles
// near or past theirs. The clock is injectable, so tests move time forward without waiting.
import type { Server } from "node:http";
import { listen, Router } from "./http/server.ts";
import { isBackend } from "./init.ts";
import { backendParts, type ServeContext } from "./parts.ts";
import { DEFAULT_WARN_DAYS } from "./offline-expiry.ts";

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
  };
  const router = new Router();
  try {
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
    listening = await listen(router, options.host ?? "127.0.0.1", options.port ?? 0, options.log ? stamp : undefined);
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
  return { server, url, upkeep };
}
