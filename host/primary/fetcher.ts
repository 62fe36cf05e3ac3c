// The Primary's one way to reach the backend (STYLE.md item 11): a Fetcher hands back a
// response body as chunks, never more than the caller's cap, and says "not found"
// (NotFoundError) apart from failure (TransportError). HttpFetcher speaks HTTPS (with the
// pinned CA and the vehicle's client certificate) or HTTP to `uptane serve`; MemoryFetcher
// (memory-fetcher.ts) serves tests from memory.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { NotFoundError, OversizedResponseError, TransportError } from "./errors.ts";

export interface FetchRequest {
  /** The body is cut off after this many bytes: at most maxBytes are yielded, then OversizedResponseError. */
  maxBytes: number;
  /** Aborts the request; the body's iteration then throws the signal's reason. */
  signal?: AbortSignal;
}

export interface Fetcher {
  /** GET `path` (absolute, e.g. "/image/timestamp.json"). Resolves once the server answered 2xx. */
  get(path: string, request: FetchRequest): Promise<AsyncIterable<Uint8Array>>;
  /** POST `body` (JSON) to `path`; the answer's body as for get. */
  post(path: string, body: Uint8Array, request: FetchRequest): Promise<AsyncIterable<Uint8Array>>;
}

/** Yields `source` up to `maxBytes` bytes in total; throws OversizedResponseError if it had more. */
export async function* capChunks(path: string, source: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    const room = maxBytes - total;
    if (chunk.length > room) {
      if (room > 0) yield chunk.subarray(0, room);
      throw new OversizedResponseError(path, maxBytes);
    }
    total += chunk.length;
    yield chunk;
  }
}

/** The whole body; `oversized` when it was cut off at its cap (the bytes are then the first maxBytes). */
export async function collect(body: AsyncIterable<Uint8Array>): Promise<{ bytes: Uint8Array; oversized: boolean }> {
  const parts: Uint8Array[] = [];
  let oversized = false;
  try {
    for await (const chunk of body) parts.push(chunk);
  } catch (e) {
    if (!(e instanceof OversizedResponseError)) throw e;
    oversized = true;
  }
  return { bytes: concat(parts), oversized };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Longest error body quoted in a TransportError. */
const ERROR_DETAIL_BYTES = 1024;

/**
 * TLS for an https:// base URL: `ca` is the pinned CA that must have issued the server's
 * certificate (the system's CAs are then not used); `cert` and `key` are the vehicle's
 * client certificate and its private key (PEM) that `uptane vehicle add` issued.
 */
export interface TlsClientOptions {
  ca?: string | Uint8Array;
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
}

/** Fetches from one base URL (`uptane serve` prints it) over HTTPS (or HTTP), one kept-alive connection pool per fetcher. */
export class HttpFetcher implements Fetcher {
  readonly baseUrl: string;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly https: boolean;

  constructor(baseUrl: string, options: { tls?: TlsClientOptions } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.https = this.baseUrl.startsWith("https://");
    if (!this.https && !this.baseUrl.startsWith("http://")) throw new TypeError(`not an http:// or https:// URL: ${baseUrl}`);
    if (!this.https && options.tls) throw new TypeError(`TLS options given for a plain http:// URL: ${baseUrl}`);
    const tls = options.tls ?? {};
    this.agent = this.https ? new HttpsAgent({ keepAlive: true, ca: pem(tls.ca), cert: pem(tls.cert), key: pem(tls.key) }) : new HttpAgent({ keepAlive: true });
  }

  get(path: string, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    return this.send("GET", path, undefined, request);
  }

  post(path: string, body: Uint8Array, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    return this.send("POST", path, body, request);
  }

  /** Closes the idle kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private async send(method: string, path: string, body: Uint8Array | undefined, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    if (!path.startsWith("/")) throw new TypeError(`fetch path must start with "/": ${path}`);
    let response: IncomingMessage;
    try {
      response = await new Promise<IncomingMessage>((resolve, reject) => {
        const headers: Record<string, string | number> = body ? { "content-type": "application/json", "content-length": body.length } : {};
        const req = (this.https ? httpsRequest : httpRequest)(this.baseUrl + path, { method, headers, agent: this.agent, signal: request.signal }, resolve);
        req.on("error", reject);
        req.end(body ? Buffer.from(body.buffer, body.byteOffset, body.length) : undefined);
      });
    } catch (e) {
      throw transportFailure(method, path, e, request.signal);
    }
    const status = response.statusCode ?? 0;
    if (status === 404) {
      response.destroy();
      throw new NotFoundError(path);
    }
    if (status >= 300 && status < 400) {
      response.destroy();
      throw new TransportError(`${method} ${path}: HTTP ${status}: redirects are refused (the layout has none)`, status);
    }
    if (status < 200 || status >= 300) {
      const detail = await collect(capChunks(path, bodyChunks(response, method, path, request.signal), ERROR_DETAIL_BYTES)).catch(() => ({ bytes: new Uint8Array() }));
      throw new TransportError(`${method} ${path}: HTTP ${status} ${Buffer.from(detail.bytes).toString("utf8")}`.trim(), status);
    }
    return capChunks(path, bodyChunks(response, method, path, request.signal), request.maxBytes);
  }
}

function pem(v: string | Uint8Array | undefined): string | undefined {
  return v === undefined ? undefined : typeof v === "string" ? v : Buffer.from(v).toString("utf8");
}

async function* bodyChunks(response: IncomingMessage, method: string, path: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of response) yield chunk as Buffer;
  } catch (e) {
    throw transportFailure(method, path, e, signal);
  } finally {
    // Stops the download when the caller leaves early (cap reached, abort, error).
    if (!response.complete) response.destroy();
  }
}

function transportFailure(method: string, path: string, e: unknown, signal?: AbortSignal): Error {
  if (signal?.aborted && signal.reason instanceof Error) return signal.reason;
  const why = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
  const code = (e as NodeJS.ErrnoException)?.code;
  return new TransportError(`${method} ${path}: ${why}${code && !why.includes(code) ? ` (${code})` : ""}`);
}
