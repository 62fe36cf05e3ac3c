// CAN and CAN FD frames: what a frame is, the legal data lengths, and how many bits a
// frame occupies on the wire (so the simulated clock can charge for it).

export interface CanFrame {
  /** 11-bit (0..0x7FF) or, with `extended`, 29-bit (0..0x1FFFFFFF) identifier. */
  id: number;
  extended: boolean;
  /** CAN FD frame (FDF bit); data up to 64 bytes in DLC steps. */
  fd: boolean;
  /** CAN FD bit rate switch: data phase at the data bit rate. Ignored on classic frames. */
  brs: boolean;
  data: Uint8Array;
}

/** Data lengths a CAN FD frame can carry (DLC 0..15). Classic CAN stops at 8. */
export const FD_LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64] as const;

export const MAX_STANDARD_ID = 0x7ff;
export const MAX_EXTENDED_ID = 0x1fffffff;

/** True when `n` bytes is a length a frame of this kind can carry exactly. */
export function isValidLength(n: number, fd: boolean): boolean {
  return fd ? (FD_LENGTHS as readonly number[]).includes(n) : Number.isInteger(n) && n >= 0 && n <= 8;
}

/** The smallest CAN FD length that holds `n` bytes (frames are padded up to it). */
export function fdLengthFor(n: number): number {
  for (const len of FD_LENGTHS) if (len >= n) return len;
  throw new RangeError(`a CAN FD frame carries at most 64 bytes, not ${n}`);
}

/** Throws a RangeError naming what is wrong with a frame a node tries to send. */
export function checkFrame(frame: CanFrame): void {
  const max = frame.extended ? MAX_EXTENDED_ID : MAX_STANDARD_ID;
  if (!Number.isInteger(frame.id) || frame.id < 0 || frame.id > max)
    throw new RangeError(`CAN id 0x${frame.id.toString(16)} does not fit ${frame.extended ? 29 : 11} bits`);
  if (!isValidLength(frame.data.length, frame.fd))
    throw new RangeError(`${frame.fd ? "CAN FD" : "classic CAN"} frame cannot carry ${frame.data.length} bytes`);
}

/** Bits of one frame, split by the bit rate they are sent at. */
export interface FrameBits {
  /** Bits at the nominal (arbitration) bit rate. */
  nominal: number;
  /** Bits at the data bit rate (CAN FD with BRS); 0 otherwise. */
  data: number;
}

/**
 * Worst-case bits of one frame including stuff bits, CRC, ACK, EOF and the 3-bit
 * interframe space (ISO 11898-1:2015 frame layout; worst-case stuffing as in Davis et al.,
 * "CAN schedulability analysis refuted, revisited and revised", 2007). n = data bytes.
 *
 * Classic CAN. Stuffed region = SOF..CRC sequence, g bits before the data:
 *   base (11-bit id): g = 34 (SOF 1, id 11, RTR 1, IDE 1, r0 1, DLC 4, CRC 15)
 *   extended:         g = 54 (SOF 1, id 11, SRR 1, IDE 1, id 18, RTR 1, r1 r0 2, DLC 4, CRC 15)
 *   bits = g + 8n + 13 + floor((g + 8n - 1) / 4)
 *   (13 = CRC delimiter 1 + ACK slot 1 + ACK delimiter 1 + EOF 7 + IFS 3)
 *   e.g. base, 8 bytes: 34 + 64 + 13 + 24 = 135.
 *
 * CAN FD. Arbitration field a = 17 base (SOF 1, id 11, RRS 1, IDE 1, FDF 1, res 1, BRS 1)
 * or 36 extended (SOF, id 11, SRR, IDE, id 18, RRS, FDF, res, BRS); data-phase field
 * d = 5 + 8n (ESI 1, DLC 4, data). Dynamic stuffing covers a + d:
 *   s = floor((a + d - 1) / 4), of which s_a = floor((a - 1) / 4) fall in the arbitration field.
 * Then the stuff count (4), the CRC (17 bits for n <= 16, else 21) and its fixed stuff
 * bits (6 for CRC-17, 7 for CRC-21).
 *   nominal = a + s_a + 13         (13 = CRC delimiter, ACK slot, ACK delimiter, EOF 7, IFS 3)
 *   data    = d + (s - s_a) + 4 + crc + fixed
 * Without BRS both parts go at the nominal rate.
 *   e.g. base, 64 bytes: nominal = 17 + 4 + 13 = 34; data = 517 + 129 + 4 + 21 + 7 = 678.
 */
export function frameBits(frame: Pick<CanFrame, "extended" | "fd" | "brs"> & { length: number }): FrameBits {
  const n = frame.length;
  if (!frame.fd) {
    const g = frame.extended ? 54 : 34;
    const bits = g + 8 * n + 13 + Math.floor((g + 8 * n - 1) / 4);
    return { nominal: bits, data: 0 };
  }
  const a = frame.extended ? 36 : 17;
  const d = 5 + 8 * n;
  const stuff = Math.floor((a + d - 1) / 4);
  const stuffArbitration = Math.floor((a - 1) / 4);
  const crc = n <= 16 ? 17 : 21;
  const fixed = n <= 16 ? 6 : 7;
  const nominal = a + stuffArbitration + 13;
  const data = d + (stuff - stuffArbitration) + 4 + crc + fixed;
  return frame.brs ? { nominal, data } : { nominal: nominal + data, data: 0 };
}

/** candump -L style payload: `123#DEADBEEF`, `12345678#..` (extended), `123##1DEAD` (FD; flag nibble 1 = BRS). */
export function formatFrame(frame: CanFrame): string {
  const id = frame.extended
    ? frame.id.toString(16).toUpperCase().padStart(8, "0")
    : frame.id.toString(16).toUpperCase().padStart(3, "0");
  const hex = Buffer.from(frame.data).toString("hex").toUpperCase();
  return frame.fd ? `${id}##${frame.brs ? 1 : 0}${hex}` : `${id}#${hex}`;
}
