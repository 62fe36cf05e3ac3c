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

interface PrimaryIdentity {
  vin: string;
  serial: string;
  hardwareId: string;
  vehicleEcus: string[];
}

const IDENTITY_KEY = "primary-identity.json";
const PRIVATE_KEY = "ecu-key.pem";
const PUBLIC_KEY = "ecu-key.pub.json";

function print(json: boolean, data: Record<string, unknown>, text: string): void {
  console.log(json ? JSON.stringify(data) : text);
}

export const primaryInitCommand: Command = {
  name: "primary init",
  summary: "provision a Primary ECU in a state folder: pinned roots, identity, a new ECU key",
  usage: [
    "uptane primary init STATE --director-root FILE --image-root FILE --vin VIN --serial SERIAL",
    "    --hardware-id HW [--vehicle-ecu SERIAL ...] [--json]",
    "",
    "Creates the folder STATE holding the Primary's store: the pinned Director and Image roots",
    "(as provisioned at the factory), its identity, and a new Ed25519 ECU key. The public key",
    "is written to STATE/ecu-key.pub.json for `uptane vehicle add`. The vehicle's ECUs are the",
    "Primary's serial plus every --vehicle-ecu.",
  ].join("\n"),
  options: {
      values: { "director-root": {}, "image-root": {}, vin: {}, serial: {}, "hardware-id": {}, "vehicle-ecu": { repeat: true } },
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
      await provisionPrimary(store, { directorRoot, imageRoot });
      const key = generateSigningKey();
      await store.write(PRIVATE_KEY, Buffer.from(privateKeyPem(key)));
      await writeJson(store, PUBLIC_KEY, key.publicKey);
      await writeJson(store, IDENTITY_KEY, identity);
      const publicKeyFile = join(dir, PUBLIC_KEY);
      print(json, { ok: true, state: dir, keyid: key.keyid, publicKeyFile, ...identity }, `Provisioned Primary ${identity.serial} of ${identity.vin} in ${dir}; ECU public key in ${publicKeyFile}`);
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
    "uptane primary cycle STATE --url URL [--json]",
    "",
    "Runs Uptane 5.4.2 once: sends the vehicle version manifest to URL/director/, gets a time",
    "attestation from URL/time/, fully verifies both repositories, downloads and checks the",
    "images, and installs the Primary's own (recorded in STATE). Exit status: 0 the cycle",
    "completed (installed or nothing to do), 1 a verification failure or the backend could",
    "not be reached, 2 bad usage. With --json: {\"ok\":bool,\"outcome\":NAME,...}.",
  ].join("\n"),
  options: { values: { url: {} }, flags: ["json"] },
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
        fetcher: new HttpFetcher(url),
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
