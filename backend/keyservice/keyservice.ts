// The key service (README "Per-ECU image encryption"; Deployment Best Practices: keep ECU
// encryption keys in a service apart from the inventory that offers only "encrypt this
// image for that ECU"). Its own store, DIR/keyservice/ (0700), one file per ECU (0600):
//   SERIAL.x25519.pub   the ECU's X25519 public encryption key, 64 hex characters
//   SERIAL.aes128.key   the AES-128 key the ECU shares with the OEM, 16 raw bytes
// apart from DIR/keys/ (signing keys) and from the inventory database, which records only
// the method. A shared key leaves this module only inside AES-GCM; each copy of it, and
// each content key, is wiped (Buffer.fill(0)) once used. Errors never carry key bytes.
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readSync, rmSync } from "node:fs";
import { createPublicKey, diffieHellman, generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { writeFileAtomicSync } from "../fs/atomic-write.ts";
import { isEcuSerial } from "../../model/identifiers.ts";
import {
  METHOD_SHARED, METHOD_X25519, SHARED_KEY_LENGTH, X25519_KEY_LENGTH, encryptImageForEcu, x25519PublicKeyObject,
  type EncryptedImage, type EncryptionMethod,
} from "../../model/image-encryption.ts";

/** The key service's folder inside a backend folder. */
export const KEYSERVICE_DIR = "keyservice";

const SUFFIX: Record<EncryptionMethod, string> = { [METHOD_X25519]: ".x25519.pub", [METHOD_SHARED]: ".aes128.key" };

/** A refusal of the key service: `code` for the API and CLI, a message that names no key bytes. */
export class KeyServiceError extends Error {
  override name = "KeyServiceError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ImageToEncrypt {
  /** The plaintext target name (as the Image repository signs it). */
  name: string;
  bytes: Uint8Array;
  /** The Image repository's length and hashes: the bytes are checked against them first. */
  expected: { length: number; hashes: Partial<Record<"sha256" | "sha512", string>> };
  /**
   * SHA-256 and SHA-512 of `bytes` when the caller computed them already (the Director, once
   * per image for all its ECUs); else computed here. Not a trust decision: the ECU checks the
   * decrypted image against the signed hashes whatever they are.
   */
  hashes?: { sha256: string; sha512: string };
}

export class KeyService {
  readonly storeDir: string;

  constructor(backendDir: string) {
    this.storeDir = join(backendDir, KEYSERVICE_DIR);
  }

  /** The store, created 0700 if missing; refused when a symlink or open to others. */
  private store(create: boolean): string | null {
    if (!existsSync(this.storeDir)) {
      if (!create) return null;
      mkdirSync(this.storeDir, { recursive: true, mode: 0o700 });
    }
    const st = lstatSync(this.storeDir);
    if (!st.isDirectory()) throw new KeyServiceError("keystore-unsafe", `${this.storeDir} is not a folder`);
    if ((st.mode & 0o077) !== 0) throw new KeyServiceError("keystore-unsafe", `${this.storeDir} is open to other users (mode ${(st.mode & 0o777).toString(8)}): chmod 700 it`);
    return this.storeDir;
  }

  private path(serial: string, method: EncryptionMethod): string {
    if (!isEcuSerial(serial)) throw new KeyServiceError("invalid-serial", `ECU serial ${JSON.stringify(String(serial).slice(0, 80))} must be 1-64 of A-Z a-z 0-9 . _ -`);
    return join(this.storeDir, serial + SUFFIX[method]);
  }

  /**
   * Records ECU `serial`'s X25519 public encryption key (32 bytes). Refused: another length, a
   * low-order point (X25519 with it gives the all-zero secret: no key could be wrapped for it).
   */
  registerEncryptionKey(serial: string, publicKey: Uint8Array): void {
    checkX25519PublicKey(publicKey);
    const path = this.path(serial, METHOD_X25519);
    this.store(true);
    this.refuseOtherMethod(serial, METHOD_X25519);
    writeFileAtomicSync(path, Buffer.from(Buffer.from(publicKey).toString("hex") + "\n"), 0o600);
  }

  /**
   * Records the AES-128 key ECU `serial` shares with the OEM. The caller wipes its buffer;
   * this function keeps no copy. Refused: not 16 bytes, or all zeros.
   */
  registerSharedKey(serial: string, key: Uint8Array): void {
    if (key.length !== SHARED_KEY_LENGTH) throw new KeyServiceError("invalid-shared-key", `a shared ECU encryption key is ${SHARED_KEY_LENGTH} bytes (AES-128), got ${key.length}`);
    if (key.every((b) => b === 0)) throw new KeyServiceError("invalid-shared-key", "a shared ECU encryption key of all zeros is refused");
    const path = this.path(serial, METHOD_SHARED);
    this.store(true);
    this.refuseOtherMethod(serial, METHOD_SHARED);
    writeFileAtomicSync(path, key, 0o600);
  }

  private refuseOtherMethod(serial: string, method: EncryptionMethod): void {
    const other = method === METHOD_X25519 ? METHOD_SHARED : METHOD_X25519;
    if (existsSync(this.path(serial, other))) throw new KeyServiceError("encryption-key-exists", `ECU ${serial} has a ${other} key already: one encryption key per ECU`);
  }

  /** The method ECU `serial`'s key is for, or null when it has none. */
  methodOf(serial: string): EncryptionMethod | null {
    if (!this.store(false)) return null;
    for (const method of [METHOD_X25519, METHOD_SHARED] as const) if (existsSync(this.path(serial, method))) return method;
    return null;
  }

  /** Removes ECU `serial`'s key (its registration was undone); true when there was one. */
  removeKey(serial: string): boolean {
    if (!this.store(false)) return false;
    let removed = false;
    for (const method of [METHOD_X25519, METHOD_SHARED] as const) {
      const path = this.path(serial, method);
      if (existsSync(path)) {
        rmSync(path);
        removed = true;
      }
    }
    return removed;
  }

  /**
   * The one operation: encrypts `image` for ECU `serial` with a fresh content key (README
   * "Per-ECU image encryption"). Returns the ciphertext, its Director target name, length and
   * hashes, and `custom.encryption`; no key leaves.
   */
  encryptForEcu(serial: string, image: ImageToEncrypt): EncryptedImage {
    const method = this.methodOf(serial);
    if (!method) throw new KeyServiceError("no-encryption-key", `ECU ${serial} has no encryption key in the key service`);
    const key = readKeyFile(this.path(serial, method), method === METHOD_X25519 ? 65 : SHARED_KEY_LENGTH);
    try {
      if (method === METHOD_X25519) {
        const publicKey = parseHexKey(key, X25519_KEY_LENGTH);
        if (!publicKey) throw new KeyServiceError("keystore-corrupt", `the key service's key file of ECU ${serial} is not 64 hex characters`);
        return encryptImageForEcu({ plaintext: image.bytes, plaintextName: image.name, serial, recipient: { method, publicKey }, expected: image.expected, plaintextHashes: image.hashes });
      }
      if (key.length !== SHARED_KEY_LENGTH) throw new KeyServiceError("keystore-corrupt", `the key service's key file of ECU ${serial} is not ${SHARED_KEY_LENGTH} bytes`);
      return encryptImageForEcu({ plaintext: image.bytes, plaintextName: image.name, serial, recipient: { method, sharedKey: key }, expected: image.expected, plaintextHashes: image.hashes });
    } finally {
      key.fill(0);
    }
  }
}

/** A key file's bytes, read into one buffer the caller wipes; refused if it is not a plain 0600 file of the size expected. */
function readKeyFile(path: string, size: number): Buffer {
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink put in the key's place is refused, not followed.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KeyServiceError(code === "ELOOP" ? "keystore-unsafe" : "keystore-corrupt", `${path} cannot be opened as a plain file (${code ?? "error"})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new KeyServiceError("keystore-corrupt", `${path} is not a plain file`);
    if ((st.mode & 0o077) !== 0) throw new KeyServiceError("keystore-unsafe", `${path} is open to other users (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it`);
    const size_ = st.size;
    if (size_ !== size) throw new KeyServiceError("keystore-corrupt", `${path} is ${size_} bytes, not ${size}`);
    const buf = Buffer.alloc(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, buf, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    if (at !== size) {
      buf.fill(0);
      throw new KeyServiceError("keystore-corrupt", `${path} is shorter than ${size} bytes`);
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

/**
 * `n` bytes from 2n hex digits (an optional trailing newline), decoded from bytes so no
 * string holds the key; null when not that. The caller wipes both buffers.
 */
export function parseHexKey(bytes: Uint8Array, n: number): Buffer | null {
  let len = bytes.length;
  while (len > 0 && (bytes[len - 1] === 0x0a || bytes[len - 1] === 0x0d)) len--;
  if (len !== 2 * n) return null;
  const out = Buffer.alloc(n);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const hi = hexValue(bytes[2 * i]!);
    const lo = hexValue(bytes[2 * i + 1]!);
    bad |= (hi | lo) & 0x100;
    out[i] = ((hi & 0xf) << 4) | (lo & 0xf);
  }
  if (bad !== 0) {
    out.fill(0);
    return null;
  }
  return out;
}

/** 0-15 for a hex digit (either case), 0x100 otherwise; no table indexed by the secret byte. */
function hexValue(c: number): number {
  const digit = c - 0x30;
  const lower = (c | 0x20) - 0x61 + 10;
  const isDigit = ((digit >= 0 ? 1 : 0) & (digit <= 9 ? 1 : 0)) === 1;
  const isLetter = ((lower >= 10 ? 1 : 0) & (lower <= 15 ? 1 : 0)) === 1;
  return isDigit ? digit : isLetter ? lower : 0x100;
}

/** A usable X25519 public key: 32 bytes, not of low order. */
export function checkX25519PublicKey(publicKey: Uint8Array): void {
  if (publicKey.length !== X25519_KEY_LENGTH) throw new KeyServiceError("invalid-encryption-key", `an X25519 encryption key is ${X25519_KEY_LENGTH} bytes, got ${publicKey.length}`);
  let dh: Buffer;
  try {
    dh = diffieHellman({ privateKey: generateKeyPairSync("x25519").privateKey, publicKey: x25519PublicKeyObject(publicKey) });
  } catch {
    throw new KeyServiceError("invalid-encryption-key", "the X25519 encryption key is a low-order point: nothing could be encrypted for it");
  }
  const zero = dh.every((b) => b === 0);
  dh.fill(0);
  if (zero) throw new KeyServiceError("invalid-encryption-key", "the X25519 encryption key is a low-order point: nothing could be encrypted for it");
}

/**
 * An ECU's X25519 public encryption key from a file's bytes: PEM SubjectPublicKeyInfo
 * (`openssl genpkey -algorithm X25519`, then `openssl pkey -pubout`) or 64 hex characters.
 */
export function readX25519PublicKey(bytes: Uint8Array): Buffer {
  const text = Buffer.from(bytes).toString("utf8").trim();
  if (text.startsWith("-----BEGIN")) {
    // Node would derive the public key from a private one: the ECU's private key never comes here.
    if (!text.startsWith("-----BEGIN PUBLIC KEY-----")) throw new KeyServiceError("invalid-encryption-key", "the encryption key file must hold a PEM PUBLIC KEY (SPKI); a private key file is refused: give the public half");
    let key;
    try {
      key = createPublicKey(text);
    } catch {
      throw new KeyServiceError("invalid-encryption-key", "the encryption key file's PEM does not decode as a public key");
    }
    if (key.asymmetricKeyType !== "x25519") throw new KeyServiceError("invalid-encryption-key", `the encryption key must be X25519, not ${key.asymmetricKeyType} (the ECU's signing key is a different key)`);
    const der = key.export({ format: "der", type: "spki" });
    return Buffer.from(der.subarray(der.length - X25519_KEY_LENGTH));
  }
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new KeyServiceError("invalid-encryption-key", "the encryption key must be an X25519 public key: PEM (SPKI) or 64 hex characters");
  return Buffer.from(text, "hex");
}

/**
 * A shared AES-128 key from a key file's bytes: 16 raw bytes, or 32 hex characters (and a
 * newline). The caller wipes the input and the result.
 */
export function readSharedKey(bytes: Uint8Array): Buffer {
  if (bytes.length === SHARED_KEY_LENGTH) return Buffer.from(bytes);
  const parsed = parseHexKey(bytes, SHARED_KEY_LENGTH);
  if (!parsed) throw new KeyServiceError("invalid-shared-key", `a shared encryption key file holds ${SHARED_KEY_LENGTH} raw bytes or ${2 * SHARED_KEY_LENGTH} hex characters`);
  return parsed;
}
