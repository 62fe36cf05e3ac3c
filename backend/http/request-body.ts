// Reading request bodies with a hard cap, and JSON answers. A body over the cap is
// refused (413) without reading past the cap: the declared Content-Length is checked
// first, and a streamed body is abandoned as soon as it crosses the cap.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Refused } from "../director/errors.ts";

/** The client went away before its body was complete: nothing to answer, nothing to log but the request line. */
export class ClientGone extends Error {}

export function readBody(req: IncomingMessage, cap: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > cap) return Promise.reject(new Refused(413, "body-too-large", `body of ${declared} bytes is over the ${cap}-byte cap`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > cap) {
        done = true;
        req.pause();
        reject(new Refused(413, "body-too-large", `body is over the ${cap}-byte cap`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks));
    });
    const gone = () => {
      if (done) return;
      done = true;
      reject(new ClientGone("the client closed the connection before the body was complete"));
    };
    req.on("error", gone); // "aborted", ECONNRESET: the client's doing, not the server's
    req.on("close", gone); // closed without "end": the body never completed
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, closeConnection = false): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = { "content-type": "application/json", "content-length": Buffer.byteLength(text) };
  if (closeConnection) headers.connection = "close";
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * Sends a Refused as its JSON error; anything else is a 500 without internals, logged as
 * one line. A client that went away gets nothing (its request log line says "aborted").
 */
export function sendError(res: ServerResponse, e: unknown, log: (line: string) => void = () => {}): void {
  if (e instanceof ClientGone || res.destroyed) {
    res.destroy();
    return;
  }
  if (e instanceof Refused) {
    // After a cut-off body the connection cannot carry another request.
    sendJson(res, e.status, e.toJSON(), e.status === 413);
    return;
  }
  log(`ERROR internal error: ${(e instanceof Error ? e.message : String(e)).replace(/[^\x20-\x7e]/g, "?").slice(0, 300)}`);
  sendJson(res, 500, { ok: false, error: "internal-error", detail: "the server failed; see its log" });
}

export function sendFile(res: ServerResponse, bytes: Buffer | null, what: string): void {
  if (!bytes) {
    sendJson(res, 404, { ok: false, error: "not-found", detail: `${what} does not exist` });
    return;
  }
  res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
  res.end(bytes);
}
