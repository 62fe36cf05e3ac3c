// The UDS service layer against hand-computed frames: positive and negative responses,
// the download state machine and its block sequence counter, retries under frame loss.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CanBus } from "../host/can/bus.ts";
import { type DownloadSink, NRC, UdsClient, UdsNegativeResponseError, UdsRefusal, UdsServer, UdsTimeoutError, type UdsApplication } from "../host/can/uds.ts";

const frames = (bus: CanBus) => bus.trace.map((line) => line.replace(/^\(\S+\) can0 /, ""));

/** A small application: one readable DID, one writable DID, one routine, a download area at 0x1000. */
class MemoryApp implements UdsApplication {
  written = new Map<number, Uint8Array>();
  memory: number[] = [];
  finished = 0;
  aborted = 0;
  routineRuns = 0;
  readData(did: number): Uint8Array {
    if (did !== 0xf18c) throw new UdsRefusal(NRC.requestOutOfRange, `unknown DID 0x${did.toString(16)}`);
    return Buffer.from("SN1");
  }
  writeData(did: number, data: Uint8Array): void {
    if (did !== 0xf1a1) throw new UdsRefusal(NRC.requestOutOfRange, "unknown DID");
    this.written.set(did, Uint8Array.from(data));
  }
  routine(sub: number, rid: number): Uint8Array {
    if (rid !== 0x0201) throw new UdsRefusal(NRC.requestOutOfRange, "unknown routine");
    if (sub !== 1) throw new UdsRefusal(NRC.subFunctionNotSupported, "start only");
    this.routineRuns++;
    return Uint8Array.of(0x00);
  }
  requestDownload(address: number): DownloadSink {
    if (address !== 0x1000) throw new UdsRefusal(NRC.requestOutOfRange, "no such area");
    this.memory = [];
    return {
      write: (chunk) => this.memory.push(...chunk),
      finish: () => void this.finished++,
      abort: () => void this.aborted++,
    };
  }
}

function setup(busConfig: Partial<ConstructorParameters<typeof CanBus>[0]> = {}, maxBlockLength = 4097, attempts = 5) {
  const bus = new CanBus({ bitrate: 500_000, traceLines: 10_000, ...busConfig });
  const app = new MemoryApp();
  const server = new UdsServer(bus, "ecu", { txId: 0x7e8, rxId: 0x7e0 }, app, { maxBlockLength });
  const client = new UdsClient(bus, "tester", { txId: 0x7e0, rxId: 0x7e8 }, { attempts });
  return { bus, app, server, client };
}

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/ /g, ""), "hex"));

test("ReadDataByIdentifier: request and response are the single frames computed by hand", () => {
  const { bus, client } = setup();
  const response = client.request(hex("22 F18C"));
  assert.equal(frames(bus), ["7E0#0322F18CCCCCCCCC", "7E8#0662F18C534E31CC"]);
  assert.equal(response, hex("62 F18C 534E31"));
});

test("a download is RequestDownload, TransferData blocks with counters, RequestTransferExit", () => {
  const { bus, app, client } = setup({}, 6);
  assert.equal(client.request(hex("34 00 22 1000 0006")), hex("74 20 0006"));
  assert.equal(client.request(hex("36 01 AABBCCDD")), hex("76 01"));
  assert.equal(client.request(hex("36 02 EEFF")), hex("76 02"));
  assert.equal(client.request(hex("37")), hex("77"));
  assert.equal(app.memory, [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
  assert.is(app.finished, 1);
  assert.equal(frames(bus), [
    "7E0#0734002210000006", "7E8#0474200006CCCCCC",
    "7E0#063601AABBCCDDCC", "7E8#027601CCCCCCCCCC",
    "7E0#043602EEFFCCCCCC", "7E8#027602CCCCCCCCCC",
    "7E0#0137CCCCCCCCCCCC", "7E8#0177CCCCCCCCCCCC",
  ]);
});

function refusal(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (err instanceof UdsNegativeResponseError) return err.nrc;
    throw err;
  }
  throw new Error("expected a negative response");
}

test("every refusal is a negative response with its NRC, and the frame on the bus is 7F SID NRC", () => {
  const { bus, client } = setup({}, 6);
  assert.is(refusal(() => client.request(hex("22 F1"))), NRC.incorrectMessageLengthOrInvalidFormat);
  assert.is(bus.trace.at(-1)!.endsWith("7E8#037F2213CCCCCCCC"), true);
  assert.is(refusal(() => client.request(hex("22 1234"))), NRC.requestOutOfRange);
  assert.is(refusal(() => client.request(hex("2E F1A1"))), NRC.incorrectMessageLengthOrInvalidFormat);
  assert.is(refusal(() => client.request(hex("31 05 0201"))), NRC.subFunctionNotSupported);
  assert.is(refusal(() => client.request(hex("31 01 0999"))), NRC.requestOutOfRange);
  assert.is(refusal(() => client.request(hex("10 03"))), NRC.serviceNotSupported);
  assert.is(refusal(() => client.request(hex("36 01 00"))), NRC.requestSequenceError, "TransferData before RequestDownload");
  assert.is(refusal(() => client.request(hex("37"))), NRC.requestSequenceError, "exit before RequestDownload");
  assert.is(refusal(() => client.request(hex("34 00 22 1000"))), NRC.incorrectMessageLengthOrInvalidFormat);
  assert.is(refusal(() => client.request(hex("34 00 55 1000 0006"))), NRC.requestOutOfRange, "5-byte lengths");
  assert.is(refusal(() => client.request(hex("34 11 22 1000 0006"))), NRC.requestOutOfRange, "compressed data");
  assert.is(refusal(() => client.request(hex("34 00 22 2000 0006"))), NRC.requestOutOfRange, "unknown area");
  assert.is(refusal(() => client.request(hex("34 00 22 1000 0000"))), NRC.requestOutOfRange, "zero size");
  client.request(hex("34 00 22 1000 0006"));
  assert.is(refusal(() => client.request(hex("34 00 22 1000 0005"))), NRC.conditionsNotCorrect, "second download while one is active");
  assert.is(refusal(() => client.request(hex("36 02 00"))), NRC.wrongBlockSequenceCounter);
  assert.is(refusal(() => client.request(hex("36 01 0102030405"))), NRC.incorrectMessageLengthOrInvalidFormat, "block over maxNumberOfBlockLength");
  client.request(hex("36 01 01020304"));
  assert.is(refusal(() => client.request(hex("37"))), NRC.requestSequenceError, "exit with 2 bytes missing");
  assert.is(refusal(() => client.request(hex("36 02 010203"))), NRC.transferDataSuspended, "past the announced size");
  assert.is(refusal(() => client.request(hex("36 03 01"))), NRC.requestSequenceError, "the suspended download is gone");
});

test("a 100-byte TransferData takes exactly the bits of its 17 frames on classic CAN 500k", () => {
  const { bus, client } = setup({}, 4097);
  client.request(hex("34 00 22 1000 0064"));
  const start = bus.now;
  const startFrames = bus.stats.frames;
  client.request(Uint8Array.of(0x36, 0x01, ...new Uint8Array(100)));
  // Request of 102 bytes: FF (6 data bytes) + FC + ceil(96 / 7) = 14 CFs; response: 1 SF. All padded to 8 bytes (135 bits).
  assert.is(bus.stats.frames - startFrames, 17);
  assert.is(bus.now - start, 17 * 135 * 2000);
});

test("a retried TransferData block (its response was lost) is acknowledged without being written twice", () => {
  const { app, client } = setup({}, 6);
  client.request(hex("34 00 22 1000 0004"));
  client.request(hex("36 01 0102"));
  client.request(hex("36 01 0102")); // as if the first response was lost
  client.request(hex("36 02 0304"));
  client.request(hex("37"));
  assert.equal(app.memory, [1, 2, 3, 4]);
});

test("5% frame loss: requests complete through retries, and a dead link fails with a timeout, not a hang", () => {
  // 64-byte blocks: 10 frames each way, so about half the attempts lose a frame.
  const { app, client, bus } = setup({ lossRate: 0.05, seed: 3 }, 66, 30);
  const image = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff);
  client.request(Uint8Array.of(0x34, 0x00, 0x22, 0x10, 0x00, image.length >> 8, image.length & 0xff));
  let counter = 1;
  for (let off = 0; off < image.length; off += 64) {
    const c = counter;
    client.request(Uint8Array.of(0x36, c, ...image.subarray(off, off + 64)), (r) => r[1] === c);
    counter = (counter + 1) & 0xff;
  }
  client.request(hex("37"));
  assert.equal(Uint8Array.from(app.memory), image);
  assert.ok(bus.stats.lost > 0 && client.retries > 0, `lost ${bus.stats.lost}, retries ${client.retries}`);

  const dead = setup({ lossRate: 1 });
  assert.throws(() => dead.client.request(hex("22 F18C")), (err: unknown) => err instanceof UdsTimeoutError && /after 5 attempt/.test((err as Error).message));
});

test("a repeated routine request after a lost response runs the routine once", () => {
  const { app, client } = setup();
  client.request(hex("31 01 0201"));
  client.request(hex("31 01 0201"));
  assert.is(app.routineRuns, 1);
  client.request(hex("22 F18C"));
  client.request(hex("31 01 0201"));
  assert.is(app.routineRuns, 2, "a new request after another one runs again");
});

test("a download abandoned by its tester (idle past the S3 time) gives way to a new RequestDownload; a live one does not", () => {
  const { bus, app, client } = setup({}, 6);
  client.request(hex("34 00 22 1000 0006"));
  client.request(hex("36 01 01020304"));
  assert.is(refusal(() => client.request(hex("34 00 22 1000 0005"))), NRC.conditionsNotCorrect, "still live");
  bus.schedule(5_000_000_000, () => {});
  bus.run();
  client.request(hex("34 00 22 1000 0003"));
  assert.is(app.aborted, 1, "the abandoned download was aborted, its bytes discarded");
  client.request(hex("36 01 0A0B0C"));
  client.request(hex("37"));
  assert.equal(app.memory, [0x0a, 0x0b, 0x0c]);
  assert.is(app.finished, 1);
});

test.run();
