// Keys held by a PKCS#11 token (README "Backend: keys in a PKCS#11 token"): made inside the
// token (CKA_SENSITIVE, not CKA_EXTRACTABLE), found again by the token's label and the key's
// CKA_ID, and used only through C_Sign. The private key never enters this process; the PIN
// is read from a 0600 file when the token is opened and never appears in a message.
//
// Through `pkcs11js` (an optional dependency, like better-sqlite3), loaded on first use. Its
// calls are synchronous, as the backend's signing is; one session per token and process,
// logged in once (PKCS#11 login state is per application and token).
import { createHash, createPublicKey, randomBytes } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, constants as fsConstants } from "node:fs";
import { createRequire } from "node:module";
import type * as Pkcs11js from "pkcs11js";
import { keyIdOf, RSA_PSS_SALT_LENGTH, tufKeyOf, verifyBytes, isTufKey, type ExternalSigningKey, type KeyType, type RsaBits, type SigningKey, type TufKey } from "../../model/keys.ts";
import { formatTokenKeyUri, tokenKeyFromUri, type TokenConfig, type TokenKeyLocation } from "./pkcs11-uri.ts";

/** The token or its module refused (no such token, the PIN, a missing key or mechanism): `pkcs11-refused`. */
export class TokenError extends Error {}
/** A module path that is no PKCS#11 module, or a PIN file that is missing, unreadable or open to others: a file named wrongly. */
export class TokenFileError extends Error {}

export const PKCS11_MISSING = "keys in a PKCS#11 token need pkcs11js, which is not installed: npm install pkcs11js";

// PKCS#11 3.0 values pkcs11js (written to 2.40) does not name.
const CKK_EC_EDWARDS = 0x40;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
const CKR_USER_ALREADY_LOGGED_IN = 0x100;
const CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;
/** Errors after which a fresh session is worth one retry (a token re-inserted, a session closed under us). */
const REOPEN_ON = new Set([0xb3 /* SESSION_HANDLE_INVALID */, 0xb0 /* SESSION_CLOSED */, 0x101 /* USER_NOT_LOGGED_IN */, 0xe0 /* TOKEN_NOT_PRESENT */, 0x82 /* OBJECT_HANDLE_INVALID */, 0x60 /* KEY_HANDLE_INVALID */]);

// DER of the curve OIDs (CKA_EC_PARAMS): prime256v1, and id-Ed25519 (RFC 8410).
const P256_PARAMS = Buffer.from("06082a8648ce3d030107", "hex");
const ED25519_PARAMS = Buffer.from("06032b6570", "hex");

let bindingCache: typeof Pkcs11js | null = null;
function binding(): typeof Pkcs11js {
  if (bindingCache) return bindingCache;
  try {
    bindingCache = createRequire(import.meta.url)("pkcs11js") as typeof Pkcs11js;
  } catch {
    throw new TokenError(PKCS11_MISSING);
  }
  return bindingCache;
}

/** The CKR_ name of a PKCS#11 error, or a short word: nothing else of an error reaches a message. */
function ckr(err: unknown): string {
  const m = err instanceof Error ? /^(CKR_[A-Z0-9_]+)/.exec(err.message) : null;
  return m ? m[1]! : "an error of the module";
}

function codeOf(err: unknown): number {
  const c = (err as { code?: unknown }).code;
  return typeof c === "number" ? c : -1;
}

const modules = new Map<string, Pkcs11js.PKCS11>();

function loadModule(path: string): Pkcs11js.PKCS11 {
  const known = modules.get(path);
  if (known) return known;
  const pk = binding();
  const lib = new pk.PKCS11();
  try {
    lib.load(path);
  } catch {
    throw new TokenFileError(`${path} is not a PKCS#11 module (it does not load, or has no C_GetFunctionList)`);
  }
  try {
    lib.C_Initialize();
  } catch (err) {
    if (codeOf(err) !== CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      try {
        lib.close();
      } catch {
        // closing a module that did not initialise: nothing more to release
      }
      throw new TokenError(`the PKCS#11 module ${path} did not initialise (${ckr(err)})`);
    }
  }
  modules.set(path, lib);
  return lib;
}

const MAX_PIN_BYTES = 256;

/**
 * The PIN in `path`: a regular file, mode 0600 or stricter (no bits for group or others),
 * one line of 1 to 256 bytes (a final newline is dropped). Messages name the file, never its content.
 */
export function readPinFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TokenFileError(`cannot read the PIN file ${path}: ${code === "ENOENT" ? "no such file" : code === "ELOOP" ? "a symbolic link (give the file itself)" : code ?? "unreadable"}`);
  }
  const buf = Buffer.alloc(MAX_PIN_BYTES + 3);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new TokenFileError(`the PIN file ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0) throw new TokenFileError(`the PIN file ${path} is open to group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, "0")}): make it 0600`);
    const n = readSync(fd, buf, 0, buf.length, 0);
    let end = n;
    if (end > 0 && buf[end - 1] === 0x0a) end--;
    if (end > 0 && buf[end - 1] === 0x0d) end--;
    if (end === 0 || end > MAX_PIN_BYTES || buf.subarray(0, end).includes(0x0a)) throw new TokenFileError(`the PIN file ${path} must hold the PIN on one line (1 to ${MAX_PIN_BYTES} bytes)`);
    return buf.subarray(0, end).toString("utf8");
  } finally {
    buf.fill(0);
    closeSync(fd);
  }
}

interface OpenToken {
  lib: Pkcs11js.PKCS11;
  session: Buffer;
  config: TokenConfig;
  /** Key handles found in this session, by CKA_ID (hex). */
  handles: Map<string, Buffer>;
}

const tokens = new Map<string, OpenToken>();

function tokenName(config: TokenConfig): string {
  return `token '${config.token}' of ${config.module}`;
}

/** A session on the token, logged in (opened once per process and token). */
function openToken(config: TokenConfig): OpenToken {
  const name = `${config.module}\0${config.token}`;
  const open = tokens.get(name);
  if (open) return open;
  // the PIN file first: one open to others is refused before any module is loaded
  const pin = readPinFile(config.pinFile);
  const pk = binding();
  const lib = loadModule(config.module);
  let slots: Buffer[];
  try {
    slots = lib.C_GetSlotList(true);
  } catch (err) {
    throw new TokenError(`the PKCS#11 module ${config.module} lists no slots (${ckr(err)})`);
  }
  const matching = slots.filter((slot) => {
    try {
      return lib.C_GetTokenInfo(slot).label.replace(/[ \0]+$/, "") === config.token;
    } catch {
      return false;
    }
  });
  if (matching.length === 0) throw new TokenError(`no token labelled '${config.token}' in ${config.module}`);
  if (matching.length > 1) throw new TokenError(`${matching.length} tokens labelled '${config.token}' in ${config.module}: give each token its own label`);
  let session: Buffer;
  try {
    session = lib.C_OpenSession(matching[0]!, pk.CKF_SERIAL_SESSION | pk.CKF_RW_SESSION);
  } catch (err) {
    throw new TokenError(`cannot open a session on ${tokenName(config)} (${ckr(err)})`);
  }
  try {
    lib.C_Login(session, pk.CKU_USER, pin);
  } catch (err) {
    if (codeOf(err) !== CKR_USER_ALREADY_LOGGED_IN) {
      try {
        lib.C_CloseSession(session);
      } catch {
        // the session is dropped either way
      }
      const why = ckr(err);
      throw new TokenError(why === "CKR_PIN_INCORRECT" ? `${tokenName(config)} refused the PIN in ${config.pinFile} (CKR_PIN_INCORRECT)` : `cannot log in to ${tokenName(config)} (${why})`);
    }
  }
  const token: OpenToken = { lib, session, config, handles: new Map() };
  tokens.set(name, token);
  return token;
}

function dropToken(token: OpenToken): void {
  tokens.delete(`${token.config.module}\0${token.config.token}`);
  try {
    token.lib.C_CloseSession(token.session);
  } catch {
    // a session that is gone already
  }
}

/** Closes every session (closing a token's last session logs it out) and finalises every module this process opened. */
export function closeTokens(): void {
  for (const token of [...tokens.values()]) dropToken(token);
  for (const [path, lib] of modules) {
    try {
      lib.C_Finalize();
      lib.close();
    } catch {
      // finalising is best effort: the process is done with the module
    }
    modules.delete(path);
  }
}

/** Checks that the token can be opened and logged in to (module, label, PIN file, PIN); nothing is made. */
export function checkToken(config: TokenConfig): void {
  openToken(config);
}

function attr(token: OpenToken, handle: Buffer, type: number): Buffer {
  const [a] = token.lib.C_GetAttributeValue(token.session, handle, [{ type }]);
  return a!.value as Buffer;
}

function bool(token: OpenToken, handle: Buffer, type: number): boolean {
  const v = attr(token, handle, type);
  return v.length > 0 && v[0] !== 0;
}

/** The private key object with CKA_ID `id` (exactly one), sensitive and not extractable. */
function findPrivateKey(token: OpenToken, id: Buffer): Buffer {
  const known = token.handles.get(id.toString("hex"));
  if (known) return known;
  const pk = binding();
  let found: Buffer[];
  try {
    token.lib.C_FindObjectsInit(token.session, [
      { type: pk.CKA_CLASS, value: pk.CKO_PRIVATE_KEY },
      { type: pk.CKA_ID, value: id },
    ]);
    try {
      found = token.lib.C_FindObjects(token.session, 2);
    } finally {
      token.lib.C_FindObjectsFinal(token.session);
    }
  } catch (err) {
    if (REOPEN_ON.has(codeOf(err))) throw err; // a session gone: signRaw retries on a fresh one
    throw new TokenError(`cannot search ${tokenName(token.config)} (${ckr(err)})`);
  }
  const idText = id.toString("hex");
  if (found.length === 0) throw new TokenError(`${tokenName(token.config)} holds no private key with id ${idText}`);
  if (found.length > 1) throw new TokenError(`${tokenName(token.config)} holds several private keys with id ${idText}`);
  const handle = found[0]!;
  // Only keys that cannot leave the token: a key that could be exported is not one we hold in a token.
  if (!bool(token, handle, pk.CKA_SENSITIVE) || bool(token, handle, pk.CKA_EXTRACTABLE)) {
    throw new TokenError(`the key with id ${idText} in ${tokenName(token.config)} can be exported (CKA_SENSITIVE false or CKA_EXTRACTABLE true): the backend signs only with keys that cannot leave the token`);
  }
  token.handles.set(id.toString("hex"), handle);
  return handle;
}

/** An ECDSA signature as PKCS#11 gives it (r and s, 32 bytes each) in DER, as TUF writes it. */
export function ecdsaRawToDer(raw: Buffer): Buffer {
  if (raw.length !== 64) throw new TokenError(`an ECDSA P-256 signature from the token has ${raw.length} bytes, not 64`);
  const int = (b: Buffer) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.subarray(i);
    return v[0]! & 0x80 ? Buffer.concat([Buffer.from([0x02, v.length + 1, 0]), v]) : Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** The point inside CKA_EC_POINT (a DER OCTET STRING, or the raw point some tokens give). */
function ecPoint(value: Buffer, rawLength: number): Buffer {
  if (value.length === rawLength) return value;
  if (value.length === rawLength + 2 && value[0] === 0x04 && value[1] === rawLength) return value.subarray(2);
  throw new TokenError(`an EC point of ${value.length} bytes from the token (expected ${rawLength})`);
}

function publicKeyOf(token: OpenToken, publicHandle: Buffer, type: KeyType): TufKey {
  const pk = binding();
  if (type === "ecdsa-p256") {
    const point = ecPoint(attr(token, publicHandle, pk.CKA_EC_POINT), 65);
    if (point[0] !== 0x04) throw new TokenError("the token gave a compressed P-256 point");
    return tufKeyOf(createPublicKey({ key: { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") }, format: "jwk" }));
  }
  if (type === "ed25519") {
    const point = ecPoint(attr(token, publicHandle, pk.CKA_EC_POINT), 32);
    return tufKeyOf(createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: point.toString("base64url") }, format: "jwk" }));
  }
  let n = attr(token, publicHandle, pk.CKA_MODULUS);
  while (n.length > 1 && n[0] === 0) n = n.subarray(1);
  const e = attr(token, publicHandle, pk.CKA_PUBLIC_EXPONENT);
  return tufKeyOf(createPublicKey({ key: { kty: "RSA", n: n.toString("base64url"), e: e.toString("base64url") }, format: "jwk" }));
}

/** Signs `bytes` with the key in the token, in the TUF form of its scheme. */
function tokenSign(token: OpenToken, handle: Buffer, key: TufKey, bytes: Uint8Array): Buffer {
  const pk = binding();
  const out = Buffer.alloc(1024);
  if (key.keytype === "ecdsa") {
    // CKM_ECDSA signs a digest: SHA-256 here, as ecdsa-sha2-nistp256 says
    token.lib.C_SignInit(token.session, { mechanism: pk.CKM_ECDSA }, handle);
    return ecdsaRawToDer(Buffer.from(token.lib.C_Sign(token.session, createHash("sha256").update(bytes).digest(), out)));
  }
  if (key.keytype === "rsa") {
    const parameter = { type: pk.CK_PARAMS_RSA_PSS, hashAlg: pk.CKM_SHA256, mgf: pk.CKG_MGF1_SHA256, saltLen: RSA_PSS_SALT_LENGTH };
    token.lib.C_SignInit(token.session, { mechanism: pk.CKM_SHA256_RSA_PKCS_PSS, parameter }, handle);
    return Buffer.from(token.lib.C_Sign(token.session, Buffer.from(bytes), out));
  }
  // Ed25519 (RFC 8032 pure): CKM_EDDSA without parameters
  token.lib.C_SignInit(token.session, { mechanism: CKM_EDDSA }, handle);
  return Buffer.from(token.lib.C_Sign(token.session, Buffer.from(bytes), out));
}

/** A signing key in a token, known by its location and public key (the token is opened at first use). */
export class TokenKey implements ExternalSigningKey {
  readonly keyid: string;
  readonly location: string;
  readonly uri: string;

  constructor(
    readonly where: TokenKeyLocation,
    readonly publicKey: TufKey,
  ) {
    this.keyid = keyIdOf(publicKey);
    this.uri = formatTokenKeyUri(where);
    this.location = `key ${where.id.toString("hex")} in ${tokenName(where)}`;
  }

  signRaw(bytes: Uint8Array): Buffer {
    let sig: Buffer;
    try {
      sig = this.signOnce(bytes);
    } catch (err) {
      if (err instanceof TokenError || err instanceof TokenFileError || !REOPEN_ON.has(codeOf(err))) throw this.wrap(err);
      // the session or handle went away (a token re-inserted): one more try on a fresh session
      const token = tokens.get(`${this.where.module}\0${this.where.token}`);
      if (token) dropToken(token);
      try {
        sig = this.signOnce(bytes);
      } catch (again) {
        throw this.wrap(again);
      }
    }
    // A token that signs with another key than the reference names, or garbles, is caught here, not by a vehicle.
    if (!verifyBytes(this.publicKey, bytes, sig.toString("hex"))) throw new TokenError(`the signature by ${this.location} does not verify by key ${this.keyid}: the token holds another key under that id`);
    return sig;
  }

  /** Opens the token and finds the key (attributes checked), and signs once to prove it is the key referenced. */
  check(): void {
    this.signRaw(Buffer.from(`uptane key check ${this.keyid}`));
  }

  private signOnce(bytes: Uint8Array): Buffer {
    const token = openToken(this.where);
    return tokenSign(token, findPrivateKey(token, this.where.id), this.publicKey, bytes);
  }

  private wrap(err: unknown): Error {
    if (err instanceof TokenError || err instanceof TokenFileError) return err;
    return new TokenError(`${this.location} did not sign (${ckr(err)})`);
  }
}

export function isTokenKey(key: SigningKey): key is TokenKey {
  return key instanceof TokenKey;
}

/**
 * Makes a key pair inside the token: token objects, the private key sensitive, never
 * extractable, for signing only; both halves under a new random CKA_ID and `label`.
 */
export function generateTokenKey(config: TokenConfig, type: KeyType, label: string, rsaBits: RsaBits = 2048): TokenKey {
  const pk = binding();
  const token = openToken(config);
  const id = randomBytes(16);
  const common = [
    { type: pk.CKA_TOKEN, value: true },
    { type: pk.CKA_ID, value: id },
    { type: pk.CKA_LABEL, value: label },
  ];
  let mechanism: number;
  let publicExtra: Pkcs11js.Template;
  let keyType: number;
  if (type === "ecdsa-p256") {
    mechanism = pk.CKM_EC_KEY_PAIR_GEN;
    keyType = pk.CKK_EC;
    publicExtra = [{ type: pk.CKA_EC_PARAMS, value: P256_PARAMS }];
  } else if (type === "ed25519") {
    mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
    keyType = CKK_EC_EDWARDS;
    publicExtra = [{ type: pk.CKA_EC_PARAMS, value: ED25519_PARAMS }];
  } else {
    mechanism = pk.CKM_RSA_PKCS_KEY_PAIR_GEN;
    keyType = pk.CKK_RSA;
    publicExtra = [
      { type: pk.CKA_MODULUS_BITS, value: rsaBits },
      { type: pk.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
    ];
  }
  let pair: Pkcs11js.KeyPair;
  try {
    pair = token.lib.C_GenerateKeyPair(
      token.session,
      { mechanism },
      [...common, { type: pk.CKA_CLASS, value: pk.CKO_PUBLIC_KEY }, { type: pk.CKA_KEY_TYPE, value: keyType }, { type: pk.CKA_VERIFY, value: true }, { type: pk.CKA_PRIVATE, value: false }, ...publicExtra],
      [
        ...common,
        { type: pk.CKA_CLASS, value: pk.CKO_PRIVATE_KEY },
        { type: pk.CKA_KEY_TYPE, value: keyType },
        { type: pk.CKA_SIGN, value: true },
        { type: pk.CKA_PRIVATE, value: true },
        { type: pk.CKA_SENSITIVE, value: true },
        { type: pk.CKA_EXTRACTABLE, value: false },
      ],
    );
  } catch (err) {
    const why = ckr(err);
    throw new TokenError(`${tokenName(config)} did not make a${type === "ed25519" ? "n" : ""} ${type} key (${why}${why === "CKR_MECHANISM_INVALID" ? ": the token lacks the mechanism" : ""})`);
  }
  try {
    const publicKey = publicKeyOf(token, pair.publicKey, type);
    const key = new TokenKey({ ...config, id }, publicKey);
    key.check(); // finds it again by its id, checks CKA_SENSITIVE / CKA_EXTRACTABLE, signs once
    return key;
  } catch (err) {
    destroyQuietly(token, [pair.privateKey, pair.publicKey]);
    throw err instanceof TokenError ? err : new TokenError(`${tokenName(config)} made a key this backend cannot use (${err instanceof Error ? err.message : String(err)})`);
  }
}

function destroyQuietly(token: OpenToken, handles: Buffer[]): void {
  for (const h of handles) {
    try {
      token.lib.C_DestroyObject(token.session, h);
    } catch {
      // best effort: an object the token no longer has
    }
  }
  token.handles.clear();
}

/** Removes a key made by `generateTokenKey` (both halves) when what it was made for was refused. */
export function destroyTokenKey(key: TokenKey): void {
  const pk = binding();
  const token = openToken(key.where);
  for (const cls of [pk.CKO_PRIVATE_KEY, pk.CKO_PUBLIC_KEY]) {
    try {
      token.lib.C_FindObjectsInit(token.session, [
        { type: pk.CKA_CLASS, value: cls },
        { type: pk.CKA_ID, value: key.where.id },
      ]);
      let found: Buffer[];
      try {
        found = token.lib.C_FindObjects(token.session, 4);
      } finally {
        token.lib.C_FindObjectsFinal(token.session);
      }
      destroyQuietly(token, found);
    } catch {
      // best effort
    }
  }
}

// ---------------------------------------------------------------- key reference files

/** What a key reference file ends with (beside key files, which end `.pem`). */
export const TOKEN_REFERENCE_SUFFIX = ".pkcs11.json";
const REFERENCE_FORMAT = "uptane-pkcs11-key/1";

/** A key reference: where the key is and its public key (no secret; written 0600 like key files). */
export function tokenKeyReference(key: TokenKey): Buffer {
  return Buffer.from(JSON.stringify({ format: REFERENCE_FORMAT, keyid: key.keyid, publicKey: key.publicKey, uri: key.uri }, null, 2) + "\n");
}

/** The key a reference file names (the token is not opened here); an error says what is malformed. */
export function tokenKeyFromReference(text: string): TokenKey {
  let doc: { format?: unknown; keyid?: unknown; publicKey?: unknown; uri?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    throw new Error("not a key reference (not JSON)");
  }
  if (typeof doc !== "object" || doc === null || doc.format !== REFERENCE_FORMAT) throw new Error(`not a key reference (format is not ${REFERENCE_FORMAT})`);
  if (!isTufKey(doc.publicKey)) throw new Error("a key reference whose public key is not one the verifiers read");
  if (typeof doc.uri !== "string") throw new Error("a key reference without its PKCS#11 URI");
  const key = new TokenKey(tokenKeyFromUri(doc.uri), doc.publicKey);
  if (doc.keyid !== key.keyid) throw new Error(`a key reference whose keyid is not its public key's (${key.keyid})`);
  return key;
}
