// The simulated bus: bit counts by hand, arbitration order, the clock, injection and the trace.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CanBus } from "../host/can/bus.ts";
import { type CanFrame, frameBits } from "../host/can/frame.ts";

const std = (id: number, hex: string): CanFrame => ({ id, extended: false, fd: false, brs: false, data: Buffer.from(hex, "hex") });

test("worst-case bit counts match the hand-computed formula for classic and FD frames", () => {
  // Classic base, 8 bytes: 34 + 64 + 13 + floor(97/4) = 135 (the textbook worst case).
  assert.equal(frameBits({ extended: false, fd: false, brs: false, length: 8 }), { nominal: 135, data: 0 });
  // Classic base, 0 bytes: 34 + 13 + floor(33/4) = 55.
  assert.equal(frameBits({ extended: false, fd: false, brs: false, length: 0 }), { nominal: 55, data: 0 });
  // Classic extended, 8 bytes: 54 + 64 + 13 + floor(117/4) = 160.
  assert.equal(frameBits({ extended: true, fd: false, brs: false, length: 8 }), { nominal: 160, data: 0 });
  // FD base, 64 bytes, BRS: nominal 17 + 4 + 13 = 34; data 517 + (133 - 4) + 4 + 21 + 7 = 678.
  assert.equal(frameBits({ extended: false, fd: true, brs: true, length: 64 }), { nominal: 34, data: 678 });
  // FD base, 12 bytes, BRS: d = 101, s = floor(117/4) = 29; data 101 + 25 + 4 + 17 + 6 = 153.
  assert.equal(frameBits({ extended: false, fd: true, brs: true, length: 12 }), { nominal: 34, data: 153 });
  // FD extended, 64 bytes: a = 36, s_a = 8, s = floor(552/4) = 138; nominal 36 + 8 + 13 = 57; data 517 + 130 + 32 = 679.
  assert.equal(frameBits({ extended: true, fd: true, brs: true, length: 64 }), { nominal: 57, data: 679 });
  // FD without BRS: everything at the nominal rate.
  assert.equal(frameBits({ extended: false, fd: true, brs: false, length: 64 }), { nominal: 712, data: 0 });
});

test("the clock charges each frame its bits at the configured rates", () => {
  const classic = new CanBus({ bitrate: 500_000 });
  classic.attach("a", () => {}).send(std(0x123, "deadbeefdeadbeef"));
  classic.run();
  assert.is(classic.now, 135 * 2000, "135 bits at 500 kbit/s");
  const fd = new CanBus({ bitrate: 500_000, fd: true, dataBitrate: 2_000_000 });
  fd.attach("a", () => {}).send({ id: 0x123, extended: false, fd: true, brs: true, data: new Uint8Array(64) });
  fd.run();
  assert.is(fd.now, 34 * 2000 + 678 * 500, "arbitration at 500k, data phase at 2M");
  const slow = new CanBus({ bitrate: 125_000 });
  slow.attach("a", () => {}).send(std(0x1, ""));
  slow.run();
  assert.is(slow.now, 55 * 8000);
});

test("the lowest identifier wins arbitration; a standard frame beats an extended one with the same base id", () => {
  const bus = new CanBus({ bitrate: 1_000_000 });
  const seen: string[] = [];
  bus.attach("listener", (f) => seen.push(`${f.extended ? "x" : ""}${f.id.toString(16)}`));
  const a = bus.attach("a", () => {});
  const b = bus.attach("b", () => {});
  const c = bus.attach("c", () => {});
  a.send(std(0x300, "01"));
  b.send({ id: 0x123 << 18, extended: true, fd: false, brs: false, data: Uint8Array.of(2) });
  c.send(std(0x123, "03"));
  a.send(std(0x050, "04")); // queued behind a's 0x300: a node sends its own frames in order
  bus.run();
  assert.equal(seen, ["123", `x${(0x123 << 18).toString(16)}`, "300", "50"]);
});

test("the trace reads like candump -L, with FD flags, extended ids and injected faults marked", () => {
  const bus = new CanBus({ bitrate: 500_000, fd: true, dataBitrate: 2_000_000, traceLines: 10 });
  const n = bus.attach("a", () => {});
  n.send(std(0x123, "deadbeef"));
  n.send({ id: 0x18daf110, extended: true, fd: true, brs: true, data: Buffer.from("0102030405060708090a0b0c", "hex") });
  bus.run();
  const t1 = frameBits({ extended: false, fd: false, brs: false, length: 4 }).nominal * 2000;
  assert.is(bus.trace[0], `(${(t1 / 1e9).toFixed(6).padStart(17, "0")}) can0 123#DEADBEEF`);
  assert.match(bus.trace[1]!, / can0 18DAF110##10102030405060708090A0B0C$/);
});

test("injected loss, corruption and error frames are deterministic for a seed", () => {
  const runOnce = (seed: number) => {
    const bus = new CanBus({ bitrate: 500_000, lossRate: 0.2, corruptionRate: 0.2, errorRate: 0.2, seed, traceLines: 1000 });
    const got: string[] = [];
    bus.attach("rx", (f) => got.push(Buffer.from(f.data).toString("hex")));
    const tx = bus.attach("tx", () => {});
    for (let i = 0; i < 200; i++) tx.send(std(0x100, "00112233445566" + i.toString(16).padStart(2, "0")));
    bus.run();
    return { got, stats: { ...bus.stats }, trace: bus.trace.join("\n"), now: bus.now };
  };
  const a = runOnce(7);
  const b = runOnce(7);
  assert.equal(a, b, "same seed, same run");
  assert.ok(a.stats.lost > 10 && a.stats.corrupted > 10 && a.stats.errorFrames > 10, JSON.stringify(a.stats));
  assert.is(a.got.length, 200 - a.stats.lost, "lost frames never arrive; errored ones are retransmitted");
  assert.ok(a.got.some((hex) => !hex.startsWith("00112233445566")), "a corrupted frame arrives with a flipped bit");
  assert.match(a.trace, /# lost/);
  assert.match(a.trace, /# error frame, retransmitting/);
  assert.not.equal(runOnce(8).got, a.got, "another seed, another run");
});

test("frames the bus cannot carry are refused when queued", () => {
  const classic = new CanBus({ bitrate: 500_000 });
  const n = classic.attach("a", () => {});
  assert.throws(() => n.send(std(0x800, "")), /does not fit 11 bits/);
  assert.throws(() => n.send(std(0x100, "000102030405060708")), /cannot carry 9 bytes/);
  assert.throws(() => n.send({ id: 1, extended: false, fd: true, brs: true, data: new Uint8Array(12) }), /classic CAN bus/);
  const fd = new CanBus({ bitrate: 500_000, fd: true, dataBitrate: 5_000_000 });
  assert.throws(() => fd.attach("a", () => {}).send({ id: 1, extended: false, fd: true, brs: true, data: new Uint8Array(13) }), /cannot carry 13 bytes/);
  assert.throws(() => new CanBus({ bitrate: 300_001 }), /whole number of ns/);
});

test.run();
