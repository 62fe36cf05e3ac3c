// Prints how long an image download (UDS RequestDownload / TransferData / RequestTransferExit
// over ISO-TP) takes on the simulated bus for several bus configurations: simulated
// seconds (deterministic, from the frames' bit counts) and frames sent.
// Usage: node --import tsx scripts/bus-transfer-times.ts [KiB ...]   (default 64 1024)
import { CanBus, type BusConfig } from "../host/can/bus.ts";
import { type DownloadSink, UdsClient, UdsServer } from "../host/can/uds.ts";

const BUSES: Array<[string, BusConfig]> = [
  ["classic 125k", { bitrate: 125_000 }],
  ["classic 500k", { bitrate: 500_000 }],
  ["classic 1M", { bitrate: 1_000_000 }],
  ["FD 500k/2M", { bitrate: 500_000, fd: true, dataBitrate: 2_000_000 }],
  ["FD 1M/5M", { bitrate: 1_000_000, fd: true, dataBitrate: 5_000_000 }],
];

function transfer(config: BusConfig, size: number): { seconds: number; frames: number } {
  const bus = new CanBus(config);
  const fd = config.fd ?? false;
  let received = 0;
  const sink: DownloadSink = { write: (c) => void (received += c.length), finish() {}, abort() {} };
  new UdsServer(bus, "ecu", { txId: 0x7e8, rxId: 0x7e0, fd }, { readData: () => new Uint8Array(), writeData() {}, routine: () => new Uint8Array(), requestDownload: () => sink });
  const client = new UdsClient(bus, "tester", { txId: 0x7e0, rxId: 0x7e8, fd });
  client.request(Uint8Array.of(0x34, 0x00, 0x44, 0, 0, 0, 0, size >>> 24, (size >>> 16) & 0xff, (size >>> 8) & 0xff, size & 0xff));
  let counter = 1;
  for (let off = 0; off < size; off += 4095) {
    const block = new Uint8Array(2 + Math.min(4095, size - off));
    block[0] = 0x36;
    block[1] = counter;
    client.request(block);
    counter = (counter + 1) & 0xff;
  }
  client.request(Uint8Array.of(0x37));
  if (received !== size) throw new Error(`received ${received} of ${size}`);
  return { seconds: bus.seconds, frames: bus.stats.frames };
}

const sizes = process.argv.slice(2).map(Number);
for (const kib of sizes.length ? sizes : [64, 1024]) {
  console.log(`\n${kib} KiB image, 4095-byte TransferData blocks`);
  console.log("bus".padEnd(14) + "simulated s".padStart(12) + "frames".padStart(10) + "KiB/s".padStart(10));
  for (const [name, config] of BUSES) {
    const { seconds, frames } = transfer(config, kib * 1024);
    console.log(name.padEnd(14) + seconds.toFixed(3).padStart(12) + String(frames).padStart(10) + (kib / seconds).toFixed(1).padStart(10));
  }
}
