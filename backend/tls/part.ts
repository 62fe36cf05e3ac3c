// TLS as a backend part: its share of `uptane init`. Creates the OEM CA (key offline,
// 0600), the vehicle-issuing CA it signs (key online: `vehicle add` and the registration
// API issue client certificates with it), and a server certificate for the --tls-name
// names, or takes the OEM's own server certificate, key and CA (--tls-cert, --tls-key,
// --tls-ca). `uptane serve` reads the files (serve.ts); this part mounts no routes.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { X509Certificate } from "node:crypto";
import type { BackendPart, InitContext } from "../parts.ts";
import { checkKeyMatches, createRootCa, issueCertificate } from "./x509.ts";
import { newTlsKeyPair } from "../../model/tls-key.ts";
import { OEM_CA_FILE, OEM_CA_KEY_FILE, SERVER_CA_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE, VEHICLE_CA_FILE, VEHICLE_CA_KEY_FILE } from "./layout.ts";

export class TlsInitError extends Error {}

export const DEFAULT_TLS_NAMES = ["localhost", "127.0.0.1"];
const OEM_CA_DAYS = 3650;
const VEHICLE_CA_DAYS = 1825;
const SERVER_DAYS = 397;

/** Writes a new file (never over an existing one); private keys 0600 in 0700 folders. */
function writeNew(dir: string, file: string, text: string, secret: boolean): void {
  const path = join(dir, file);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, text, { mode: secret ? 0o600 : 0o644, flag: "wx" });
}

function readOption(ctx: InitContext, name: string): string | undefined {
  const file = ctx.values[name]?.[0];
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new TlsInitError(`cannot read --${name} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The OEM's own server certificate: the key must be the certificate's and the CA must have signed it. */
function ownServerCertificate(certPem: string, keyPem: string, caPem: string): void {
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    ca = new X509Certificate(caPem);
  } catch (e) {
    throw new TlsInitError(`--tls-cert and --tls-ca must be PEM certificates: ${(e as Error).message}`);
  }
  try {
    checkKeyMatches(certPem, keyPem);
  } catch (e) {
    throw new TlsInitError(`--tls-key: ${(e as Error).message}`);
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new TlsInitError("--tls-cert is not signed by --tls-ca");
}

export const tlsPart: BackendPart = {
  name: "tls",
  initOptions: { values: { "tls-name": { repeat: true }, "tls-cert": {}, "tls-key": {}, "tls-ca": {} } },
  initHelp: [
    "  --tls-name NAME         a DNS name or IP address of the server's certificate (repeat;",
    "                          default localhost and 127.0.0.1); issued by the OEM CA made here",
    "  --tls-cert FILE --tls-key FILE --tls-ca FILE",
    "                          the OEM's own server certificate, its key and the CA vehicles",
    "                          pin instead (vehicles' client certificates still come from the",
    "                          CA made here)",
  ].join("\n"),
  async init(ctx) {
    const own = ["tls-cert", "tls-key", "tls-ca"].filter((o) => ctx.values[o] !== undefined);
    if (own.length > 0 && own.length < 3) throw new TlsInitError("--tls-cert, --tls-key and --tls-ca go together");
    if (own.length === 3 && ctx.values["tls-name"]) throw new TlsInitError("--tls-name names the certificate made here; it does not go with --tls-cert");
    const { dir, now } = ctx;
    const oemCa = await createRootCa("uptane OEM CA", { notBefore: now, days: OEM_CA_DAYS });
    const vehicleKeys = newTlsKeyPair();
    const vehicleCa = await issueCertificate(oemCa, vehicleKeys.publicKeyPem, { kind: "ca", name: "uptane vehicle CA" }, { notBefore: now, days: VEHICLE_CA_DAYS });
    // Everything is made and checked before the first file is written.
    const files: Array<[string, string, boolean]> = [
      [OEM_CA_KEY_FILE, oemCa.keyPem, true],
      [OEM_CA_FILE, oemCa.certPem, false],
      [VEHICLE_CA_KEY_FILE, vehicleKeys.privateKeyPem, true],
      [VEHICLE_CA_FILE, vehicleCa.certPem, false],
    ];
    let names: string[] = [];
    if (own.length === 3) {
      const [certPem, keyPem, caPem] = [readOption(ctx, "tls-cert")!, readOption(ctx, "tls-key")!, readOption(ctx, "tls-ca")!];
      ownServerCertificate(certPem, keyPem, caPem);
      files.push([SERVER_KEY_FILE, keyPem, true], [SERVER_CERT_FILE, certPem, false], [SERVER_CA_FILE, caPem, false]);
    } else {
      names = ctx.values["tls-name"] ?? DEFAULT_TLS_NAMES;
      const serverKeys = newTlsKeyPair();
      let server;
      try {
        server = await issueCertificate(oemCa, serverKeys.publicKeyPem, { kind: "server", names }, { notBefore: now, days: SERVER_DAYS });
      } catch (e) {
        throw new TlsInitError(`--tls-name: ${(e as Error).message}`);
      }
      files.push([SERVER_KEY_FILE, serverKeys.privateKeyPem, true], [SERVER_CERT_FILE, server.certPem, false], [SERVER_CA_FILE, oemCa.certPem, false]);
    }
    for (const [file, text, secret] of files) writeNew(dir, file, text, secret);
    return {
      serverCa: join(dir, SERVER_CA_FILE),
      serverCertificate: own.length === 3 ? "the OEM's own (--tls-cert)" : `issued by the OEM CA for ${names.join(", ")}`,
      offlineCaKey: join(dir, OEM_CA_KEY_FILE),
    };
  },
  mount() {},
};
