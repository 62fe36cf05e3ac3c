// An ECU's signing key behind a small interface: the private key never leaves the key
// store (an HSM on real hardware), callers only get signatures and the public key.
import { readFileSync } from "node:fs";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { signBytes, signingKeyFrom, signingKeyFromPem, type Signature, type SigningKey, type TufKey } from "../../model/keys.ts";

export interface KeyStore {
  readonly keyid: string;
  readonly publicKey: TufKey;
  /** A TUF signature over `bytes`. */
  sign(bytes: Uint8Array): Promise<Signature>;
}

/** A software key store holding an Ed25519 key in process memory. */
export class SoftwareKeyStore implements KeyStore {
  readonly keyid: string;
  readonly publicKey: TufKey;
  readonly #key: SigningKey;

  private constructor(key: SigningKey) {
    this.#key = key;
    this.keyid = key.keyid;
    this.publicKey = key.publicKey;
  }

  static generate(): SoftwareKeyStore {
    return new SoftwareKeyStore(signingKeyFrom(generateKeyPairSync("ed25519").privateKey));
  }

  static fromPrivateKey(privateKey: KeyObject): SoftwareKeyStore {
    return new SoftwareKeyStore(signingKeyFrom(privateKey));
  }

  static fromPem(pem: string): SoftwareKeyStore {
    return new SoftwareKeyStore(signingKeyFromPem(pem));
  }

  static fromPemFile(path: string): SoftwareKeyStore {
    return SoftwareKeyStore.fromPem(readFileSync(path, "utf8"));
  }

  async sign(bytes: Uint8Array): Promise<Signature> {
    return signBytes(this.#key, bytes);
  }
}
