// ISO-TP against hand-computed frame sequences, flow control in simulated time, and
// reassembly that refuses malformed input without throwing.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CanBus } from "../host/can/bus.ts";
import { frameBits } from "../host/can/frame.ts";
import { IsoTpEndpoint, type IsoTpConfig, IsoTpError } from "../host/can/isotp.ts";

const bytes = (n: number, start = 0) => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
const frames = (bus: CanBus) => bus.trace.map((line) => line.replace(/^\(\S+\) can0 /, ""));

function pair(bus: CanBus, tester: Partial<IsoTpConfig> = {}, ecu: Partial<IsoTpConfig> = {}) {
  const a = new IsoTpEndpoint(bus, "tester", { txId: 0x7e0, rxId: 0x7e8, ...tester });
  const b = new IsoTpEndpoint(bus, "ecu", { txId: 0x7e8, rxId: 0x7e0, ...ecu });
  const received: Uint8Array[] = [];
  const errors: IsoTpError[] = [];
  b.onMessage = (m) => received.push(m);
  b.onError = (e) => errors.push(e);
  return { a, b, received, errors };
}

test("a 5-byte message is one padded single frame", () => {
  const bus = new CanBus({ bitrate: 500_000, traceLines: 100 });
  const { a, received } = pair(bus);
  a.send(bytes(5, 1));
  bus.run();
  assert.equal(frames(bus), ["7E0#050102030405CCCC"]);
  assert.equal(received, [bytes(5, 1)]);
});

test("a 20-byte message is first frame, flow control, two consecutive frames, and takes exactly their bits", () => {
  const bus = new CanBus({ bitrate: 500_000, traceLines: 100 });
  const { a, received } = pair(bus);
  let done = false;
  a.send(bytes(20), (err) => { assert.is(err, undefined); done = true; });
  bus.run();
  assert.equal(frames(bus), [
    "7E0#1014000102030405",
    "7E8#300000CCCCCCCCCC",
    "7E0#21060708090A0B0C",
    "7E0#220D0E0F10111213",
  ]);
  assert.ok(done);
  assert.equal(received, [bytes(20)]);
  // Four 8-byte classic frames at 500 kbit/s: 4 x 135 bits x 2 µs.
  assert.is(bus.now, 4 * 135 * 2000);
});

test("without padding frames are cut to their content", () => {
  const bus = new CanBus({ bitrate: 500_000, traceLines: 100 });
  const { a, received } = pair(bus, { padding: null }, { padding: null });
  a.send(bytes(10));
  bus.run();
  assert.equal(frames(bus), ["7E0#100A000102030405", "7E8#300000", "7E0#2106070809"]);
  assert.equal(received, [bytes(10)]);
  assert.is(bus.now, (135 + frameBits({ extended: false, fd: false, brs: false, length: 3 }).nominal + frameBits({ extended: false, fd: false, brs: false, length: 5 }).nominal) * 2000);
});

test("block size and STmin: flow control after every block, consecutive frames spaced by STmin in simulated time", () => {
  const bus = new CanBus({ bitrate: 500_000, traceLines: 100 });
  const { a, received } = pair(bus, {}, { blockSize: 2, stMin: 10 });
  a.send(bytes(30));
  bus.run();
  assert.equal(frames(bus), [
    "7E0#101E000102030405",
    "7E8#30020ACCCCCCCCCC",
    "7E0#21060708090A0B0C",
    "7E0#220D0E0F10111213",
    "7E8#30020ACCCCCCCCCC",
    "7E0#231415161718191A",
    "7E0#241B1C1DCCCCCCCC",
  ]);
  assert.equal(received, [bytes(30)]);
  // 7 frames of 135 bits, plus 10 ms before each consecutive frame that follows another one in its block (2 gaps).
  assert.is(bus.now, 7 * 135 * 2000 + 2 * 10_000_000);
});

test("STmin in the 100-900 µs range (0xF1-0xF9) is honoured", () => {
  const bus = new CanBus({ bitrate: 1_000_000 });
  const { a, received } = pair(bus, {}, { stMin: 0xf5 });
  a.send(bytes(6 + 7 * 3)); // FF + 3 CFs: 2 gaps of 500 µs
  bus.run();
  assert.is(received.length, 1);
  assert.is(bus.now, 5 * 135 * 1000 + 2 * 500_000);
});

test("a message over 4095 bytes uses the escape sequence (FF_DL 0 and a 32-bit length)", () => {
  const bus = new CanBus({ bitrate: 1_000_000, traceLines: 3 });
  const { a, received } = pair(bus);
  const payload = bytes(5000, 7);
  a.send(payload);
  bus.run();
  assert.is(frames(bus)[0], "7E0#1000000013880708");
  assert.equal(received, [payload]);
  // FF carries 2 bytes, then ceil(4998 / 7) = 714 CFs, plus one FC.
  assert.is(bus.stats.frames, 1 + 714 + 1);
});

test("CAN FD: 64-byte first frame, the last consecutive frame padded to the next FD length, escaped single frames", () => {
  const bus = new CanBus({ bitrate: 500_000, fd: true, dataBitrate: 2_000_000, traceLines: 100 });
  const { a, received } = pair(bus, { fd: true }, { fd: true });
  a.send(bytes(100));
  a.sending || a.send(bytes(20));
  bus.run();
  const t = frames(bus);
  assert.is(t[0], "7E0##11064" + Buffer.from(bytes(62)).toString("hex").toUpperCase());
  assert.is(t[1], "7E8##1300000CCCCCCCCCC");
  // 38 remaining bytes + 1 PCI = 39, padded to 48.
  assert.is(t[2], "7E0##121" + Buffer.from(bytes(38, 62)).toString("hex").toUpperCase() + "CC".repeat(9));
  a.send(bytes(20));
  bus.run();
  // 20 bytes + 2 PCI = 22, padded to 24: SF_DL escape.
  assert.is(frames(bus)[3], "7E0##10014" + Buffer.from(bytes(20)).toString("hex").toUpperCase() + "CCCC");
  assert.equal(received, [bytes(100), bytes(20)]);
});

test("a 29-bit addressed link works the same way", () => {
  const bus = new CanBus({ bitrate: 500_000, traceLines: 100 });
  const { a, received } = pair(bus, { extended: true, txId: 0x18da10f1, rxId: 0x18daf110 }, { extended: true, txId: 0x18daf110, rxId: 0x18da10f1 });
  a.send(bytes(9));
  bus.run();
  assert.equal(frames(bus).slice(0, 2), ["18DA10F1#1009000102030405", "18DAF110#300000CCCCCCCCCC"]);
  assert.equal(received, [bytes(9)]);
});

function injector(bus: CanBus, id = 0x7e0) {
  const node = bus.attach("attacker", () => {});
  return (hex: string) => node.send({ id, extended: false, fd: false, brs: false, data: Buffer.from(hex, "hex") });
}

test("a consecutive frame with the wrong sequence number drops the message with a clear error", () => {
  const bus = new CanBus({ bitrate: 500_000 });
  const { received, errors } = pair(bus);
  const inject = injector(bus);
  inject("1014000102030405");
  inject("21060708090a0b0c");
  inject("230d0e0f10111213"); // 3 where 2 is due
  bus.run();
  assert.is(received.length, 0);
  assert.is(errors[0]?.kind, "WrongSequenceNumber");
  assert.match(errors[0]!.message, /expected consecutive frame 2, got 3/);
});

test("unexpected and malformed frames are refused, never thrown, and a later good message still arrives", () => {
  const bus = new CanBus({ bitrate: 500_000 });
  const { received, errors } = pair(bus);
  const inject = injector(bus);
  inject("2101020304050607"); // CF with nothing in progress
  inject("0801020304050607"); // SF_DL 8 in an 8-byte frame
  inject("0001020304050607"); // SF_DL 0
  inject("1005000102030405"); // FF announcing 5 bytes (fits a single frame)
  inject("1000000001000102"); // escaped FF announcing 256 bytes (fits 12 bits)
  inject("10140001"); // FF shorter than 8 bytes
  inject("4000");
  inject("");
  inject("03010203");
  bus.run();
  assert.equal(errors.map((e) => e.kind), ["UnexpectedFrame", "MalformedFrame", "MalformedFrame", "MalformedFrame", "MalformedFrame", "MalformedFrame", "MalformedFrame", "MalformedFrame"]);
  assert.equal(received, [Uint8Array.of(1, 2, 3)]);
});

test("a first frame longer than the cap gets flow-control overflow and the sender stops", () => {
  const bus = new CanBus({ bitrate: 500_000, traceLines: 100 });
  const { a, received, errors } = pair(bus, {}, { maxMessageLength: 1000 });
  let result: IsoTpError | undefined;
  a.send(bytes(1001), (err) => (result = err));
  bus.run();
  assert.is(frames(bus)[1], "7E8#320000CCCCCCCCCC");
  assert.is(errors[0]?.kind, "MessageTooLong");
  assert.is(result?.kind, "ReceiverOverflow");
  assert.is(received.length, 0);
  assert.is(bus.stats.frames, 2, "no consecutive frame after the overflow");
});

test("N_Bs: a sender with no flow control gives up after the timeout; N_Cr: a receiver drops a stalled message", () => {
  const bus = new CanBus({ bitrate: 500_000 });
  const lonely = new IsoTpEndpoint(bus, "tester", { txId: 0x7e0, rxId: 0x7e8, nBsMs: 250 });
  let result: IsoTpError | undefined;
  lonely.send(bytes(50), (err) => (result = err));
  bus.run();
  assert.is(result?.kind, "TimeoutBs");
  assert.is(bus.now, 135 * 2000 + 250_000_000);

  const bus2 = new CanBus({ bitrate: 500_000 });
  const { received, errors } = pair(bus2, {}, { nCrMs: 100 });
  injector(bus2)("1014000102030405");
  bus2.run();
  assert.is(errors[0]?.kind, "TimeoutCr");
  assert.is(received.length, 0);
});

test("random frames on the receive id never throw and never produce a message longer than the cap", () => {
  const bus = new CanBus({ bitrate: 1_000_000, fd: true, dataBitrate: 5_000_000 });
  const { received } = pair(bus, { fd: true }, { fd: true, maxMessageLength: 300, nCrMs: 5 });
  const node = bus.attach("fuzzer", () => {});
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) & 0xff;
  const lengths = [0, 1, 3, 7, 8, 12, 16, 20, 24, 32, 48, 64];
  for (let i = 0; i < 3000; i++) {
    const data = Uint8Array.from({ length: lengths[rand() % lengths.length]! }, rand);
    if (data.length > 0 && rand() < 160) data[0] = (data[0]! & 0x3f); // mostly valid PCI types
    node.send({ id: 0x7e0, extended: false, fd: true, brs: true, data });
  }
  bus.run();
  for (const m of received) assert.ok(m.length >= 1 && m.length <= 300);
});

test.run();
