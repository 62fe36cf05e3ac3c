// The ECU's key store, simulating an HSM: it makes or loads the ECU's Ed25519 key and
// signs with it; the private key never leaves the object (no getter, no export). It also
// holds the ECU's image encryption keys (README "Per-ECU image encryption: the ECU side"),
// apart from the signing key: an X25519 key pair made at first power-up (its public half
// is what `vehicle add --encryption-key` registers) and, on an ECU provisioned with one,
// the AES-128 key it shares with the OEM. Those lend themselves only to the verification
// module's unwrap (withDecryptionKey), as a copy wiped right after.
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { generateSigningKey, privateKeyPem, signBytes, signingKeyFromPem, type Signature, type SigningKey, type TufKey } from "../../model/keys.ts";
import type { FlashStore } from "./flash.ts";

const KEY_FILE = "ecu-key.pem";
const ENC_KEY_FILE = "ecu-encryption-key.bin"; // the raw 32-byte X25519 private key
const SHARED_KEY_FILE = "ecu-shared-key.bin"; // the raw 16-byte AES-128 key, when provisioned
const X25519_PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");

/** The wrap methods of README "Per-ECU image encryption", and the key each takes. */
export type DecryptionMethod = "x25519-hkdf-sha256-chacha20poly1305" | "aes128gcm-shared";

function writeKey(flash: FlashStore, name: string, bytes: Uint8Array): void {
  flash.writeAtomic(name, bytes);
  chmodSync(join(flash.dir, name), 0o600);
}

export class EcuKeyStore {
  readonly publicKey: TufKey;
  readonly keyid: string;
  /** The X25519 public key (32 raw bytes) images are encrypted for (README "Per-ECU image encryption"). */
  readonly encryptionPublicKey: Uint8Array;
  readonly #key: SigningKey;
  readonly #flash: FlashStore;

  private constructor(key: SigningKey, flash: FlashStore, encryptionPublicKey: Uint8Array) {
    this.#key = key;
    this.#flash = flash;
    this.publicKey = key.publicKey;
    this.keyid = key.keyid;
    this.encryptionPublicKey = encryptionPublicKey;
  }

  /** Loads the keys provisioned in flash, or makes them at first power-up. */
  static openOrCreate(flash: FlashStore): EcuKeyStore {
    const pem = flash.read(KEY_FILE);
    let key: SigningKey;
    if (pem) key = signingKeyFromPem(Buffer.from(pem).toString("utf8"));
    else {
      key = generateSigningKey();
      flash.writeAtomic(KEY_FILE, Buffer.from(privateKeyPem(key), "utf8"));
    }
    let raw = flash.read(ENC_KEY_FILE);
    if (!raw || raw.length !== 32) {
      raw = generateKeyPairSync("x25519").privateKey.export({ format: "der", type: "pkcs8" }).subarray(16);
      writeKey(flash, ENC_KEY_FILE, raw);
    }
    const priv = createPrivateKey({ key: Buffer.concat([X25519_PKCS8, raw]), format: "der", type: "pkcs8" });
    raw.fill(0);
    const pub = new Uint8Array(createPublicKey(priv).export({ format: "der", type: "spki" }).subarray(12));
    return new EcuKeyStore(key, flash, pub);
  }

  /** Factory provisioning of the AES-128 key this ECU shares with the OEM's key service (SHE-class ECUs). */
  provisionSharedKey(key: Uint8Array): void {
    if (key.length !== 16) throw new RangeError("a shared ECU key is 16 bytes (AES-128)");
    writeKey(this.#flash, SHARED_KEY_FILE, key);
  }

  /** Whether the store holds a key for the method. */
  hasDecryptionKey(method: DecryptionMethod): boolean {
    return method === "x25519-hkdf-sha256-chacha20poly1305" || this.#flash.read(SHARED_KEY_FILE)?.length === 16;
  }

  /**
   * Lends the key for `method` to `use` (the verification module's unwrap) as a fresh copy,
   * zeroed when `use` returns; null when the store has no such key.
   */
  withDecryptionKey<T>(method: DecryptionMethod, use: (key: Uint8Array) => T): T | null {
    const raw = this.#flash.read(method === "aes128gcm-shared" ? SHARED_KEY_FILE : ENC_KEY_FILE);
    if (!raw || raw.length !== (method === "aes128gcm-shared" ? 16 : 32)) return null;
    try {
      return use(raw);
    } finally {
      raw.fill(0);
    }
  }

  sign(bytes: Uint8Array): Signature {
    return signBytes(this.#key, bytes);
  }
}
