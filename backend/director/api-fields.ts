// The Director API's request bodies: one JSON object, fields checked by type, each
// refusal a 400 naming the field (README "CLI": the error table).
import { Refused } from "./errors.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../model/json-depth.ts";

export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new Refused(400, "invalid-json", `body is not JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Refused(400, "invalid-request", "body must be a JSON object");
  if (nestsDeeperThan(doc)) throw new Refused(400, "too-deeply-nested", `body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`);
  return doc as Record<string, unknown>;
}

export function stringField(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (typeof v !== "string") throw new Refused(400, "invalid-request", `${name} must be a string`);
  return v;
}

export function stringList(v: unknown, name: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw new Refused(400, "invalid-request", `${name} must be an array of strings`);
  return v as string[];
}

/** An optional integer field (undefined when absent). */
export function optionalInt(body: Record<string, unknown>, name: string): number | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw new Refused(400, "invalid-request", `${name} must be an integer`);
  return v;
}
