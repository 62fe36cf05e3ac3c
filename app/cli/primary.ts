// `uptane primary init STATE ...` and `uptane primary cycle STATE [--url URL]`: a Primary
// ECU on this machine, its trusted state in the folder STATE (host/primary/).
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { optionValue, UsageError, type Command } from "./command.ts";
import { privateKeyPem, generateSigningKey } from "../../model/keys.ts";
import { FileStore, readJson, writeJson } from "../../host/primary/store.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { HttpFetcher, type Fetcher } from "../../host/primary/fetcher.ts";
import { Primary } from "../../host/primary/primary.ts";
import { newTlsKeyPair } from "../../model/tls-key.ts";
import { printResult } from "./output.ts";
import { provisionPrimaryFromFactory, type PrimaryIdentity } from "../../host/primary/factory-provisioning.ts";
import { MappedFetcher, storedServerUrls } from "../../host/primary/mapped-fetcher.ts";
import { parseFactoryBundle } from "../../model/factory-bundle.ts";
import { isIsoTime, isoTime } from "../../model/iso-time.ts";
import { isEcuSerial, isHardwareId, isVin } from "../../model/identifiers.ts";
import { inputFile, inputFolder } from "./input-files.ts";
import { CliError } from "./errors.ts";
import { readOfflineBundle } from "../../host/primary/offline-bundle.ts";

const IDENTITY_KEY = "primary-identity.json";
const PRIVATE_KEY = "ecu-key.pem";
const PUBLIC_KEY = "ecu-key.pub.json";
// TLS: the key made here, its public half for `uptane vehicle add --tls-public-key`, the
// certificate it writes back (--tls-cert-out STATE/tls-cert.pem), the pinned server CA.
const TLS_KEY = "tls-key.pem";
const TLS_PUBLIC_KEY = "tls-key.pub.pem";
const TLS_CERT = "tls-cert.pem";
const TLS_CA = "tls-ca.pem";
/** Written by the factory's load: a Primary whose store holds it may run cycles. */
const STATE_KEY = "primary-state.json";

export const primaryInitCommand: Command = {
  name: "primary init",
  summary: "provision a Primary ECU in a state folder: keys and identity, then the factory's metadata, time and mapping",
  usage: [
    "uptane primary init STATE --vin VIN --serial SERIAL --hardware-id HW [--vehicle-ecu SERIAL ...]",
    "    [--tls-ca FILE] [--json]",
    "uptane primary init STATE --bundle FILE [--time YYYY-MM-DDTHH:MM:SSZ] [--tls-ca FILE] [--json]",
    "",
    "At the factory, in two steps. The first creates the folder STATE holding the Primary's",
    "identity, a new Ed25519 ECU key and a new TLS key (ECDSA P-256), their public halves in",
    "STATE/ecu-key.pub.json and STATE/tls-key.pub.pem for `uptane vehicle add ... --ecu",
    "SERIAL:HW:STATE/ecu-key.pub.json:primary --tls-public-key STATE/tls-key.pub.pem",
    "--tls-cert-out STATE/tls-cert.pem`. The vehicle's ECUs are the Primary's serial plus every",
    "--vehicle-ecu. The second loads the factory bundle `uptane provision` wrote for the",
    "registered vehicle (Uptane \"Build-time prerequisite requirements for ECUs\"): the time",
    "attestation (or the time --time states) becomes the Primary's last verified time, and all",
    "four roles of both repositories are verified in the module against it, each repository",
    "against the other, as an update cycle verifies them (a refusal names the outcome and",
    "changes nothing); the repository mapping (TAP 4 map.json) is kept, and `primary cycle`",
    "takes its URLs from it. A mapping other than every path signed by both the Director and",
    "the Image repository is refused. --tls-ca pins the CA of the server's certificate (the",
    "backend's DIR/tls/server-ca.pem).",
  ].join("\n"),
  options: {
    values: { vin: {}, serial: {}, "hardware-id": {}, "vehicle-ecu": { repeat: true }, "tls-ca": {}, bundle: {}, time: {} },
    flags: ["json"],
  },
  positionals: ["STATE"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const json = parsed.flags.has("json");
    const tlsCaFile = parsed.values["tls-ca"] ? inputFile(parsed.values["tls-ca"][0]!, "--tls-ca") : undefined;
    if (parsed.values.bundle) {
      for (const o of ["vin", "serial", "hardware-id", "vehicle-ecu"]) if (parsed.values[o]) throw new UsageError(`--${o} belongs to the first step (the identity is fixed when the keys are made); --bundle loads a Primary made by it`);
      return loadFactoryBundle(dir, parsed.values.bundle[0]!, parsed.values.time?.[0], json, tlsCaFile);
    }
    if (parsed.values.time) throw new UsageError("--time goes with --bundle (the factory's load)");
    const identity: PrimaryIdentity = {
      vin: optionValue(parsed, "vin"),
      serial: optionValue(parsed, "serial"),
      hardwareId: optionValue(parsed, "hardware-id"),
      vehicleEcus: [],
    };
    identity.vehicleEcus = [identity.serial, ...(parsed.values["vehicle-ecu"] ?? []).filter((s) => s !== identity.serial)];
    checkIdentity(identity);
    const existed = existsSync(dir);
    if (existed && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
      throw new CliError("exists", `${dir} is not a new or empty folder${existsSync(join(dir, IDENTITY_KEY)) ? ": it holds a Primary (load its factory bundle with --bundle)" : ""}`);
    }
    // A refusal on the way leaves no folder (or the empty one it was given) behind.
    try {
      return await makeKeys(dir, identity, json, tlsCaFile);
    } catch (e) {
      if (existed) for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
      else rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  },
};

async function makeKeys(dir: string, identity: PrimaryIdentity, json: boolean, tlsCaFile?: string): Promise<number> {
  const store = new FileStore(dir);
  const tls = newTlsKeyPair();
  await store.write(TLS_KEY, Buffer.from(tls.privateKeyPem));
  await store.write(TLS_PUBLIC_KEY, Buffer.from(tls.publicKeyPem));
  if (tlsCaFile) await store.write(TLS_CA, readFileSync(tlsCaFile));
  const key = generateSigningKey();
  await store.write(PRIVATE_KEY, Buffer.from(privateKeyPem(key)));
  await writeJson(store, PUBLIC_KEY, key.publicKey);
  await writeJson(store, IDENTITY_KEY, identity);
  const publicKeyFile = join(dir, PUBLIC_KEY);
  const tlsPublicKeyFile = join(dir, TLS_PUBLIC_KEY);
  printResult(
    json,
    { state: dir, keyid: key.keyid, publicKeyFile, tlsPublicKeyFile, ...identity },
    `Made the keys of Primary ${identity.serial} of ${identity.vin} in ${dir}; ECU public key in ${publicKeyFile}, TLS public key in ${tlsPublicKeyFile}. Register the vehicle (uptane vehicle add), write its factory bundle (uptane provision), then load it: uptane primary init ${dir} --bundle FILE`,
  );
  return 0;
}

async function loadFactoryBundle(dir: string, bundleFile: string, timeText: string | undefined, json: boolean, tlsCaFile?: string): Promise<number> {
  const file = inputFile(bundleFile, "--bundle");
  let time: number | undefined;
  if (timeText !== undefined) {
    if (!isIsoTime(timeText)) throw new UsageError(`--time must be YYYY-MM-DDTHH:MM:SSZ, got ${JSON.stringify(timeText)}`);
    time = Date.parse(timeText) / 1000;
  }
  inputFolder(dir, "STATE");
  const store = new FileStore(dir);
  const identity = await readJson<PrimaryIdentity>(store, IDENTITY_KEY);
  if (!identity || !(await store.read(PRIVATE_KEY))) throw new CliError("unreadable-file", `${dir} holds no Primary keys: make them first (uptane primary init STATE --vin VIN --serial SERIAL --hardware-id HW)`);
  if (await store.read(STATE_KEY)) throw new CliError("exists", `${dir} holds a provisioned Primary already: its factory bundle was loaded`);
  const bundle = parseFactoryBundle(readFileSync(file));
  const done = await provisionPrimaryFromFactory(store, { bundle, identity, time });
  if (tlsCaFile) await store.write(TLS_CA, readFileSync(tlsCaFile));
  const when = isoTime(done.time);
  printResult(
    json,
    { state: dir, vin: identity.vin, serial: identity.serial, time: when, timeSource: done.timeSource, outcome: done.outcome, roots: done.roots, ...done.urls },
    `Provisioned Primary ${identity.serial} of ${identity.vin}: metadata of both repositories verified (${done.outcome}), time ${when} (${done.timeSource === "attestation" ? "attested by the time server" : "stated with --time"}), Director at ${done.urls.director}, Image repository at ${done.urls.image}`,
  );
  return 0;
}

/** The identity follows the Director's rules (model/identifiers.ts), checked before anything is made. */
function checkIdentity(p: PrimaryIdentity): void {
  if (!isVin(p.vin)) throw new CliError("invalid-vin", `VIN '${p.vin}' must be 1-64 of A-Z a-z 0-9 _ - (the Director's rule)`);
  for (const serial of p.vehicleEcus) if (!isEcuSerial(serial)) throw new CliError("invalid-serial", `ECU serial '${serial}' must be 1-64 of A-Z a-z 0-9 . _ -`);
  if (!isHardwareId(p.hardwareId)) throw new CliError("invalid-hardware-id", `hardware ID '${p.hardwareId}' must be 1-64 of A-Z a-z 0-9 . _ -`);
}

export const primaryCycleCommand: Command = {
  name: "primary cycle",
  summary: "run one Uptane update cycle of a provisioned Primary against `uptane serve`",
  usage: [
    "uptane primary cycle STATE [--url URL] [--tls-ca FILE] [--json]",
    "",
    "Reaches the Director, the Image repository and the time server at the URLs of the",
    "repository mapping provisioned in STATE (`primary init --bundle`); --url overrides them",
    "with one server's base URL (its /director/, /image/, /time/), for tests. Over https:// it",
    "verifies the server against the CA pinned at init (or --tls-ca) and authenticates with",
    "STATE/tls-cert.pem and STATE/tls-key.pem.",
    "Runs Uptane 5.4.2 once: sends the vehicle version manifest to the Director, gets a time",
    "attestation from the time server, fully verifies both repositories, downloads and checks",
    "the images, and installs the Primary's own (recorded in STATE). Exit status: 0 the cycle",
    "completed (installed or nothing to do), 1 a verification failure or the backend could",
    "not be reached, 2 bad usage. With --json: {\"ok\":bool,\"outcome\":NAME,...}.",
  ].join("\n"),
  options: { values: { url: {}, "tls-ca": {} }, flags: ["json"] },
  positionals: ["STATE"],
  async run(parsed) {
    const url = parsed.values.url?.[0];
    if (url !== undefined && !/^https?:\/\//.test(url)) throw new UsageError("--url must be an http:// or https:// URL");
    const dir = parsed.positional[0]!;
    const json = parsed.flags.has("json");
    const tlsCaFile = parsed.values["tls-ca"] ? inputFile(parsed.values["tls-ca"][0]!, "--tls-ca") : undefined;
    inputFolder(dir, "STATE"); // the store would create a missing folder
    const store = new FileStore(dir);
    const identity = await readJson<PrimaryIdentity>(store, IDENTITY_KEY);
    const pem = await store.read(PRIVATE_KEY);
    if (!identity || !pem) throw new CliError("unreadable-file", `${dir} holds no provisioned Primary (run uptane primary init first)`);
    if (!(await store.read(STATE_KEY))) throw new CliError("unreadable-file", `${dir} holds a Primary's keys but no factory load: run uptane primary init ${dir} --bundle FILE`);
    const mapped = await storedServerUrls(store);
    const https = (url ?? mapped?.director ?? "").startsWith("https://") || (!url && [mapped?.image, mapped?.timeServer].some((u) => u?.startsWith("https://")));
    const options = https ? { tls: await primaryTls(store, dir, tlsCaFile) } : {};
    let fetcher: Fetcher;
    if (url) fetcher = new HttpFetcher(url, options);
    else if (mapped) fetcher = new MappedFetcher(mapped, options);
    else throw new CliError("unreadable-file", `${dir} holds no repository mapping: give --url`);
    const primary = await Primary.open({
      ...identity,
      fetcher,
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
    // An offline bundle's roots are checked against the factory-loaded ones, never trusted on first use.
    if (!(await store.read(STATE_KEY))) throw new CliError("unreadable-file", `${dir} holds a Primary's keys but no factory load: run uptane primary init ${dir} --bundle FILE`);
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
