// The Primary's one way to reach the backend (STYLE.md item 11): a Fetcher hands back a
// response body as chunks, never more than the caller's cap, and says "not found"
// (NotFoundError) apart from failure (TransportError). HttpFetcher speaks HTTP to
// `uptane serve`; MemoryFetcher (memory-fetcher.ts) serves tests from memory.
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

/** Fetches from one base URL (`uptane serve` prints it) with the platform's fetch. */
export class HttpFetcher implements Fetcher {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  get(path: string, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    return this.send("GET", path, undefined, request);
  }

  post(path: string, body: Uint8Array, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    return this.send("POST", path, body, request);
  }

  private async send(method: string, path: string, body: Uint8Array | undefined, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    if (!path.startsWith("/")) throw new TypeError(`fetch path must start with "/": ${path}`);
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        body: body ? new Uint8Array(body).buffer : undefined,
        headers: body ? { "content-type": "application/json" } : undefined,
        signal: request.signal,
        redirect: "error", // a redirect could lead anywhere; the layout has none
      });
    } catch (e) {
      throw transportFailure(method, path, e, request.signal);
    }
    if (response.status === 404) {
      await response.body?.cancel().catch(() => {});
      throw new NotFoundError(path);
    }
    if (!response.ok) {
      const detail = await collect(capChunks(path, bodyChunks(response, method, path, request.signal), ERROR_DETAIL_BYTES)).catch(() => ({ bytes: new Uint8Array() }));
      throw new TransportError(`${method} ${path}: HTTP ${response.status} ${Buffer.from(detail.bytes).toString("utf8")}`.trim(), response.status);
    }
    return capChunks(path, bodyChunks(response, method, path, request.signal), request.maxBytes);
  }
}

async function* bodyChunks(response: Response, method: string, path: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  if (!response.body) return;
  const reader = response.body.getReader();
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (e) {
        throw transportFailure(method, path, e, signal);
      }
      if (step.done) return;
      yield step.value;
    }
  } finally {
    // Stops the download when the caller leaves early (cap reached, abort, error).
    reader.cancel().catch(() => {});
  }
}

function transportFailure(method: string, path: string, e: unknown, signal?: AbortSignal): Error {
  if (signal?.aborted && signal.reason instanceof Error) return signal.reason;
  const why = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
  return new TransportError(`${method} ${path}: ${why}`);
}
