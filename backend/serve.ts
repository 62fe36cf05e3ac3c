// `uptane serve DIR`: one HTTP server with every backend part mounted under its prefix.
import type { Server } from "node:http";
import { listen, Router } from "./http/server.ts";
import { isBackend } from "./init.ts";
import { backendParts } from "./parts.ts";

export class ServeError extends Error {}

export async function serveBackend(dir: string, options: { host?: string; port?: number } = {}): Promise<{ server: Server; url: string }> {
  if (!(await isBackend(dir))) throw new ServeError(`${dir} holds no backend (run uptane init ${dir} first)`);
  const router = new Router();
  for (const part of backendParts) await part.mount(router, dir);
  return listen(router, options.host ?? "127.0.0.1", options.port ?? 0);
}
