// The one place that knows the wasm ABI: compiles a module (from the bytes embedded at
// build time, or bytes the caller brings), hands out typed access to its exports and
// copies bytes in and out. Portable: no Node API, so it runs in browsers and Deno too.
import { ModuleMisuseError } from "../../model/outcome.ts";

/**
 * full.wasm, partial.wasm (Ed25519 keys), partial-p256.wasm (partial verification that also
 * reads ECDSA P-256 keys), and full-enc.wasm / partial-enc.wasm (the same as full and partial,
 * plus per-ECU image decryption: README "Per-ECU image encryption: the ECU side").
 */
export type ModuleKind = "full" | "partial" | "partial-p256" | "full-enc" | "partial-enc";

const KINDS: readonly ModuleKind[] = ["full", "partial", "partial-p256", "full-enc", "partial-enc"];

/** Raw exports common to both modules. Only i32 crosses the boundary (assembly/abi.ts). */
export interface CoreExports {
  /** @internal (kept out of the .d.ts: a Node consumer's types need no WebAssembly namespace) */
  memory: WebAssembly.Memory;
  alloc(len: number): number;
  reset(): void;
  used(): number;
  [name: string]: unknown;
}

interface LoadedModule {
  bytes: Uint8Array<ArrayBuffer>;
  module: WebAssembly.Module;
  minPages: number;
}

/** A 64-bit value from the (low, high) i32 halves the modules return (exact below 2^53). */
export function join64(low: number, high: number): number {
  return high * 2 ** 32 + (low >>> 0);
}

/** The (low, high) i32 halves of a non-negative safe integer, as the modules take 64-bit values. */
export function split64(n: number): [low: number, high: number] {
  if (!Number.isSafeInteger(n) || n < 0) throw new ModuleMisuseError(`expected a non-negative integer below 2^53, got ${n}`);
  return [n % 2 ** 32 | 0, Math.floor(n / 2 ** 32)];
}

const loaded = new Map<ModuleKind, LoadedModule>();
/** Base64 of modules whose bytes are already in memory (host/wasm/embedded.ts), compiled on first use. */
const embedded = new Map<ModuleKind, string>();

/** Decodes base64 with what every JavaScript engine has (atob), not a Node API. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Makes an embedded module available to synchronous construction (host/wasm/embedded.ts). */
export function provideEmbeddedModule(kind: ModuleKind, base64: string): void {
  if (!embedded.has(kind)) embedded.set(kind, base64);
}

async function importEmbedded(kind: ModuleKind): Promise<string> {
  // One file per module, imported only when asked for: loading partial.wasm never
  // loads the full module's bytes.
  if (kind === "full") return (await import("../../build/full-wasm.ts")).fullWasmBase64;
  if (kind === "partial-p256") return (await import("../../build/partial-p256-wasm.ts")).partialP256WasmBase64;
  if (kind === "full-enc") return (await import("../../build/full-enc-wasm.ts")).fullEncWasmBase64;
  if (kind === "partial-enc") return (await import("../../build/partial-enc-wasm.ts")).partialEncWasmBase64;
  return (await import("../../build/partial-wasm.ts")).partialWasmBase64;
}

function checkKind(kind: ModuleKind): void {
  if (!KINDS.includes(kind)) {
    throw new ModuleMisuseError(`unknown module ${String(kind)} (${KINDS.join(", ")})`);
  }
}

function remember(kind: ModuleKind, bytes: Uint8Array<ArrayBuffer>, module: WebAssembly.Module): LoadedModule {
  const entry = { bytes, module, minPages: importedMemoryMinimum(bytes) };
  loaded.set(kind, entry);
  return entry;
}

/**
 * Compiles `full.wasm` or `partial.wasm` so that verifiers of that kind can be made.
 * Without `bytes` it uses the release build embedded in this package; with `bytes` (for
 * instance the package's `uptane-wasm/partial.wasm` fetched by a browser) it uses those.
 * Loading again without bytes keeps what is loaded.
 */
export async function loadModule(kind: ModuleKind, bytes?: ArrayBuffer | ArrayBufferView): Promise<void> {
  checkKind(kind);
  if (!bytes && loaded.has(kind)) return;
  let copy: Uint8Array<ArrayBuffer>;
  if (bytes) {
    const view = ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
    copy = new Uint8Array(view);
  } else {
    copy = decodeBase64(embedded.get(kind) ?? (await importEmbedded(kind)));
  }
  remember(kind, copy, await WebAssembly.compile(copy));
}

function compiledModule(kind: ModuleKind): LoadedModule {
  checkKind(kind);
  const entry = loaded.get(kind);
  if (entry) return entry;
  const base64 = embedded.get(kind);
  if (base64 === undefined) throw new ModuleMisuseError(`${kind}.wasm is not loaded: await loadModule("${kind}") first`);
  const bytes = decodeBase64(base64);
  return remember(kind, bytes, new WebAssembly.Module(bytes));
}

/** The bytes of a loaded module (throws ModuleMisuseError if it is not loaded). */
export function moduleBytes(kind: ModuleKind): Uint8Array<ArrayBuffer> {
  return compiledModule(kind).bytes.slice();
}

function readLeb(bytes: Uint8Array, at: { pos: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at.pos++];
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return result;
    shift += 7;
  }
}

/**
 * The minimum page count of the module's imported memory, read from its import section
 * (the JS API does not expose import types). The modules import their memory so that
 * the host sets its maximum: an ECU class's memory limit is enforced by the engine.
 */
export function importedMemoryMinimum(bytes: Uint8Array): number {
  const at = { pos: 8 };
  while (at.pos < bytes.length) {
    const id = bytes[at.pos++];
    const size = readLeb(bytes, at);
    const end = at.pos + size;
    if (id === 2) {
      const count = readLeb(bytes, at);
      for (let i = 0; i < count; i++) {
        for (let name = 0; name < 2; name++) {
          const len = readLeb(bytes, at); // module name, then field name
          at.pos += len;
        }
        const kind = bytes[at.pos++];
        if (kind === 0) readLeb(bytes, at);
        else if (kind === 1) {
          at.pos++;
          if (bytes[at.pos++] & 1) readLeb(bytes, at);
          readLeb(bytes, at);
        } else if (kind === 2) {
          at.pos++; // limits flag
          return readLeb(bytes, at);
        } else at.pos += 2; // global: value type, mutability
      }
    }
    at.pos = end;
  }
  throw new ModuleMisuseError("module does not import its memory (build with importMemory)");
}

/** An instance of one module. After an abort the instance is poisoned and must be dropped. */
export class CoreInstance {
  readonly kind: ModuleKind;
  readonly exports: CoreExports;
  private aborted: string | null = null;

  /**
   * `maxPages` caps linear memory (64 KiB pages); a module that needs more fails its
   * allocation and the host raises ModuleMisuseError instead of growing past the limit.
   */
  constructor(kind: ModuleKind, options: { maxPages?: number } = {}) {
    this.kind = kind;
    const { module, minPages } = compiledModule(kind);
    if (options.maxPages !== undefined && options.maxPages < minPages) {
      throw new ModuleMisuseError(`${kind}.wasm needs at least ${minPages} pages of memory, the limit is ${options.maxPages}`);
    }
    // A fresh memory is zero-filled, which the modules are built to assume
    // (asconfig zeroFilledMemory: zero static tables are not shipped as data).
    const memory = new WebAssembly.Memory({ initial: minPages, maximum: options.maxPages ?? 65536 });
    const imports = {
      env: {
        memory,
        abort: (_msg: number, _file: number, line: number, column: number) => {
          this.aborted = `wasm abort at ${line}:${column}`;
          throw new ModuleMisuseError(`${kind}.wasm aborted (a bug, not bad input) at ${line}:${column}`);
        },
      },
    };
    const instance = new WebAssembly.Instance(module, imports);
    this.exports = instance.exports as unknown as CoreExports;
  }

  /** Throws if a previous call aborted: the host must discard such an instance. */
  checkAlive(): void {
    if (this.aborted) throw new ModuleMisuseError(`${this.kind}.wasm instance is unusable after ${this.aborted}`);
  }

  get memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /** Copies `bytes` into a fresh arena buffer and returns its pointer (0 for an empty input is fine). */
  copyIn(bytes: Uint8Array): number {
    this.checkAlive();
    const ptr = this.exports.alloc(Math.max(bytes.length, 1));
    if (ptr === 0) throw new ModuleMisuseError(`${this.kind}.wasm arena cannot hold ${bytes.length} bytes`);
    new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }

  /** A copy of `len` bytes at `ptr`. */
  copyOut(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer.slice(ptr, ptr + len));
  }

  /** A scratch buffer of `len` bytes. */
  scratch(len: number): number {
    this.checkAlive();
    const ptr = this.exports.alloc(len);
    if (ptr === 0) throw new ModuleMisuseError(`${this.kind}.wasm arena cannot hold ${len} bytes`);
    return ptr;
  }

  reset(): void {
    this.checkAlive();
    this.exports.reset();
  }
}
