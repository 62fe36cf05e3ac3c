// A Fetcher over an in-memory table of files and handlers: tests serve a repository
// simulator through it, and break the transport on purpose (stalls, drips, endless data).
import { capChunks, type FetchRequest, type Fetcher } from "./fetcher.ts";
import { NotFoundError, TransportError } from "./errors.ts";

export interface MemoryRequest {
  method: "GET" | "POST";
  path: string;
  body?: Uint8Array;
}

export interface MemoryResponse {
  status: number;
  body?: Uint8Array | AsyncIterable<Uint8Array>;
}

export type MemoryHandler = (request: MemoryRequest) => MemoryResponse | Promise<MemoryResponse>;

export class MemoryFetcher implements Fetcher {
  private readonly files = new Map<string, Uint8Array>();
  private readonly handlers = new Map<string, MemoryHandler>();
  /** Every request seen, as "METHOD path", in order. */
  readonly log: string[] = [];

  /** Serves `bytes` at GET `path`. */
  setFile(path: string, bytes: Uint8Array): void {
    this.files.set(path, bytes);
  }

  removeFile(path: string): void {
    this.files.delete(path);
  }

  /** Answers `method path` with a handler (takes precedence over files). */
  handle(method: "GET" | "POST", path: string, handler: MemoryHandler): void {
    this.handlers.set(`${method} ${path}`, handler);
  }

  unhandle(method: "GET" | "POST", path: string): void {
    this.handlers.delete(`${method} ${path}`);
  }

  get(path: string, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    return this.answer({ method: "GET", path }, request);
  }

  post(path: string, body: Uint8Array, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    return this.answer({ method: "POST", path, body: body.slice() }, request);
  }

  private async answer(req: MemoryRequest, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    this.log.push(`${req.method} ${req.path}`);
    request.signal?.throwIfAborted();
    const handler = this.handlers.get(`${req.method} ${req.path}`);
    let response: MemoryResponse;
    if (handler) response = await handler(req);
    else if (req.method === "GET" && this.files.has(req.path)) response = { status: 200, body: this.files.get(req.path)!.slice() };
    else response = { status: 404 };
    if (response.status === 404) throw new NotFoundError(req.path);
    if (response.status < 200 || response.status > 299) throw new TransportError(`${req.method} ${req.path}: HTTP ${response.status}`, response.status);
    const body = response.body ?? new Uint8Array();
    const source = body instanceof Uint8Array ? oneChunk(body) : body;
    return capChunks(req.path, abortable(source, request.signal), request.maxBytes);
  }
}

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Iterates `source`, throwing the signal's reason as soon as it aborts, even mid-wait. */
async function* abortable(source: AsyncIterable<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    for (;;) {
      const step = await Promise.race([it.next(), aborted]);
      if (step.done) return;
      yield step.value;
    }
  } finally {
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    // Do not await: a stalled source never settles its pending next().
    void Promise.resolve(it.return?.()).catch(() => {});
  }
}
