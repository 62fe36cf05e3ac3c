// A strict, bounded JSON reader over raw bytes (DESIGN.md sections 3-4).
//
// Untrusted metadata is parsed in two passes into a token array in arena memory (pass 1
// validates and counts, pass 2 fills), jsmn-like: no managed objects, no recursion, no
// traps. Refused (InvalidMetadata): nesting deeper than MAX_JSON_DEPTH, duplicate keys,
// fractions and exponents, integers outside the safe range, leading zeros, invalid
// UTF-8, raw control characters, bad or lone-surrogate escapes, trailing bytes, a top
// level that is not an object.
//
// Token layout (TOKEN_SIZE bytes): start, end, next, info.
//   strings: [start, end) is the content between the quotes (still escaped)
//   numbers and literals: [start, end) is the text
//   containers: start at the bracket, end after the closing bracket
//   next: index of the first token after this token's subtree
//   info: type (bits 0-2), STR_ESCAPED flag (bit 3), for objects the index of their
//         member order list (bits 4-31) in the doc's order array: [count, key tokens
//         sorted by UTF-16 code units, as canonical JSON needs them].
// Object members are laid out key, value, key, value; a value's `next` is the next key.
import { arenaAlloc } from "../arena";
import { strCompare } from "./strings";
import { hexNibble } from "../util/encoding";

export const MAX_JSON_DEPTH: i32 = 32;
export const TOKEN_SIZE: usize = 16;

export const enum JsonType {
  None = 0,
  Object = 1,
  Array = 2,
  String = 3,
  Number = 4,
  True = 5,
  False = 6,
  Null = 7,
}
const STR_ESCAPED: u32 = 8;

// Doc record (in arena memory): where a parsed document lives.
export const DOC_BASE: usize = 0; // bytes
export const DOC_LEN: usize = 4;
export const DOC_TOKENS: usize = 8; // token array
export const DOC_COUNT: usize = 12; // tokens
export const DOC_ORDER: usize = 16; // u32 order array
export const DOC_DIALECT: usize = 20; // set by the metadata layer (meta/envelope.ts)
export const DOC_SIZE: usize = 24;

/** Why the last parse failed (a static string for the detail record). */
export let parseError: i32 = 0;

const stack = memory.data(4 * (MAX_JSON_DEPTH + 1));
const memberCounts = memory.data(4 * (MAX_JSON_DEPTH + 1));

@inline function byteAt(base: usize, pos: u32): u32 {
  return <u32>load<u8>(base + <usize>pos);
}

@inline function isWs(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

/** The position of the first byte at or after `pos` that is not white space. */
function skipWs(base: usize, len: u32, pos: u32): u32 {
  while (pos < len && isWs(byteAt(base, pos))) pos++;
  return pos;
}

let tokBase: usize = 0;
let filling: bool = false;
let nTok: u32 = 0;
let orderBase: usize = 0;
let orderTop: u32 = 0;
let flagEscaped: bool = false;

// Appends token nTok (`next` is the token after it; closeContainer sets a container's end and next).
function addTok(start: u32, end: u32, info: u32): void {
  if (filling) {
    const t = tokBase + <usize>nTok * TOKEN_SIZE;
    store<u32>(t, start);
    store<u32>(t, end, 4);
    store<u32>(t, nTok + 1, 8);
    store<u32>(t, info, 12);
  }
  nTok++;
}

/** The code point decodeAt decoded last. */
export let decodedCp: i32 = 0;

/**
 * Decodes one character of string content at `pos` (`len` bytes at `base`): an escape
 * (a surrogate pair of `\u` escapes is one code point) or one UTF-8 sequence (exact
 * lengths, no overlongs, no surrogates, at most U+10FFFF). Sets decodedCp and returns the
 * position after it, or -1 with parseError set. The reader's validation and the string
 * decoder (strings.ts) share it, so what is decoded is what was validated.
 */
export function decodeAt(base: usize, len: u32, pos: u32): i64 {
  let i = pos;
  const c = byteAt(base, i);
  if (c == 0x5c) {
    if (i + 1 >= len) {
      parseError = Detail.TruncatedString;
      return -1;
    }
    const e = byteAt(base, i + 1);
    if (e == 0x75) {
      let u = hex4(base, len, i + 2);
      if (u < 0) {
        parseError = Detail.BadUEscape;
        return -1;
      }
      i += 6;
      if (u >= 0xdc00 && u <= 0xdfff) {
        parseError = Detail.LoneLowSurrogateEscape;
        return -1;
      }
      if (u >= 0xd800 && u <= 0xdbff) {
        // a high surrogate must be followed by an escaped low surrogate
        if (i + 1 >= len || byteAt(base, i) != 0x5c || byteAt(base, i + 1) != 0x75) {
          parseError = Detail.LoneHighSurrogateEscape;
          return -1;
        }
        const lo = hex4(base, len, i + 2);
        if (lo < 0xdc00 || lo > 0xdfff) {
          parseError = Detail.LoneHighSurrogateEscape;
          return -1;
        }
        u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
        i += 6;
      }
      decodedCp = u;
      return <i64>i;
    }
    let cp: i32 = -1;
    if (e == 0x22 || e == 0x5c || e == 0x2f) cp = <i32>e;
    else if (e == 0x62) cp = 8;
    else if (e == 0x66) cp = 12;
    else if (e == 0x6e) cp = 10;
    else if (e == 0x72) cp = 13;
    else if (e == 0x74) cp = 9;
    if (cp < 0) {
      parseError = Detail.BadEscape;
      return -1;
    }
    decodedCp = cp;
    return <i64>(i + 2);
  }
  if (c < 0x80) {
    decodedCp = <i32>c;
    return <i64>(i + 1);
  }
  // multi-byte UTF-8
  let need: u32 = 0;
  let min: u32 = 0;
  let cp: u32 = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    need = 1;
    min = 0x80;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    need = 2;
    min = 0x800;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 3;
    min = 0x10000;
    cp = c & 0x07;
  } else {
    parseError = Detail.InvalidUTF8;
    return -1;
  }
  if (i + need >= len) {
    parseError = Detail.TruncatedString;
    return -1;
  }
  for (let k: u32 = 1; k <= need; k++) {
    const cc = byteAt(base, i + k);
    if ((cc & 0xc0) != 0x80) {
      parseError = Detail.InvalidUTF8;
      return -1;
    }
    cp = (cp << 6) | (cc & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    parseError = Detail.InvalidUTF8;
    return -1;
  }
  decodedCp = <i32>cp;
  return <i64>(i + need + 1);
}

/**
 * Scans a string whose opening quote is at `pos - 1`; returns the position of the closing
 * quote or -1. Sets flagEscaped. Shared with validation of host-given identifiers.
 */
export function scanString(base: usize, len: u32, pos: u32): i64 {
  flagEscaped = false;
  let i = pos;
  while (i < len) {
    const c = byteAt(base, i);
    if (c == 0x22) return <i64>i;
    if (c < 0x20) {
      parseError = Detail.RawControlCharacterInString;
      return -1;
    }
    if (c == 0x5c) flagEscaped = true;
    const next = decodeAt(base, len, i);
    if (next < 0) return -1;
    i = <u32>next;
  }
  parseError = Detail.TruncatedString;
  return -2; // ran to the end without a closing quote
}

/** Whether (ptr, len) is valid JSON string content (what the host passes as identifiers). */
export function validStringContent(ptr: usize, len: u32): bool {
  return scanString(ptr, len, 0) == -2;
}

export function lastStringEscaped(): bool {
  return flagEscaped;
}

/** The 4-hex-digit value at `pos` (of a `\\u` escape), or -1. */
export function hex4(base: usize, len: u32, pos: u32): i32 {
  if (pos + 4 > len) return -1;
  let v: i32 = 0;
  for (let k: u32 = 0; k < 4; k++) {
    const h = hexNibble(byteAt(base, pos + k));
    if (h < 0) return -1;
    v = (v << 4) | h;
  }
  return v;
}

/** Scans an integer at `pos`; returns the end position or -1. */
function scanNumber(base: usize, len: u32, pos: u32): i64 {
  let i = pos;
  if (byteAt(base, i) == 0x2d) i++;
  if (i >= len) {
    parseError = Detail.TruncatedNumber;
    return -1;
  }
  const first = byteAt(base, i);
  if (first < 0x30 || first > 0x39) {
    parseError = Detail.BadNumber;
    return -1;
  }
  let value: u64 = 0;
  let digits: u32 = 0;
  if (first == 0x30) {
    i++;
  } else {
    while (i < len) {
      const c = byteAt(base, i);
      if (c < 0x30 || c > 0x39) break;
      if (++digits > 16) {
        parseError = Detail.IntegerOutsideTheSafeRange;
        return -1;
      }
      value = value * 10 + <u64>(c - 0x30);
      i++;
    }
  }
  if (value > 9007199254740991) {
    parseError = Detail.IntegerOutsideTheSafeRange;
    return -1;
  }
  if (i < len) {
    const c = byteAt(base, i);
    if (c == 0x2e || c == 0x65 || c == 0x45) {
      parseError = Detail.FloatsAreNotAllowed;
      return -1;
    }
    if (c >= 0x30 && c <= 0x39) {
      parseError = Detail.LeadingZero;
      return -1;
    }
  }
  return <i64>i;
}

function scanLiteral(base: usize, len: u32, pos: u32, lit: usize): bool {
  const n = <u32>load<u8>(lit);
  if (pos + n > len) return false;
  for (let k: u32 = 0; k < n; k++) {
    if (byteAt(base, pos + k) != <u32>load<u8>(lit + 1 + <usize>k)) return false;
  }
  return true;
}

const MODE_VALUE = 0;
const MODE_KEY = 1;
const MODE_AFTER = 2;

/** One pass over the bytes; returns false (with parseError) on any violation. */
function pass(base: usize, len: u32): bool {
  nTok = 0;
  orderTop = 0;
  let depth: i32 = 0;
  let pos: u32 = 0;
  let mode = MODE_VALUE;
  pos = skipWs(base, len, pos);
  if (pos >= len || byteAt(base, pos) != 0x7b) {
    parseError = Detail.TopLevelIsNotAnObject;
    return false;
  }
  while (true) {
    if (mode == MODE_AFTER && depth == 0) break;
    pos = skipWs(base, len, pos);
    if (pos >= len) {
      parseError = Detail.TruncatedDocument;
      return false;
    }
    const c = byteAt(base, pos);
    if (mode == MODE_AFTER) {
      const top = load<u32>(stack + <usize>(depth - 1) * 4);
      const isObj = (top & 0x80000000) != 0;
      if (c == 0x2c) {
        pos++;
        mode = isObj ? MODE_KEY : MODE_VALUE;
        continue;
      }
      if (c == (isObj ? <u32>0x7d : <u32>0x5d)) {
        pos++;
        depth--;
        if (!closeContainer(top & 0x7fffffff, isObj, pos, load<u32>(memberCounts + <usize>depth * 4))) return false;
        continue;
      }
      parseError = Detail.ExpectedOrClosingBracket;
      return false;
    }
    if (mode == MODE_KEY) {
      if (c != 0x22) {
        parseError = Detail.ExpectedAStringKey;
        return false;
      }
      const end = scanString(base, len, pos + 1);
      if (end < 0) return false;
      addTok(pos + 1, <u32>end, JsonType.String | (flagEscaped ? STR_ESCAPED : 0));
      const countAt = memberCounts + <usize>(depth - 1) * 4;
      store<u32>(countAt, load<u32>(countAt) + 1);
      pos = <u32>end + 1;
      pos = skipWs(base, len, pos);
      if (pos >= len || byteAt(base, pos) != 0x3a) {
        parseError = Detail.ExpectedColon;
        return false;
      }
      pos++;
      mode = MODE_VALUE;
      continue;
    }
    // MODE_VALUE
    if (c == 0x7b || c == 0x5b) {
      if (depth >= MAX_JSON_DEPTH) {
        parseError = Detail.NestingTooDeep;
        return false;
      }
      const isObj = c == 0x7b;
      store<u32>(stack + <usize>depth * 4, nTok | (isObj ? 0x80000000 : 0));
      store<u32>(memberCounts + <usize>depth * 4, 0);
      depth++;
      addTok(pos, 0, isObj ? JsonType.Object : JsonType.Array);
      pos++;
      pos = skipWs(base, len, pos);
      if (pos < len && byteAt(base, pos) == (isObj ? <u32>0x7d : <u32>0x5d)) {
        pos++;
        depth--;
        if (!closeContainer(nTok - 1, isObj, pos, 0)) return false;
        mode = MODE_AFTER;
        continue;
      }
      mode = isObj ? MODE_KEY : MODE_VALUE;
      continue;
    }
    if (c == 0x22) {
      const end = scanString(base, len, pos + 1);
      if (end < 0) return false;
      addTok(pos + 1, <u32>end, JsonType.String | (flagEscaped ? STR_ESCAPED : 0));
      pos = <u32>end + 1;
    } else if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
      const end = scanNumber(base, len, pos);
      if (end < 0) return false;
      addTok(pos, <u32>end, JsonType.Number);
      pos = <u32>end;
    } else if (c == 0x74 || c == 0x66 || c == 0x6e) {
      const lit = c == 0x74 ? N.k_true : c == 0x66 ? N.k_false : N.k_null;
      if (!scanLiteral(base, len, pos, lit)) {
        parseError = Detail.UnexpectedCharacter;
        return false;
      }
      const n = <u32>load<u8>(lit);
      addTok(pos, pos + n, c == 0x74 ? JsonType.True : c == 0x66 ? JsonType.False : JsonType.Null);
      pos += n;
    } else {
      parseError = Detail.UnexpectedCharacter;
      return false;
    }
    mode = MODE_AFTER;
  }
  pos = skipWs(base, len, pos);
  if (pos != len) {
    parseError = Detail.BytesAfterTheDocument;
    return false;
  }
  return true;
}

// Closes the container token `i`: sets end and next; for objects, writes the sorted member
// list and refuses duplicate keys.
function closeContainer(i: u32, isObj: bool, endPos: u32, members: u32): bool {
  if (!isObj) {
    if (filling) {
      const t = tokBase + <usize>i * TOKEN_SIZE;
      store<u32>(t, endPos, 4);
      store<u32>(t, nTok, 8);
    }
    return true;
  }
  // count members: key at i+1, value after it, next key at value.next
  let count: u32 = 0;
  const listAt = orderTop;
  if (filling) {
    const t = tokBase + <usize>i * TOKEN_SIZE;
    store<u32>(t, endPos, 4);
    store<u32>(t, nTok, 8);
    store<u32>(t, JsonType.Object | (listAt << 4), 12);
    let k = i + 1;
    while (k < nTok) {
      store<u32>(orderBase + <usize>(listAt + 1 + count) * 4, k);
      count++;
      k = load<u32>(tokBase + <usize>(k + 1) * TOKEN_SIZE + 8);
    }
    store<u32>(orderBase + <usize>listAt * 4, count);
    if (!sortMembers(orderBase + <usize>(listAt + 1) * 4, count)) {
      parseError = Detail.DuplicateKey;
      return false;
    }
  } else {
    count = members;
  }
  orderTop = listAt + 1 + count;
  return true;
}

let sortDoc: usize = 0;

// Heap sort of member key token indices by key content; false on a duplicate key.
function sortMembers(list: usize, n: u32): bool {
  if (n < 2) return true;
  for (let start = <i32>(n / 2) - 1; start >= 0; start--) siftDown(list, <u32>start, n);
  for (let end = n - 1; end > 0; end--) {
    const tmp = load<u32>(list);
    store<u32>(list, load<u32>(list + <usize>end * 4));
    store<u32>(list + <usize>end * 4, tmp);
    siftDown(list, 0, end);
  }
  for (let k: u32 = 1; k < n; k++) {
    if (compareKeys(load<u32>(list + <usize>(k - 1) * 4), load<u32>(list + <usize>k * 4)) == 0) return false;
  }
  return true;
}

function siftDown(list: usize, start: u32, n: u32): void {
  let root = start;
  while (true) {
    let child = root * 2 + 1;
    if (child >= n) return;
    if (child + 1 < n && compareKeys(load<u32>(list + <usize>child * 4), load<u32>(list + <usize>(child + 1) * 4)) < 0) child++;
    const a = load<u32>(list + <usize>root * 4);
    const b = load<u32>(list + <usize>child * 4);
    if (compareKeys(a, b) >= 0) return;
    store<u32>(list + <usize>root * 4, b);
    store<u32>(list + <usize>child * 4, a);
    root = child;
  }
}

function compareKeys(a: u32, b: u32): i32 {
  const ta = tokBase + <usize>a * TOKEN_SIZE;
  const tb = tokBase + <usize>b * TOKEN_SIZE;
  const sa = load<u32>(ta);
  const sb = load<u32>(tb);
  return strCompare(sortDoc + sa, load<u32>(ta, 4) - sa, sortDoc + sb, load<u32>(tb, 4) - sb);
}

/**
 * Parses `len` bytes at `base` into a new doc record (arena), or returns 0 with
 * parseError set (0 also when the arena is exhausted: parseError says so).
 */
export function parseDoc(base: usize, len: u32): usize {
  filling = false;
  if (!pass(base, len)) return 0;
  const count = nTok;
  const orderWords = orderTop;
  const doc = arenaAlloc(DOC_SIZE + <usize>count * TOKEN_SIZE + <usize>orderWords * 4);
  if (doc == 0) {
    parseError = Detail.DocumentTooLargeForMemory;
    return 0;
  }
  tokBase = doc + DOC_SIZE;
  orderBase = tokBase + <usize>count * TOKEN_SIZE;
  sortDoc = base;
  filling = true;
  const ok = pass(base, len);
  filling = false;
  if (!ok) return 0;
  store<u32>(doc, <u32>base, DOC_BASE);
  store<u32>(doc, len, DOC_LEN);
  store<u32>(doc, <u32>tokBase, DOC_TOKENS);
  store<u32>(doc, nTok, DOC_COUNT);
  store<u32>(doc, <u32>orderBase, DOC_ORDER);
  store<u32>(doc, 0, DOC_DIALECT);
  return doc;
}

// ---- token access ----

@inline export function tokAddr(doc: usize, i: u32): usize {
  return <usize>load<u32>(doc, DOC_TOKENS) + <usize>i * TOKEN_SIZE;
}
export function tokType(doc: usize, i: i32): i32 {
  if (i < 0 || <u32>i >= load<u32>(doc, DOC_COUNT)) return JsonType.None;
  return <i32>(load<u32>(tokAddr(doc, <u32>i), 12) & 7);
}
export function tokStart(doc: usize, i: i32): usize {
  return <usize>load<u32>(doc, DOC_BASE) + <usize>load<u32>(tokAddr(doc, <u32>i));
}
export function tokLen(doc: usize, i: i32): u32 {
  const t = tokAddr(doc, <u32>i);
  return load<u32>(t, 4) - load<u32>(t);
}
export function tokNext(doc: usize, i: i32): i32 {
  return <i32>load<u32>(tokAddr(doc, <u32>i), 8);
}
export function tokEscaped(doc: usize, i: i32): bool {
  return (load<u32>(tokAddr(doc, <u32>i), 12) & STR_ESCAPED) != 0;
}
/** Number of members (objects) or elements (arrays). */
export function tokSize(doc: usize, i: i32): u32 {
  const ty = tokType(doc, i);
  if (ty == JsonType.Object) return load<u32>(orderList(doc, i) - 4);
  if (ty != JsonType.Array) return 0;
  let n: u32 = 0;
  const end = tokNext(doc, i);
  let k = i + 1;
  while (k < end) {
    n++;
    k = tokNext(doc, k);
  }
  return n;
}
/** Address of an object's sorted key-token list (u32 each), count at the word before. */
export function orderList(doc: usize, obj: i32): usize {
  const info = load<u32>(tokAddr(doc, <u32>obj), 12);
  return <usize>load<u32>(doc, DOC_ORDER) + <usize>((info >> 4) + 1) * 4;
}

/** The value token of member `key` (ASCII literal) of object `obj`, or -1. */
export function objGet(doc: usize, obj: i32, key: usize): i32 {
  if (tokType(doc, obj) != JsonType.Object) return -1;
  const end = tokNext(doc, obj);
  let k = obj + 1;
  while (k < end) {
    if (strEqLit(doc, k, key)) return k + 1;
    k = tokNext(doc, k + 1);
  }
  return -1;
}

/** The value token of the member whose key equals the JSON string content at (ptr, len), or -1. */
export function objGetStr(doc: usize, obj: i32, ptr: usize, len: u32): i32 {
  if (tokType(doc, obj) != JsonType.Object) return -1;
  // binary search over the sorted member list
  const list = orderList(doc, obj);
  let lo: i32 = 0;
  let hi: i32 = <i32>load<u32>(list - 4) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = <i32>load<u32>(list + <usize>mid * 4);
    const c = strCompare(tokStart(doc, k), tokLen(doc, k), ptr, len);
    if (c == 0) return k + 1;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Whether string token `i` decodes to the ASCII literal `lit`. */
export function strEqLit(doc: usize, i: i32, lit: usize): bool {
  if (tokType(doc, i) != JsonType.String) return false;
  const p = tokStart(doc, i);
  const n = tokLen(doc, i);
  return strCompareLit(p, n, lit) == 0;
}

import { strCompareLit } from "./strings";
import { Detail } from "../meta/detail";
import * as N from "./names";

/** Reads integer token `i`; callers check tokType first. */
export function tokInt(doc: usize, i: i32): i64 {
  const p = tokStart(doc, i);
  const n = tokLen(doc, i);
  let k: u32 = 0;
  let neg = false;
  if (load<u8>(p) == 0x2d) {
    neg = true;
    k = 1;
  }
  let v: i64 = 0;
  for (; k < n; k++) v = v * 10 + <i64>(load<u8>(p + <usize>k) - 0x30);
  return neg ? -v : v;
}

/** Integer member `key` of `obj` if it is an integer >= min, else -1 (callers report InvalidMetadata). */
export function getUint(doc: usize, obj: i32, key: usize): i64 {
  const v = objGet(doc, obj, key);
  if (tokType(doc, v) != JsonType.Number) return -1;
  return tokInt(doc, v);
}

/** Whether the string array `arr` holds a string equal to string token `s` of doc `sdoc`. */
export function arrayHasString(doc: usize, arr: i32, sdoc: usize, s: i32): bool {
  if (tokType(doc, arr) != JsonType.Array) return false;
  const end = tokNext(doc, arr);
  let k = arr + 1;
  while (k < end) {
    if (tokType(doc, k) == JsonType.String && strCompare(tokStart(doc, k), tokLen(doc, k), tokStart(sdoc, s), tokLen(sdoc, s)) == 0) return true;
    k = tokNext(doc, k);
  }
  return false;
}
