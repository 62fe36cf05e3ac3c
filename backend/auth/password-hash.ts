// Passwords of the supplier portal and the OEM console (README "Backend: supplier portal"): hashed with scrypt, the
// memory-hard KDF of RFC 7914, under a random salt. Each stored hash names its own
// parameters, so they can be raised later without breaking the accounts made before.
// Comparison is constant-time and derived bytes are wiped after use.
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

export interface ScryptParams {
  /** CPU/memory cost (a power of two): the work takes 128 * N * r bytes. */
  N: number;
  r: number;
  p: number;
}

/**
 * 32 MiB and some 100 ms of one core per login (2^15, 8, 1). The passwords are 192 random
 * bits made here, not chosen by people, so the KDF only has to make a stolen database
 * useless for checking guesses quickly; it must not make logins a memory burden either.
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

const HASH_BYTES = 32;
const SALT_BYTES = 16;

/** What a stored hash may ask for at most: a row edited to ask for more is refused, not run. */
const MAX_MEMORY = 256 * 1024 * 1024;

export interface StoredPasswordHash extends ScryptParams {
  kdf: "scrypt";
  /** hex */
  salt: string;
  /** hex */
  hash: string;
}

export class PasswordHashError extends Error {}

function derive(password: Buffer, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const memory = 128 * params.N * params.r * params.p;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, { N: params.N, r: params.r, p: params.p, maxmem: 2 * memory }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A new random password as shown once to the supplier: 32 characters, 192 bits. */
export function newPassword(): string {
  return randomBytes(24).toString("base64url");
}

/** The stored form (JSON text) of `password`'s hash. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const secret = Buffer.from(password, "utf8");
  try {
    const key = await derive(secret, salt, params, HASH_BYTES);
    const stored: StoredPasswordHash = { kdf: "scrypt", N: params.N, r: params.r, p: params.p, salt: salt.toString("hex"), hash: key.toString("hex") };
    key.fill(0);
    return JSON.stringify(stored);
  } finally {
    secret.fill(0);
  }
}

/** Parses a stored hash, refusing a malformed one or parameters out of bounds. */
export function parseStoredHash(text: string): StoredPasswordHash {
  let v: Partial<StoredPasswordHash>;
  try {
    v = JSON.parse(text) as Partial<StoredPasswordHash>;
  } catch {
    throw new PasswordHashError("stored password hash is not JSON");
  }
  const power = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 2 && ((n as number) & ((n as number) - 1)) === 0;
  const small = (n: unknown, max: number) => Number.isSafeInteger(n) && (n as number) >= 1 && (n as number) <= max;
  if (v.kdf !== "scrypt" || !power(v.N) || !small(v.r, 64) || !small(v.p, 16) || 128 * v.N! * v.r! * v.p! > MAX_MEMORY) {
    throw new PasswordHashError("stored password hash has unknown or out-of-bounds parameters");
  }
  if (typeof v.salt !== "string" || !/^([0-9a-f]{2}){8,64}$/.test(v.salt) || typeof v.hash !== "string" || !/^([0-9a-f]{2}){16,64}$/.test(v.hash)) {
    throw new PasswordHashError("stored password hash has a malformed salt or hash");
  }
  return v as StoredPasswordHash;
}

/** True when `password` matches the stored hash (compared in constant time). */
export async function verifyPassword(password: string, storedText: string): Promise<boolean> {
  const stored = parseStoredHash(storedText);
  const expected = Buffer.from(stored.hash, "hex");
  const secret = Buffer.from(password, "utf8");
  let key: Buffer | undefined;
  try {
    key = await derive(secret, Buffer.from(stored.salt, "hex"), stored, expected.length);
    return timingSafeEqual(key, expected);
  } finally {
    secret.fill(0);
    key?.fill(0);
    expected.fill(0);
  }
}
