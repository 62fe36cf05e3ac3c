// Progress of a vehicle's transfers: image downloads over HTTP and image transfers over
// CAN. The vehicle emits events; `ProgressBars` draws them on a terminal (stderr, only
// when it is a TTY, so piped and --json output stay clean).
import type { Fetcher, FetchRequest } from "../../host/primary/fetcher.ts";

export interface ProgressEvent {
  /** download and bus: a vehicle's transfers; hash and check: `uptane image add` reading an image and checking its stored copy. */
  kind: "download" | "bus" | "hash" | "check";
  /** What moves: the image path, or "SERIAL: NAME" on the bus. */
  label: string;
  done: number;
  total: number;
}

export type ProgressListener = (event: ProgressEvent) => void;

/** A Fetcher that reports the bytes of image downloads (`/image/targets/...`) as they arrive. */
export class ProgressFetcher implements Fetcher {
  constructor(
    private readonly inner: Fetcher,
    private readonly listener: ProgressListener,
  ) {}

  async get(path: string, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    const body = await this.inner.get(path, request);
    if (!path.startsWith("/image/targets/")) return body;
    const listener = this.listener;
    // The cap is length + 1 (the Primary reads one byte past an image to catch endless data).
    const total = Math.max(0, request.maxBytes - 1);
    const label = decodeURIComponent(path.slice(path.lastIndexOf("/") + 1).replace(/^[0-9a-f]{64}\./, ""));
    return (async function* () {
      let done = 0;
      for await (const chunk of body) {
        done += chunk.length;
        listener({ kind: "download", label, done, total });
        yield chunk;
      }
    })();
  }

  post(path: string, body: Uint8Array, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    return this.inner.post(path, body, request);
  }
}

const WIDTH = 28;

/** Draws one bar per transfer on `stream`, redrawn in place; a finished bar stays. */
export class ProgressBars {
  private current: string | null = null;
  private lastDraw = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  /** True when bars can be drawn (the stream is a terminal). */
  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  readonly listener: ProgressListener = (e) => {
    if (!this.enabled) return;
    const key = `${e.kind}:${e.label}`;
    const finished = e.total > 0 && e.done >= e.total;
    const now = Date.now();
    if (key === this.current && !finished && now - this.lastDraw < 50) return;
    if (this.current !== null && key !== this.current) this.stream.write("\n");
    this.current = key;
    this.lastDraw = now;
    const fraction = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
    const filled = Math.round(fraction * WIDTH);
    const what = { download: "download", bus: "CAN     ", hash: "hashing ", check: "checking" }[e.kind];
    this.stream.write(`\r  ${what} [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${e.label} (${e.done}/${e.total} B)`);
    if (finished) {
      this.stream.write("\n");
      this.current = null;
    }
  };

  /** Ends an unfinished bar's line. */
  end(): void {
    if (this.current !== null && this.enabled) this.stream.write("\n");
    this.current = null;
  }
}
