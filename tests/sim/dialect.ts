// The aktualizr / OTA Connect dialect of Uptane metadata (DESIGN.md section 4), which
// our verifiers read: capitalised `_type`, keytype "ED25519", signatures with `method`
// and base64 `sig`, no `spec_version`, and keyids that do not follow the TUF rule.
import { createHash, sign } from "node:crypto";
import type { SigningKey } from "../../model/keys.ts";

export type Dialect = "tuf" | "aktualizr";

export function aktualizrType(role: "root" | "timestamp" | "snapshot" | "targets"): string {
  return role[0]!.toUpperCase() + role.slice(1);
}

/** That stack derives keyids its own way; ours is SHA-256 of the raw public key, so it differs from the TUF rule and must be taken as given. */
export function aktualizrKeyId(k: SigningKey): string {
  return createHash("sha256").update(Buffer.from(k.publicKey.keyval.public, "hex")).digest("hex");
}

export function aktualizrKey(k: SigningKey): { keytype: string; keyval: { public: string } } {
  return { keytype: "ED25519", keyval: { public: k.publicKey.keyval.public } };
}

export function aktualizrSignature(k: SigningKey, bytes: Uint8Array): { keyid: string; method: string; sig: string } {
  return { keyid: aktualizrKeyId(k), method: "ed25519", sig: (k.privateKey !== undefined ? sign(null, bytes, k.privateKey) : k.signRaw(bytes)).toString("base64") };
}
