// The decryption primitives of full-enc.wasm and partial-enc.wasm (assembly/exports/crypto-enc.ts)
// as typed host calls, for tests and benchmarks: X25519, ChaCha20-Poly1305, AES-128-GCM,
// HMAC-SHA256, HKDF-SHA256 and HPKE base-mode Open. Every call resets the arena first, so
// memory stays flat. Image decryption goes through the verifier (README "Per-ECU image
// encryption: the ECU side"), not through these.
import { CRYPTO_STATUS, type CryptoStatusName, ModuleMisuseError } from "../../model/outcome.ts";
import { CoreInstance, type ModuleKind } from "./module.ts";

interface EncExports {
  x25519Bytes(k: number, kl: number, u: number, ul: number, out: number): number;
  x25519PublicKey(k: number, kl: number, out: number): number;
  chacha20Poly1305Seal(k: number, kl: number, n: number, nl: number, a: number, al: number, p: number, pl: number, out: number): number;
  chacha20Poly1305Open(k: number, kl: number, n: number, nl: number, a: number, al: number, c: number, cl: number, out: number): number;
  aes128GcmSeal(k: number, kl: number, n: number, nl: number, a: number, al: number, p: number, pl: number, out: number): number;
  aes128GcmOpen(k: number, kl: number, n: number, nl: number, a: number, al: number, c: number, cl: number, out: number): number;
  hmacSha256Bytes(k: number, kl: number, m: number, ml: number, out: number): number;
  hkdfSha256(ikm: number, il: number, salt: number, sl: number, info: number, nl: number, out: number, ol: number): number;
  hpkeOpen(sk: number, skl: number, enc: number, el: number, info: number, il: number, aad: number, al: number, ct: number, cl: number, out: number): number;
}

/** A status and, when Valid, the bytes the call produced. */
export interface CryptoResult {
  status: CryptoStatusName;
  out?: Uint8Array;
}

function statusName(code: number): CryptoStatusName {
  const name = CRYPTO_STATUS[code];
  if (name === undefined) throw new ModuleMisuseError(`module returned unknown crypto status ${code}`);
  return name;
}

/** Decryption crypto calls on one full-enc or partial-enc instance. */
export class DecryptionCrypto {
  readonly core: CoreInstance;
  private readonly fns: EncExports;

  constructor(core: CoreInstance | ModuleKind = "full-enc") {
    this.core = typeof core === "string" ? new CoreInstance(core) : core;
    this.fns = this.core.exports as unknown as EncExports;
    if (typeof this.fns.hpkeOpen !== "function") throw new ModuleMisuseError(`${this.core.kind}.wasm has no decryption (full-enc.wasm and partial-enc.wasm have)`);
  }

  // copies every input in (lengths as given), allocates `outLen` bytes, calls, reads back `outLen` on Valid
  private call(inputs: Uint8Array[], outLen: number, fn: (ptrs: number[], out: number) => number): CryptoResult {
    this.core.reset();
    const ptrs = inputs.map((b) => this.core.copyIn(b));
    const out = this.core.scratch(Math.max(outLen, 1));
    const code = fn(ptrs, out);
    this.core.checkAlive();
    const status = statusName(code);
    return status === "Valid" || (status === "Invalid" && outLen === 32 && inputs.length === 2) ? { status, out: this.core.copyOut(out, Math.max(outLen, 0)) } : { status };
  }

  /** X25519(scalar, u) (RFC 7748). Invalid (with the all-zero output) for a small-order u. */
  x25519(scalar: Uint8Array, u: Uint8Array): CryptoResult {
    return this.call([scalar, u], 32, ([k, p], out) => this.fns.x25519Bytes(k, scalar.length, p, u.length, out));
  }

  x25519PublicKey(scalar: Uint8Array): CryptoResult {
    return this.call([scalar], 32, ([k], out) => this.fns.x25519PublicKey(k, scalar.length, out));
  }

  /** ChaCha20-Poly1305 seal: ciphertext | tag. */
  chacha20Poly1305Seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): CryptoResult {
    return this.call([key, nonce, aad, pt], pt.length + 16, ([k, n, a, p], out) => this.fns.chacha20Poly1305Seal(k, key.length, n, nonce.length, a, aad.length, p, pt.length, out));
  }

  /** ChaCha20-Poly1305 open of ciphertext | tag. */
  chacha20Poly1305Open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): CryptoResult {
    return this.call([key, nonce, aad, sealed], sealed.length - 16, ([k, n, a, c], out) => this.fns.chacha20Poly1305Open(k, key.length, n, nonce.length, a, aad.length, c, sealed.length, out));
  }

  aes128GcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, pt: Uint8Array): CryptoResult {
    return this.call([key, iv, aad, pt], pt.length + 16, ([k, n, a, p], out) => this.fns.aes128GcmSeal(k, key.length, n, iv.length, a, aad.length, p, pt.length, out));
  }

  aes128GcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): CryptoResult {
    return this.call([key, iv, aad, sealed], sealed.length - 16, ([k, n, a, c], out) => this.fns.aes128GcmOpen(k, key.length, n, iv.length, a, aad.length, c, sealed.length, out));
  }

  hmacSha256(key: Uint8Array, message: Uint8Array): CryptoResult {
    return this.call([key, message], 32, ([k, m], out) => this.fns.hmacSha256Bytes(k, key.length, m, message.length, out));
  }

  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): CryptoResult {
    return this.call([ikm, salt, info], length, ([i, s, n], out) => this.fns.hkdfSha256(i, ikm.length, s, salt.length, n, info.length, out, length));
  }

  /** HPKE base-mode single-shot Open, the suite of README "Per-ECU image encryption". */
  hpkeOpen(skR: Uint8Array, enc: Uint8Array, info: Uint8Array, aad: Uint8Array, ct: Uint8Array): CryptoResult {
    return this.call([skR, enc, info, aad, ct], ct.length - 16, ([s, e, i, a, c], out) => this.fns.hpkeOpen(s, skR.length, e, enc.length, i, info.length, a, aad.length, c, ct.length, out));
  }
}
