// The time server's HTTP surface, mounted under `/time/`:
//   POST /time/attestation  {"nonces":[STRING,...]}  ->  signed {nonces, time}
import type { RouteRequest } from "../http/server.ts";
import type { SigningKey } from "../../model/keys.ts";
import { readBody, sendError } from "../http/request-body.ts";
import { Refused } from "../director/errors.ts";
import { MAX_TIME_REQUEST_BYTES, parseTimeRequest, signTimeAttestation } from "./attestation.ts";

/** The handler mounted at `/time/`; `keys` gives the keys that sign (DirectorKeyring.timeServerSigners). */
export function timeServerRoutes(keys: () => SigningKey[], clock: () => Date = () => new Date()) {
  return async ({ method, segments, req, res }: RouteRequest): Promise<void> => {
    try {
      if (segments.join("/") !== "attestation") throw new Refused(404, "not-found", `no time server resource at /time/${segments.join("/")}`);
      if (method !== "POST") throw new Refused(405, "method-not-allowed", "POST {\"nonces\":[...]} here");
      const nonces = parseTimeRequest(await readBody(req, MAX_TIME_REQUEST_BYTES));
      const bytes = Buffer.from(signTimeAttestation(nonces, clock(), keys()), "utf8");
      res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
      res.end(bytes);
    } catch (e) {
      sendError(res, e);
    }
  };
}
