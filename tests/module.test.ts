// The loader instantiates both embedded modules and the buffer ABI behaves.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CoreInstance } from "../host/wasm/module.ts";

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
}

test.run();
