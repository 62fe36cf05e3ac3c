// The Director's HTTP surface, mounted under `/director/`:
//   GET  /director/vehicles/VIN/N.root.json | timestamp.json | N.snapshot.json | N.targets.json
//        | offline-update-snapshot.json (PURE-2: the fleet's current Offline-update Snapshot)
//   GET  /director/vehicles/VIN/images/NAME             an image encrypted for one of its ECUs
//        (NAME: the Director target's name, PLAINTEXT.SERIALHASH.enc; README "Per-ECU image encryption")
//   POST /director/vehicles/VIN/manifest                 (vehicle version manifest)
//   POST /director/api/vehicles     {vin, ecus:[{serial, hardwareId, publicKey, primary, encryptionKey?}], tlsPublicKey?}   (token)
// A vehicle (its client certificate) reads and posts under its own VIN only; the API takes
// its token over TLS only (README "Backend: TLS and who may read what").
//   POST /director/api/assignments  {vin, ecuSerial, target, with?:[{ecuSerial, target}]}  (token)
//   /director/api/rules, /campaigns/ID..., /vehicles..., /alerts...: fleet-routes.ts          (token)
//   POST /director/api/campaigns    {hardwareId, target, vins?, maxFailures? | maxFailurePercent?}  (token)
//   /director/workshop/...          a workshop's vehicle changes (its account's password; workshop-routes.ts)
//   POST /director/api/submissions/ID/approve         {expectSha256}                        (token)
//   POST /director/api/submissions/ID/reject          {reason?}                             (token)
//   /director/api/users...                            the console's users (backend/console/users-api.ts)   (token)
// The last three are the OEM console's review of supplier submissions (README "Backend: OEM console").
import type { RouteRequest } from "../http/server.ts";
import { requireApiToken } from "../http/api-token.ts";
import { requireTls, requireVehicle } from "../http/client.ts";
import { issueVehicleCertificate } from "../tls/vehicle-certificates.ts";
import { checkTlsPublicKey } from "../tls/x509.ts";
import { readBody, sendError, sendFile, sendJson } from "../http/request-body.ts";
import { StateMismatch, type Director, type EcuRegistration } from "./director.ts";
import { Refused } from "./errors.ts";
import { isVin } from "../../model/identifiers.ts";
import { MAX_MANIFEST_BYTES } from "../../model/manifest-format.ts";
import { ManifestBatcher } from "./manifest-batcher.ts";
import { OFFLINE_SNAPSHOT_FILE, offlineSnapshotBytes } from "./offline-update.ts";
import { optionalInt, parseJsonObject, stringField, stringList } from "./api-fields.ts";
import { fleetRoutes, isFleetResource } from "./fleet-routes.ts";
import { requireInService } from "./vehicle-lifecycle.ts";
import { workshopRequest } from "./workshop-routes.ts";
import type { PasswordAuthenticator } from "../supplier-portal/authenticate.ts";
import { approveSubmission, rejectSubmission, SubmissionError } from "../supplier-portal/submissions.ts";
import { BundleError } from "../image/bundle.ts";
import type { PasswordLogin } from "../auth/password-login.ts";
import { consoleUserRoutes, isUsersResource } from "../console/users-api.ts";

const MAX_API_BODY_BYTES = 256 * 1024;

/** The handler mounted at `/director/` (segments below it, already decoded and checked by the router). */
export function directorRoutes(director: Director, apiToken: string, log: (line: string) => void = () => {}, dir?: string, workshop?: PasswordAuthenticator, consoleLogin?: PasswordLogin) {
  const manifests = new ManifestBatcher(director);
  return async ({ method, segments: parts, query, req, res, client }: RouteRequest): Promise<void> => {
    try {
      if (parts[0] === "workshop") {
        await workshopRequest(director, workshop, { method, parts, req, res, client, log });
        return;
      }
      // parts: ["vehicles", VIN, FILE] or ["api", WHAT]
      if (parts[0] === "vehicles") requireVehicle(client);
      if (parts[0] === "vehicles" && parts.length >= 4 && parts[2] === "images" && isVin(parts[1])) {
        const vin = parts[1]!;
        requireVehicle(client, vin);
        if (method !== "GET" && method !== "HEAD") throw new Refused(405, "method-not-allowed", "images are read with GET");
        requireInService(director.inventory, vin);
        const name = parts.slice(3).join("/");
        const bytes = director.encryptedImage(vin, name);
        if (!bytes) throw new Refused(404, "not-found", `vehicle ${vin} is assigned no encrypted image ${name.slice(0, 300)} (or it was installed and removed)`);
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length });
        res.end(method === "HEAD" ? undefined : bytes);
        return;
      }
      if (parts[0] === "vehicles" && parts.length === 3 && isVin(parts[1])) {
        const [, vin, file] = parts as [string, string, string];
        requireVehicle(client, vin);
        if (file === "manifest") {
          if (method !== "POST") throw new Refused(405, "method-not-allowed", "POST a vehicle version manifest here");
          const body = await readBody(req, MAX_MANIFEST_BYTES);
          const result = await manifests.submit(vin, body);
          if (result instanceof Refused) throw result;
          pendingWarning(result, log);
          sendJson(res, 200, result);
          return;
        }
        if (method !== "GET" && method !== "HEAD") throw new Refused(405, "method-not-allowed", "metadata is read with GET");
        // A decommissioned vehicle's metadata is no longer served (README "Backend: vehicle lifecycle").
        requireInService(director.inventory, vin);
        // Strict version syntax (no leading zero): one file, one name.
        const root = /^([1-9]\d{0,8})\.root\.json$/.exec(file);
        // PURE-2: a vehicle that updates online takes the latest Offline-update Snapshot in its cycle
        if (file === OFFLINE_SNAPSHOT_FILE) {
          sendFile(res, offlineSnapshotBytes(director.dir), `${vin}/${file}`);
          return;
        }
        sendFile(res, root ? director.rootFile(Number(root[1])) : director.vehicleFile(vin, file), `${vin}/${file}`);
        return;
      }
      if (parts[0] === "api" && parts.length === 4 && parts[1] === "submissions" && dir && (parts[3] === "approve" || parts[3] === "reject")) {
        if (method !== "POST") throw new Refused(405, "method-not-allowed", "the API takes POST");
        requireTls(client, "the write API's token");
        requireApiToken(req, apiToken);
        if (!/^[1-9]\d{0,15}$/.test(parts[2]!) || !Number.isSafeInteger(Number(parts[2]))) throw new Refused(404, "unknown-submission", `no submission ${parts[2]!.slice(0, 24)}`);
        const id = Number(parts[2]);
        const body = parseJsonObject(await readBody(req, MAX_API_BODY_BYTES));
        if (parts[3] === "approve") {
          const { submission, imported } = await approveSubmission(dir, id, stringField(body, "expectSha256"));
          log(`API approved supplier submission ${id}: snapshot version ${imported.snapshotVersion}`);
          sendJson(res, 200, { ok: true, submission, snapshotVersion: imported.snapshotVersion });
        } else {
          const reason = body.reason === undefined ? "rejected through the API" : stringField(body, "reason").slice(0, 500);
          sendJson(res, 200, { ok: true, submission: await rejectSubmission(dir, id, reason) });
        }
        return;
      }
      if (parts[0] === "api" && isUsersResource(parts.slice(1)) && dir && consoleLogin) {
        requireTls(client, "the API's token");
        requireApiToken(req, apiToken);
        await consoleUserRoutes(dir, consoleLogin, { method, segments: parts.slice(1), req, res, log });
        return;
      }
      if (parts[0] === "api" && isFleetResource(parts.slice(1), method)) {
        requireTls(client, "the API's token");
        requireApiToken(req, apiToken);
        await fleetRoutes(director, { method, segments: parts.slice(1), query, req, res });
        return;
      }
      if (parts[0] === "api" && parts.length === 2) {
        if (method !== "POST") throw new Refused(405, "method-not-allowed", "the API takes POST");
        requireTls(client, "the write API's token");
        requireApiToken(req, apiToken);
        const body = parseJsonObject(await readBody(req, MAX_API_BODY_BYTES));
        if (parts[1] === "vehicles") {
          const vin = stringField(body, "vin");
          const tlsPublicKey = body.tlsPublicKey === undefined ? undefined : stringField(body, "tlsPublicKey");
          if (tlsPublicKey !== undefined && !dir) throw new Refused(400, "invalid-request", "this server issues no certificates");
          if (tlsPublicKey !== undefined) {
            try {
              checkTlsPublicKey(tlsPublicKey);
            } catch (e) {
              throw new Refused(400, "invalid-tls-key", `tlsPublicKey: ${(e as Error).message}`);
            }
          }
          const publication = pendingWarning(director.addVehicle(vin, ecuList(body.ecus)), log);
          // The vehicle's client certificate, for the TLS key it sent (its private key never leaves the vehicle).
          const certificate = tlsPublicKey === undefined ? undefined : await issueVehicleCertificate(dir!, director.inventory, vin, tlsPublicKey).catch((e: Error) => {
            throw new Refused(400, "invalid-tls-key", `${vin} is registered but no certificate was issued: ${e.message}`);
          });
          sendJson(res, 201, { ok: true, vin, ...publication, ...(certificate ? { tlsCertificate: certificate.certPem, tlsCertificateSerial: certificate.serial } : {}) });
          return;
        }
        if (parts[1] === "assignments") {
          const also = body.with === undefined ? undefined : withList(body.with);
          sendJson(res, 201, { ok: true, ...pendingWarning(await director.assign(stringField(body, "vin"), stringField(body, "ecuSerial"), stringField(body, "target"), { with: also }), log) });
          return;
        }
        if (parts[1] === "campaigns") {
          const vins = body.vins === undefined ? undefined : stringList(body.vins, "vins");
          const threshold = { maxFailures: optionalInt(body, "maxFailures"), maxFailurePercent: optionalInt(body, "maxFailurePercent") };
          sendJson(res, 201, { ok: true, ...pendingWarning(await director.campaign(stringField(body, "hardwareId"), stringField(body, "target"), vins, threshold), log) });
          return;
        }
      }
      throw new Refused(404, "not-found", `no Director resource at /director/${parts.join("/")}`);
    } catch (e) {
      if (e instanceof StateMismatch) log(`ALERT ${e.message}`);
      sendError(res, apiRefusal(e), log);
    }
  };
}

/** The console's operations refuse with their own errors; the API answers them with their codes. */
function apiRefusal(e: unknown): unknown {
  if (e instanceof SubmissionError) return new Refused(e.code.startsWith("unknown-") ? 404 : e.code === "invalid-sha256" ? 400 : 409, e.code, e.message);
  if (e instanceof BundleError) return new Refused(422, "bundle-refused", e.message);
  return e;
}

/** A change committed whose files are not written yet: the answer says so (2xx: it is done), the log warns. */
function pendingWarning<T extends { publication?: string; publicationDetail?: string }>(result: T, log: (line: string) => void): T {
  if (result.publication === "pending") log(`WARNING ${result.publicationDetail}`);
  return result;
}

/** The `ecus` of a registration body (exported for the encryption key checks' test). */
export function ecuList(v: unknown): EcuRegistration[] {
  if (!Array.isArray(v)) throw new Refused(400, "invalid-request", "ecus must be an array");
  return v.map((e) => {
    if (typeof e !== "object" || e === null) throw new Refused(400, "invalid-request", "each ECU must be an object");
    const o = e as Record<string, unknown>;
    // A shared (symmetric) encryption key is registered from a file on the backend's host
    // only (`uptane vehicle add --shared-encryption-key`), never sent over the network.
    if (o.sharedEncryptionKey !== undefined) throw new Refused(400, "shared-key-over-http", "a shared encryption key is registered with `uptane vehicle add --shared-encryption-key` on the backend's host, not over HTTP");
    const encryptionKey = o.encryptionKey === undefined ? undefined : stringField(o, "encryptionKey");
    if (encryptionKey !== undefined && !/^[0-9a-f]{64}$/.test(encryptionKey)) throw new Refused(400, "invalid-encryption-key", "encryptionKey must be the ECU's X25519 public key, 64 lower-case hex characters");
    return {
      serial: stringField(o, "serial"),
      hardwareId: stringField(o, "hardwareId"),
      publicKeyHex: stringField(o, "publicKey"),
      primary: o.primary === true,
      ...(encryptionKey === undefined ? {} : { encryptionKey: Buffer.from(encryptionKey, "hex") }),
    };
  });
}

/** `with`: further ECUs of the same vehicle and their targets, in the same bundle. */
function withList(v: unknown): Array<{ ecuSerial: string; target: string }> {
  if (!Array.isArray(v)) throw new Refused(400, "invalid-request", "with must be an array");
  return v.map((e) => {
    if (typeof e !== "object" || e === null) throw new Refused(400, "invalid-request", "each entry of with must be an object");
    const o = e as Record<string, unknown>;
    return { ecuSerial: stringField(o, "ecuSerial"), target: stringField(o, "target") };
  });
}
