// The Primary's typed errors. Attacks and broken repositories are VerificationError
// (model/outcome.ts, an outcome name from the verifier); everything here is about moving
// bytes: the network or the server failed, and nothing untrusted was accepted.

/** The network or a server failed (connection refused, 5xx, reset, a refused request). */
export class TransportError extends Error {
  /** HTTP status when the server answered, else undefined. */
  readonly status?: number;
  constructor(message: string, status?: number) {
    super(message);
    this.name = "TransportError";
    this.status = status;
  }
}

/** The server answered that the file does not exist (HTTP 404): a definite answer, not a failure. */
export class NotFoundError extends Error {
  readonly path: string;
  constructor(path: string) {
    super(`not found: ${path}`);
    this.name = "NotFoundError";
    this.path = path;
  }
}

/** A response carried more bytes than the cap the caller set (endless data). */
export class OversizedResponseError extends Error {
  readonly path: string;
  readonly maxBytes: number;
  constructor(path: string, maxBytes: number) {
    super(`${path}: response longer than its cap of ${maxBytes} bytes; cut off`);
    this.name = "OversizedResponseError";
    this.path = path;
    this.maxBytes = maxBytes;
  }
}

/** A download stalled or ran below the minimum rate (Uptane's slow retrieval attack); aborted. */
export class SlowRetrievalError extends TransportError {
  readonly path: string;
  readonly bytesReceived: number;
  constructor(path: string, bytesReceived: number, why: string) {
    super(`${path}: download aborted after ${bytesReceived} bytes: ${why}`);
    this.name = "SlowRetrievalError";
    this.path = path;
    this.bytesReceived = bytesReceived;
  }
}
