// Uptane's slow retrieval attack: a server (or a man in the middle) that drips bytes, or
// stops sending, holds an ECU on old software forever. Every download the Primary makes
// goes through this guard: it measures the rate over a sliding window and aborts the
// request when the window ends with fewer than minBytesPerSecond * window bytes.
import { SlowRetrievalError } from "./errors.ts";

export interface RetrievalPolicy {
  /** Below this rate over a whole window, the download is aborted. */
  minBytesPerSecond: number;
  /** Length of the measuring window; also how long a stall is tolerated. */
  windowMs: number;
}

export const DEFAULT_RETRIEVAL_POLICY: RetrievalPolicy = { minBytesPerSecond: 4096, windowMs: 10_000 };

export type Clock = () => number; // milliseconds, monotonic

/**
 * The body of the request `open` starts (a Fetcher call given the signal), aborted with
 * a SlowRetrievalError when it stalls or runs too slowly; the wait for the answer counts.
 */
export async function* guarded(
  path: string,
  open: (signal: AbortSignal) => Promise<AsyncIterable<Uint8Array>>,
  policy: RetrievalPolicy,
  clock: Clock = () => performance.now(),
): AsyncGenerator<Uint8Array> {
  const controller = new AbortController();
  let windowStart = clock();
  let windowBytes = 0;
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const judgeWindow = (): void => {
    const elapsed = clock() - windowStart;
    if (elapsed < policy.windowMs) return arm();
    const needed = (policy.minBytesPerSecond * elapsed) / 1000;
    if (windowBytes < needed) {
      const why =
        windowBytes === 0
          ? `stalled: nothing received for ${Math.round(elapsed)} ms`
          : `${Math.round((windowBytes * 1000) / elapsed)} bytes/s over ${Math.round(elapsed)} ms, below the minimum of ${policy.minBytesPerSecond}`;
      controller.abort(new SlowRetrievalError(path, total, why));
      return;
    }
    windowStart = clock();
    windowBytes = 0;
    arm();
  };
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(judgeWindow, Math.max(1, windowStart + policy.windowMs - clock()));
  };

  const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true }));
  aborted.catch(() => {});
  arm();
  try {
    const body = await Promise.race([open(controller.signal), aborted]);
    for await (const chunk of body) {
      total += chunk.length;
      windowBytes += chunk.length;
      if (clock() - windowStart >= policy.windowMs) judgeWindow();
      controller.signal.throwIfAborted();
      yield chunk;
    }
  } finally {
    clearTimeout(timer);
    if (!controller.signal.aborted) controller.abort(new Error("download finished"));
  }
}
