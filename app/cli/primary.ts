// `uptane primary init STATE ...` and `uptane primary cycle STATE --url URL`: a Primary
// ECU on this machine, its trusted state in the folder STATE (host/primary/).
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { optionValue, UsageError, type Command } from "./command.ts";
import { privateKeyPem, generateSigningKey } from "../../model/keys.ts";
import { FileStore, readJson, writeJson } from "../../host/primary/store.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { HttpFetcher } from "../../host/primary/fetcher.ts";
import { Primary, provisionPrimary } from "../../host/primary/primary.ts";
import { newTlsKeyPair } from "../../model/tls-key.ts";
import { printResult } from "./output.ts";
import { checkProvisioning } from "../../host/primary/provisioning-check.ts";
import { inputFile, inputFolder } from "./input-files.ts";
import { CliError } from "./errors.ts";
import { readOfflineBundle } from "../../host/primary/offline-bundle.ts";

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

export const primaryInitCommand: Command = {
  name: "primary init",
  summary: "provision a Primary ECU in a state folder: pinned roots, identity, a new ECU key",
  usage: [
    "uptane primary init STATE --director-root FILE --image-root FILE --vin VIN --serial SERIAL",
    "    --hardware-id HW [--vehicle-ecu SERIAL ...] [--tls-ca FILE] [--json]",
    "",
    "Creates the folder STATE holding the Primary's store: the pinned Director and Image roots",
    "(as provisioned at the factory), its identity, a new Ed25519 ECU key and a new TLS key",
    "(checked first: each root verifies by its own threshold and is its repository's, the VIN,",
    "serials and hardware ID follow the Director's rules; a refusal creates nothing)",
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
    const directorRootFile = inputFile(optionValue(parsed, "director-root"), "--director-root");
    const imageRootFile = inputFile(optionValue(parsed, "image-root"), "--image-root");
    const tlsCaFile = parsed.values["tls-ca"] ? inputFile(parsed.values["tls-ca"][0]!, "--tls-ca") : undefined;
    checkProvisioning({ directorRoot: readFileSync(directorRootFile), imageRoot: readFileSync(imageRootFile), ...identity });
    const existed = existsSync(dir);
    if (existed && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
      throw new CliError("exists", `${dir} is not a new or empty folder${existsSync(join(dir, IDENTITY_KEY)) ? ": it holds a provisioned Primary" : ""}`);
    }
    // A refusal on the way leaves no folder (or the empty one it was given) behind.
    try {
      return await provision(dir, identity, json, { directorRootFile, imageRootFile, tlsCaFile });
    } catch (e) {
      if (existed) for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
      else rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  },
};

async function provision(dir: string, identity: PrimaryIdentity, json: boolean, files: { directorRootFile: string; imageRootFile: string; tlsCaFile?: string }): Promise<number> {
  const { directorRootFile, imageRootFile, tlsCaFile } = files;
  const store = new FileStore(dir);
  const directorRoot = readFileSync(directorRootFile);
  const imageRoot = readFileSync(imageRootFile);
  const tlsCa = tlsCaFile ? readFileSync(tlsCaFile) : undefined;
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
  printResult(json, { state: dir, keyid: key.keyid, publicKeyFile, tlsPublicKeyFile, ...identity }, `Provisioned Primary ${identity.serial} of ${identity.vin} in ${dir}; ECU public key in ${publicKeyFile}, TLS public key in ${tlsPublicKeyFile}`);
  return 0;
}

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
    const tlsCaFile = parsed.values["tls-ca"] ? inputFile(parsed.values["tls-ca"][0]!, "--tls-ca") : undefined;
    inputFolder(dir, "STATE"); // the store would create a missing folder
    const store = new FileStore(dir);
    const identity = await readJson<PrimaryIdentity>(store, IDENTITY_KEY);
    const pem = await store.read(PRIVATE_KEY);
    if (!identity || !pem) throw new CliError("unreadable-file", `${dir} holds no provisioned Primary (run uptane primary init first)`);
    const primary = await Primary.open({
      ...identity,
      fetcher: new HttpFetcher(url, url.startsWith("https://") ? { tls: await primaryTls(store, dir, tlsCaFile) } : {}),
      store,
      keys: SoftwareKeyStore.fromPem(Buffer.from(pem).toString("utf8")),
      secondaries: [],
    });
    const r = await primary.runCycle();
    const installed = r.installed ? `installed ${r.installed.name}` : "nothing to install";
    printResult(
      json,
      { outcome: r.outcome, installed: r.installed?.name ?? null, manifestAccepted: r.manifest.accepted, images: r.images },
      `${r.outcome}: ${installed}; manifest ${r.manifest.accepted ? "accepted" : `not accepted (${r.manifest.detail})`}`,
    );
    return 0;
  },
};

export const primaryInstallOfflineCommand: Command = {
  name: "primary install-offline",
  summary: "install a PURE-2 offline update (a bundle from `uptane offline create`) on a provisioned Primary",
  usage: [
    "uptane primary install-offline STATE BUNDLE [--json]",
    "",
    "Verifies BUNDLE as PURE-2 says (README \"Offline updates\"): the Director root chain from",
    "it, the Offline-update Snapshot (stored when newer than the one STATE holds), the",
    "Offline-update Targets file, the Image repository's roots, snapshot, targets and",
    "delegations, and every listed image, against the latest attested time in STATE or this",
    "machine's clock when later; then installs the image listed for the Primary's hardware ID",
    "(recorded in STATE; reported in the next manifest of `uptane primary cycle`). No network.",
    "Exit status: 0 installed or nothing to install, 1 a refusal (verification-failed with",
    "the outcome, or offline-bundle-refused), 2 bad usage.",
  ].join("\n"),
  options: { values: {}, flags: ["json"] },
  positionals: ["STATE", "BUNDLE"],
  async run(parsed) {
    const [dir, folder] = parsed.positional as [string, string];
    const json = parsed.flags.has("json");
    inputFolder(dir, "STATE");
    inputFolder(folder, "BUNDLE");
    const store = new FileStore(dir);
    const identity = await readJson<PrimaryIdentity>(store, IDENTITY_KEY);
    const pem = await store.read(PRIVATE_KEY);
    if (!identity || !pem) throw new CliError("unreadable-file", `${dir} holds no provisioned Primary (run uptane primary init first)`);
    const bundle = readOfflineBundle(folder); // a damaged bundle is refused before the state is opened
    const primary = await Primary.open({
      ...identity,
      fetcher: new HttpFetcher("https://127.0.0.1:1"), // never used: an offline update reads no network
      store,
      keys: SoftwareKeyStore.fromPem(Buffer.from(pem).toString("utf8")),
      secondaries: [],
    });
    const r = await primary.installOffline(bundle, { clock: Date.now() / 1000 });
    const installed = r.installed ? `installed ${r.installed.name}` : "nothing to install for this Primary";
    printResult(
      json,
      { outcome: r.outcome, installed: r.installed?.name ?? null, targets: r.targets, time: r.time },
      `${r.outcome}: ${installed} (offline update ${bundle.offlineTargets.file}: ${r.targets.map((t) => `${t.hardwareId} ${t.target}`).join(", ")}, each image checked)`,
    );
    return 0;
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
