// The TLS key pair a vehicle (or the backend) makes for itself: ECDSA P-256, the curve
// every TLS stack takes. The private key stays where it is made; the public key goes to
// the backend, which issues the client certificate (README "Backend: TLS and who may read what").
import { generateKeyPairSync } from "node:crypto";

/** A new P-256 key pair as PEM (PKCS#8 private, SPKI public). */
export function newTlsKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }) as string, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }) as string };
}
