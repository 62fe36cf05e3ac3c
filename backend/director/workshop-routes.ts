// The workshop API, under `/director/workshop/` (README "Backend: vehicle lifecycle"): an
// authorised workshop records the changes it made to a vehicle with its own account's
// credentials (HTTP Basic, over TLS only, as the supplier portal's). Each change is recorded
// with `workshop:NAME` as who made it.
//   GET  /director/workshop/vehicles/VIN                   ECUs (held ones with why), history, newest alerts
//   POST /director/workshop/vehicles/VIN/replace-ecu       {serial, ecu: {serial, hardwareId, publicKey}}
//   POST /director/workshop/vehicles/VIN/replace-primary   {ecu: {serial, hardwareId, publicKey}}
//   POST /director/workshop/vehicles/VIN/add-ecu           {ecu: {serial, hardwareId, publicKey}}
//   POST /director/workshop/vehicles/VIN/remove-ecu        {serial}
//   POST /director/workshop/vehicles/VIN/decommission      {}
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Client } from "../http/client.ts";
import { readBody, sendJson } from "../http/request-body.ts";
import type { PasswordAuthenticator } from "../supplier-portal/authenticate.ts";
import type { Director } from "./director.ts";
import { Refused } from "./errors.ts";
import { VEHICLE_CHANGES, vehicleRecord, type FittedEcu, type VehicleChange } from "./vehicle-lifecycle.ts";
import { isVin } from "../../model/identifiers.ts";
import { parseJsonObject, stringField } from "./api-fields.ts";

const MAX_CHANGE_BYTES = 16 * 1024;

export async function workshopRequest(director: Director, auth: PasswordAuthenticator | undefined, r: { method: string; parts: string[]; req: IncomingMessage; res: ServerResponse; client: Client; log: (line: string) => void }): Promise<void> {
  if (!auth) throw new Refused(404, "not-found", "this server has no workshop API");
  const account = await auth.authenticate(r.req, r.client);
  const [, what, vin, action] = r.parts;
  if (what !== "vehicles" || vin === undefined || !isVin(vin) || r.parts.length > 4) throw new Refused(404, "not-found", `no workshop resource at /director/${r.parts.join("/")}`);
  if (action === undefined) {
    if (r.method !== "GET") throw new Refused(405, "method-not-allowed", "read a vehicle with GET; changes are POSTed to .../ACTION");
    sendJson(r.res, 200, { ok: true, ...vehicleRecord(director.inventory, vin) });
    return;
  }
  if (!(VEHICLE_CHANGES as readonly string[]).includes(action)) throw new Refused(404, "not-found", `no workshop change ${JSON.stringify(action)} (one of ${VEHICLE_CHANGES.join(", ")})`);
  if (r.method !== "POST") throw new Refused(405, "method-not-allowed", "a change is POSTed");
  const body = parseJsonObject(await readBody(r.req, MAX_CHANGE_BYTES));
  const change = changeOf(action as VehicleChange["action"], body);
  const result = director.recordVehicleChange(vin, change, `workshop:${account}`);
  r.log(`workshop ${account} recorded ${action} on ${vin}${result.change.ecuSerial ? ` (ECU ${result.change.ecuSerial})` : ""}`);
  if (result.publication === "pending") r.log(`WARNING ${result.publicationDetail}`);
  sendJson(r.res, 201, { ok: true, ...result });
}

function changeOf(action: VehicleChange["action"], body: Record<string, unknown>): VehicleChange {
  const ecu = (): FittedEcu => {
    const e = body.ecu;
    if (typeof e !== "object" || e === null || Array.isArray(e)) throw new Refused(400, "invalid-request", "ecu must be an object {serial, hardwareId, publicKey}");
    const o = e as Record<string, unknown>;
    return { serial: stringField(o, "serial"), hardwareId: stringField(o, "hardwareId"), publicKeyHex: stringField(o, "publicKey") };
  };
  switch (action) {
    case "replace-ecu":
      return { action, serial: stringField(body, "serial"), ecu: ecu() };
    case "replace-primary":
    case "add-ecu":
      return { action, ecu: ecu() };
    case "remove-ecu":
      return { action, serial: stringField(body, "serial") };
    case "decommission":
      return { action };
  }
}
