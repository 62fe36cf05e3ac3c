// X.509 certificates for the backend's TLS (README "Backend: TLS and who may read what"):
// the OEM CA, the vehicle-issuing CA, the server certificate and vehicles' client
// certificates. Issued with @peculiar/x509 over the platform's WebCrypto (ECDSA P-256,
// SHA-256), never hand-written ASN.1. The library is an optional peer dependency loaded
// when a certificate is first issued: serving and the vehicle side never need it.
import { newTlsKeyPair } from "../../model/tls-key.ts";
import { createPrivateKey, createPublicKey, randomBytes, webcrypto, X509Certificate, type KeyObject } from "node:crypto";

type X509Lib = typeof import("@peculiar/x509");

export const X509_MISSING = "issuing certificates needs @peculiar/x509 and reflect-metadata, which are not installed: npm install @peculiar/x509 reflect-metadata";

let lib: X509Lib | undefined;

/**
 * The library, loaded once (it needs the Reflect metadata polyfill before it loads). A
 * literal dynamic import, so the CLI bundle carries it and the package loads it lazily.
 */
async function x509(): Promise<X509Lib> {
  if (lib) return lib;
  try {
    await import("reflect-metadata");
    lib = await import("@peculiar/x509");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") throw new Error(X509_MISSING);
    throw err;
  }
  lib.cryptoProvider.set(webcrypto as unknown as Crypto);
  return lib;
}

const EC = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;


/** A certificate and the PEM of the private key that signs with it (a CA). */
export interface Issuer {
  certPem: string;
  keyPem: string;
}

export interface Validity {
  /** Start of validity (default now). */
  notBefore?: Date;
  days: number;
}

async function signingKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ type: "pkcs8", format: "der" });
  return webcrypto.subtle.importKey("pkcs8", der, EC, false, ["sign"]) as Promise<CryptoKey>;
}

/** The TLS public key in `pem` (SPKI); throws unless it is ECDSA P-256. */
export function checkTlsPublicKey(pem: string | KeyObject): KeyObject {
  let key: KeyObject;
  try {
    key = typeof pem === "string" ? createPublicKey(pem) : pem;
  } catch {
    throw new Error("the TLS public key is not a PEM public key");
  }
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") throw new Error("a TLS key must be an ECDSA P-256 key");
  return key;
}

async function publicCryptoKey(pem: string | KeyObject): Promise<CryptoKey> {
  const key = checkTlsPublicKey(pem);
  return webcrypto.subtle.importKey("spki", key.export({ type: "spki", format: "der" }), EC, true, ["verify"]) as Promise<CryptoKey>;
}

/** 128 random bits, positive: serials are unguessable and never repeat. */
export function newSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString("hex").toUpperCase();
}

function range(v: Validity): { notBefore: Date; notAfter: Date } {
  const notBefore = v.notBefore ?? new Date();
  return { notBefore, notAfter: new Date(notBefore.getTime() + v.days * DAY_MS) };
}

/** Distinguished names are built from checked values only (no `,`, `=`, `+` or quotes to escape). */
function commonName(name: string): string {
  if (!/^[A-Za-z0-9 ._-]{1,64}$/.test(name)) throw new Error(`'${name}' cannot be a certificate name (letters, digits, space, . _ -; at most 64)`);
  return `CN=${name}`;
}

/** A self-signed CA certificate with a new key (pathLen bounds the chain below it). */
export async function createRootCa(name: string, validity: Validity): Promise<Issuer> {
  const x = await x509();
  const pair = newTlsKeyPair();
  const keys = { privateKey: await signingKey(pair.privateKeyPem), publicKey: await publicCryptoKey(pair.publicKeyPem) };
  const cert = await x.X509CertificateGenerator.createSelfSigned({
    serialNumber: newSerial(),
    name: commonName(name),
    ...range(validity),
    signingAlgorithm: EC,
    keys,
    extensions: [
      new x.BasicConstraintsExtension(true, 1, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.cRLSign, true),
      await x.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: pair.privateKeyPem };
}

export type CertificateKind = { kind: "ca"; name: string } | { kind: "server"; names: string[] } | { kind: "client"; name: string };

/** A certificate for `publicKeyPem` signed by `issuer`; its serial comes back with it. */
export async function issueCertificate(issuer: Issuer, publicKeyPem: string, what: CertificateKind, validity: Validity): Promise<{ certPem: string; serial: string; notAfter: Date }> {
  const x = await x509();
  const issuerCert = new x.X509Certificate(issuer.certPem);
  const publicKey = await publicCryptoKey(publicKeyPem);
  const serial = newSerial();
  const { notBefore, notAfter } = range(validity);
  const extensions: import("@peculiar/x509").Extension[] = [await x.AuthorityKeyIdentifierExtension.create(issuerCert), await x.SubjectKeyIdentifierExtension.create(publicKey)];
  let subject: string;
  if (what.kind === "ca") {
    subject = commonName(what.name);
    extensions.push(new x.BasicConstraintsExtension(true, 0, true), new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.cRLSign, true));
  } else if (what.kind === "server") {
    if (what.names.length === 0) throw new Error("a server certificate needs at least one name");
    subject = commonName(what.names[0]!);
    const alt = what.names.map((n) => (isIpAddress(n) ? { type: "ip" as const, value: n } : { type: "dns" as const, value: checkedDnsName(n) }));
    extensions.push(
      new x.BasicConstraintsExtension(false, undefined, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature, true),
      new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.serverAuth]),
      new x.SubjectAlternativeNameExtension(alt),
    );
  } else {
    subject = commonName(what.name);
    extensions.push(new x.BasicConstraintsExtension(false, undefined, true), new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature, true), new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.clientAuth]));
  }
  const cert = await x.X509CertificateGenerator.create({
    serialNumber: serial,
    subject,
    issuer: issuerCert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: EC,
    publicKey,
    signingKey: await signingKey(issuer.keyPem),
    extensions,
  });
  return { certPem: cert.toString("pem") + "\n", serial, notAfter };
}

function isIpAddress(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(":");
}

function checkedDnsName(name: string): string {
  if (!/^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(name) || name.length > 253) throw new Error(`'${name}' is not a DNS name or IP address`);
  return name;
}

/** Checks that `certPem` parses and that `keyPem` is its private key. */
export function checkKeyMatches(certPem: string, keyPem: string): void {
  const cert = new X509Certificate(certPem);
  if (!cert.checkPrivateKey(createPrivateKey(keyPem))) throw new Error("the private key does not belong to the certificate");
}
