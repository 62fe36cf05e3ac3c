// The loader instantiates both embedded modules and the buffer ABI behaves.
import { test } from "uvu";
import * as assert from "uvu/assert";
import "../host/wasm/embedded.ts";
import { CoreInstance, importedMemoryMinimum, moduleBytes } from "../host/wasm/module.ts";
import { ModuleMisuseError } from "../model/outcome.ts";

// The size targets: a module that grows past them fails here, not in a later benchmark.
// partial.wasm with the streaming Director targets reader (README "Streaming partial
// verification") and the size work of README "Verification core": sizes.
test("size budget: partial.wasm under 24,000 bytes, full.wasm under 64 KB, partial-p256.wasm under 40 KB", () => {
  assert.ok(moduleBytes("partial").length < 24_000, `partial.wasm is ${moduleBytes("partial").length} bytes`);
  assert.ok(moduleBytes("partial-p256").length < 40_000, `partial-p256.wasm is ${moduleBytes("partial-p256").length} bytes`);
  assert.ok(moduleBytes("full").length < 64_000, `full.wasm is ${moduleBytes("full").length} bytes`);
});

// The decrypting builds (README "Per-ECU image encryption: the ECU side") are separate
// modules so that full.wasm and partial.wasm keep their budgets; they carry X25519,
// ChaCha20-Poly1305, AES-128-GCM, HKDF and HPKE on top, about 8 KB.
test("size: full-enc.wasm under 80 KB and partial-enc.wasm under 40 KB, each larger than its base module", () => {
  assert.ok(moduleBytes("full-enc").length < 80_000, `full-enc.wasm is ${moduleBytes("full-enc").length} bytes`);
  assert.ok(moduleBytes("partial-enc").length < 40_000, `partial-enc.wasm is ${moduleBytes("partial-enc").length} bytes`);
  assert.ok(moduleBytes("full-enc").length > moduleBytes("full").length);
  assert.ok(moduleBytes("partial-enc").length > moduleBytes("partial").length);
});

for (const kind of ["full", "partial"] as const) {
  test(`${kind}.wasm: buffers round-trip and reset reuses the same memory`, () => {
    const core = new CoreInstance(kind);
    const bytes = new Uint8Array(100_000).map((_, i) => i * 7);
    const ptr = core.copyIn(bytes);
    assert.equal(core.copyOut(ptr, bytes.length), bytes);
    const pages = core.memoryBytes;
    for (let i = 0; i < 50; i++) {
      core.reset();
      assert.is(core.copyIn(bytes), ptr, "after reset the arena hands out the same buffer");
    }
    assert.is(core.memoryBytes, pages, "memory does not grow over repeated resets");
  });

  test(`${kind}.wasm: a buffer beyond the arena cap is refused, not a trap`, () => {
    const core = new CoreInstance(kind);
    assert.is(core.exports.alloc(0xffff_fff0), 0);
  });

  test(`${kind}.wasm: an ECU memory limit is enforced by the engine, not exceeded`, () => {
    const min = importedMemoryMinimum(moduleBytes(kind));
    const core = new CoreInstance(kind, { maxPages: min + 1 });
    assert.ok(core.exports.alloc(32 * 1024) !== 0, "what fits in the limit is handed out");
    assert.is(core.exports.alloc(128 * 1024), 0, "what would grow memory past the limit is refused");
    assert.ok(core.memoryBytes <= (min + 1) * 65536, "memory stayed within the limit");
    assert.throws(() => core.copyIn(new Uint8Array(128 * 1024)), (e: unknown) => e instanceof ModuleMisuseError);
  });

  test(`${kind}.wasm: a limit below the module's static memory is refused at instantiation`, () => {
    const min = importedMemoryMinimum(moduleBytes(kind));
    assert.throws(() => new CoreInstance(kind, { maxPages: min - 1 }), /needs at least/);
  });
}

test.run();
