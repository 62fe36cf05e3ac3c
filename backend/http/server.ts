// The backend's HTTPS server (plain HTTP only when asked, on loopback): a router that parts
// mount into by prefix (`/image/`, `/director/`, `/time/`), each mount saying whether only
// vehicles may use it; JSON error bodies, a body-size cap for POSTs, and static file
// serving where path traversal is impossible by construction (requests become validated
// path segments before any file name is built).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { PLAIN_HTTP_CLIENT, requireVehicle, type Client } from "./client.ts";
import { Refused } from "../director/errors.ts";
import { createReadStream } from "node:fs";
import { lstat, realpath } from "node:fs/promises";
import { join, sep } from "node:path";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../model/json-depth.ts";
import { capConnections, DEFAULT_LIMITS, RateLimiter, serverTimeOptions, type ServerLimits } from "./limits.ts";

/** An error a handler throws to answer with a status code and `{"error": message}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** One request as a mounted part sees it: `segments` is the path below the mount prefix. */
export interface RouteRequest {
  method: string;
  /** Decoded path segments below the prefix; each is non-empty, not `.`/`..`, has no `/`, `\` or NUL. */
  segments: string[];
  /** The query string parameters. */
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
  /** Who sent it (client.ts). */
  client: Client;
}

export type RouteHandler = (request: RouteRequest) => Promise<void> | void;

/** Mounts handlers by first path segment; everything else is 404. */
export class Router {
  private readonly mounts = new Map<string, { handler: RouteHandler; vehiclesOnly: boolean }>();
  /** Identifies the sender of each request; the server sets it (plain HTTP: nobody). */
  identify: (req: IncomingMessage) => Client = () => PLAIN_HTTP_CLIENT;
  /** Request rates per address and per vehicle (limits.ts); the server sets it. */
  rateLimiter: RateLimiter | null = null;

  /**
   * `prefix` is one path segment such as "image" (served as `/image/...`). With
   * `vehiclesOnly`, a request without a valid vehicle certificate is refused (401) before
   * the handler runs; otherwise the handler decides who may do what.
   */
  mount(prefix: string, handler: RouteHandler, access: { vehiclesOnly: boolean } = { vehiclesOnly: false }): void {
    if (!/^[a-z][a-z0-9-]*$/.test(prefix)) throw new Error(`invalid mount prefix '${prefix}'`);
    if (this.mounts.has(prefix)) throw new Error(`prefix /${prefix}/ is already mounted`);
    this.mounts.set(prefix, { handler, vehiclesOnly: access.vehiclesOnly });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const client = this.identify(req);
      const wait = this.rateLimiter?.admit(req.socket.remoteAddress ?? "?", client.vin) ?? 0;
      if (wait > 0) {
        res.setHeader("retry-after", String(wait));
        throw new Refused(429, "too-many-requests", `over the request rate of this ${client.vin ? `vehicle (${client.vin})` : "address"}; retry in ${wait} s`);
      }
      const { segments, query } = parseRequestPath(req.url ?? "/");
      const mounted = segments.length > 0 ? this.mounts.get(segments[0]!) : undefined;
      if (!mounted) throw new HttpError(404, "not found");
      if (mounted.vehiclesOnly) requireVehicle(client);
      await mounted.handler({ method: req.method ?? "GET", segments: segments.slice(1), query, req, res, client });
    } catch (err) {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) sendError(res, err.status, err.message);
      else if (err instanceof Refused) sendJson(res, err.status, err.toJSON());
      else sendError(res, 500, "internal error");
    }
  }
}

/**
 * Splits a request target into validated, decoded segments. A segment that is empty (except
 * a trailing one), `.`, `..`, or that decodes to something holding `/`, `\`, NUL or a
 * control character is a 400: such a request can never name a file outside a served folder.
 */
export function parseRequestPath(target: string): { segments: string[]; query: URLSearchParams } {
  if (!target.startsWith("/")) throw new HttpError(400, "request target must be an absolute path");
  const q = target.indexOf("?");
  const rawPath = q < 0 ? target : target.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : target.slice(q + 1));
  const rawSegments = rawPath.slice(1).split("/");
  if (rawSegments.length > 0 && rawSegments[rawSegments.length - 1] === "") rawSegments.pop();
  const segments = rawSegments.map((raw) => {
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, "malformed percent-encoding in path");
    }
    if (s === "" || s === "." || s === ".." || /[/\\\u0000-\u001f\u007f]/.test(s)) {
      throw new HttpError(400, "invalid path segment");
    }
    return s;
  });
  return { segments, query };
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), "utf8");
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": body.length });
  res.end(body);
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

export function sendBytes(res: ServerResponse, status: number, body: Uint8Array, contentType: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": body.length });
  res.end(body);
}

/** Reads a request body, refusing (413) more than `maxBytes`; reading stops at the cap. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > maxBytes) throw new HttpError(413, `request body larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) throw new HttpError(413, `request body larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads and parses a JSON body (400 when it is not JSON or nests deeper than MAX_JSON_DEPTH). */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readBody(req, maxBytes);
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
  if (nestsDeeperThan(doc)) throw new HttpError(400, `request body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`);
  return doc;
}

export function contentTypeOf(name: string): string {
  return name.endsWith(".json") ? "application/json" : "application/octet-stream";
}

/**
 * Serves `segments` (already validated by parseRequestPath) as a regular file under `root`.
 * Hidden names (temporary files of atomic writes) and anything that resolves outside `root`
 * through a symbolic link are 404. GET and HEAD only.
 */
export async function serveStaticFile(request: RouteRequest, root: string): Promise<void> {
  const { method, segments, res } = request;
  if (method !== "GET" && method !== "HEAD") throw new HttpError(405, "method not allowed");
  if (segments.length === 0 || segments.some((s) => s.startsWith("."))) throw new HttpError(404, "not found");
  const path = join(root, ...segments);
  let size: number;
  let fileReal: string;
  try {
    const [rootReal, resolved] = await Promise.all([realpath(root), realpath(path)]);
    fileReal = resolved;
    if (!fileReal.startsWith(rootReal + sep)) throw new HttpError(404, "not found");
    const st = await lstat(fileReal);
    if (!st.isFile()) throw new HttpError(404, "not found");
    size = st.size;
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(404, "not found");
  }
  res.writeHead(200, { "content-type": contentTypeOf(segments[segments.length - 1]!), "content-length": size });
  if (method === "HEAD") {
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(fileReal);
    stream.on("error", reject);
    res.on("close", resolve);
    stream.pipe(res);
  });
}

/**
 * One request log line: method, path (the query string is left out: it is never needed to
 * read the log and could carry what should not be kept), status, bytes sent, milliseconds.
 * Headers and bodies (tokens, manifests) are never logged.
 */
export function requestLogLine(req: IncomingMessage, res: ServerResponse, startedMs: number, bytesBefore: number): string {
  const raw = req.url ?? "";
  const q = raw.indexOf("?");
  const path = (q < 0 ? raw : raw.slice(0, q)).slice(0, 300).replace(/[^\x21-\x7e]/g, "?");
  const method = (req.method ?? "-").replace(/[^A-Z]/g, "?").slice(0, 10);
  const bytes = (req.socket?.bytesWritten ?? bytesBefore) - bytesBefore; // headers included
  // A response that never completed: the client left (or was dropped) mid-request. Ended
  // (the whole answer written) counts as complete: a client that reads it all and closes at
  // once can close the socket before the last write's callback ('finish'), on a loaded host.
  const status = res.writableFinished || res.writableEnded ? String(res.statusCode) : "aborted";
  return `${method} ${path} ${status} ${bytes}B ${Math.round(performance.now() - startedMs)}ms`;
}

/** The server's TLS identity and the CAs client certificates must chain to (PEM). */
export interface ServerTls {
  key: string;
  cert: string;
  clientCas: string[];
}

/**
 * Starts `router` on host:port (port 0 picks a free one); resolves with the base URL.
 * With `tls`, HTTPS asking every client for a certificate: one that does not verify does
 * not end the handshake (OEM tools and suppliers connect without one), it leaves the
 * request unidentified (client.ts) and vehicle resources refuse it with the reason.
 * `requestLog` gets one line per request.
 */
export async function listen(router: Router, host = "127.0.0.1", port = 0, requestLog?: (line: string) => void, tls?: ServerTls, limits: ServerLimits = DEFAULT_LIMITS): Promise<{ server: Server; url: string }> {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (requestLog) {
      const started = performance.now();
      const bytesBefore = req.socket.bytesWritten;
      res.once("close", () => requestLog(requestLogLine(req, res, started, bytesBefore)));
    }
    void router.handle(req, res);
  };
  const timeLimits = serverTimeOptions(limits);
  const server: Server = tls
    ? (createHttpsServer({ key: tls.key, cert: tls.cert, ca: tls.clientCas, requestCert: true, rejectUnauthorized: false, minVersion: "TLSv1.2", ...timeLimits }, onRequest) as unknown as Server)
    : createServer(timeLimits, onRequest);
  capConnections(server, limits);
  router.rateLimiter = new RateLimiter(limits);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no TCP address");
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return { server, url: `${tls ? "https" : "http"}://${shownHost}:${address.port}` };
}

/** Closes a server, dropping idle keep-alive connections so tests end promptly. */
export async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
