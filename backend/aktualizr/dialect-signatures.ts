// Signatures and key ids as aktualizr writes and reads them (README "Serving aktualizr"):
// every signature carries `method` ("ed25519") and a base64 `sig`, where Uptane 2.1 and TUF
// 1.0 as we serve them carry a hex `sig` alone. The signed bytes are the same canonical JSON
// either way, so a signature of ours is re-encoded for the dialect without re-signing.
// aktualizr names its own keys by the SHA-256 of the canonical JSON of the key's value
// string, not of the key object. Signatures in this encoding are checked by
// director/signature-check.ts (`signedBy(..., "dialect")`).
import { createHash } from "node:crypto";
import { canonicalBytes } from "../../model/canonical-json.ts";
import { signBytes, type Signature, type SigningKey } from "../../model/keys.ts";

export interface DialectSignature {
  keyid: string;
  method: "ed25519";
  sig: string;
}

/** Our hex signatures in aktualizr's encoding (same keyids, same signed bytes). */
export function dialectSignatures(signatures: readonly Signature[]): DialectSignature[] {
  return signatures.map((s) => ({ keyid: s.keyid, method: "ed25519", sig: Buffer.from(s.sig, "hex").toString("base64") }));
}

/** `signed` signed by `keys` over its canonical JSON, in aktualizr's envelope. */
export function signDialect<T>(signed: T, keys: readonly SigningKey[]): { signatures: DialectSignature[]; signed: T } {
  const bytes = canonicalBytes(signed);
  return { signatures: dialectSignatures(keys.map((k) => signBytes(k, bytes))), signed };
}

/** aktualizr's key id for a public key value as it sends it: hex SHA-256 of the value as a canonical JSON string. */
export function aktualizrKeyId(value: string): string {
  return createHash("sha256").update(canonicalBytes(value.replace(/\n+$/, ""))).digest("hex");
}
