// The OTA Connect dialect's HTTP surface, mounted under `/aktualizr/` (README "Serving
// aktualizr"). aktualizr's `[tls] server` is `https://HOST:PORT/aktualizr`; its Director is
// `/aktualizr/director`, its Image repository `/aktualizr/repo`. The device is the VIN of
// its client certificate (no VIN in any path), and only vehicles of profile `aktualizr`:
//   POST /aktualizr/director/ecus          ECU registration, once
import type { RouteRequest } from "../http/server.ts";
import type { Client } from "../http/client.ts";
import { readBody, sendError, sendJson } from "../http/request-body.ts";
import type { Director } from "../director/director.ts";
import { Refused } from "../director/errors.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../model/json-depth.ts";
import { MAX_REGISTRATION_BYTES, parseRegistration } from "./registration.ts";

/** The VIN of an aktualizr device: a vehicle certificate over TLS, of a vehicle of profile `aktualizr`. */
function deviceOf(client: Client, director: Director): string {
  if (!client.tls) throw new Refused(401, "unauthenticated", "the aktualizr dialect identifies a device by its client certificate: it is served over HTTPS only");
  if (client.vin === null) throw new Refused(401, "unauthenticated", client.refusal);
  if (director.inventory.clientProfile(client.vin) !== "aktualizr") throw new Refused(403, "wrong-profile", `vehicle ${client.vin} is registered for the uptane client, not aktualizr`);
  return client.vin;
}

export function parseJson(body: Buffer): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new Refused(400, "invalid-json", `body is not JSON: ${(e as Error).message}`);
  }
  if (nestsDeeperThan(doc)) throw new Refused(400, "too-deeply-nested", `body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`);
  return doc;
}

function only(method: string, allowed: string): void {
  if (method !== allowed) throw new Refused(405, "method-not-allowed", `use ${allowed} here`);
}

export function aktualizrRoutes(director: Director, log: (line: string) => void = () => {}) {
  return async ({ method, segments, req, res, client }: RouteRequest): Promise<void> => {
    try {
      const vin = deviceOf(client, director);
      const path = segments.join("/");
      if (path === "director/ecus") {
        only(method, "POST");
        const ecus = parseRegistration(parseJson(await readBody(req, MAX_REGISTRATION_BYTES)));
        const outcome = director.registerEcus(vin, ecus);
        if (outcome === "registered") log(`aktualizr ${vin} registered ECUs ${ecus.map((e) => e.serial).join(", ")}`);
        sendJson(res, outcome === "registered" ? 201 : 200, { ok: true, vin, ecus: ecus.map((e) => e.serial) });
        return;
      }
      throw new Refused(404, "not-found", `no aktualizr resource at /aktualizr/${path.slice(0, 200)}`);
    } catch (e) {
      if (e instanceof Refused && e.status === 409) log(`ALERT ${e.message}`);
      sendError(res, e, log);
    }
  };
}
