// What a Primary forwards to a partial-verification Secondary on the streaming path: the
// Director targets document re-encoded as canonical JSON, by the module's own strict
// reader and canonical writer (full.wasm). The Primary need not be trusted for this: the
// signature covers the canonical form of `signed`, so the Secondary's verdict decides.
// A document the strict reader refuses is forwarded unchanged (the Secondary refuses it
// too, InvalidMetadata).
import "./embedded.ts";
import { CoreInstance } from "./module.ts";

interface CanonicalExports {
  memory: WebAssembly.Memory;
  canonicalize(p: number, l: number, o: number, c: number): number;
}

let core: CoreInstance | null = null;

/** The canonical JSON form of `bytes`, or `bytes` itself when it does not parse strictly. */
export function canonicalForwarding(bytes: Uint8Array): Uint8Array {
  core ??= new CoreInstance("full");
  core.reset();
  const x = core.exports as unknown as CanonicalExports;
  const input = core.copyIn(bytes);
  // canonical JSON is never longer than the strict reader's input plus its escapes
  // removed; `/` and control escapes only shrink, so the input length bounds it
  const cap = bytes.length + 16;
  const out = core.scratch(cap);
  const n = x.canonicalize(input, bytes.length, out, cap);
  if (n < 0) return bytes;
  return core.copyOut(out, n);
}
