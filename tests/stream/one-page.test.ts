// Streamed partial verification runs in one 64 KiB page of linear memory whatever the
// size of the Director targets document (README "Streaming partial verification"): 16 KB,
// 300 KB and 4 MB documents verify with a 1-page memory maximum; the cap is the full
// verifier's 5 MiB (5 MiB + 1 byte is OversizedMetadata before a byte is read); input
// that is not canonical JSON is refused with its own detail.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VehicleSim } from "../sim/vehicle.ts";
import { vehicleWithDirectorTargets } from "./documents.ts";
import { AT } from "../attacks/partial-rows.ts";
import { expectOutcome } from "../attacks/harness.ts";
import { PartialVerifier } from "../../host/wasm/verifier.ts";
import { canonicalForwarding } from "../../host/wasm/canonical.ts";

const FIVE_MIB = 5 << 20;

function verifyInOnePage(v: VehicleSim, chunk = 4095) {
  const verifier = new PartialVerifier({ ...v.partialConfig(), memoryLimitPages: 1 });
  const files = v.director.files(1);
  const targets = canonicalForwarding(files.targets);
  const r = verifier.updateStreamed({ rootRotations: files.rootRotations, targets }, AT(v), chunk);
  return { r, size: targets.length, pages: verifier.memoryPages };
}

for (const [label, bytes] of [["16 KB", 16_000], ["300 KB", 300_000], ["4 MB", 4_000_000]] as const) {
  test(`streamed: ${label} of Director targets verify with a 1-page memory maximum`, () => {
    const v = vehicleWithDirectorTargets(bytes);
    const { r, size, pages } = verifyInOnePage(v);
    expectOutcome(r, "Ok", null, null);
    assert.equal(r.target, v.expectedTarget(v.assignedName()));
    assert.ok(size >= bytes * 0.9, `document of ${size} bytes`);
    assert.is(pages, 1);
  });
}

test("streamed: 5 MiB + 1 byte is OversizedMetadata at begin, nothing read", () => {
  const v = VehicleSim.standard();
  const verifier = new PartialVerifier({ ...v.partialConfig(), memoryLimitPages: 1 });
  const stream = verifier.beginStream({ rootRotations: [], targetsLength: FIVE_MIB + 1 }, AT(v));
  const r = stream.chunk(new Uint8Array(16));
  assert.ok(r);
  expectOutcome(r!, "OversizedMetadata", "director", "targets");
  assert.is(r!.expected, FIVE_MIB);
  assert.is(r!.got, FIVE_MIB + 1);
});

test("streamed: more bytes than announced stop the stream (InvalidMetadata)", () => {
  const v = VehicleSim.standard();
  const verifier = new PartialVerifier(v.partialConfig());
  const targets = canonicalForwarding(v.director.files(1).targets);
  const stream = verifier.beginStream({ rootRotations: [], targetsLength: targets.length - 1 }, AT(v));
  const r = stream.chunk(targets);
  expectOutcome(r!, "InvalidMetadata", "director", "targets");
  assert.match(r!.detail, /more bytes than announced/);
});

test("streamed: a document that is not canonical JSON is refused with its own detail", () => {
  const v = VehicleSim.standard();
  const files = v.director.files(1);
  const canonical = canonicalForwarding(files.targets);
  const pretty = Buffer.from(JSON.stringify(JSON.parse(Buffer.from(canonical).toString()), null, 1));
  // the simulator's own encoding: signed members in insertion order
  for (const input of [files.targets, pretty]) {
    const verifier = new PartialVerifier(v.partialConfig());
    const r = verifier.updateStreamed({ rootRotations: [], targets: input }, AT(v));
    expectOutcome(r, "InvalidMetadata", "director", "targets");
    assert.match(r.detail, /not canonical JSON/);
  }
  const verifier = new PartialVerifier(v.partialConfig());
  expectOutcome(verifier.updateStreamed({ rootRotations: [], targets: canonical }, AT(v)), "Ok", null, null);
});

test("streamed: fewer bytes than announced is InvalidMetadata", () => {
  const v = VehicleSim.standard();
  const verifier = new PartialVerifier(v.partialConfig());
  const targets = canonicalForwarding(v.director.files(1).targets);
  const stream = verifier.beginStream({ rootRotations: [], targetsLength: targets.length + 1 }, AT(v));
  assert.is(stream.chunk(targets), null);
  const r = stream.finish();
  expectOutcome(r, "InvalidMetadata", "director", "targets");
  assert.match(r.detail, /fewer bytes than announced/);
});

test.run();
