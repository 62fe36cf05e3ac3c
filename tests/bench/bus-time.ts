// Simulated transfer time of an ECU's metadata and image over its bus. CAN buses run the
// project's own ISO-TP stack on the simulated bus (host/can/), one UDS-style request per
// document and one TransferData per 4 KiB block, each answered by a short positive
// response; the result is the bus's simulated clock, not wall time. Ethernet is a model:
// 1460-byte TCP segments with 78 bytes of Ethernet/IP/TCP overhead each, at line rate.
import { CanBus } from "../../host/can/bus.ts";
import { IsoTpEndpoint } from "../../host/can/isotp.ts";
import type { BusKind } from "./classes.ts";

const BLOCK = 4093; // TransferData payload per request (SID + block counter make 4095)

/** The UDS-style requests that carry these documents and this image. */
function requests(documents: Uint8Array[], image: Uint8Array): number[] {
  const sizes = documents.map((d) => d.length + 3); // WriteDataByIdentifier: SID + 2-byte DID
  sizes.push(11); // RequestDownload
  for (let off = 0; off < image.length; off += BLOCK) sizes.push(Math.min(BLOCK, image.length - off) + 2);
  sizes.push(1); // RequestTransferExit
  return sizes;
}

export function busSeconds(kind: BusKind, documents: Uint8Array[], image: Uint8Array): number {
  const sizes = requests(documents, image);
  if (kind === "ethernet-100M") {
    const bytes = sizes.reduce((sum, n) => sum + Math.ceil(n / 1460) * 78 + n, 0);
    return (bytes * 8) / 100e6;
  }
  const fd = kind === "can-fd-2M";
  const bus = new CanBus({ bitrate: 500_000, fd, dataBitrate: fd ? 2_000_000 : undefined });
  const config = { fd, maxMessageLength: 1 << 24 };
  const primary = new IsoTpEndpoint(bus, "primary", { ...config, txId: 0x7e0, rxId: 0x7e8 });
  const ecu = new IsoTpEndpoint(bus, "ecu", { ...config, txId: 0x7e8, rxId: 0x7e0 });
  let next = 0;
  let failed: Error | null = null;
  const sendNext = () => {
    if (next === sizes.length) return;
    primary.send(new Uint8Array(sizes[next++]!), (err) => {
      if (err) failed = err;
    });
  };
  ecu.onMessage = () => ecu.send(new Uint8Array(2)); // positive response
  primary.onMessage = sendNext;
  primary.onError = ecu.onError = (err) => (failed = err);
  sendNext();
  bus.run(() => failed !== null);
  if (failed) throw failed;
  if (next !== sizes.length) throw new Error(`bus transfer stopped after ${next} of ${sizes.length} requests`);
  return bus.seconds;
}
