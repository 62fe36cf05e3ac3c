// The ECU's key store, simulating an HSM: it makes or loads the ECU's Ed25519 key and
// signs with it; the private key never leaves the object (no getter, no export).
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { keyIdOf, rawPublicKey, tufKeyFromRaw, type Signature, type TufKey } from "../../backend/metadata/keys.ts";
import { createPublicKey } from "node:crypto";
import type { FlashStore } from "./flash.ts";

const KEY_FILE = "ecu-key.pem";

export class EcuKeyStore {
  readonly publicKey: TufKey;
  readonly keyid: string;
  readonly #privateKey: KeyObject;

  private constructor(privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== "ed25519") throw new Error(`ECU key must be ed25519, got ${privateKey.asymmetricKeyType}`);
    this.#privateKey = privateKey;
    this.publicKey = tufKeyFromRaw(rawPublicKey(createPublicKey(privateKey)));
    this.keyid = keyIdOf(this.publicKey);
  }

  /** Loads the key provisioned in flash, or makes one at first power-up. */
  static openOrCreate(flash: FlashStore): EcuKeyStore {
    const pem = flash.read(KEY_FILE);
    if (pem) return new EcuKeyStore(createPrivateKey(Buffer.from(pem).toString("utf8")));
    const { privateKey } = generateKeyPairSync("ed25519");
    flash.writeAtomic(KEY_FILE, Buffer.from(privateKey.export({ format: "pem", type: "pkcs8" }).toString(), "utf8"));
    return new EcuKeyStore(privateKey);
  }

  sign(bytes: Uint8Array): Signature {
    return { keyid: this.keyid, sig: sign(null, bytes, this.#privateKey).toString("hex") };
  }
}
