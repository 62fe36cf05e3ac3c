// The OTA Connect dialect's HTTP surface, mounted under `/aktualizr/` (README "Serving
// aktualizr"). aktualizr's `[tls] server` is `https://HOST:PORT/aktualizr`; its Director is
// `/aktualizr/director`, its Image repository `/aktualizr/repo`. The device is the VIN of
// its client certificate (no VIN in any path), and only vehicles of profile `aktualizr`:
//   POST /aktualizr/director/ecus          ECU registration, once
//   PUT  /aktualizr/director/manifest      its vehicle manifest (manifest.ts)
//   GET  /aktualizr/director/N.root.json | targets.json                         (director-view.ts)
//   GET  /aktualizr/repo/N.root.json | timestamp.json | snapshot.json | targets.json | targets/NAME
//   PUT  /aktualizr/system_info, system_info/network, core/installed; POST system_info/config, events
//                                          telemetry, size-capped, the latest of each kept
//   POST /aktualizr/devices                shared-credential provisioning, with a fleet
//                                          credential's certificate (provisioning.ts)
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { serveStaticFile, type RouteRequest } from "../http/server.ts";
import type { Client } from "../http/client.ts";
import { readBody, sendError, sendFile, sendJson } from "../http/request-body.ts";
import type { Director } from "../director/director.ts";
import { requireInService } from "../director/vehicle-lifecycle.ts";
import { Refused } from "../director/errors.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../model/json-depth.ts";
import { MAX_REGISTRATION_BYTES, parseRegistration } from "./registration.ts";
import { checkDialectManifest, parseDialectManifest } from "./manifest.ts";
import { MAX_MANIFEST_BYTES } from "../../model/manifest-format.ts";
import { canonicalBytes } from "../../model/canonical-json.ts";
import { isoTime } from "../../model/iso-time.ts";
import type { TelemetryKind } from "../inventory/inventory.ts";
import { repositoryDir, targetFileRelative } from "../image/layout.ts";
import type { ServedImageChain } from "../image/served-chain.ts";
import { isValidTargetName } from "../image/names.ts";
import type { DirectorView } from "./director-view.ts";
import { dialectSignatures } from "./dialect-signatures.ts";
import { imageDialectFile } from "./image-view.ts";
import { provisionDevice } from "./provisioning.ts";

/** Telemetry documents are kept whole up to this size; larger ones are refused (413). */
export const MAX_TELEMETRY_BYTES = 64 * 1024;

const TELEMETRY: Record<string, { method: string; kind: TelemetryKind }> = {
  system_info: { method: "PUT", kind: "system_info" },
  "system_info/network": { method: "PUT", kind: "network" },
  "system_info/config": { method: "POST", kind: "config" },
  "core/installed": { method: "PUT", kind: "installed" },
  events: { method: "POST", kind: "events" },
};

const ROOT_FILE = /^([1-9]\d{0,8})\.root\.json$/;

/** The VIN of an aktualizr device: a vehicle certificate over TLS, of a vehicle of profile `aktualizr`. */
function deviceOf(client: Client, director: Director): string {
  if (!client.tls) throw new Refused(401, "unauthenticated", "the aktualizr dialect identifies a device by its client certificate: it is served over HTTPS only");
  if (client.vin === null) throw new Refused(401, "unauthenticated", client.refusal);
  if (director.inventory.clientProfile(client.vin) !== "aktualizr") throw new Refused(403, "wrong-profile", `vehicle ${client.vin} is registered for the uptane client, not aktualizr`);
  requireInService(director.inventory, client.vin);
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

/** Our Image root `N.root.json`, its signatures re-encoded (the signed bytes are the same). */
async function imageRoot(dir: string, file: string): Promise<Buffer | null> {
  const bytes = await readFile(join(repositoryDir(dir), file)).catch(() => null);
  if (!bytes) return null;
  const doc = JSON.parse(bytes.toString("utf8")) as { signed: unknown; signatures: Array<{ keyid: string; sig: string }> };
  return canonicalBytes({ signatures: dialectSignatures(doc.signatures), signed: doc.signed });
}

/** Where the image of target `name` is stored (by its SHA-256), if the dialect's Image targets sign it. */
async function imageFile(dir: string, name: string): Promise<string[] | null> {
  if (!isValidTargetName(name)) return null;
  const bytes = await imageDialectFile(dir, "targets.json");
  if (!bytes) return null;
  const targets = (JSON.parse(bytes.toString("utf8")) as { signed: { targets: Record<string, { hashes: { sha256?: string } }> } }).signed.targets;
  const sha256 = Object.hasOwn(targets, name) ? targets[name]!.hashes.sha256 : undefined;
  return sha256 ? targetFileRelative(name, sha256).split("/") : null;
}

function only(method: string, allowed: string): void {
  if (method !== allowed) throw new Refused(405, "method-not-allowed", `use ${allowed} here`);
}

export interface DialectSources {
  director: Director;
  view: DirectorView;
  /** The backend folder (the Image repository and its dialect view). */
  dir: string;
  /** The Image repository's chain check, shared with `/image/`: nothing is served while it fails. */
  chain: ServedImageChain;
  clock: () => Date;
}

export function aktualizrRoutes(sources: DialectSources, log: (line: string) => void = () => {}) {
  const { director, view, dir, chain, clock } = sources;
  return async (request: RouteRequest): Promise<void> => {
    const { method, segments, req, res, client } = request;
    try {
      const path = segments.join("/");
      if (path === "devices") {
        only(method, "POST");
        if (!client.tls) throw new Refused(401, "unauthenticated", "provisioning is served over HTTPS only");
        const provisioned = await provisionDevice(dir, director, client.certificateSerial, parseJson(await readBody(req, MAX_REGISTRATION_BYTES)));
        log(`aktualizr ${provisioned.vin} provisioned with fleet credential '${provisioned.fleet}'`);
        res.writeHead(200, { "content-type": "application/x-pkcs12", "content-length": provisioned.p12.length });
        res.end(provisioned.p12);
        return;
      }
      const vin = deviceOf(client, director);
      const telemetry = TELEMETRY[path];
      if (telemetry) {
        only(method, telemetry.method);
        const body = await readBody(req, MAX_TELEMETRY_BYTES);
        // aktualizr sends its configuration as TOML text, everything else as JSON.
        if (telemetry.kind !== "config") parseJson(body);
        else if (body.includes(0)) throw new Refused(400, "invalid-request", "the configuration is text");
        director.inventory.putTelemetry(vin, telemetry.kind, isoTime(clock()), body.toString("utf8"));
        sendJson(res, 200, { ok: true });
        return;
      }
      if (path === "director/ecus") {
        only(method, "POST");
        const ecus = parseRegistration(parseJson(await readBody(req, MAX_REGISTRATION_BYTES)));
        const outcome = director.registerEcus(vin, ecus);
        if (outcome === "registered") log(`aktualizr ${vin} registered ECUs ${ecus.map((e) => e.serial).join(", ")}`);
        sendJson(res, outcome === "registered" ? 201 : 200, { ok: true, vin, ecus: ecus.map((e) => e.serial) });
        return;
      }
      if (path === "director/manifest") {
        only(method, "PUT");
        const body = await readBody(req, MAX_MANIFEST_BYTES);
        const doc = parseDialectManifest(parseJson(body));
        sendJson(res, 200, director.receiveCheckedManifest(vin, body, (inventory) => checkDialectManifest(doc, vin, inventory, clock())));
        return;
      }
      if (segments[0] === "director" && segments.length === 2) {
        only(method, "GET");
        const root = ROOT_FILE.exec(segments[1]!);
        if (root) return sendFile(res, view.root(Number(root[1])), `director/${segments[1]}`);
        if (segments[1] === "targets.json") return sendFile(res, view.targets(vin), "director/targets.json");
      }
      if (segments[0] === "repo" && segments.length >= 2) {
        only(method, "GET");
        await chain.require();
        const file = segments[1]!;
        const root = ROOT_FILE.exec(file);
        if (segments.length === 2 && root) return sendFile(res, await imageRoot(dir, file), `repo/${file}`);
        if (segments.length === 2 && ["timestamp.json", "snapshot.json", "targets.json"].includes(file)) {
          return sendFile(res, await imageDialectFile(dir, file as "timestamp.json"), `repo/${file} (the dialect's view appears when Image targets are next signed)`);
        }
        if (file === "targets" && segments.length > 2) {
          const name = segments.slice(2).join("/");
          const stored = await imageFile(dir, name);
          if (!stored) throw new Refused(404, "not-found", `the Image repository signs no target ${name.slice(0, 200)}`);
          await chain.requireImage(stored);
          return serveStaticFile({ ...request, segments: stored }, repositoryDir(dir));
        }
      }
      throw new Refused(404, "not-found", `no aktualizr resource at /aktualizr/${path.slice(0, 200)}`);
    } catch (e) {
      if (e instanceof Refused && e.status === 409) log(`ALERT ${e.message}`);
      // aktualizr reads a refusal's `code` (device_already_registered makes it say the VIN is taken).
      if (e instanceof Refused && !res.headersSent && !res.destroyed) return sendJson(res, e.status, { ...e.toJSON(), code: e.code }, e.status === 413);
      sendError(res, e, log);
    }
  };
}
