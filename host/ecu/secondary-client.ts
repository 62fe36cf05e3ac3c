// The Primary's side of a Secondary: one method per step of the update, each a UDS
// exchange over the simulated bus (host/can/uds.ts). A refusal comes back as a
// SecondaryRefusedError carrying the NRC and the outcome the ECU recorded.
import type { EcuVersionReport } from "../../model/manifest-format.ts";
import type { CanBus } from "../can/bus.ts";
import type { IsoTpConfig } from "../can/isotp.ts";
import { NRC, nrcName, ROUTINE, SID, UdsClient, type UdsClientConfig, UdsNegativeResponseError } from "../can/uds.ts";
import type { OutcomeName } from "../../model/outcome.ts";
import { AREA, DID, encodeBundle, INSTALL_STATUS, RID } from "./secondary-protocol.ts";
import type { SecondaryResult } from "./secondary.ts";
import type { MetadataBundle } from "../../model/metadata-bundle.ts";

export interface SecondaryClientConfig {
  isotp: IsoTpConfig;
  uds?: UdsClientConfig;
  /** Most image bytes per TransferData block (the ECU's announced maximum also applies). Default: the ECU's maximum. */
  blockLength?: number;
  /**
   * Metadata bundles and time attestations up to this size go in one
   * WriteDataByIdentifier; larger ones by download in blocks (better on a lossy link,
   * where a long single message rarely gets through whole). Default 4096.
   */
  maxSingleWrite?: number;
}

/** A Secondary said no. `outcome`/`detail` are what it recorded (read back from it). */
export class SecondaryRefusedError extends Error {
  readonly nrc: number;
  readonly outcome: OutcomeName | null;
  readonly detail: string;
  constructor(step: string, nrc: number, result: SecondaryResult | null) {
    super(`Secondary refused ${step}: ${nrcName(nrc)}${result ? ` (${result.outcome}: ${result.detail})` : ""}`);
    this.name = "SecondaryRefusedError";
    this.nrc = nrc;
    this.outcome = result?.outcome ?? null;
    this.detail = result?.detail ?? "";
  }
}

export type ImageSource = Uint8Array | { length: number; chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array> };

export interface TransferStats {
  /** Application bytes sent in requests / received in responses. */
  bytesSent: number;
  bytesReceived: number;
  requests: number;
  /** Simulated bus time spent on this client's exchanges (requests, retries, responses), ns. */
  busNs: number;
}

export class SecondaryClient {
  readonly uds: UdsClient;
  readonly stats: TransferStats = { bytesSent: 0, bytesReceived: 0, requests: 0, busNs: 0 };
  private readonly blockLength: number | undefined;
  private readonly maxSingleWrite: number;

  constructor(bus: CanBus, name: string, config: SecondaryClientConfig) {
    this.uds = new UdsClient(bus, name, config.isotp, config.uds);
    this.blockLength = config.blockLength;
    this.maxSingleWrite = config.maxSingleWrite ?? 4096;
  }

  /** Simulated bus time so far, seconds. */
  get busSeconds(): number {
    return this.uds.bus.seconds;
  }

  async readNonce(): Promise<string> {
    return Buffer.from(this.readDid(DID.nonce, "read nonce")).toString("ascii");
  }

  /** The serial the ECU answers with. */
  async readSerial(): Promise<string> {
    return Buffer.from(this.readDid(DID.ecuSerial, "read serial")).toString("utf8");
  }

  /** A fresh signed version report (the ECU issues a new nonce with each). Untrusted until the Director checks it. */
  async readReport(): Promise<EcuVersionReport> {
    return JSON.parse(Buffer.from(await this.readReportBytes()).toString("utf8")) as EcuVersionReport;
  }

  /** The report's JSON bytes as the ECU sent them. */
  async readReportBytes(): Promise<Uint8Array> {
    return this.readDid(DID.versionReport, "read version report").slice();
  }

  /** What the ECU recorded for its last step: outcome name and detail. */
  async lastResult(): Promise<SecondaryResult> {
    return this.readLastResult() ?? { outcome: "InvalidMetadata", detail: "unreadable result" };
  }

  /** Time attestation from the time server, signed over one of this ECU's nonces. */
  async sendTime(attestation: Uint8Array): Promise<void> {
    if (attestation.length <= this.maxSingleWrite) this.write(DID.timeAttestation, attestation, "time attestation");
    else await this.download(AREA.timeAttestation, { length: attestation.length, chunks: [attestation] }, "time attestation");
  }

  /**
   * The metadata this ECU's mode needs. Resolves with the ECU's verdict: "Ok" (an image
   * to install follows) or "NoUpdate"; a failed verification throws SecondaryRefusedError.
   */
  async sendMetadata(bundle: MetadataBundle): Promise<SecondaryResult> {
    const bytes = encodeBundle(bundle);
    if (bytes.length <= this.maxSingleWrite) this.write(DID.metadata, bytes, "metadata");
    else await this.download(AREA.metadata, { length: bytes.length, chunks: [bytes] }, "metadata");
    return this.lastResult();
  }

  /** Streams the image in TransferData blocks; `onProgress(sent, total)` after each block. */
  async sendImage(image: ImageSource, onProgress?: (sent: number, total: number) => void): Promise<void> {
    const source = image instanceof Uint8Array ? { length: image.length, chunks: [image] } : image;
    await this.download(AREA.image, source, "image", onProgress);
  }

  /** Routine "verify": the image check's verdict on the downloaded image. */
  async verify(): Promise<void> {
    this.routine(RID.verify, "verify");
  }

  /** Routine "install": installs, boot-checks; throws if the new image failed and the ECU rolled back. */
  async install(): Promise<"installed"> {
    const status = this.routine(RID.install, "install");
    if (status[0] !== INSTALL_STATUS.installed) throw new Error(`install answered with unknown status 0x${(status[0] ?? 0).toString(16)}`);
    return "installed";
  }

  // ---------------------------------------------------------------------------------

  private async download(area: number, source: { length: number; chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array> }, step: string, onProgress?: (sent: number, total: number) => void): Promise<void> {
    const req = Uint8Array.of(SID.RequestDownload, 0x00, 0x44, ...u32(area), ...u32(source.length));
    const res = this.exchange(req, step);
    const lenBytes = res[1]! >> 4;
    if (res.length < 2 + lenBytes || lenBytes < 1 || lenBytes > 4) throw new Error(`ECU sent a malformed RequestDownload response for ${step}`);
    let max = 0;
    for (let i = 0; i < lenBytes; i++) max = max * 256 + res[2 + i]!;
    const room = Math.min(max - 2, this.blockLength ?? Infinity);
    if (!(room >= 1)) throw new Error(`ECU announced maxNumberOfBlockLength ${max}: no room for data`);
    let counter = 1;
    let sent = 0;
    let pending = new Uint8Array(0);
    const sendBlock = (block: Uint8Array) => {
      const c = counter;
      const request = new Uint8Array(2 + block.length);
      request[0] = SID.TransferData;
      request[1] = c;
      request.set(block, 2);
      this.exchange(request, step, (r) => r[1] === c);
      counter = (counter + 1) & 0xff;
      sent += block.length;
      onProgress?.(sent, source.length);
    };
    for await (const chunk of source.chunks) {
      let data = pending.length ? concat(pending, chunk) : chunk;
      while (data.length >= room) {
        sendBlock(data.subarray(0, room));
        data = data.subarray(room);
      }
      pending = Uint8Array.from(data);
    }
    if (pending.length) sendBlock(pending);
    if (sent !== source.length) throw new Error(`${step}: the source gave ${sent} bytes, ${source.length} announced`);
    this.exchange(Uint8Array.of(SID.RequestTransferExit), step);
  }

  private routine(rid: number, step: string): Uint8Array {
    const res = this.exchange(Uint8Array.of(SID.RoutineControl, ROUTINE.start, rid >> 8, rid & 0xff), step, (r) => r[2] === rid >> 8 && r[3] === (rid & 0xff));
    return res.subarray(4);
  }

  private write(did: number, data: Uint8Array, step: string): void {
    const req = new Uint8Array(3 + data.length);
    req[0] = SID.WriteDataByIdentifier;
    req[1] = did >> 8;
    req[2] = did & 0xff;
    req.set(data, 3);
    this.exchange(req, step, (r) => r[1] === did >> 8 && r[2] === (did & 0xff));
  }

  private readDid(did: number, step: string): Uint8Array {
    return this.exchange(Uint8Array.of(SID.ReadDataByIdentifier, did >> 8, did & 0xff), step, (r) => r[1] === did >> 8 && r[2] === (did & 0xff)).subarray(3);
  }

  private readLastResult(): SecondaryResult | null {
    try {
      const bytes = this.exchange(Uint8Array.of(SID.ReadDataByIdentifier, DID.lastResult >> 8, DID.lastResult & 0xff), "read last result");
      const parsed = JSON.parse(Buffer.from(bytes.subarray(3)).toString("utf8")) as SecondaryResult;
      return typeof parsed.outcome === "string" && typeof parsed.detail === "string" ? parsed : null;
    } catch {
      return null;
    }
  }

  private exchange(request: Uint8Array, step: string, matches?: (r: Uint8Array) => boolean): Uint8Array {
    this.stats.requests++;
    this.stats.bytesSent += request.length;
    const start = this.uds.bus.now;
    try {
      const response = this.uds.request(request, matches);
      this.stats.bytesReceived += response.length;
      return response;
    } catch (err) {
      if (err instanceof UdsNegativeResponseError) {
        // The ECU records why it refused a verification step; read it back to say so.
        const why = err.nrc === NRC.conditionsNotCorrect || err.nrc === NRC.generalProgrammingFailure ? this.readLastResult() : null;
        throw new SecondaryRefusedError(step, err.nrc, why);
      }
      throw err;
    } finally {
      this.stats.busNs += this.uds.bus.now - start;
    }
  }
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
