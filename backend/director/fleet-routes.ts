// The Director API's fleet operations (README "Dependencies and conflicts"), under
// `/director/api/` with the API token, over TLS:
//   GET    rules[?image=NAME]       the rules, oldest first
//   POST   rules                    {image, requires | conflicts: NAME} or {image, requiresHardwareId, minReleaseCounter}
//   DELETE rules/ID                 removes one
//   GET    campaigns[?before=&limit=]                      newest first (README "Campaigns")
//   GET    campaigns/ID[?vehicles=1&after=&limit=&silentHours=]   status per stage (and vehicle)
//   POST   campaigns/ID/promote | pause | resume | cancel
//   GET    vehicles[?hardwareId=&image=&lastSeenBefore=&lastSeenAfter=&after=&limit=]   (README "Vehicles and alerts")
//   GET    vehicles/VIN                                    one vehicle in full
//   GET    alerts[?vin=&kind=&open=1&before=&limit=]       newest first
//   POST   alerts/ID/ack
// Answers are `{"ok":true,...}`; refusals the error table's `{"ok":false,"error","detail"}`.
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendJson } from "../http/request-body.ts";
import type { Director } from "./director.ts";
import { Refused } from "./errors.ts";
import { parseJsonObject, stringField } from "./api-fields.ts";
import type { ImageRuleSpec } from "./image-rules.ts";
import { campaignStatus, MAX_PAGE } from "./campaign-status.ts";
import { isoTime } from "../../model/iso-time.ts";
import { acknowledgeAlert, listAlerts, listVehicles, MAX_LIST_PAGE, showVehicle } from "./fleet-view.ts";

const MAX_FLEET_BODY_BYTES = 16 * 1024;

export interface FleetRequest {
  method: string;
  /** Segments below `/director/api/`. */
  segments: string[];
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
}

/** Whether `/director/api/SEGMENTS` is one of these routes (POST campaigns, a new campaign, is http-routes.ts's). */
export function isFleetResource(segments: string[], method: string): boolean {
  if (segments[0] === "rules" || segments[0] === "alerts") return true;
  // POST campaigns (a new one) and POST vehicles (a registration) are http-routes.ts's.
  return (segments[0] === "campaigns" || segments[0] === "vehicles") && (segments.length > 1 || method === "GET");
}

export async function fleetRoutes(director: Director, { method, segments, query, req, res }: FleetRequest): Promise<void> {
  const [what, id, ...rest] = segments;
  if (what === "rules" && rest.length === 0) {
    if (id === undefined && method === "GET") {
      const image = query.get("image") ?? undefined;
      sendJson(res, 200, { ok: true, rules: director.imageRules(image) });
      return;
    }
    if (id === undefined && method === "POST") {
      const rule = director.addImageRule(ruleSpec(parseJsonObject(await readBody(req, MAX_FLEET_BODY_BYTES))));
      sendJson(res, 201, { ok: true, rule });
      return;
    }
    if (id !== undefined && method === "DELETE") {
      sendJson(res, 200, { ok: true, removed: director.removeImageRule(numericId(id, "rule")) });
      return;
    }
    throw new Refused(405, "method-not-allowed", "rules: GET or POST; rules/ID: DELETE");
  }
  if (what === "campaigns") {
    if (id === undefined && method === "GET") {
      const limit = queryInt(query, "limit", 100, MAX_PAGE);
      const before = query.has("before") ? queryInt(query, "before", 0, Number.MAX_SAFE_INTEGER) : undefined;
      sendJson(res, 200, { ok: true, campaigns: director.inventory.campaigns({ before, limit: Math.max(1, limit) }) });
      return;
    }
    const campaign = numericId(id!, "campaign");
    if (rest.length === 0 && method === "GET") {
      const hours = queryInt(query, "silentHours", 24, 24 * 365);
      const vehicles = query.get("vehicles") === "1" ? { after: queryInt(query, "after", 0, Number.MAX_SAFE_INTEGER), limit: Math.max(1, queryInt(query, "limit", 100, MAX_PAGE)) } : undefined;
      sendJson(res, 200, { ok: true, ...campaignStatus(director.inventory, campaign, { silentSince: isoTime(new Date(Date.now() - hours * 3600 * 1000)), vehicles }) });
      return;
    }
    if (rest.length === 1 && method === "POST") {
      const action = rest[0];
      if (action === "promote") sendJson(res, 200, { ok: true, ...(await director.promoteCampaign(campaign)) });
      else if (action === "pause") sendJson(res, 200, { ok: true, ...director.pauseCampaign(campaign) });
      else if (action === "resume") sendJson(res, 200, { ok: true, ...director.resumeCampaign(campaign) });
      else if (action === "cancel") sendJson(res, 200, { ok: true, ...director.cancelCampaign(campaign) });
      else throw new Refused(404, "not-found", `no campaign action ${JSON.stringify(action)}: promote, pause, resume or cancel`);
      return;
    }
    throw new Refused(405, "method-not-allowed", "campaigns/ID: GET; campaigns/ID/ACTION: POST");
  }
  if (what === "vehicles" && method === "GET" && rest.length === 0) {
    const q = (k: string) => query.get(k) ?? undefined;
    if (id !== undefined) sendJson(res, 200, { ok: true, ...showVehicle(director.inventory, id) });
    else sendJson(res, 200, { ok: true, ...listVehicles(director.inventory, { limit: queryInt(query, "limit", 100, MAX_LIST_PAGE), after: q("after"), hardwareId: q("hardwareId"), image: q("image"), lastSeenBefore: q("lastSeenBefore"), lastSeenAfter: q("lastSeenAfter") }) });
    return;
  }
  if (what === "alerts") {
    if (id === undefined && method === "GET") {
      const before = query.has("before") ? queryInt(query, "before", 0, Number.MAX_SAFE_INTEGER) : undefined;
      sendJson(res, 200, { ok: true, ...listAlerts(director.inventory, { limit: queryInt(query, "limit", 100, MAX_LIST_PAGE), before, vin: query.get("vin") ?? undefined, kind: query.get("kind") ?? undefined, open: query.get("open") === "1" }) });
      return;
    }
    if (id !== undefined && rest.length === 1 && rest[0] === "ack" && method === "POST") {
      sendJson(res, 200, { ok: true, alert: acknowledgeAlert(director.inventory, numericId(id, "alert"), isoTime(new Date())) });
      return;
    }
    throw new Refused(405, "method-not-allowed", "alerts: GET; alerts/ID/ack: POST");
  }
  throw new Refused(404, "not-found", `no Director resource at /director/api/${segments.join("/")}`);
}

/** A non-negative integer query parameter, at most `max`. */
function queryInt(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,16}$/.test(raw) || Number(raw) > max) throw new Refused(400, "invalid-request", `${name} must be an integer from 0 to ${max}`);
  return Number(raw);
}

/** A rule from `{image, requires | conflicts}` or `{image, requiresHardwareId, minReleaseCounter}`. */
function ruleSpec(body: Record<string, unknown>): ImageRuleSpec {
  const image = stringField(body, "image");
  const given = ["requires", "conflicts", "requiresHardwareId"].filter((k) => body[k] !== undefined);
  if (given.length !== 1) throw new Refused(400, "invalid-rule", "give exactly one of requires, conflicts or requiresHardwareId");
  if (body.requires !== undefined) return { image, kind: "requires", name: stringField(body, "requires") };
  if (body.conflicts !== undefined) return { image, kind: "conflicts", name: stringField(body, "conflicts") };
  const min = body.minReleaseCounter;
  if (typeof min !== "number") throw new Refused(400, "invalid-rule", "requiresHardwareId needs minReleaseCounter (a non-negative integer)");
  return { image, kind: "requires", hardwareId: stringField(body, "requiresHardwareId"), minReleaseCounter: min };
}

/** A numeric id from the path (1 to 2^53). */
export function numericId(text: string, what: string): number {
  const n = /^[1-9]\d{0,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new Refused(404, `unknown-${what}`, `no ${what} ${JSON.stringify(text.slice(0, 32))}`);
  return n;
}
