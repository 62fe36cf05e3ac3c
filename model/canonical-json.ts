// OLPC canonical JSON, the encoding TUF 1.0 signs (DESIGN.md section 4): object keys
// sorted by UTF-16 code units, no white space, integers only, strings escaping only
// `"` and `\`. Anything else (floats, non-safe integers, undefined, functions) is refused,
// and so is nesting deeper than MAX_JSON_DEPTH: the writer recurses once per level, so the
// cap keeps untrusted documents from overflowing the stack.
import { MAX_JSON_DEPTH } from "./json-depth.ts";

export class CanonicalJsonError extends Error {}

export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, "$", 1);
  return parts.join("");
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), "utf8");
}

function write(value: unknown, out: string[], path: string, depth: number): void {
  if (typeof value === "object" && value !== null && depth > MAX_JSON_DEPTH) {
    throw new CanonicalJsonError(`${path.slice(0, 200)}: nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  if (value === null) {
    out.push("null");
  } else if (typeof value === "boolean") {
    out.push(value ? "true" : "false");
  } else if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new CanonicalJsonError(`${path}: ${value} is not a safe integer`);
    out.push(Object.is(value, -0) ? "0" : String(value));
  } else if (typeof value === "string") {
    out.push('"', value.replace(/["\\]/g, (c) => "\\" + c), '"');
  } else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, i) => {
      if (i > 0) out.push(",");
      write(item, out, `${path}[${i}]`, depth + 1);
    });
    out.push("]");
  } else if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    out.push("{");
    keys.forEach((key, i) => {
      if (i > 0) out.push(",");
      out.push('"', key.replace(/["\\]/g, (c) => "\\" + c), '":');
      write(obj[key], out, `${path}.${key}`, depth + 1);
    });
    out.push("}");
  } else {
    throw new CanonicalJsonError(`${path}: ${typeof value} cannot be canonical JSON`);
  }
}
