// Per-ECU image encryption on the backend (README "Per-ECU image encryption"): the time to
// encrypt one image for 1,000 ECUs.
// 1. The key service alone ("encrypt this image for that ECU", 1,000 times: key file read,
//    fresh content key, HPKE or AES-GCM wrap, 4 KiB chunks of ChaCha20-Poly1305, SHA-256 and
//    SHA-512 of the ciphertext), next to Node's ChaCha20-Poly1305 over the image
//    1,000 times in one call each (the bare AEAD cost, the baseline).
// 2. The Director: a campaign of one image to 1,000 ECUs (100 vehicles of 10) that take
//    encrypted images, next to the same campaign to 1,000 ECUs without encryption keys, in
//    alternating rounds (targets signed for 100 vehicles either way; the encrypted one also
//    encrypts and stores 1,000 ciphertexts in the inventory). Async, so timed here and
//    reported as value cases (medians of the rounds).
import { createCipheriv, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { BenchCase, Suite } from "../harness.ts";
import { KeyService } from "../../../backend/keyservice/keyservice.ts";
import { DirectorFixture } from "../../director/fixture.ts";
import { targetFilePath } from "../../../backend/image/layout.ts";
import { generateSigningKey } from "../../../model/keys.ts";
import { METHOD_SHARED, METHOD_X25519, decryptImage, hashesOfBytes, x25519RawPrivateKey, x25519RawPublicKey } from "../../../model/image-encryption.ts";

const KiB = 1024;
const label = (n: number) => (n >= 1024 * KiB ? `${n / (1024 * KiB)} MiB` : `${n / KiB} KiB`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const temps: string[] = [];
process.on("exit", () => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function keyServiceCases(ecus: number, sizes: number[], rounds: number): BenchCase[] {
  const dir = mkdtempSync(join(tmpdir(), "bench-keyservice-"));
  temps.push(dir);
  const ks = new KeyService(dir);
  const privateKeys: Buffer[] = [];
  const shared: Buffer[] = [];
  for (let i = 0; i < ecus; i++) {
    const k = generateKeyPairSync("x25519");
    ks.registerEncryptionKey(`x-${i}`, x25519RawPublicKey(k.publicKey));
    privateKeys.push(x25519RawPrivateKey(k.privateKey));
    shared.push(randomBytes(16));
    ks.registerSharedKey(`s-${i}`, shared[i]!);
  }
  return sizes.map((size) => {
    const bytes = randomBytes(size);
    // As the Director calls it: the plaintext hashed once per image, not once per ECU.
    const hashes = hashesOfBytes(bytes);
    const image = { name: "bench/fw.bin", bytes, expected: { length: size, hashes }, hashes };
    // Refuse to time an encryption that does not decrypt.
    const x = ks.encryptForEcu("x-0", image);
    const s = ks.encryptForEcu("s-0", image);
    if (!decryptImage(x.encryption, { method: METHOD_X25519, privateKey: privateKeys[0]! }, "x-0", x.ciphertext).equals(bytes)) throw new Error("x25519 encryption does not decrypt");
    if (!decryptImage(s.encryption, { method: METHOD_SHARED, sharedKey: shared[0]! }, "s-0", s.ciphertext).equals(bytes)) throw new Error("shared-key encryption does not decrypt");
    const key = randomBytes(32);
    const nonce = Buffer.alloc(12);
    return {
      kind: "timed" as const,
      name: `encrypt one ${label(size)} image for ${ecus} ECUs`,
      unit: "µs/op" as const,
      rounds,
      baseline: "Node chacha20-poly1305, one call per ECU",
      contenders: {
        "key service, x25519-hkdf-sha256-chacha20poly1305": () => {
          for (let i = 0; i < ecus; i++) ks.encryptForEcu(`x-${i}`, image);
        },
        "key service, aes128gcm-shared": () => {
          for (let i = 0; i < ecus; i++) ks.encryptForEcu(`s-${i}`, image);
        },
        "Node chacha20-poly1305, one call per ECU": () => {
          for (let i = 0; i < ecus; i++) {
            const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
            c.update(bytes);
            c.final();
            c.getAuthTag();
          }
        },
      },
    };
  });
}

/** A fleet of `vehicles` vehicles with `perVehicle` ECUs of `hw` each (plus a Primary), with X25519 keys when `encrypted`. */
function addFleet(f: DirectorFixture, tag: string, hw: string, vehicles: number, perVehicle: number, encrypted: boolean): void {
  for (let v = 0; v < vehicles; v++) {
    const vin = `${tag}${String(v).padStart(5, "0")}`;
    const ecus = [{ serial: `${vin}-P`, hardwareId: "hw-primary", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: true }];
    for (let i = 0; i < perVehicle; i++) {
      const enc = encrypted ? { encryptionKey: x25519RawPublicKey(generateKeyPairSync("x25519").publicKey) } : {};
      ecus.push({ serial: `${vin}-S${i}`, hardwareId: hw, publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: false, ...enc });
    }
    f.director.addVehicle(vin, ecus);
  }
}

function addImage(f: DirectorFixture, name: string, size: number, releaseCounter: number): void {
  const bytes = randomBytes(size);
  const hashes = hashesOfBytes(bytes);
  f.images.targets.set(name, { name, length: size, hashes, custom: { hardwareIds: ["hw-enc", "hw-plain"], releaseCounter } });
  const path = targetFilePath(f.dir, name, hashes.sha256);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

async function directorCases(vehicles: number, perVehicle: number, size: number, rounds: number): Promise<BenchCase[]> {
  const f = new DirectorFixture();
  temps.push(f.dir);
  const ecus = vehicles * perVehicle;
  addFleet(f, "ENC", "hw-enc", vehicles, perVehicle, true);
  addFleet(f, "PLN", "hw-plain", vehicles, perVehicle, false);
  const enc: number[] = [];
  const plain: number[] = [];
  const time = async (hw: string, name: string) => {
    const start = process.hrtime.bigint();
    const r = await f.director.campaign(hw, name);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.assigned.length !== ecus) throw new Error(`campaign of ${name} to ${hw} assigned ${r.assigned.length}, not ${ecus}`);
    return seconds;
  };
  for (let r = 0; r < rounds; r++) {
    const name = `bench/fw-${r}.bin`;
    addImage(f, name, size, r + 1);
    // Alternate which goes first, so neither always finds a warmer cache.
    if (r % 2 === 0) {
      enc.push(await time("hw-enc", name));
      plain.push(await time("hw-plain", name));
    } else {
      plain.push(await time("hw-plain", name));
      enc.push(await time("hw-enc", name));
    }
  }
  const ratios = enc.map((e, i) => e / plain[i]!);
  await f.close();
  const what = `campaign of one ${label(size)} image to ${ecus} ECUs (${vehicles} vehicles)`;
  return [
    { kind: "value", name: `${what}, encrypted per ECU`, unit: "s", measure: () => median(enc) },
    { kind: "value", name: `${what}, not encrypted`, unit: "s", measure: () => median(plain) },
    { kind: "value", name: `${what}: encrypted / not encrypted (median of per-round ratios)`, unit: "×", measure: () => median(ratios) },
    { kind: "value", name: `${what}: added time per ECU (medians)`, unit: "ms", measure: () => ((median(enc) - median(plain)) / ecus) * 1000 },
  ];
}

export const directorEncryptionSuite: Suite = {
  name: "director-encryption",
  async cases({ quick }) {
    const ecus = quick ? 100 : 1000;
    return [
      ...keyServiceCases(ecus, quick ? [64 * KiB] : [64 * KiB, 1024 * KiB], quick ? 2 : 5),
      ...(await directorCases(quick ? 10 : 100, 10, 64 * KiB, quick ? 2 : 5)),
    ];
  },
};
