// ISO 15765-2 (ISO-TP) over the simulated bus: segmentation into single / first /
// consecutive frames with flow control, block size and STmin in simulated time, N_Bs and
// N_Cr timeouts, messages beyond 4095 bytes (FF_DL escape), CAN FD frame sizes and
// padding. Reassembly refuses malformed input with an IsoTpError; it never throws on it.
import type { CanBus, CanNode, Timer } from "./bus.ts";
import { type CanFrame, fdLengthFor, isValidLength } from "./frame.ts";

export interface IsoTpConfig {
  /** Identifier this endpoint sends on. */
  txId: number;
  /** Identifier it listens to. */
  rxId: number;
  /** 29-bit identifiers. */
  extended?: boolean;
  /** Send CAN FD frames (the bus must be FD). */
  fd?: boolean;
  /** CAN FD bit rate switch (default true on FD). */
  brs?: boolean;
  /** TX_DL: largest frame this endpoint sends: 8 classic; 8..64 (a CAN FD length) on FD. Default 8 / 64. */
  txDl?: number;
  /** Padding byte for unused frame bytes, or null to send minimal frames (classic only). Default 0xCC. */
  padding?: number | null;
  /** Block size asked of the peer in our flow control (0: no further flow control). Default 0. */
  blockSize?: number;
  /** STmin byte asked of the peer (0x00-0x7F ms, 0xF1-0xF9 100-900 µs). Default 0. */
  stMin?: number;
  /** N_Bs: how long a sender waits for flow control, ms. Default 1000. */
  nBsMs?: number;
  /** N_Cr: how long a receiver waits for the next consecutive frame, ms. Default 1000. */
  nCrMs?: number;
  /** Largest message accepted; a longer first frame gets FC overflow. Default 1 MiB. */
  maxMessageLength?: number;
  /** N_WFTmax: flow-control WAIT frames tolerated in a row. Default 10. */
  maxWaitFrames?: number;
}

export type IsoTpErrorKind =
  | "WrongSequenceNumber"
  | "UnexpectedFrame"
  | "MalformedFrame"
  | "MessageTooLong"
  | "ReceiverOverflow"
  | "TimeoutBs"
  | "TimeoutCr"
  | "TooManyWaits";

export class IsoTpError extends Error {
  readonly kind: IsoTpErrorKind;
  constructor(kind: IsoTpErrorKind, message: string) {
    super(`ISO-TP ${kind}: ${message}`);
    this.name = "IsoTpError";
    this.kind = kind;
  }
}

/** Largest length a first frame can announce (32-bit FF_DL). */
const MAX_FF_DL = 0xffff_ffff;
const FC_CTS = 0;
const FC_WAIT = 1;
const FC_OVFLW = 2;
const MS = 1_000_000;

/** STmin byte to ns (ISO 15765-2 9.6.5.4; reserved values count as 127 ms). */
export function stMinNs(byte: number): number {
  if (byte <= 0x7f) return byte * MS;
  if (byte >= 0xf1 && byte <= 0xf9) return (byte - 0xf0) * 100_000;
  return 0x7f * MS;
}

interface Transmission {
  payload: Uint8Array;
  offset: number;
  sn: number;
  blockSize: number;
  sentInBlock: number;
  stMinNs: number;
  waits: number;
  waitingFc: boolean;
  timer?: Timer;
  done: (err?: IsoTpError) => void;
}

interface Reception {
  buffer: Uint8Array;
  offset: number;
  sn: number;
  rxDl: number;
  inBlock: number;
  timer?: Timer;
}

/** One end of an ISO-TP connection: sends one message at a time and reassembles what it receives. */
export class IsoTpEndpoint {
  /** Called with every message received in full. */
  onMessage: (payload: Uint8Array) => void = () => {};
  /** Called when a received frame or message is refused (the frame is dropped; nothing throws). */
  onError: (err: IsoTpError) => void = () => {};
  readonly config: Required<Omit<IsoTpConfig, "padding">> & { padding: number | null };
  private readonly bus: CanBus;
  private readonly node: CanNode;
  private tx: Transmission | null = null;
  private rx: Reception | null = null;

  constructor(bus: CanBus, name: string, config: IsoTpConfig) {
    const fd = config.fd ?? false;
    const txDl = config.txDl ?? (fd ? 64 : 8);
    if (txDl < 8 || !isValidLength(txDl, fd)) throw new RangeError(`TX_DL ${txDl} is not a ${fd ? "CAN FD" : "classic CAN"} frame length of at least 8`);
    const padding = config.padding === undefined ? 0xcc : config.padding;
    if (padding !== null && !(Number.isInteger(padding) && padding >= 0 && padding <= 0xff)) throw new RangeError(`padding byte ${padding} is not a byte`);
    this.config = {
      txId: config.txId,
      rxId: config.rxId,
      extended: config.extended ?? false,
      fd,
      brs: config.brs ?? fd,
      txDl,
      padding,
      blockSize: config.blockSize ?? 0,
      stMin: config.stMin ?? 0,
      nBsMs: config.nBsMs ?? 1000,
      nCrMs: config.nCrMs ?? 1000,
      maxMessageLength: config.maxMessageLength ?? 1024 * 1024,
      maxWaitFrames: config.maxWaitFrames ?? 10,
    };
    this.bus = bus;
    this.node = bus.attach(name, (frame) => this.receive(frame));
  }

  /** True while a message is being sent. */
  get sending(): boolean {
    return this.tx !== null;
  }

  /** Largest payload that fits a single frame. */
  get singleFrameMax(): number {
    return this.config.txDl > 8 ? this.config.txDl - 2 : 7;
  }

  /**
   * Sends one message; `done` runs when its last frame is on the bus or with the error
   * that ended the transfer (N_Bs timeout, receiver overflow, too many waits).
   */
  send(payload: Uint8Array, done: (err?: IsoTpError) => void = () => {}): void {
    if (this.tx) throw new Error("ISO-TP endpoint is already sending a message (wait for its callback)");
    if (payload.length === 0) throw new RangeError("ISO-TP cannot send an empty message");
    if (payload.length > MAX_FF_DL) throw new RangeError(`ISO-TP message of ${payload.length} bytes exceeds 2^32-1`);
    if (payload.length <= this.singleFrameMax) {
      const sf = payload.length <= 7 ? concat([payload.length], payload) : concat([0x00, payload.length], payload);
      const tx = this.startTx(payload, done);
      this.sendFrame(sf, () => this.finishTx(tx));
      return;
    }
    const dl = this.config.txDl;
    const header = payload.length <= 0xfff
      ? [0x10 | (payload.length >> 8), payload.length & 0xff]
      : [0x10, 0x00, (payload.length >>> 24) & 0xff, (payload.length >>> 16) & 0xff, (payload.length >>> 8) & 0xff, payload.length & 0xff];
    const firstData = dl - header.length;
    const tx = this.startTx(payload, done);
    tx.offset = firstData;
    tx.sn = 1;
    this.sendFrame(concat(header, payload.subarray(0, firstData)), () => this.awaitFlowControl(tx));
  }

  private startTx(payload: Uint8Array, done: (err?: IsoTpError) => void): Transmission {
    this.tx = { payload, offset: 0, sn: 0, blockSize: 0, sentInBlock: 0, stMinNs: 0, waits: 0, waitingFc: false, done };
    return this.tx;
  }

  private finishTx(tx: Transmission, err?: IsoTpError): void {
    if (this.tx !== tx) return;
    tx.timer?.cancel();
    this.tx = null;
    tx.done(err);
  }

  private awaitFlowControl(tx: Transmission): void {
    if (this.tx !== tx) return;
    tx.waitingFc = true;
    tx.timer?.cancel();
    tx.timer = this.bus.schedule(this.config.nBsMs * MS, () =>
      this.finishTx(tx, new IsoTpError("TimeoutBs", `no flow control within ${this.config.nBsMs} ms (N_Bs)`)));
  }

  private sendConsecutive(tx: Transmission): void {
    if (this.tx !== tx) return;
    const room = this.config.txDl - 1;
    const chunk = tx.payload.subarray(tx.offset, tx.offset + room);
    tx.offset += chunk.length;
    const cf = concat([0x20 | tx.sn], chunk);
    tx.sn = (tx.sn + 1) & 0x0f;
    tx.sentInBlock++;
    this.sendFrame(cf, () => {
      if (this.tx !== tx) return;
      if (tx.offset >= tx.payload.length) return this.finishTx(tx);
      if (tx.blockSize > 0 && tx.sentInBlock >= tx.blockSize) return this.awaitFlowControl(tx);
      // STmin: minimum gap between the end of one consecutive frame and the start of the next.
      if (tx.stMinNs > 0) tx.timer = this.bus.schedule(tx.stMinNs, () => this.sendConsecutive(tx));
      else this.sendConsecutive(tx);
    });
  }

  private onFlowControl(data: Uint8Array): void {
    const tx = this.tx;
    if (!tx || !tx.waitingFc) {
      this.onError(new IsoTpError("UnexpectedFrame", "flow control while not waiting for one: ignored"));
      return;
    }
    if (data.length < 3) {
      this.onError(new IsoTpError("MalformedFrame", `flow control of ${data.length} bytes (needs 3): ignored`));
      return;
    }
    const status = data[0]! & 0x0f;
    if (status === FC_CTS) {
      tx.waitingFc = false;
      tx.timer?.cancel();
      tx.blockSize = data[1]!;
      tx.sentInBlock = 0;
      tx.stMinNs = stMinNs(data[2]!);
      tx.waits = 0;
      this.sendConsecutive(tx);
    } else if (status === FC_WAIT) {
      if (++tx.waits > this.config.maxWaitFrames) {
        this.finishTx(tx, new IsoTpError("TooManyWaits", `more than ${this.config.maxWaitFrames} flow-control WAIT frames in a row`));
        return;
      }
      this.awaitFlowControl(tx);
    } else if (status === FC_OVFLW) {
      this.finishTx(tx, new IsoTpError("ReceiverOverflow", `receiver cannot take a ${tx.payload.length}-byte message`));
    } else {
      this.finishTx(tx, new IsoTpError("MalformedFrame", `flow control with invalid flow status ${status}`));
    }
  }

  private receive(frame: CanFrame): void {
    if (frame.id !== this.config.rxId || frame.extended !== this.config.extended) return;
    const data = frame.data;
    if (data.length === 0) return this.refuse("MalformedFrame", "empty frame");
    const type = data[0]! >> 4;
    switch (type) {
      case 0: return this.onSingleFrame(data);
      case 1: return this.onFirstFrame(data);
      case 2: return this.onConsecutiveFrame(data);
      case 3: return this.onFlowControl(data);
      default: return this.refuse("MalformedFrame", `unknown PCI type ${type}`);
    }
  }

  private refuse(kind: IsoTpErrorKind, message: string): void {
    this.onError(new IsoTpError(kind, message));
  }

  private abortReception(kind: IsoTpErrorKind, message: string): void {
    this.rx?.timer?.cancel();
    this.rx = null;
    this.refuse(kind, message);
  }

  private onSingleFrame(data: Uint8Array): void {
    if (this.rx) this.abortReception("UnexpectedFrame", "single frame in the middle of a segmented message: previous message dropped");
    let length = data[0]! & 0x0f;
    let start = 1;
    if (length === 0) {
      // Escape form (CAN_DL > 8): SF_DL in the second byte.
      if (data.length <= 8) return this.refuse("MalformedFrame", "single frame with SF_DL 0");
      length = data[1]!;
      start = 2;
      if (length === 0) return this.refuse("MalformedFrame", "single frame with SF_DL 0");
    } else if (data.length > 8) {
      return this.refuse("MalformedFrame", "single frame longer than 8 bytes without the SF_DL escape");
    }
    if (start + length > data.length) return this.refuse("MalformedFrame", `single frame announces ${length} bytes but carries ${data.length - start}`);
    this.deliver(data.slice(start, start + length));
  }

  private onFirstFrame(data: Uint8Array): void {
    if (this.rx) this.abortReception("UnexpectedFrame", "first frame in the middle of a segmented message: previous message dropped");
    if (data.length < 8 || !isValidLength(data.length, data.length > 8)) return this.refuse("MalformedFrame", `first frame of ${data.length} bytes (RX_DL must be 8 or a CAN FD length)`);
    let length = ((data[0]! & 0x0f) << 8) | data[1]!;
    let start = 2;
    if (length === 0) {
      // Escape sequence: FF_DL 0 followed by a 32-bit length.
      length = ((data[2]! << 24) >>> 0) + (data[3]! << 16) + (data[4]! << 8) + data[5]!;
      start = 6;
      if (length <= 0xfff) return this.refuse("MalformedFrame", `escaped first frame announces ${length} bytes, which fits the 12-bit form`);
    }
    const rxDl = data.length;
    const singleMax = rxDl > 8 ? rxDl - 2 : 7;
    if (length <= singleMax) return this.refuse("MalformedFrame", `first frame announces ${length} bytes, which fits a single frame`);
    if (length > this.config.maxMessageLength) {
      this.sendFlowControl(FC_OVFLW);
      return this.refuse("MessageTooLong", `first frame announces ${length} bytes, over the cap of ${this.config.maxMessageLength}`);
    }
    const buffer = new Uint8Array(length);
    buffer.set(data.subarray(start));
    this.rx = { buffer, offset: data.length - start, sn: 1, rxDl, inBlock: 0 };
    this.sendFlowControl(FC_CTS);
    this.armCr();
  }

  private onConsecutiveFrame(data: Uint8Array): void {
    const rx = this.rx;
    if (!rx) return this.refuse("UnexpectedFrame", "consecutive frame with no message in progress: ignored");
    const sn = data[0]! & 0x0f;
    if (sn !== rx.sn) return this.abortReception("WrongSequenceNumber", `expected consecutive frame ${rx.sn}, got ${sn}: message dropped`);
    const remaining = rx.buffer.length - rx.offset;
    const take = Math.min(remaining, rx.rxDl - 1);
    if (data.length - 1 < take || (remaining > rx.rxDl - 1 && data.length !== rx.rxDl))
      return this.abortReception("MalformedFrame", `consecutive frame of ${data.length} bytes where ${take + 1} were due: message dropped`);
    rx.buffer.set(data.subarray(1, 1 + take), rx.offset);
    rx.offset += take;
    rx.sn = (rx.sn + 1) & 0x0f;
    if (rx.offset >= rx.buffer.length) {
      rx.timer?.cancel();
      this.rx = null;
      return this.deliver(rx.buffer);
    }
    rx.inBlock++;
    if (this.config.blockSize > 0 && rx.inBlock >= this.config.blockSize) {
      rx.inBlock = 0;
      this.sendFlowControl(FC_CTS);
    }
    this.armCr();
  }

  private armCr(): void {
    const rx = this.rx!;
    rx.timer?.cancel();
    rx.timer = this.bus.schedule(this.config.nCrMs * MS, () => {
      if (this.rx === rx) this.abortReception("TimeoutCr", `no consecutive frame within ${this.config.nCrMs} ms (N_Cr) after byte ${rx.offset} of ${rx.buffer.length}`);
    });
  }

  private sendFlowControl(status: number): void {
    this.sendFrame(Uint8Array.of(0x30 | status, this.config.blockSize, this.config.stMin));
  }

  private deliver(payload: Uint8Array): void {
    this.onMessage(payload);
  }

  /** Pads and sends one frame: classic frames to 8 bytes (unless padding is off), FD frames to the next CAN FD length. */
  private sendFrame(bytes: Uint8Array, onSent?: () => void): void {
    let length = bytes.length;
    if (this.config.padding !== null && length < 8) length = 8;
    if (this.config.fd) length = fdLengthFor(length);
    const data = new Uint8Array(length).fill(this.config.padding ?? 0xcc);
    data.set(bytes);
    this.node.send({ id: this.config.txId, extended: this.config.extended, fd: this.config.fd, brs: this.config.brs, data }, onSent);
  }
}

function concat(head: ArrayLike<number>, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
