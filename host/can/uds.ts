// A UDS-style (ISO 14229-1) service set over ISO-TP: the protocol framing, message
// length checks, the download state machine with its block sequence counter, and
// negative responses. What the data means is the application's (host/ecu/secondary.ts);
// this file knows only the services.
//
// Services: ReadDataByIdentifier 0x22, WriteDataByIdentifier 0x2E, RoutineControl 0x31,
// RequestDownload 0x34, TransferData 0x36, RequestTransferExit 0x37. Positive response
// SID = request SID + 0x40; negative response = 0x7F, request SID, NRC.
import type { CanBus, Timer } from "./bus.ts";
import { IsoTpEndpoint, type IsoTpConfig, type IsoTpError } from "./isotp.ts";

export const SID = {
  ReadDataByIdentifier: 0x22,
  WriteDataByIdentifier: 0x2e,
  RoutineControl: 0x31,
  RequestDownload: 0x34,
  TransferData: 0x36,
  RequestTransferExit: 0x37,
} as const;

export const NEGATIVE_RESPONSE = 0x7f;

/** Negative response codes used here (ISO 14229-1 Annex A.1). */
export const NRC = {
  generalReject: 0x10,
  serviceNotSupported: 0x11,
  subFunctionNotSupported: 0x12,
  incorrectMessageLengthOrInvalidFormat: 0x13,
  busyRepeatRequest: 0x21,
  conditionsNotCorrect: 0x22,
  requestSequenceError: 0x24,
  requestOutOfRange: 0x31,
  uploadDownloadNotAccepted: 0x70,
  transferDataSuspended: 0x71,
  generalProgrammingFailure: 0x72,
  wrongBlockSequenceCounter: 0x73,
  requestCorrectlyReceivedResponsePending: 0x78,
} as const;

export function nrcName(code: number): string {
  for (const [name, value] of Object.entries(NRC)) if (value === code) return name;
  return `nrc0x${code.toString(16).padStart(2, "0")}`;
}

/** RoutineControl sub-functions. */
export const ROUTINE = { start: 0x01, stop: 0x02, requestResults: 0x03 } as const;

/** Thrown by an application handler to answer with a negative response. */
export class UdsRefusal extends Error {
  readonly nrc: number;
  constructor(nrc: number, message: string) {
    super(`${nrcName(nrc)}: ${message}`);
    this.name = "UdsRefusal";
    this.nrc = nrc;
  }
}

/** Where the bytes of one download go. Throw UdsRefusal to refuse. */
export interface DownloadSink {
  write(chunk: Uint8Array): void;
  /** All announced bytes arrived (RequestTransferExit). */
  finish(): void;
  /** The download was abandoned (a new one replaced it, or a write failed). */
  abort(): void;
}

/** The server application: each handler returns response data or throws UdsRefusal. */
export interface UdsApplication {
  readData(did: number): Uint8Array;
  writeData(did: number, data: Uint8Array): void;
  routine(subFunction: number, rid: number, options: Uint8Array): Uint8Array;
  requestDownload(address: number, size: number): DownloadSink;
  /** A handler threw something other than UdsRefusal (a fault, e.g. flash failure or power cut). Return true to stay silent (the ECU is down). */
  internalError?(err: unknown): boolean;
}

export interface UdsServerConfig {
  /** maxNumberOfBlockLength announced in the RequestDownload response (includes SID and counter). Default 4095 + 2. */
  maxBlockLength?: number;
  /** Largest download accepted, bytes. Default 64 MiB. */
  maxDownloadSize?: number;
  /**
   * A download idle this long (simulated ms) is abandoned, as when the S3 session timer
   * runs out: a new RequestDownload then replaces it. Default 5000 (ISO 14229-2 S3server).
   */
  downloadIdleMs?: number;
}

interface ActiveDownload {
  address: number;
  size: number;
  received: number;
  /** Counter expected in the next TransferData (1 first, wraps 0xFF -> 0x00). */
  nextCounter: number;
  sink: DownloadSink;
  /** Simulated time of its last request, ns. */
  lastActivity: number;
}

function u16(data: Uint8Array, at: number): number {
  return (data[at]! << 8) | data[at + 1]!;
}

function readUint(data: Uint8Array, at: number, len: number): number {
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + data[at + i]!;
  return v;
}

/** The ECU side: answers requests arriving on its ISO-TP endpoint. */
export class UdsServer {
  readonly endpoint: IsoTpEndpoint;
  private readonly app: UdsApplication;
  private readonly maxBlockLength: number;
  private readonly maxDownloadSize: number;
  private readonly downloadIdleNs: number;
  private readonly bus: CanBus;
  private download: ActiveDownload | null = null;
  /** Last state-changing request and its response: a retried duplicate gets the same answer without running twice. */
  private lastRequest: Uint8Array | null = null;
  private lastResponse: Uint8Array | null = null;
  private silent = false;
  /** Responses not yet handed to ISO-TP (it sends one message at a time). */
  private outbox: Uint8Array[] = [];

  constructor(bus: CanBus, name: string, isotp: IsoTpConfig, app: UdsApplication, config: UdsServerConfig = {}) {
    this.endpoint = new IsoTpEndpoint(bus, name, isotp);
    this.app = app;
    this.maxBlockLength = config.maxBlockLength ?? 4095 + 2;
    if (this.maxBlockLength < 3 || this.maxBlockLength > 0xffff) throw new RangeError(`maxBlockLength ${this.maxBlockLength} must be 3..65535`);
    this.maxDownloadSize = config.maxDownloadSize ?? 64 * 1024 * 1024;
    this.downloadIdleNs = (config.downloadIdleMs ?? 5000) * 1_000_000;
    this.bus = bus;
    this.endpoint.onMessage = (request) => this.onRequest(request);
  }

  /** The ECU lost power: it answers nothing any more. */
  powerOff(): void {
    this.silent = true;
    this.download = null;
  }

  private onRequest(request: Uint8Array): void {
    if (this.silent) return;
    const sid = request[0]!;
    const stateChanging = sid !== SID.ReadDataByIdentifier;
    if (stateChanging && this.lastRequest && this.lastResponse && equalBytes(request, this.lastRequest)) {
      this.respond(this.lastResponse);
      return;
    }
    let response: Uint8Array;
    try {
      response = this.handle(request);
    } catch (err) {
      if (err instanceof UdsRefusal) {
        response = Uint8Array.of(NEGATIVE_RESPONSE, sid, err.nrc);
      } else {
        if (this.app.internalError?.(err) ?? false) {
          this.powerOff();
          return;
        }
        response = Uint8Array.of(NEGATIVE_RESPONSE, sid, NRC.generalProgrammingFailure);
      }
    }
    if (this.silent) return;
    this.lastRequest = stateChanging ? request : null;
    this.lastResponse = stateChanging ? response : null;
    this.respond(response);
  }

  private respond(response: Uint8Array): void {
    this.outbox.push(response);
    this.flush();
  }

  private flush(): void {
    if (this.endpoint.sending) return;
    const next = this.outbox.shift();
    if (next) this.endpoint.send(next, () => this.flush());
  }

  private handle(req: Uint8Array): Uint8Array {
    switch (req[0]) {
      case SID.ReadDataByIdentifier: {
        // One identifier per request.
        if (req.length !== 3) throw new UdsRefusal(NRC.incorrectMessageLengthOrInvalidFormat, "ReadDataByIdentifier takes exactly one 2-byte identifier");
        const data = this.app.readData(u16(req, 1));
        return concat([0x62, req[1]!, req[2]!], data);
      }
      case SID.WriteDataByIdentifier: {
        if (req.length < 4) throw new UdsRefusal(NRC.incorrectMessageLengthOrInvalidFormat, "WriteDataByIdentifier needs an identifier and data");
        this.app.writeData(u16(req, 1), req.subarray(3));
        return Uint8Array.of(0x6e, req[1]!, req[2]!);
      }
      case SID.RoutineControl: {
        if (req.length < 4) throw new UdsRefusal(NRC.incorrectMessageLengthOrInvalidFormat, "RoutineControl needs a sub-function and a 2-byte routine identifier");
        const sub = req[1]! & 0x7f;
        if (sub !== ROUTINE.start && sub !== ROUTINE.stop && sub !== ROUTINE.requestResults)
          throw new UdsRefusal(NRC.subFunctionNotSupported, `RoutineControl sub-function 0x${sub.toString(16)}`);
        const status = this.app.routine(sub, u16(req, 2), req.subarray(4));
        return concat([0x71, sub, req[2]!, req[3]!], status);
      }
      case SID.RequestDownload:
        return this.requestDownload(req);
      case SID.TransferData:
        return this.transferData(req);
      case SID.RequestTransferExit:
        return this.transferExit(req);
      default:
        throw new UdsRefusal(NRC.serviceNotSupported, `service 0x${(req[0] ?? 0).toString(16)}`);
    }
  }

  private requestDownload(req: Uint8Array): Uint8Array {
    if (req.length < 3) throw new UdsRefusal(NRC.incorrectMessageLengthOrInvalidFormat, "RequestDownload too short");
    const dataFormat = req[1]!;
    const sizeLen = req[2]! >> 4;
    const addrLen = req[2]! & 0x0f;
    if (sizeLen < 1 || sizeLen > 4 || addrLen < 1 || addrLen > 4)
      throw new UdsRefusal(NRC.requestOutOfRange, `addressAndLengthFormatIdentifier 0x${req[2]!.toString(16)}`);
    if (req.length !== 3 + addrLen + sizeLen) throw new UdsRefusal(NRC.incorrectMessageLengthOrInvalidFormat, "RequestDownload length does not match its format identifier");
    if (dataFormat !== 0x00) throw new UdsRefusal(NRC.requestOutOfRange, "compression/encryption (dataFormatIdentifier) not supported");
    const address = readUint(req, 3, addrLen);
    const size = readUint(req, 3 + addrLen, sizeLen);
    if (this.download) {
      // A tester that lost the link mid-transfer starts over; a download it abandoned must not block the ECU forever.
      if (this.bus.now - this.download.lastActivity < this.downloadIdleNs) throw new UdsRefusal(NRC.conditionsNotCorrect, "a download is already in progress");
      this.abortDownload();
    }
    if (size === 0 || size > this.maxDownloadSize) throw new UdsRefusal(NRC.requestOutOfRange, `download of ${size} bytes (allowed 1..${this.maxDownloadSize})`);
    const sink = this.app.requestDownload(address, size);
    this.download = { address, size, received: 0, nextCounter: 1, sink, lastActivity: this.bus.now };
    // lengthFormatIdentifier 0x20: maxNumberOfBlockLength in 2 bytes.
    return Uint8Array.of(0x74, 0x20, this.maxBlockLength >> 8, this.maxBlockLength & 0xff);
  }

  private transferData(req: Uint8Array): Uint8Array {
    const dl = this.download;
    if (!dl) throw new UdsRefusal(NRC.requestSequenceError, "TransferData without RequestDownload");
    if (req.length < 3) throw new UdsRefusal(NRC.incorrectMessageLengthOrInvalidFormat, "TransferData needs a block sequence counter and data");
    if (req.length > this.maxBlockLength) throw new UdsRefusal(NRC.incorrectMessageLengthOrInvalidFormat, `TransferData of ${req.length} bytes exceeds maxNumberOfBlockLength ${this.maxBlockLength}`);
    const counter = req[1]!;
    dl.lastActivity = this.bus.now;
    if (counter !== dl.nextCounter) throw new UdsRefusal(NRC.wrongBlockSequenceCounter, `expected block ${dl.nextCounter}, got ${counter}`);
    const chunk = req.subarray(2);
    if (dl.received + chunk.length > dl.size) {
      this.abortDownload();
      throw new UdsRefusal(NRC.transferDataSuspended, `block would take the download past its announced ${dl.size} bytes: download aborted`);
    }
    try {
      dl.sink.write(chunk);
    } catch (err) {
      this.abortDownload();
      throw err;
    }
    dl.received += chunk.length;
    dl.nextCounter = (dl.nextCounter + 1) & 0xff;
    return Uint8Array.of(0x76, counter);
  }

  private transferExit(req: Uint8Array): Uint8Array {
    const dl = this.download;
    if (!dl) throw new UdsRefusal(NRC.requestSequenceError, "RequestTransferExit without a download in progress");
    if (dl.received < dl.size) throw new UdsRefusal(NRC.requestSequenceError, `transfer incomplete: ${dl.received} of ${dl.size} bytes`);
    this.download = null;
    dl.sink.finish();
    void req;
    return Uint8Array.of(0x77);
  }

  private abortDownload(): void {
    const dl = this.download;
    this.download = null;
    dl?.sink.abort();
  }
}

// ---------------------------------------------------------------------------------------
// Client

export class UdsNegativeResponseError extends Error {
  readonly sid: number;
  readonly nrc: number;
  constructor(sid: number, nrc: number, context = "") {
    super(`ECU refused service 0x${sid.toString(16)} with ${nrcName(nrc)} (0x${nrc.toString(16)})${context ? `: ${context}` : ""}`);
    this.name = "UdsNegativeResponseError";
    this.sid = sid;
    this.nrc = nrc;
  }
}

export class UdsTimeoutError extends Error {
  constructor(sid: number, attempts: number, last: string) {
    super(`no response to service 0x${sid.toString(16)} after ${attempts} attempt(s) (${last})`);
    this.name = "UdsTimeoutError";
  }
}

export interface UdsClientConfig {
  /** P2 client: how long to wait for a response after the request is sent, ms (simulated). Default 1000. */
  p2Ms?: number;
  /** P2* client after a "response pending" (0x78), ms. Default 5000. */
  p2StarMs?: number;
  /** Attempts per request when a frame is lost (timeout, ISO-TP error). Default 5. */
  attempts?: number;
}

const MS = 1_000_000;

/** The tester side: sends one request at a time and drives the simulated bus until its answer arrives. */
export class UdsClient {
  readonly endpoint: IsoTpEndpoint;
  readonly bus: CanBus;
  private readonly p2Ns: number;
  private readonly p2StarNs: number;
  readonly attempts: number;
  /** Requests retried after a loss, since creation. */
  retries = 0;
  private inbox: Uint8Array[] = [];

  constructor(bus: CanBus, name: string, isotp: IsoTpConfig, config: UdsClientConfig = {}) {
    this.bus = bus;
    this.endpoint = new IsoTpEndpoint(bus, name, isotp);
    this.endpoint.onMessage = (m) => this.inbox.push(m);
    this.p2Ns = (config.p2Ms ?? 1000) * MS;
    this.p2StarNs = (config.p2StarMs ?? 5000) * MS;
    this.attempts = config.attempts ?? 5;
  }

  /**
   * Sends `request` and returns the positive response. `matches` picks our response out
   * of stale ones (e.g. the echoed block counter). Throws UdsNegativeResponseError on a
   * negative response and UdsTimeoutError when every attempt went unanswered.
   */
  request(request: Uint8Array, matches: (response: Uint8Array) => boolean = () => true): Uint8Array {
    const sid = request[0]!;
    let last = "";
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) this.retries++;
      this.inbox = [];
      const outcome = this.attempt(request, sid, matches);
      if (outcome instanceof Uint8Array) return outcome;
      if (outcome instanceof UdsNegativeResponseError) throw outcome;
      last = outcome;
    }
    throw new UdsTimeoutError(sid, this.attempts, last);
  }

  private attempt(request: Uint8Array, sid: number, matches: (r: Uint8Array) => boolean): Uint8Array | UdsNegativeResponseError | string {
    let sent = false;
    let txError: IsoTpError | undefined;
    let timedOut = false;
    let timer: Timer | undefined;
    let result: Uint8Array | UdsNegativeResponseError | undefined;
    const arm = (ns: number) => {
      timer?.cancel();
      timer = this.bus.schedule(ns, () => (timedOut = true));
    };
    if (this.endpoint.sending) {
      // A previous attempt is still segmenting: wait for it to end (N_Bs bounds this).
      this.bus.run(() => !this.endpoint.sending);
    }
    this.endpoint.send(request, (err) => {
      sent = true;
      txError = err;
      if (!err) arm(this.p2Ns);
    });
    const check = (): boolean => {
      while (this.inbox.length > 0) {
        const r = this.inbox.shift()!;
        if (r[0] === NEGATIVE_RESPONSE && r.length >= 3 && r[1] === sid) {
          if (r[2] === NRC.requestCorrectlyReceivedResponsePending) {
            arm(this.p2StarNs);
            continue;
          }
          if (r[2] === NRC.busyRepeatRequest) return false;
          result = new UdsNegativeResponseError(sid, r[2]!);
          return true;
        }
        if (r[0] === sid + 0x40 && matches(r)) {
          result = r;
          return true;
        }
        // Anything else is a stale answer to an earlier attempt: ignore it.
      }
      return (sent && txError !== undefined) || timedOut;
    };
    const finished = this.bus.run(check);
    timer?.cancel();
    if (result) return result;
    if (txError) return txError.message;
    if (timedOut) return `no response within ${this.p2Ns / MS} ms`;
    return finished ? "no response" : "bus went idle without a response";
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(head: ArrayLike<number>, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
