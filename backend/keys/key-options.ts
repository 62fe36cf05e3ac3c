// The options that say where new keys are made and how large (README "Backend: keys in a
// PKCS#11 token", "Backend: key types"), read the same way by `uptane init`, `uptane rotate`
// and `uptane director rotate`:
//
//   --pkcs11-module PATH --pkcs11-token LABEL --pkcs11-pin-file FILE
//   --pkcs11-uri 'pkcs11:token=LABEL?module-path=PATH&pin-source=file:FILE'   (the same, as one RFC 7512 URI)
//   --rsa-bits 2048|3072|4096
import { resolve } from "node:path";
import { RSA_BITS, type RsaBits } from "../../model/keys.ts";
import { Pkcs11UriError, tokenConfigFromUri, type TokenConfig } from "./pkcs11-uri.ts";

/** An option value that is malformed or missing its companions: bad usage. */
export class KeyOptionError extends Error {}

/** Option names (without `--`) these helpers read; each takes one value. */
export const TOKEN_OPTIONS = ["pkcs11-module", "pkcs11-token", "pkcs11-pin-file", "pkcs11-uri"] as const;

type Values = Record<string, string[] | undefined>;

/** The token new keys are made in, or null when no --pkcs11-* option is given. Paths become absolute (key references keep them). */
export function tokenConfigOption(values: Values): TokenConfig | null {
  const one = (name: string) => values[name]?.[0];
  const uri = one("pkcs11-uri");
  const parts = { module: one("pkcs11-module"), token: one("pkcs11-token"), pinFile: one("pkcs11-pin-file") };
  const given = Object.values(parts).filter((v) => v !== undefined).length;
  if (uri !== undefined) {
    if (given > 0) throw new KeyOptionError("give --pkcs11-uri, or --pkcs11-module, --pkcs11-token and --pkcs11-pin-file, not both");
    try {
      return tokenConfigFromUri(uri);
    } catch (err) {
      throw new KeyOptionError(`--pkcs11-uri: ${(err as Pkcs11UriError).message}`);
    }
  }
  if (given === 0) return null;
  const missing = (["pkcs11-module", "pkcs11-token", "pkcs11-pin-file"] as const).filter((n) => one(n) === undefined);
  if (missing.length > 0) throw new KeyOptionError(`a key in a PKCS#11 token needs --pkcs11-module, --pkcs11-token and --pkcs11-pin-file (missing: ${missing.map((m) => `--${m}`).join(", ")})`);
  const label = parts.token!;
  if (label.length === 0 || Buffer.byteLength(label) > 32) throw new KeyOptionError("--pkcs11-token must be a token label of 1 to 32 bytes");
  return { module: resolve(parts.module!), token: label, pinFile: resolve(parts.pinFile!) };
}

/** `--rsa-bits N` (2048, 3072 or 4096), or undefined when not given. */
export function rsaBitsOption(values: Values, name = "rsa-bits"): RsaBits | undefined {
  const raw = values[name]?.[0];
  if (raw === undefined) return undefined;
  const bits = Number(raw);
  if (!/^\d{4}$/.test(raw) || !(RSA_BITS as readonly number[]).includes(bits)) throw new KeyOptionError(`--${name} must be one of ${RSA_BITS.join(", ")}, got '${raw.slice(0, 16)}'`);
  return bits as RsaBits;
}

/** Which keys `uptane init` makes in the token: `online` (the default) or `all`. */
export type TokenRoles = "online" | "all";

export function tokenRolesOption(values: Values): TokenRoles {
  const raw = values["pkcs11-keys"]?.[0];
  if (raw === undefined) return "online";
  if (raw !== "online" && raw !== "all") throw new KeyOptionError(`--pkcs11-keys must be online or all, got '${raw.slice(0, 16)}'`);
  if (!tokenConfigOption(values)) throw new KeyOptionError("--pkcs11-keys needs a token (--pkcs11-module, --pkcs11-token, --pkcs11-pin-file, or --pkcs11-uri)");
  return raw;
}
