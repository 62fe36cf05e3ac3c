// OLPC canonical JSON, the encoding TUF 1.0 signs (DESIGN.md section 4): object keys
// sorted by UTF-16 code units, no white space, integers only, strings escaping only
// `"` and `\`. Anything else (floats, non-safe integers, undefined, functions) is refused,
// and so is nesting deeper than MAX_JSON_DEPTH: the writer recurses once per level, so the
// cap keeps untrusted documents from overflowing the stack.
import { MAX_JSON_DEPTH } from "./json-depth.ts";

export class CanonicalJsonError extends Error {}

type StringWriter = (s: string) => string;
const olpcString: StringWriter = (s) => '"' + s.replace(/["\\]/g, (c) => "\\" + c) + '"';

export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, "$", 1, olpcString);
  return parts.join("");
}

/**
 * canonicalJson's key order and layout with JSON's string escapes: what a server hands out
 * as a file. The same bytes as canonicalJson unless a string holds a control character (a
 * PEM key's line ends), which canonical JSON leaves raw and JSON may not.
 */
export function canonicalJsonText(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, "$", 1, JSON.stringify);
  return parts.join("");
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), "utf8");
}

function write(value: unknown, out: string[], path: string, depth: number, str: StringWriter): void {
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
    out.push(str(value));
  } else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, i) => {
      if (i > 0) out.push(",");
      write(item, out, `${path}[${i}]`, depth + 1, str);
    });
    out.push("]");
  } else if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    out.push("{");
    keys.forEach((key, i) => {
      if (i > 0) out.push(",");
      out.push(str(key), ":");
      write(obj[key], out, `${path}.${key}`, depth + 1, str);
    });
    out.push("}");
  } else {
    throw new CanonicalJsonError(`${path}: ${typeof value} cannot be canonical JSON`);
  }
}
