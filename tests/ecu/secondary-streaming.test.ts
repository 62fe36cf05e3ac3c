// A partial-verification Secondary streams the Director targets of its UDS metadata
// download into partial.wasm block by block (README "Streaming partial verification"):
// a 300 KB document verifies and installs with a 1-page memory maximum, a tampered one is
// refused at the end of the transfer, and a malformed container still names what is wrong.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { partialVerifier } from "../../host/ecu/verifiers.ts";
import { SecondaryRefusedError } from "../../host/ecu/secondary-client.ts";
import { encodeBundle } from "../../host/ecu/secondary-protocol.ts";
import type { VehicleSim } from "../sim/vehicle.ts";
import { directorBundle, rig, SECONDARY, tempDir, update, vehicle } from "./rig.ts";

const onePage = (v: VehicleSim) => partialVerifier({ ...v.partialConfig(SECONDARY.serial), memoryLimitPages: 1 });

function padded(bytes: number): VehicleSim {
  const v = vehicle();
  v.director.tamper.targets = (s) => {
    for (let i = 0; i < Math.ceil(bytes / 1000); i++) {
      s.targets[`filler/${String(i).padStart(6, "0")}.bin`] = { length: i, hashes: { sha256: i.toString(16).padStart(64, "0") }, custom: { ecuIdentifiers: {}, note: "n".repeat(900) } };
    }
  };
  return v;
}

test("partial Secondary: 300 KB of Director targets over UDS, streamed into one page: installed", async () => {
  const v = padded(300_000);
  assert.ok(encodeBundle(directorBundle(v)).length > 290_000);
  const r = rig(tempDir("stream"), onePage(v));
  assert.is(await update(r, v), "installed");
});

test("partial Secondary: streamed Director targets changed after signing: refused (UnmetThreshold)", async () => {
  const v = padded(100_000);
  const r = rig(tempDir("stream-bad"), onePage(v));
  const report = await r.client.readReport();
  await r.client.sendTime(v.timeAttestation({ nonces: [report.signed.nonce] }));
  const bundle = directorBundle(v);
  const text = Buffer.from(bundle.director.targets).toString("utf8").replace('"note":"n', '"note":"m');
  let refused: unknown = null;
  try {
    await r.client.sendMetadata({ director: { ...bundle.director, targets: Buffer.from(text, "utf8") } });
  } catch (err) {
    refused = err;
  }
  assert.ok(refused instanceof SecondaryRefusedError, String(refused));
  assert.match(String((refused as Error).message), /UnmetThreshold/);
});

test("partial Secondary: a streamed container cut short is refused as malformed", async () => {
  const v = padded(20_000);
  const r = rig(tempDir("stream-cut"), onePage(v));
  const report = await r.client.readReport();
  await r.client.sendTime(v.timeAttestation({ nonces: [report.signed.nonce] }));
  const bundle = directorBundle(v);
  // a targets entry that claims more bytes than the download holds
  const bytes = encodeBundle(bundle);
  const cut = bytes.subarray(0, bytes.length - 10);
  let refused: unknown = null;
  try {
    await (r.client as unknown as { download(area: number, src: { length: number; chunks: Uint8Array[] }, what: string): Promise<void> }).download(0x4d45_5441, { length: cut.length, chunks: [cut] }, "metadata");
  } catch (err) {
    refused = err;
  }
  assert.ok(refused instanceof SecondaryRefusedError, String(refused));
  assert.match(String((refused as Error).message), /incorrectMessageLengthOrInvalidFormat/);
  assert.match((await r.client.lastResult()).detail, /truncated/);
});

test.run();
