// PKCS#12 (RFC 7292) bundles of a private key, its certificate and the CA to pin, as
// aktualizr's shared-credential provisioning takes them (README "Serving aktualizr"): the
// fleet credential the OEM hands to the factory, and the device credential `POST /devices`
// answers. Unencrypted bags and no MAC: aktualizr opens them with an empty password, and
// their protection is the channel they travel over (the answer over mutual TLS; the fleet
// file a secret the OEM keeps 0600). Built with the PeculiarVentures ASN.1 schemas that
// @peculiar/x509 loads, never hand-written DER; loaded when a bundle is first made.
import { createPrivateKey, X509Certificate } from "node:crypto";

export const PKCS12_MISSING = "making PKCS#12 bundles needs @peculiar/asn1-pfx (installed with @peculiar/x509): npm install @peculiar/x509 reflect-metadata";

const ID_DATA = "1.2.840.113549.1.7.1";
const ID_KEY_BAG = "1.2.840.113549.1.12.10.1.1";
const ID_CERT_BAG = "1.2.840.113549.1.12.10.1.3";
const ID_X509_CERTIFICATE = "1.2.840.113549.1.9.22.1";

async function libs() {
  try {
    await import("reflect-metadata");
    const [schema, cms, pfx] = await Promise.all([import("@peculiar/asn1-schema"), import("@peculiar/asn1-cms"), import("@peculiar/asn1-pfx")]);
    return { schema, cms, pfx };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") throw new Error(PKCS12_MISSING);
    throw err;
  }
}

/** DER bytes of a PKCS#12 holding `keyPem` (any PEM private key) and the certificates, the key's own first. */
export async function pkcs12(keyPem: string, certPems: string[]): Promise<Buffer> {
  const { schema, cms, pfx } = await libs();
  const { AsnConvert, OctetString } = schema;
  const der = (value: object) => AsnConvert.serialize(value);
  const data = (bytes: ArrayBuffer) => new cms.ContentInfo({ contentType: ID_DATA, content: der(new OctetString(bytes)) });
  const keyDer = createPrivateKey(keyPem).export({ type: "pkcs8", format: "der" });
  const bags = [new pfx.SafeBag({ bagId: ID_KEY_BAG, bagValue: new Uint8Array(keyDer).buffer })];
  for (const pem of certPems) {
    const certDer = new X509Certificate(pem).raw;
    const certBag = new pfx.CertBag({ certId: ID_X509_CERTIFICATE, certValue: der(new OctetString(new Uint8Array(certDer).buffer)) });
    bags.push(new pfx.SafeBag({ bagId: ID_CERT_BAG, bagValue: der(certBag) }));
  }
  const authSafe = new pfx.AuthenticatedSafe([data(der(new pfx.SafeContents(bags)))]);
  const bundle = new pfx.PFX({ version: 3, authSafe: data(der(authSafe)) });
  (bundle as { macData?: unknown }).macData = undefined;
  keyDer.fill(0); // the private key's bytes are wiped once encoded
  return Buffer.from(der(bundle));
}
