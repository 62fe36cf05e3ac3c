// The metadata bundle container that carries metadata files to a Secondary.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeBundle, encodeBundle, MalformedBundleError } from "../../host/ecu/secondary-protocol.ts";
import type { MetadataBundle } from "../../model/metadata-bundle.ts";

const b = (s: string) => new Uint8Array(Buffer.from(s));
const full: MetadataBundle = {
  director: { roots: [b("r1"), b("r2")], timestamp: b("dts"), snapshot: b("dsn"), targets: b("dt"), delegations: new Map() },
  image: { roots: [b("ir1")], timestamp: b("its"), snapshot: b("isn"), targets: b("it"), delegations: new Map([["supplier", b("sup")], ["tier2", b("t2")]]) },
};

test("a bundle round-trips: roots in order, both repositories, delegations by name", () => {
  assert.equal(decodeBundle(encodeBundle(full)), full);
  const partial: MetadataBundle = { director: { roots: [b("r1")], targets: b("dt") } };
  assert.equal(decodeBundle(encodeBundle(partial)), { director: { roots: [b("r1")], targets: b("dt"), delegations: new Map() } });
});

test("every truncation and a trailing byte are refused as malformed, never thrown as anything else", () => {
  const bytes = encodeBundle(full);
  for (let n = 0; n < bytes.length; n++) assert.throws(() => decodeBundle(bytes.subarray(0, n)), (e: unknown) => e instanceof MalformedBundleError, `cut at ${n}`);
  assert.throws(() => decodeBundle(Uint8Array.from([...bytes, 0])), /trailing/);
});

test("duplicate roles, unknown kinds and a bundle without Director targets are refused", () => {
  const one = (repo: number, kind: number, name = "", data = "x") => [repo, kind, 0, name.length, ...Buffer.from(name), 0, 0, 0, data.length, ...Buffer.from(data)];
  const bundle = (...entries: number[][]) => Uint8Array.from([0x55, 0x50, 0x4d, 0x42, 0x01, 0, entries.length, ...entries.flat()]);
  assert.throws(() => decodeBundle(bundle(one(0, 3), one(0, 3))), /a second targets/);
  assert.throws(() => decodeBundle(bundle(one(0, 3), one(1, 4, "a"), one(1, 4, "a"), one(1, 3))), /"a" twice/);
  assert.throws(() => decodeBundle(bundle(one(0, 9))), /unknown kind/);
  assert.throws(() => decodeBundle(bundle(one(2, 3))), /unknown repository/);
  assert.throws(() => decodeBundle(bundle(one(0, 0))), /no Director targets/);
  assert.throws(() => decodeBundle(bundle(one(0, 3), one(1, 1))), /Image repository files without targets/);
  assert.throws(() => decodeBundle(b('{"signed":{}}')), /bad magic/);
});

test.run();
