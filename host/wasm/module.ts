// The one place that knows the wasm ABI: instantiates a module from the bytes embedded
// at build time, hands out typed access to its exports and copies bytes in and out.
import { fullWasmBase64, partialWasmBase64 } from "../../build/wasm-modules.ts";
import { ModuleMisuseError } from "../outcome.ts";

export type ModuleKind = "full" | "partial";

/** Raw exports common to both modules. Numbers only cross the boundary. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  alloc(len: number): number;
  reset(): void;
  used(): number;
  [name: string]: unknown;
}

const compiled = new Map<ModuleKind, WebAssembly.Module>();

/** The embedded release bytes of a module. */
export function moduleBytes(kind: ModuleKind): Uint8Array {
  return Buffer.from(kind === "full" ? fullWasmBase64 : partialWasmBase64, "base64");
}

function compiledModule(kind: ModuleKind): WebAssembly.Module {
  let mod = compiled.get(kind);
  if (!mod) {
    mod = new WebAssembly.Module(moduleBytes(kind));
    compiled.set(kind, mod);
  }
  return mod;
}

/** An instance of one module. After an abort the instance is poisoned and must be dropped. */
export class CoreInstance {
  readonly kind: ModuleKind;
  readonly exports: CoreExports;
  private aborted: string | null = null;

  constructor(kind: ModuleKind) {
    this.kind = kind;
    const imports = {
      env: {
        abort: (_msg: number, _file: number, line: number, column: number) => {
          this.aborted = `wasm abort at ${line}:${column}`;
          throw new ModuleMisuseError(`${kind}.wasm aborted (a bug, not bad input) at ${line}:${column}`);
        },
      },
    };
    const instance = new WebAssembly.Instance(compiledModule(kind), imports);
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
