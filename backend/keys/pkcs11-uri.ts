// PKCS#11 URIs (RFC 7512) as the backend writes and reads them: which module, which token,
// which object, and where its PIN is. README "Backend: keys in a PKCS#11 token".
//
//   pkcs11:token=LABEL;id=%01%02...;type=private?module-path=/usr/lib/x.so&pin-source=file:/abs/pin
//
// Only the attributes below are taken; anything else (another path or query attribute, a
// `pin-value`: the PIN never sits in a URI or a key reference) is refused.

export class Pkcs11UriError extends Error {}

/** Where a token is and how to log in: the module, the token's label, the file holding the PIN. */
export interface TokenConfig {
  /** The PKCS#11 module (a shared library), an absolute path. */
  module: string;
  /** The token's label (CK_TOKEN_INFO.label, without its padding). */
  token: string;
  /** A file holding the user PIN on one line, mode 0600 (an absolute path). */
  pinFile: string;
}

/** A key object in a token: the token and the key's CKA_ID. */
export interface TokenKeyLocation extends TokenConfig {
  id: Buffer;
}

const PATH_ATTRS = new Set(["token", "id", "object", "type"]);
const QUERY_ATTRS = new Set(["module-path", "pin-source"]);

// RFC 7512 2.3: characters left as they are in a path or query attribute value.
const UNRESERVED = /[A-Za-z0-9\-._~]/;

function encode(value: string | Buffer, keep: string): string {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  let out = "";
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && (UNRESERVED.test(c) || keep.includes(c)) ? c : `%${b.toString(16).padStart(2, "0").toUpperCase()}`;
  }
  return out;
}

function decode(text: string, what: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new Pkcs11UriError(`${what}: a malformed percent-encoding`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      const code = c.charCodeAt(0);
      if (code < 0x21 || code > 0x7e) throw new Pkcs11UriError(`${what}: characters outside printable ASCII must be percent-encoded`);
      bytes.push(code);
    }
  }
  return Buffer.from(bytes);
}

/** The URI of a token key (the form key reference files hold). */
export function formatTokenKeyUri(key: TokenKeyLocation): string {
  const path = `token=${encode(key.token, "&")};id=${encode(key.id, "")};type=private`;
  const query = `module-path=${encode(key.module, "/:")}&pin-source=${encode(`file:${key.pinFile}`, "/:")}`;
  return `pkcs11:${path}?${query}`;
}

export interface ParsedPkcs11Uri {
  token?: string;
  id?: Buffer;
  object?: string;
  type?: string;
  module?: string;
  pinFile?: string;
}

/** The attributes of a `pkcs11:` URI; an attribute outside the ones above, twice, or malformed is refused. */
export function parsePkcs11Uri(uri: string): ParsedPkcs11Uri {
  if (uri.length > 4096) throw new Pkcs11UriError("a PKCS#11 URI of more than 4096 characters");
  if (!uri.startsWith("pkcs11:")) throw new Pkcs11UriError("a PKCS#11 URI starts with 'pkcs11:'");
  const rest = uri.slice("pkcs11:".length);
  const q = rest.indexOf("?");
  const pathPart = q < 0 ? rest : rest.slice(0, q);
  const queryPart = q < 0 ? "" : rest.slice(q + 1);
  const out: ParsedPkcs11Uri = {};
  const seen = new Set<string>();
  const take = (pair: string, allowed: Set<string>, where: string) => {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (!allowed.has(name)) {
      if (name === "pin-value") throw new Pkcs11UriError("a PKCS#11 URI with pin-value: give the PIN in a file (pin-source)");
      throw new Pkcs11UriError(`unsupported ${where} attribute '${name.slice(0, 32)}' in a PKCS#11 URI (${[...allowed].join(", ")})`);
    }
    if (eq < 0) throw new Pkcs11UriError(`'${name}' without a value in a PKCS#11 URI`);
    if (seen.has(name)) throw new Pkcs11UriError(`'${name}' twice in a PKCS#11 URI`);
    seen.add(name);
    const value = decode(pair.slice(eq + 1), `'${name}' in a PKCS#11 URI`);
    switch (name) {
      case "id":
        if (value.length === 0 || value.length > 64) throw new Pkcs11UriError("a PKCS#11 URI's id must be 1 to 64 bytes");
        out.id = value;
        break;
      case "token":
        out.token = value.toString("utf8");
        break;
      case "object":
        out.object = value.toString("utf8");
        break;
      case "type":
        out.type = value.toString("utf8");
        break;
      case "module-path":
        out.module = value.toString("utf8");
        break;
      case "pin-source": {
        const source = value.toString("utf8");
        // RFC 7512 2.3: pin-source is a URI; a file URI (or a plain absolute path) is taken
        const path = source.startsWith("file://") ? source.slice("file://".length) : source.startsWith("file:") ? source.slice("file:".length) : source;
        if (!path.startsWith("/")) throw new Pkcs11UriError("a PKCS#11 URI's pin-source must be a file: URI with an absolute path");
        out.pinFile = path;
        break;
      }
    }
  };
  if (pathPart !== "") for (const pair of pathPart.split(";")) take(pair, PATH_ATTRS, "path");
  if (queryPart !== "") for (const pair of queryPart.split("&")) take(pair, QUERY_ATTRS, "query");
  if (out.module !== undefined && !out.module.startsWith("/")) throw new Pkcs11UriError("a PKCS#11 URI's module-path must be an absolute path");
  if (out.type !== undefined && out.type !== "private") throw new Pkcs11UriError("a PKCS#11 URI of a signing key has type=private");
  return out;
}

/** The token a `pkcs11:` URI names (module-path, token and pin-source all required). */
export function tokenConfigFromUri(uri: string): TokenConfig {
  const p = parsePkcs11Uri(uri);
  if (p.module === undefined || p.token === undefined || p.pinFile === undefined) {
    throw new Pkcs11UriError("a PKCS#11 URI for the backend's keys names the token, the module and the PIN file: pkcs11:token=LABEL?module-path=/path/to/module.so&pin-source=file:/path/to/pin");
  }
  if (p.id !== undefined || p.object !== undefined) throw new Pkcs11UriError("a PKCS#11 URI given to make keys names a token, not an object (no id or object)");
  return { module: p.module, token: p.token, pinFile: p.pinFile };
}

/** The key a key reference's URI names (module-path, token, id and pin-source all required). */
export function tokenKeyFromUri(uri: string): TokenKeyLocation {
  const p = parsePkcs11Uri(uri);
  if (p.module === undefined || p.token === undefined || p.pinFile === undefined || p.id === undefined) {
    throw new Pkcs11UriError("a key reference's PKCS#11 URI names the token, the key's id, the module and the PIN file");
  }
  return { module: p.module, token: p.token, pinFile: p.pinFile, id: p.id };
}
