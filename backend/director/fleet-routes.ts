// The Director API's fleet operations (README "Dependencies and conflicts"), under
// `/director/api/` with the API token, over TLS:
//   GET    rules[?image=NAME]       the rules, oldest first
//   POST   rules                    {image, requires | conflicts: NAME} or {image, requiresHardwareId, minReleaseCounter}
//   DELETE rules/ID                 removes one
// Answers are `{"ok":true,...}`; refusals the error table's `{"ok":false,"error","detail"}`.
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendJson } from "../http/request-body.ts";
import type { Director } from "./director.ts";
import { Refused } from "./errors.ts";
import { parseJsonObject, stringField } from "./api-fields.ts";
import type { ImageRuleSpec } from "./image-rules.ts";

const MAX_FLEET_BODY_BYTES = 16 * 1024;

export interface FleetRequest {
  method: string;
  /** Segments below `/director/api/`. */
  segments: string[];
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
}

/** Whether `/director/api/SEGMENT` is one of these routes. */
export function isFleetResource(segment: string | undefined): boolean {
  return segment === "rules";
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
  throw new Refused(404, "not-found", `no Director resource at /director/api/${segments.join("/")}`);
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
