// The ECU's key store, simulating an HSM: it makes or loads the ECU's Ed25519 key and
// signs with it; the private key never leaves the object (no getter, no export).
import { generateSigningKey, privateKeyPem, signBytes, signingKeyFromPem, type Signature, type SigningKey, type TufKey } from "../../model/keys.ts";
import type { FlashStore } from "./flash.ts";

const KEY_FILE = "ecu-key.pem";

export class EcuKeyStore {
  readonly publicKey: TufKey;
  readonly keyid: string;
  readonly #key: SigningKey;

  private constructor(key: SigningKey) {
    this.#key = key;
    this.publicKey = key.publicKey;
    this.keyid = key.keyid;
  }

  /** Loads the key provisioned in flash, or makes one at first power-up. */
  static openOrCreate(flash: FlashStore): EcuKeyStore {
    const pem = flash.read(KEY_FILE);
    if (pem) return new EcuKeyStore(signingKeyFromPem(Buffer.from(pem).toString("utf8")));
    const key = generateSigningKey();
    flash.writeAtomic(KEY_FILE, Buffer.from(privateKeyPem(key), "utf8"));
    return new EcuKeyStore(key);
  }

  sign(bytes: Uint8Array): Signature {
    return signBytes(this.#key, bytes);
  }
}
