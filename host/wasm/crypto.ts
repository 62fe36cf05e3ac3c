// The crypto exports of a core module (assembly/exports/crypto.ts) as typed host calls:
// SHA-256 / SHA-512, one-shot and streaming, and Ed25519, ECDSA P-256 and RSA-PSS verification.
//
// Memory stays flat: every call resets the arena before copying in, and anything larger
// than one scratch chunk is streamed through that chunk, so hashing a 1 GiB image needs
// no more than a few pages of linear memory.
import { CRYPTO_STATUS, type CryptoStatusName, ModuleMisuseError } from "../../model/outcome.ts";
import { CoreInstance, type ModuleKind } from "./module.ts";
import { Capacity, HashAlgorithm as HashAlgorithmCode } from "../../build/abi.ts";

export type HashAlgorithm = "sha256" | "sha512";

/** Bytes copied into the module per hashUpdate call. */
export const HASH_CHUNK_BYTES = 64 * 1024;

const DIGEST_BYTES: Record<HashAlgorithm, number> = { sha256: 32, sha512: 64 };
const ALG_ID: Record<HashAlgorithm, number> = { sha256: HashAlgorithmCode.Sha256, sha512: HashAlgorithmCode.Sha512 };

interface CryptoExports {
  hashInit(alg: number): number;
  hashUpdate(ptr: number, len: number): number;
  hashFinal(out: number): number;
  hashContext(): number;
  capacity(which: number): number;
  sha256Digest(ptr: number, len: number, out: number): number;
  sha512Digest(ptr: number, len: number, out: number): number;
  ed25519VerifyBytes(pk: number, pkLen: number, sig: number, sigLen: number, msg: number, len: number): number;
  ed25519StreamStart(pk: number, pkLen: number, sig: number, sigLen: number): number;
  ed25519StreamUpdate(ptr: number, len: number): number;
  ed25519StreamFinish(): number;
  ecdsaP256VerifyBytes?(spki: number, spkiLen: number, sig: number, sigLen: number, msg: number, len: number): number;
  rsaPssVerifyBytes?(spki: number, spkiLen: number, sig: number, sigLen: number, msg: number, len: number): number;
}

function statusName(code: number): CryptoStatusName {
  const name = CRYPTO_STATUS[code];
  if (name === undefined) throw new ModuleMisuseError(`module returned unknown crypto status ${code}`);
  return name;
}

/** A streaming hash: feed chunks of any size with `update`, then `digest` once. */
export class Hasher {
  readonly algorithm: HashAlgorithm;
  private readonly owner: CryptoCore;
  /** The module's context bytes while another hasher holds the module's one context. */
  saved: Uint8Array | null = null;
  finished = false;

  constructor(owner: CryptoCore, algorithm: HashAlgorithm) {
    this.owner = owner;
    this.algorithm = algorithm;
  }

  update(chunk: Uint8Array): this {
    if (this.finished) throw new ModuleMisuseError(`${this.algorithm} hasher used after digest()`);
    this.owner.feed(this, chunk);
    return this;
  }

  digest(): Uint8Array {
    if (this.finished) throw new ModuleMisuseError(`${this.algorithm} hasher digest() called twice`);
    this.finished = true;
    return this.owner.finish(this);
  }
}

/** Crypto calls on one module instance. */
export class CryptoCore {
  readonly core: CoreInstance;
  private readonly fns: CryptoExports;
  /** The hasher whose state is in the module's context right now. */
  private active: Hasher | null = null;
  /** Bytes of the module's streaming hash context (parked and restored between hashers). */
  private readonly contextBytes: number;

  constructor(core: CoreInstance | ModuleKind = "full") {
    this.core = typeof core === "string" ? new CoreInstance(core) : core;
    this.fns = this.core.exports as unknown as CryptoExports;
    this.contextBytes = this.fns.capacity(Capacity.HashContextBytes);
  }

  sha256(bytes: Uint8Array): Uint8Array {
    return this.oneShot("sha256", bytes);
  }

  sha512(bytes: Uint8Array): Uint8Array {
    return this.oneShot("sha512", bytes);
  }

  createHash(algorithm: HashAlgorithm): Hasher {
    if (!(algorithm in ALG_ID)) throw new ModuleMisuseError(`unknown hash algorithm ${String(algorithm)}`);
    const hasher = new Hasher(this, algorithm);
    this.activate(hasher, true);
    return hasher;
  }

  /**
   * Ed25519 verification in the module. Keys and signatures of any length go across with
   * their lengths: the module answers BadLength for the wrong ones. A message larger than
   * the arena can hold is BadLength too (the module refuses the buffer).
   */
  ed25519Verify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): CryptoStatusName {
    return this.verifyThree(this.fns.ed25519VerifyBytes, publicKey, signature, message);
  }

  /**
   * ECDSA P-256 with SHA-256 in the module (full.wasm, partial-p256.wasm): `spki` a DER
   * SubjectPublicKeyInfo, `signature` a DER ECDSA-Sig-Value (README "ECDSA P-256 and RSA-PSS").
   */
  ecdsaP256Verify(spki: Uint8Array, signature: Uint8Array, message: Uint8Array): CryptoStatusName {
    const fn = this.fns.ecdsaP256VerifyBytes;
    if (!fn) throw new ModuleMisuseError(`${this.core.kind}.wasm has no ECDSA P-256 (full.wasm and partial-p256.wasm have)`);
    return this.verifyThree(fn, spki, signature, message);
  }

  /** RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt in the module (full.wasm): `spki` a DER SubjectPublicKeyInfo. */
  rsaPssVerify(spki: Uint8Array, signature: Uint8Array, message: Uint8Array): CryptoStatusName {
    const fn = this.fns.rsaPssVerifyBytes;
    if (!fn) throw new ModuleMisuseError(`${this.core.kind}.wasm has no RSA-PSS (full.wasm has)`);
    return this.verifyThree(fn, spki, signature, message);
  }

  // a (key, signature, message) call with every buffer copied in with its length
  private verifyThree(
    fn: (k: number, kl: number, s: number, sl: number, m: number, ml: number) => number,
    key: Uint8Array, signature: Uint8Array, message: Uint8Array,
  ): CryptoStatusName {
    this.core.reset();
    const exp = this.core.exports;
    const k = exp.alloc(Math.max(key.length, 1));
    const s = exp.alloc(Math.max(signature.length, 1));
    const m = exp.alloc(Math.max(message.length, 1));
    if (k === 0 || s === 0 || m === 0) return "BadLength";
    const mem = new Uint8Array(exp.memory.buffer);
    mem.set(key, k);
    mem.set(signature, s);
    mem.set(message, m);
    const code = fn(k, key.length, s, signature.length, m, message.length);
    this.core.checkAlive();
    return statusName(code);
  }

  /**
   * Streaming Ed25519 verification: the message goes in as chunks of any size (each
   * copied through one scratch buffer), with the same verdicts as ed25519Verify.
   */
  ed25519VerifyChunks(publicKey: Uint8Array, signature: Uint8Array, chunks: Iterable<Uint8Array>): CryptoStatusName {
    this.core.reset();
    const exp = this.core.exports;
    const pk = exp.alloc(Math.max(publicKey.length, 1));
    const sig = exp.alloc(Math.max(signature.length, 1));
    if (pk === 0 || sig === 0) return "BadLength";
    const mem = new Uint8Array(exp.memory.buffer);
    mem.set(publicKey, pk);
    mem.set(signature, sig);
    const started = statusName(this.fns.ed25519StreamStart(pk, publicKey.length, sig, signature.length));
    this.core.checkAlive();
    if (started !== "Valid") return started;
    for (const chunk of chunks) {
      for (let off = 0; off < chunk.length; off += HASH_CHUNK_BYTES) {
        const piece = chunk.subarray(off, Math.min(off + HASH_CHUNK_BYTES, chunk.length));
        this.core.reset();
        const ptr = this.core.copyIn(piece);
        const status = statusName(this.fns.ed25519StreamUpdate(ptr, piece.length));
        if (status !== "Valid") return status;
      }
    }
    const code = this.fns.ed25519StreamFinish();
    this.core.checkAlive();
    return statusName(code);
  }

  private oneShot(algorithm: HashAlgorithm, bytes: Uint8Array): Uint8Array {
    if (bytes.length > HASH_CHUNK_BYTES) {
      // Larger inputs stream through the scratch chunk (flat memory).
      return this.createHash(algorithm).update(bytes).digest();
    }
    this.core.reset();
    const ptr = this.core.copyIn(bytes);
    const out = this.core.scratch(DIGEST_BYTES[algorithm]);
    const fn = algorithm === "sha256" ? this.fns.sha256Digest : this.fns.sha512Digest;
    this.check(fn(ptr, bytes.length, out), `${algorithm}Digest`);
    return this.core.copyOut(out, DIGEST_BYTES[algorithm]);
  }

  /** @internal Hasher.update: copies `chunk` through the scratch buffer into the module. */
  feed(hasher: Hasher, chunk: Uint8Array): void {
    this.activate(hasher, false);
    this.core.reset();
    const scratch = this.core.scratch(Math.min(Math.max(chunk.length, 1), HASH_CHUNK_BYTES));
    for (let off = 0; off < chunk.length; off += HASH_CHUNK_BYTES) {
      const piece = chunk.subarray(off, Math.min(off + HASH_CHUNK_BYTES, chunk.length));
      // The buffer may have been replaced by a memory.grow; take a fresh view each time.
      new Uint8Array(this.core.exports.memory.buffer, scratch, piece.length).set(piece);
      this.check(this.fns.hashUpdate(scratch, piece.length), "hashUpdate");
    }
  }

  /** @internal Hasher.digest. */
  finish(hasher: Hasher): Uint8Array {
    this.activate(hasher, false);
    this.core.reset();
    const out = this.core.scratch(DIGEST_BYTES[hasher.algorithm]);
    this.check(this.fns.hashFinal(out), "hashFinal");
    this.active = null;
    return this.core.copyOut(out, DIGEST_BYTES[hasher.algorithm]);
  }

  /** Puts `hasher`'s state into the module's one context, parking the current one's. */
  private activate(hasher: Hasher, fresh: boolean): void {
    this.core.checkAlive();
    if (this.active === hasher) return;
    const ctx = this.fns.hashContext();
    if (this.active && !this.active.finished) this.active.saved = this.core.copyOut(ctx, this.contextBytes);
    this.check(this.fns.hashInit(ALG_ID[hasher.algorithm]), "hashInit");
    if (!fresh) {
      if (!hasher.saved) throw new ModuleMisuseError("hasher has no saved state");
      new Uint8Array(this.core.exports.memory.buffer, ctx, this.contextBytes).set(hasher.saved);
      hasher.saved = null;
    }
    this.active = hasher;
  }

  private check(code: number, what: string): void {
    this.core.checkAlive();
    if (code !== 0) throw new ModuleMisuseError(`${this.core.kind}.wasm ${what} refused: ${statusName(code)}`);
  }
}
