// Test surface of the JSON reader (full module only): parse and canonicalise a document.
import { parseDoc, parseError } from "../json/reader";
import { canonicalToBuffer } from "../json/canonical";

/** Canonical JSON of the document at (ptr, len) into `out`: its length, -1 if unparseable, -2 if over `cap`. */
export function canonicalize(ptr: usize, len: u32, out: usize, cap: u32): i32 {
  const doc = parseDoc(ptr, len);
  if (doc == 0) return -1;
  const n = canonicalToBuffer(doc, 0, out, cap);
  return n < 0 ? -2 : <i32>n;
}

/** Why the last parse failed (a detail code). */
export function parseErrorCode(): i32 {
  return parseError;
}
