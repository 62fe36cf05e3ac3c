// OLPC canonical JSON (what TUF 1.0 signs) re-emitted from parsed tokens and streamed
// into a sink: the signature verifications (assembly/meta/schemes.ts), a SHA-256 context (key ids), or a buffer
// (tests). Keys in the order the reader sorted them (UTF-16 code units), no white space,
// strings with only `"` and `\` escaped, integers as written (`-0` as `0`). So a
// pretty-printed file verifies, and the bytes verified are the bytes parsed.
import { sigsUpdate } from "../meta/schemes";
import { sha256Update } from "../crypto/sha256";
import { JsonType, tokType, tokStart, tokLen, tokNext, orderList } from "./reader";
import { decoderFor, decNextCodePoint, utf8Put } from "./strings";
import { bytesEqual } from "../util/bytes";

const cpBuf = memory.data(4);

export const enum Sink {
  Signatures = 0,
  Sha256 = 1,
  Buffer = 2,
  Compare = 3,
}

const BUF_SIZE: u32 = 512;
const buf = memory.data(<i32>BUF_SIZE);
let bufLen: u32 = 0;
let sinkKind: Sink = Sink.Buffer;
let sinkCtx: usize = 0; // SHA-256 context, verification contexts, or output buffer
let sinkCap: u32 = 0; // output buffer capacity, or number of verification contexts
let sinkOut: u32 = 0; // bytes written to the output buffer
let sinkOverflow: bool = false;

function flush(): void {
  if (bufLen == 0) return;
  if (sinkKind == Sink.Signatures) {
    sigsUpdate(sinkCtx, sinkCap, buf, bufLen);
  } else if (sinkKind == Sink.Sha256) {
    sha256Update(sinkCtx, buf, bufLen);
  } else if (sinkKind == Sink.Compare) {
    if (sinkOut + bufLen > sinkCap || !bytesEqual(sinkCtx + <usize>sinkOut, buf, bufLen)) sinkOverflow = true;
    sinkOut += bufLen;
  } else {
    if (sinkOut + bufLen > sinkCap) {
      sinkOverflow = true;
    } else {
      memory.copy(sinkCtx + <usize>sinkOut, buf, bufLen);
    }
    sinkOut += bufLen;
  }
  bufLen = 0;
}

function put(b: u32): void {
  if (bufLen == BUF_SIZE) flush();
  store<u8>(buf + <usize>bufLen, <u8>b);
  bufLen++;
}

function putBytes(p: usize, n: u32): void {
  for (let k: u32 = 0; k < n; k++) put(<u32>load<u8>(p + <usize>k));
}

function putString(doc: usize, i: i32): void {
  put(0x22);
  const d = decoderFor(tokStart(doc, i), tokLen(doc, i));
  while (true) {
    const cp = decNextCodePoint(d);
    if (cp < 0) break;
    if (cp == 0x22 || cp == 0x5c) {
      put(0x5c);
      put(<u32>cp);
    } else {
      // re-encode as UTF-8 (the same bytes the signer's encoder writes)
      const w: u32 = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      utf8Put(cpBuf, cp, w);
      putBytes(cpBuf, w);
    }
  }
  put(0x22);
}

// Canonical form of token `i` (depth is bounded by the reader, so recursion is bounded).
function emit(doc: usize, i: i32): void {
  const ty = tokType(doc, i);
  if (ty == JsonType.Object) {
    put(0x7b);
    const list = orderList(doc, i);
    const n = load<u32>(list - 4);
    for (let k: u32 = 0; k < n; k++) {
      if (k > 0) put(0x2c);
      const key = <i32>load<u32>(list + <usize>k * 4);
      putString(doc, key);
      put(0x3a);
      emit(doc, key + 1);
    }
    put(0x7d);
  } else if (ty == JsonType.Array) {
    put(0x5b);
    const end = tokNext(doc, i);
    let k = i + 1;
    let first = true;
    while (k < end) {
      if (!first) put(0x2c);
      first = false;
      emit(doc, k);
      k = tokNext(doc, k);
    }
    put(0x5d);
  } else if (ty == JsonType.String) {
    putString(doc, i);
  } else if (ty == JsonType.Number) {
    const p = tokStart(doc, i);
    const n = tokLen(doc, i);
    if (n == 2 && load<u8>(p) == 0x2d && load<u8>(p + 1) == 0x30) put(0x30);
    else putBytes(p, n);
  } else {
    putBytes(tokStart(doc, i), tokLen(doc, i));
  }
}

/** Emits the canonical form of token `i` into the sink `kind` (context `ctx`, capacity `cap`). */
function emitTo(kind: Sink, ctx: usize, cap: u32, doc: usize, i: i32): void {
  sinkKind = kind;
  sinkCtx = ctx;
  sinkCap = cap;
  sinkOut = 0;
  sinkOverflow = false;
  bufLen = 0;
  emit(doc, i);
  flush();
}

/** Streams the canonical form of token `i` into the `n` signature verifications at `ctxs`. */
export function canonicalToSignatures(doc: usize, i: i32, ctxs: usize, n: u32): void {
  emitTo(Sink.Signatures, ctxs, n, doc, i);
}

/** Streams the canonical form of token `i` into an initialised SHA-256 context. */
export function canonicalToSha256(doc: usize, i: i32, ctx: usize): void {
  emitTo(Sink.Sha256, ctx, 0, doc, i);
}

/** Writes the canonical form of token `i` to `out`; returns its length, or -1 if it exceeds `cap`. */
export function canonicalToBuffer(doc: usize, i: i32, out: usize, cap: u32): i64 {
  emitTo(Sink.Buffer, out, cap, doc, i);
  return sinkOverflow ? -1 : <i64>sinkOut;
}

/** Whether the `len` bytes at `bytes` are exactly the canonical form of token `i`. */
export function isCanonicalForm(doc: usize, i: i32, bytes: usize, len: u32): bool {
  emitTo(Sink.Compare, bytes, len, doc, i);
  return !sinkOverflow && sinkOut == len;
}
