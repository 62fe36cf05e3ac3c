// `uptane primary init STATE ...` and `uptane primary cycle STATE --url URL`: a Primary
// ECU on this machine, its trusted state in the folder STATE (host/primary/).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { optionValue, UsageError, type Command } from "./command.ts";
import { VerificationError } from "../../model/outcome.ts";
import { privateKeyPem, generateSigningKey } from "../../model/keys.ts";
import { FileStore, readJson, writeJson } from "../../host/primary/store.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { HttpFetcher } from "../../host/primary/fetcher.ts";
import { Primary, provisionPrimary } from "../../host/primary/primary.ts";
import { TransportError } from "../../host/primary/errors.ts";
import { newTlsKeyPair } from "../../model/tls-key.ts";

interface PrimaryIdentity {
  vin: string;
  serial: string;
  hardwareId: string;
  vehicleEcus: string[];
}

const IDENTITY_KEY = "primary-identity.json";
const PRIVATE_KEY = "ecu-key.pem";
const PUBLIC_KEY = "ecu-key.pub.json";
// TLS: the key made here, its public half for `uptane vehicle add --tls-public-key`, the
// certificate it writes back (--tls-cert-out STATE/tls-cert.pem), the pinned server CA.
const TLS_KEY = "tls-key.pem";
const TLS_PUBLIC_KEY = "tls-key.pub.pem";
const TLS_CERT = "tls-cert.pem";
const TLS_CA = "tls-ca.pem";

function print(json: boolean, data: Record<string, unknown>, text: string): void {
  console.log(json ? JSON.stringify(data) : text);
}

export const primaryInitCommand: Command = {
  name: "primary init",
  summary: "provision a Primary ECU in a state folder: pinned roots, identity, a new ECU key",
  usage: [
    "uptane primary init STATE --director-root FILE --image-root FILE --vin VIN --serial SERIAL",
    "    --hardware-id HW [--vehicle-ecu SERIAL ...] [--tls-ca FILE] [--json]",
    "",
    "Creates the folder STATE holding the Primary's store: the pinned Director and Image roots",
    "(as provisioned at the factory), its identity, a new Ed25519 ECU key and a new TLS key",
    "(ECDSA P-256). The public keys are written to STATE/ecu-key.pub.json and",
    "STATE/tls-key.pub.pem for `uptane vehicle add ... --tls-public-key STATE/tls-key.pub.pem",
    "--tls-cert-out STATE/tls-cert.pem`. --tls-ca pins the CA of the server's certificate",
    "(the backend's DIR/tls/server-ca.pem). The vehicle's ECUs are the Primary's serial plus",
    "every --vehicle-ecu.",
  ].join("\n"),
  options: {
      values: { "director-root": {}, "image-root": {}, vin: {}, serial: {}, "hardware-id": {}, "vehicle-ecu": { repeat: true }, "tls-ca": {} },
      flags: ["json"],
    },
  positionals: ["STATE"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const identity: PrimaryIdentity = {
      vin: optionValue(parsed, "vin"),
      serial: optionValue(parsed, "serial"),
      hardwareId: optionValue(parsed, "hardware-id"),
      vehicleEcus: [],
    };
    identity.vehicleEcus = [identity.serial, ...(parsed.values["vehicle-ecu"] ?? []).filter((s) => s !== identity.serial)];
    const json = parsed.flags.has("json");
    try {
      const store = new FileStore(dir);
      const directorRoot = readFileSync(optionValue(parsed, "director-root"));
      const imageRoot = readFileSync(optionValue(parsed, "image-root"));
      const tlsCa = parsed.values["tls-ca"] ? readFileSync(parsed.values["tls-ca"][0]!) : undefined;
      await provisionPrimary(store, { directorRoot, imageRoot });
      const tls = newTlsKeyPair();
      await store.write(TLS_KEY, Buffer.from(tls.privateKeyPem));
      await store.write(TLS_PUBLIC_KEY, Buffer.from(tls.publicKeyPem));
      if (tlsCa) await store.write(TLS_CA, tlsCa);
      const key = generateSigningKey();
      await store.write(PRIVATE_KEY, Buffer.from(privateKeyPem(key)));
      await writeJson(store, PUBLIC_KEY, key.publicKey);
      await writeJson(store, IDENTITY_KEY, identity);
      const publicKeyFile = join(dir, PUBLIC_KEY);
      const tlsPublicKeyFile = join(dir, TLS_PUBLIC_KEY);
      print(json, { ok: true, state: dir, keyid: key.keyid, publicKeyFile, tlsPublicKeyFile, ...identity }, `Provisioned Primary ${identity.serial} of ${identity.vin} in ${dir}; ECU public key in ${publicKeyFile}, TLS public key in ${tlsPublicKeyFile}`);
      return 0;
    } catch (e) {
      print(json, { ok: false, error: (e as Error).message }, `uptane primary init: ${(e as Error).message}`);
      return 1;
    }
  },
};

export const primaryCycleCommand: Command = {
  name: "primary cycle",
  summary: "run one Uptane update cycle of a provisioned Primary against `uptane serve`",
  usage: [
    "uptane primary cycle STATE --url URL [--tls-ca FILE] [--json]",
    "",
    "Over https:// it verifies the server against the CA pinned at init (or --tls-ca) and",
    "authenticates with STATE/tls-cert.pem and STATE/tls-key.pem.",
    "Runs Uptane 5.4.2 once: sends the vehicle version manifest to URL/director/, gets a time",
    "attestation from URL/time/, fully verifies both repositories, downloads and checks the",
    "images, and installs the Primary's own (recorded in STATE). Exit status: 0 the cycle",
    "completed (installed or nothing to do), 1 a verification failure or the backend could",
    "not be reached, 2 bad usage. With --json: {\"ok\":bool,\"outcome\":NAME,...}.",
  ].join("\n"),
  options: { values: { url: {}, "tls-ca": {} }, flags: ["json"] },
  positionals: ["STATE"],
  async run(parsed) {
    const url = optionValue(parsed, "url");
    if (!/^https?:\/\//.test(url)) throw new UsageError("--url must be an http:// or https:// URL");
    const dir = parsed.positional[0]!;
    const json = parsed.flags.has("json");
    try {
      const store = new FileStore(dir);
      const identity = await readJson<PrimaryIdentity>(store, IDENTITY_KEY);
      const pem = await store.read(PRIVATE_KEY);
      if (!identity || !pem) throw new Error(`${dir} holds no provisioned Primary (run uptane primary init first)`);
      const primary = await Primary.open({
        ...identity,
        fetcher: new HttpFetcher(url, url.startsWith("https://") ? { tls: await primaryTls(store, dir, parsed.values["tls-ca"]?.[0]) } : {}),
        store,
        keys: SoftwareKeyStore.fromPem(Buffer.from(pem).toString("utf8")),
        secondaries: [],
      });
      const r = await primary.runCycle();
      const installed = r.installed ? `installed ${r.installed.name}` : "nothing to install";
      print(
        json,
        { ok: true, outcome: r.outcome, installed: r.installed?.name ?? null, manifestAccepted: r.manifest.accepted, images: r.images },
        `${r.outcome}: ${installed}; manifest ${r.manifest.accepted ? "accepted" : `not accepted (${r.manifest.detail})`}`,
      );
      return 0;
    } catch (e) {
      const outcome = e instanceof VerificationError ? e.outcome : e instanceof TransportError ? "TransportError" : "Error";
      print(json, { ok: false, outcome, error: (e as Error).message }, `uptane primary cycle: ${(e as Error).message}`);
      return 1;
    }
  },
};

/** The Primary's TLS credentials from its store: client certificate and key, and the pinned server CA. */
async function primaryTls(store: FileStore, dir: string, caFile?: string) {
  const need = async (key: string, how: string) => {
    const bytes = await store.read(key);
    if (!bytes) throw new Error(`${dir} has no ${key}: ${how}`);
    return Buffer.from(bytes).toString("utf8");
  };
  return {
    ca: caFile ? readFileSync(caFile, "utf8") : await need(TLS_CA, "give --tls-ca DIR/tls/server-ca.pem (here or at primary init)"),
    cert: await need(TLS_CERT, `write it with uptane vehicle add ... --tls-public-key ${join(dir, TLS_PUBLIC_KEY)} --tls-cert-out ${join(dir, TLS_CERT)}`),
    key: await need(TLS_KEY, "the state was made before TLS: run uptane primary init again"),
  };
}
