// Our SHA-256 and SHA-512 (assembly/crypto/) through the host wrapper, against Node's
// crypto: every short length, large inputs, any chunking, flat memory, and bad ranges
// that must give a status instead of a trap.
import { createHash, randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { digest as asSha256Digest } from "@chainsafe/as-sha256";
import "../../host/wasm/embedded.ts";
import { CryptoCore, type HashAlgorithm } from "../../host/wasm/crypto.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const nodeHash = (alg: HashAlgorithm, b: Uint8Array) => createHash(alg).update(b).digest("hex");

/** Deterministic pseudo-random bytes (xorshift32), so a failure can be replayed. */
function pseudoRandom(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = seed | 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const ALGS: HashAlgorithm[] = ["sha256", "sha512"];
const full = new CryptoCore("full");
const partial = new CryptoCore("partial");

for (const alg of ALGS) {
  for (const [kind, crypto] of [["full", full], ["partial", partial]] as const) {
    test(`${kind}.wasm ${alg} matches Node for every length 0..300, one-shot and streamed`, () => {
      const data = pseudoRandom(300, 0x5eed);
      for (let len = 0; len <= 300; len++) {
        const bytes = data.subarray(0, len);
        const want = nodeHash(alg, bytes);
        assert.is(hex(crypto[alg](bytes)), want, `one-shot, length ${len}`);
        const h = crypto.createHash(alg);
        h.update(bytes.subarray(0, len >> 1)).update(bytes.subarray(len >> 1));
        assert.is(hex(h.digest()), want, `two chunks, length ${len}`);
      }
    });
  }

  test(`${alg} of 1 MiB matches Node for chunk sizes 1, 3, 63, 64, 65, 127, 4096 and random`, () => {
    const data = pseudoRandom(1 << 20, 0xabcdef);
    const want = nodeHash(alg, data);
    assert.is(hex(full[alg](data)), want, "one-shot, full.wasm (unrolled rounds)");
    assert.is(hex(partial[alg](data)), want, "one-shot, partial.wasm (looped rounds)");
    for (const size of [1, 3, 63, 64, 65, 127, 4096]) {
      // Chunk size 1 over a whole MiB is a million host calls; 64 KiB of it shows the same thing.
      const input = size === 1 ? data.subarray(0, 65_536 + 17) : data;
      const h = full.createHash(alg);
      for (let off = 0; off < input.length; off += size) h.update(input.subarray(off, off + size));
      assert.is(hex(h.digest()), nodeHash(alg, input), `chunks of ${size}`);
    }
    const h = full.createHash(alg);
    let off = 0;
    let seed = 7;
    while (off < data.length) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const size = seed % 9000; // includes empty chunks
      h.update(data.subarray(off, off + size));
      off += size;
    }
    assert.is(hex(h.digest()), want, "random chunk sizes");
  });

  test(`${alg} of 64 MiB matches Node without growing linear memory past a few pages`, () => {
    const crypto = new CryptoCore("full");
    const before = crypto.core.memoryBytes;
    const data = randomBytes(64 << 20);
    assert.is(hex(crypto[alg](data)), nodeHash(alg, data));
    assert.ok(crypto.core.memoryBytes - before <= 2 << 16, `memory grew from ${before} to ${crypto.core.memoryBytes}`);
  });

  test(`1,000 ${alg} hashes leave memory.buffer.byteLength unchanged`, () => {
    const crypto = new CryptoCore("partial");
    const data = pseudoRandom(5000, 99);
    crypto[alg](data);
    crypto.createHash(alg).update(data).digest();
    const bytes = crypto.core.exports.memory.buffer.byteLength;
    for (let i = 0; i < 500; i++) {
      crypto[alg](data.subarray(0, i * 10));
      crypto.createHash(alg).update(data.subarray(0, i)).update(data.subarray(i, 2 * i)).digest();
    }
    assert.is(crypto.core.exports.memory.buffer.byteLength, bytes);
  });
}

test("sha256 agrees with @chainsafe/as-sha256 one-shot digest (its correct path)", () => {
  for (const len of [0, 1, 31, 32, 55, 56, 64, 100, 1000, 65_537, 300_000]) {
    const data = pseudoRandom(len, len + 1);
    assert.is(hex(full.sha256(data)), hex(asSha256Digest(data)), `length ${len}`);
  }
});

test("two streaming hashes interleaved on one module do not disturb each other", () => {
  const a = pseudoRandom(1000, 1);
  const b = pseudoRandom(777, 2);
  const ha = full.createHash("sha256");
  const hb = full.createHash("sha512");
  const hc = full.createHash("sha256");
  for (let i = 0; i < 10; i++) {
    ha.update(a.subarray(i * 100, i * 100 + 100));
    hb.update(b.subarray(i * 77, i * 77 + 77));
    full.sha512(b); // one-shot calls between updates use their own context
    hc.update(a.subarray(0, 3));
  }
  hb.update(b.subarray(770));
  assert.is(hex(hb.digest()), nodeHash("sha512", b));
  assert.is(hex(ha.digest()), nodeHash("sha256", a));
  assert.is(hex(hc.digest()), nodeHash("sha256", new Uint8Array(30).map((_, i) => a[i % 3])));
});

test("a hasher refuses use after digest()", () => {
  const h = full.createHash("sha256");
  h.digest();
  assert.throws(() => h.update(new Uint8Array(1)), /after digest/);
  assert.throws(() => h.digest(), /twice/);
});

test("ranges beyond linear memory give BadLength from the module, never a trap", () => {
  const crypto = new CryptoCore("full");
  const exp = crypto.core.exports as unknown as Record<string, (...a: number[]) => number>;
  const end = crypto.core.memoryBytes;
  crypto.core.reset();
  const out = crypto.core.scratch(64);
  const BadLength = 2;
  assert.is(exp.sha256Digest(0, end + 1, out), BadLength, "input past the end of memory");
  assert.is(exp.sha512Digest(out, 0xffff_ffff, out), BadLength, "length wrapping the address space");
  assert.is(exp.sha256Digest(out, 16, end - 8), BadLength, "digest written past the end of memory");
  assert.is(exp.sha512Digest(out, 16, 0), BadLength, "digest written over the module's static data");
  assert.is(exp.hashInit(256), 0);
  assert.is(exp.hashUpdate(0xffff_fff0, 0x20), BadLength, "streamed chunk past the end of memory");
  assert.is(exp.hashFinal(end), BadLength);
  assert.is(exp.hashInit(384), 1, "unknown algorithm is Invalid");
  crypto.core.checkAlive();
  // The instance still works after the refusals.
  assert.is(hex(crypto.sha256(new Uint8Array(3))), nodeHash("sha256", new Uint8Array(3)));
});

test("ed25519Verify: wrong-length keys and signatures are BadLength from the module", () => {
  const msg = new Uint8Array(10);
  assert.is(full.ed25519Verify(new Uint8Array(31), new Uint8Array(64), msg), "BadLength");
  assert.is(full.ed25519Verify(new Uint8Array(33), new Uint8Array(64), msg), "BadLength");
  assert.is(full.ed25519Verify(new Uint8Array(32), new Uint8Array(63), msg), "BadLength");
  assert.is(full.ed25519Verify(new Uint8Array(0), new Uint8Array(0), msg), "BadLength");
  assert.is(partial.ed25519Verify(new Uint8Array(32), new Uint8Array(65), msg), "BadLength");
});

test("ed25519Verify: a message beyond the arena's capacity is BadLength, not a trap", () => {
  const crypto = new CryptoCore("partial");
  const huge = new Uint8Array((64 << 20) + 1);
  assert.is(crypto.ed25519Verify(new Uint8Array(32), new Uint8Array(64), huge), "BadLength");
  crypto.core.checkAlive();
});

test.run();
