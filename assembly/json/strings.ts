// Comparison and decoding of JSON string contents (the bytes between the quotes, escapes
// still in place) without allocating. Order is by UTF-16 code units, as JavaScript sorts
// keys (the order model/canonical-json.ts signs in). Inputs were validated by the
// reader's scanString, and characters decode through its decodeAt; every read is still
// bounds-checked, so nothing traps.

import { decodeAt, decodedCp } from "./reader";
import { bytesEqual } from "../util/bytes";

// Two decoders (A and B): position, end, pending low surrogate.
const dec = memory.data(32);

function decInit(d: usize, ptr: usize, len: u32): void {
  store<usize>(d, ptr);
  store<usize>(d, ptr + <usize>len, 4);
  store<i32>(d, -1, 8);
}

/** Next code point of decoder `d`, or -1 at the end (U+FFFD and the end for content the reader would refuse). */
export function decNextCodePoint(d: usize): i32 {
  const p = load<usize>(d);
  const end = load<usize>(d, 4);
  if (p >= end) return -1;
  // plain ASCII, the common case, without the call
  const c = <i32>load<u8>(p);
  if (c < 0x80 && c != 0x5c) {
    store<usize>(d, p + 1);
    return c;
  }
  const next = decodeAt(p, <u32>(end - p), 0);
  if (next < 0) {
    store<usize>(d, end);
    return 0xfffd;
  }
  store<usize>(d, p + <usize>next);
  return decodedCp;
}

/** Next UTF-16 code unit, or -1 at the end. */
function decNextUnit(d: usize): i32 {
  const pending = load<i32>(d, 8);
  if (pending >= 0) {
    store<i32>(d, -1, 8);
    return pending;
  }
  const cp = decNextCodePoint(d);
  if (cp < 0x10000) return cp;
  const v = cp - 0x10000;
  store<i32>(d, 0xdc00 + (v & 0x3ff), 8);
  return 0xd800 + (v >> 10);
}

/** Compares two JSON string contents by UTF-16 code units: <0, 0, >0. */
export function strCompare(a: usize, aLen: u32, b: usize, bLen: u32): i32 {
  // fast path: identical bytes are equal strings
  if (aLen == bLen && bytesEqual(a, b, aLen)) return 0;
  const da = dec;
  const db = dec + 16;
  decInit(da, a, aLen);
  decInit(db, b, bLen);
  while (true) {
    const ua = decNextUnit(da);
    const ub = decNextUnit(db);
    if (ua != ub) return ua < ub ? -1 : 1; // -1 (end) sorts first
    if (ua < 0) return 0;
  }
}

/** Compares a JSON string content with an ASCII literal. */
export function strCompareLit(a: usize, aLen: u32, lit: usize): i32 {
  const da = dec;
  decInit(da, a, aLen);
  const n = <i32>load<u8>(lit);
  for (let k = 0; k < n; k++) {
    const ua = decNextUnit(da);
    const ub = <i32>load<u8>(lit + 1 + <usize>k);
    if (ua != ub) return ua < ub ? -1 : 1;
  }
  return decNextUnit(da) < 0 ? 0 : 1;
}

/**
 * Writes the UTF-8 bytes that a JSON string content decodes to into `out` (capacity
 * `cap`); returns the length, or -1 if it does not fit.
 */
export function strDecode(a: usize, aLen: u32, out: usize, cap: u32): i32 {
  const d = dec;
  decInit(d, a, aLen);
  let n: u32 = 0;
  while (true) {
    const cp = decNextCodePoint(d);
    if (cp < 0) return <i32>n;
    const w: u32 = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (n + w > cap) return -1;
    utf8Put(out + <usize>n, cp, w);
    n += w;
  }
}

/** Writes code point `cp` as `w` UTF-8 bytes at `p`. */
export function utf8Put(p: usize, cp: i32, w: u32): void {
  if (w == 1) {
    store<u8>(p, <u8>cp);
    return;
  }
  // lead byte: w one bits, a zero, the top bits; then 10xxxxxx with 6 bits each
  store<u8>(p, <u8>((0xff00 >> w) | (cp >> (6 * (w - 1)))));
  for (let k: u32 = 1; k < w; k++) store<u8>(p + <usize>k, <u8>(0x80 | ((cp >> (6 * (w - 1 - k))) & 0x3f)));
}

/** A decoder over a string content for callers that walk code points (canonical output). */
export function decoderFor(a: usize, aLen: u32): usize {
  const d = dec;
  decInit(d, a, aLen);
  return d;
}
