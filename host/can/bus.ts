// A simulated CAN / CAN FD bus: nodes queue frames, the lowest identifier wins
// arbitration, every frame costs its bits (host/can/frame.ts) on a simulated clock, and
// loss, corruption and error frames are injected from a seeded PRNG so every run is
// reproducible. The simulation runs as fast as the CPU allows; `now` says how long the
// traffic would have taken on a real bus.
import { type CanFrame, checkFrame, formatFrame, frameBits } from "./frame.ts";

export interface BusConfig {
  /** Interface name in the trace (default "can0"). */
  name?: string;
  /** Nominal (arbitration) bit rate in bit/s: 125_000, 500_000, 1_000_000, ... */
  bitrate: number;
  /** CAN FD bus: frames up to 64 bytes allowed. */
  fd?: boolean;
  /** CAN FD data-phase bit rate (frames with BRS), e.g. 2_000_000 or 5_000_000. */
  dataBitrate?: number;
  /** Probability that a frame vanishes (sent, never received; no retransmission). */
  lossRate?: number;
  /** Probability that a delivered frame has one data bit flipped that the CRC missed. */
  corruptionRate?: number;
  /** Probability that a frame is destroyed by an error frame and retransmitted by its sender. */
  errorRate?: number;
  /** PRNG seed for the three rates above (default 1). */
  seed?: number;
  /** Keep a candump-like trace, at most this many lines (0: none; default 0). */
  traceLines?: number;
}

export type FrameHandler = (frame: CanFrame) => void;

/** Error flag (6) + error delimiter (8) + interframe space (3), charged after a destroyed frame. */
const ERROR_FRAME_BITS = 17;
const NS_PER_SECOND = 1_000_000_000;

export interface BusStats {
  frames: number;
  dataBytes: number;
  nominalBits: number;
  dataPhaseBits: number;
  lost: number;
  corrupted: number;
  errorFrames: number;
  /** Simulated time the bus was busy, ns. */
  busyNs: number;
}

export interface Timer {
  cancel(): void;
}

interface Event {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A node on the bus: it sends frames (FIFO) and receives every frame other nodes send. */
export class CanNode {
  readonly name: string;
  readonly queue: Array<{ frame: CanFrame; onSent?: () => void }> = [];
  /** Attach order: breaks ties between equal identifiers (a misconfiguration on a real bus). */
  readonly index: number;
  private readonly bus: CanBus;
  readonly onFrame: FrameHandler;

  constructor(bus: CanBus, name: string, index: number, onFrame: FrameHandler) {
    this.bus = bus;
    this.name = name;
    this.index = index;
    this.onFrame = onFrame;
  }

  /**
   * Queues a frame; it goes out when this node's earlier frames have and it wins
   * arbitration. `onSent` runs when its transmission ends (the sender cannot tell
   * whether a receiver lost it).
   */
  send(frame: CanFrame, onSent?: () => void): void {
    checkFrame(frame);
    if (frame.fd && !this.bus.fd) throw new RangeError(`${this.bus.name} is a classic CAN bus: no CAN FD frames`);
    this.queue.push({ frame: { ...frame, brs: frame.fd && frame.brs, data: Uint8Array.from(frame.data) }, onSent });
  }
}

/** Arbitration order: base id first, a standard frame beats an extended one with the same base, then the extension. */
function arbitrationKey(frame: CanFrame): number {
  if (!frame.extended) return frame.id * 2 ** 19;
  return (frame.id >>> 18) * 2 ** 19 + 2 ** 18 + (frame.id & 0x3ffff);
}

/** mulberry32: small, fast and deterministic; not for secrets. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bitTimeNs(rate: number, what: string): number {
  if (!Number.isInteger(rate) || rate <= 0 || NS_PER_SECOND % rate !== 0)
    throw new RangeError(`${what} ${rate} bit/s: use a rate whose bit time is a whole number of ns (125k, 250k, 500k, 1M, 2M, 5M, ...)`);
  return NS_PER_SECOND / rate;
}

function checkRate(rate: number | undefined, what: string): number {
  const r = rate ?? 0;
  if (!(r >= 0 && r <= 1)) throw new RangeError(`${what} must be between 0 and 1, got ${rate}`);
  return r;
}

export class CanBus {
  readonly name: string;
  readonly fd: boolean;
  readonly bitrate: number;
  readonly dataBitrate: number;
  /** Simulated time, ns since the bus was created. */
  now = 0;
  readonly stats: BusStats = { frames: 0, dataBytes: 0, nominalBits: 0, dataPhaseBits: 0, lost: 0, corrupted: 0, errorFrames: 0, busyNs: 0 };
  readonly trace: string[] = [];
  private readonly nominalNs: number;
  private readonly dataNs: number;
  private readonly lossRate: number;
  private readonly corruptionRate: number;
  private readonly errorRate: number;
  private readonly random: () => number;
  private readonly traceLines: number;
  private readonly nodes: CanNode[] = [];
  private events: Event[] = [];
  private seq = 0;
  private transmitting = false;

  constructor(config: BusConfig) {
    this.name = config.name ?? "can0";
    this.fd = config.fd ?? false;
    this.bitrate = config.bitrate;
    this.nominalNs = bitTimeNs(config.bitrate, "bit rate");
    this.dataBitrate = config.dataBitrate ?? config.bitrate;
    this.dataNs = bitTimeNs(this.dataBitrate, "data bit rate");
    if (!this.fd && config.dataBitrate !== undefined && config.dataBitrate !== config.bitrate)
      throw new RangeError("a data bit rate needs a CAN FD bus (fd: true)");
    this.lossRate = checkRate(config.lossRate, "lossRate");
    this.corruptionRate = checkRate(config.corruptionRate, "corruptionRate");
    this.errorRate = checkRate(config.errorRate, "errorRate");
    if (this.errorRate >= 1) throw new RangeError("errorRate 1 would retransmit forever");
    this.random = prng(config.seed ?? 1);
    this.traceLines = config.traceLines ?? 0;
  }

  attach(name: string, onFrame: FrameHandler): CanNode {
    const node = new CanNode(this, name, this.nodes.length, onFrame);
    this.nodes.push(node);
    return node;
  }

  /** Simulated duration of one frame on this bus, ns (worst-case stuffing, see frameBits). */
  frameTimeNs(frame: Pick<CanFrame, "extended" | "fd" | "brs"> & { length: number }): number {
    const bits = frameBits(frame);
    return bits.nominal * this.nominalNs + bits.data * this.dataNs;
  }

  /** Runs `fn` after `delayNs` of simulated time. */
  schedule(delayNs: number, fn: () => void): Timer {
    const event: Event = { at: this.now + Math.max(0, Math.ceil(delayNs)), seq: this.seq++, fn, cancelled: false };
    this.events.push(event);
    return { cancel: () => void (event.cancelled = true) };
  }

  /**
   * Advances the simulation until `done()` is true or nothing is left to happen (no
   * frame queued, no timer pending). Returns whether `done()` became true.
   */
  run(done: () => boolean = () => false): boolean {
    for (;;) {
      if (done()) return true;
      if (!this.transmitting) this.startNextFrame();
      const event = this.nextEvent();
      if (!event) return done();
      this.now = event.at;
      event.fn();
    }
  }

  /** Simulated time as seconds, for reports. */
  get seconds(): number {
    return this.now / NS_PER_SECOND;
  }

  private nextEvent(): Event | undefined {
    this.events = this.events.filter((e) => !e.cancelled);
    if (this.events.length === 0) return undefined;
    let best = 0;
    for (let i = 1; i < this.events.length; i++) {
      const e = this.events[i]!;
      const b = this.events[best]!;
      if (e.at < b.at || (e.at === b.at && e.seq < b.seq)) best = i;
    }
    return this.events.splice(best, 1)[0];
  }

  /** Arbitration: among every node's oldest queued frame, the lowest key wins the bus. */
  private startNextFrame(): void {
    let winner: CanNode | undefined;
    for (const node of this.nodes) {
      const head = node.queue[0];
      if (!head) continue;
      if (!winner || arbitrationKey(head.frame) < arbitrationKey(winner.queue[0]!.frame)) winner = node;
    }
    if (!winner) return;
    const sender = winner;
    const frame = sender.queue[0]!.frame;
    const bits = frameBits({ ...frame, length: frame.data.length });
    const duration = bits.nominal * this.nominalNs + bits.data * this.dataNs;
    this.transmitting = true;
    this.schedule(duration, () => this.finishFrame(sender, frame, bits.nominal, bits.data, duration));
  }

  private finishFrame(sender: CanNode, frame: CanFrame, nominal: number, data: number, duration: number): void {
    this.stats.nominalBits += nominal;
    this.stats.dataPhaseBits += data;
    this.stats.busyNs += duration;
    if (this.errorRate > 0 && this.random() < this.errorRate) {
      // Destroyed by an error frame: the sender keeps it queued and retransmits.
      this.stats.errorFrames++;
      const errorNs = ERROR_FRAME_BITS * this.nominalNs;
      this.stats.nominalBits += ERROR_FRAME_BITS;
      this.stats.busyNs += errorNs;
      this.log(frame, "error frame, retransmitting");
      this.schedule(errorNs, () => void (this.transmitting = false));
      return;
    }
    const onSent = sender.queue.shift()!.onSent;
    this.transmitting = false;
    this.stats.frames++;
    this.stats.dataBytes += frame.data.length;
    if (this.lossRate > 0 && this.random() < this.lossRate) {
      this.stats.lost++;
      this.log(frame, "lost");
      onSent?.();
      return;
    }
    let delivered = frame;
    if (this.corruptionRate > 0 && this.random() < this.corruptionRate && frame.data.length > 0) {
      const bit = Math.floor(this.random() * frame.data.length * 8);
      const data = Uint8Array.from(frame.data);
      data[bit >> 3]! ^= 1 << (bit & 7);
      delivered = { ...frame, data };
      this.stats.corrupted++;
      this.log(delivered, "corrupted");
    } else {
      this.log(frame);
    }
    for (const node of this.nodes) if (node !== sender) node.onFrame(delivered);
    onSent?.();
  }

  private log(frame: CanFrame, note?: string): void {
    if (this.trace.length >= this.traceLines) return;
    const seconds = (this.now / NS_PER_SECOND).toFixed(6).padStart(17, "0");
    this.trace.push(`(${seconds}) ${this.name} ${formatFrame(frame)}${note ? `  # ${note}` : ""}`);
  }
}
