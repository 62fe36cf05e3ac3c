// Build-time provisioning (Uptane 2.1 "Build-time prerequisite requirements for ECUs"): the
// factory bundle `uptane provision` writes from the live repositories, loaded into a
// Primary that verifies all four roles of both repositories in the module, against the
// attested (or stated) time, before it keeps anything; and its repository mapping.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { newBackend, removeTempDirs, tempDir } from "../helpers/image-backend.ts";
import { addImage } from "../../backend/image/repository.ts";
import { openDirector } from "../../backend/director/part.ts";
import { factoryBundle } from "../../backend/factory-bundle.ts";
import { encodeFactoryBundle, parseFactoryBundle, partialFactoryBundle, FactoryBundleError, type FactoryBundle } from "../../model/factory-bundle.ts";
import { basicRepositoryMap, honouredRepositoryUrls, RepositoryMapError, serverRepositoryUrls } from "../../model/repository-map.ts";
import { provisionPrimaryFromFactory, type PrimaryIdentity } from "../../host/primary/factory-provisioning.ts";
import { ProvisioningError } from "../../host/primary/provisioning-check.ts";
import { MemoryStore, type Store } from "../../host/primary/store.ts";
import { loadState } from "../../host/primary/state.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { Primary } from "../../host/primary/primary.ts";
import { TransportError } from "../../host/primary/errors.ts";
import type { Fetcher } from "../../host/primary/fetcher.ts";
import { VerificationError } from "../../model/outcome.ts";
import { isoTime } from "../../model/iso-time.ts";
import "../../host/wasm/embedded.ts";
import { FullVerifier } from "../../host/wasm/verifier.ts";

const VIN = "FACTORY0VIN000001";
const OTHER_VIN = "FACTORY0VIN000002";
const URL = "https://127.0.0.1:8443";
const identity: PrimaryIdentity = { vin: VIN, serial: "gw-1", hardwareId: "gateway", vehicleEcus: ["gw-1"] };
const primaryKeys = SoftwareKeyStore.generate();

let backend = "";
let bundle: FactoryBundle;
let otherBundle: FactoryBundle;

test.before(async () => {
  backend = await newBackend();
  const work = await tempDir();
  const fw = join(work, "gw-2.bin");
  await writeFile(fw, Buffer.alloc(2048, 5));
  await addImage(backend, fw, { name: "gw-2.bin", hardwareIds: ["gateway"], releaseCounter: 2 });
  const director = openDirector(backend);
  try {
    director.addVehicle(VIN, [{ serial: "gw-1", hardwareId: "gateway", publicKeyHex: primaryKeys.publicKey.keyval.public, primary: true }]);
    director.addVehicle(OTHER_VIN, [{ serial: "gw-9", hardwareId: "gateway", publicKeyHex: SoftwareKeyStore.generate().publicKey.keyval.public, primary: true }]);
    await director.assign(VIN, "gw-1", "gw-2.bin");
  } finally {
    director.close();
  }
  bundle = parseFactoryBundle((await factoryBundle(backend, { vin: VIN, url: URL })).bytes);
  otherBundle = parseFactoryBundle((await factoryBundle(backend, { vin: OTHER_VIN, url: URL })).bytes);
});
test.after(removeTempDirs);

/** The time the bundle's attestation states, read from it (the module verified it). */
function attestedTime(b: FactoryBundle): number {
  return Date.parse(JSON.parse(Buffer.from(b.time!.attestation).toString("utf8")).signed.time) / 1000;
}

async function keysOf(store: Store): Promise<number> {
  return (store as MemoryStore).keys().length;
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("provisioning was not refused");
}

test("the factory bundle round-trips and holds all four roles of both repositories, a time attestation and the basic mapping", () => {
  const again = parseFactoryBundle(encodeFactoryBundle(bundle));
  assert.equal(again, bundle);
  for (const repo of [bundle.metadata.director, bundle.metadata.image!]) {
    assert.ok(repo.roots.length === 1 && repo.timestamp && repo.snapshot && repo.targets.length > 0);
  }
  assert.ok(bundle.time);
  assert.equal(honouredRepositoryUrls(bundle.map), serverRepositoryUrls(URL));
  assert.is(bundle.timeServer, `${URL}/time/`);
});

test("a Primary loaded from the factory bundle verifies it in the module and keeps the attested time, the roots, its targets and the mapping", async () => {
  const store = new MemoryStore();
  const done = await provisionPrimaryFromFactory(store, { bundle, identity });
  assert.is(done.outcome, "Ok");
  assert.is(done.timeSource, "attestation");
  assert.is(done.time, attestedTime(bundle));
  const saved = (await loadState(store))!;
  assert.is(saved.record.time, done.time);
  assert.equal(saved.record.vehicleTargets.map((t) => t.target.name), ["gw-2.bin"]);
  assert.ok(saved.record.held, "the verified metadata is held for the Secondaries");
  // The module's own state carries the time: a verifier restored from it refuses to go back before it.
  const verifier = FullVerifier.fromState({ directorRoot: bundle.metadata.director.roots[0]!, imageRoot: bundle.metadata.image!.roots[0]!, ecu: { serial: "gw-1", hardwareId: "gateway", installedReleaseCounter: 0 }, vin: VIN, vehicleEcus: ["gw-1"] }, saved.verifierState!);
  assert.is(verifier.lastVerifiedTime, done.time);
  assert.equal(JSON.parse(Buffer.from((await store.read("map.json"))!).toString("utf8")), basicRepositoryMap(serverRepositoryUrls(URL)));
});

test("the first manifest of a freshly provisioned Primary carries the provisioned time, not the epoch", async () => {
  const store = new MemoryStore();
  const done = await provisionPrimaryFromFactory(store, { bundle, identity });
  const sent: Array<{ signed: { ecuVersionReports: Array<{ signed: { reportTime: string } }> } }> = [];
  const fetcher: Fetcher = {
    async get() {
      throw new TransportError("offline");
    },
    async post(path, body) {
      if (path.endsWith("/manifest")) {
        sent.push(JSON.parse(Buffer.from(body).toString("utf8")));
        return (async function* () {
          yield Buffer.from("{}");
        })();
      }
      throw new TransportError("offline"); // the cycle stops after the manifest
    },
  };
  const primary = await Primary.open({ ...identity, fetcher, store, keys: primaryKeys, secondaries: [] });
  await primary.runCycle().catch((e) => assert.instance(e, TransportError));
  assert.is(sent.length, 1, "the manifest was sent");
  const reportTime = sent[0]!.signed.ecuVersionReports[0]!.signed.reportTime;
  assert.is(reportTime, isoTime(done.time));
  assert.is.not(reportTime, isoTime(0));
});

test("a bundle whose Image targets were altered is refused with the module's outcome, and nothing is written", async () => {
  const targets = Buffer.from(bundle.metadata.image!.targets).toString("utf8").replace('"gw-2.bin"', '"gw-3.bin"');
  const altered: FactoryBundle = { ...bundle, metadata: { ...bundle.metadata, image: { ...bundle.metadata.image!, targets: Buffer.from(targets) } } };
  const store = new MemoryStore();
  const e = await refusal(provisionPrimaryFromFactory(store, { bundle: altered, identity }));
  assert.instance(e, VerificationError);
  assert.ok(["LengthOrHashMismatch", "UnmetThreshold"].includes((e as VerificationError).outcome), (e as VerificationError).outcome);
  assert.is(await keysOf(store), 0);
});

test("another vehicle's Director metadata in this vehicle's bundle is refused (the repositories verified against each other and the VIN)", async () => {
  const mixed: FactoryBundle = { ...bundle, metadata: { ...bundle.metadata, director: otherBundle.metadata.director } };
  const store = new MemoryStore();
  const e = await refusal(provisionPrimaryFromFactory(store, { bundle: mixed, identity }));
  assert.instance(e, VerificationError);
  assert.is((e as VerificationError).outcome, "EcuMismatch");
  assert.is(await keysOf(store), 0);
});

test("a stated time after the metadata expired is refused as ExpiredMetadata", async () => {
  const store = new MemoryStore();
  const e = await refusal(provisionPrimaryFromFactory(store, { bundle, identity, time: attestedTime(bundle) + 30 * 86400 }));
  assert.instance(e, VerificationError);
  assert.is((e as VerificationError).outcome, "ExpiredMetadata");
  assert.is(await keysOf(store), 0);
});

test("a stated time becomes the module's floor: the bundle's older attestation is then refused as time going backwards", async () => {
  const store = new MemoryStore();
  const stated = attestedTime(bundle) + 3600;
  const done = await provisionPrimaryFromFactory(store, { bundle, identity, time: stated });
  assert.is(done.timeSource, "stated");
  const saved = (await loadState(store))!;
  assert.is(saved.record.time, stated);
  const verifier = FullVerifier.fromState({ directorRoot: bundle.metadata.director.roots[0]!, imageRoot: bundle.metadata.image!.roots[0]!, ecu: { serial: "gw-1", hardwareId: "gateway", installedReleaseCounter: 0 }, vin: VIN, vehicleEcus: ["gw-1"] }, saved.verifierState!);
  const r = verifier.attestTime({ attestation: bundle.time!.attestation, nonce: bundle.time!.nonce });
  assert.is(r.outcome, "BadTimeAttestation");
  verifier.provisionTime(stated - 100); // never lowers it
  assert.is(verifier.lastVerifiedTime, stated);
});

test("a bundle without a time attestation needs a stated time", async () => {
  const e = await refusal(provisionPrimaryFromFactory(new MemoryStore(), { bundle: { ...bundle, time: null }, identity }));
  assert.instance(e, ProvisioningError);
  assert.is((e as ProvisioningError).code, "no-time");
});

test("a partial ECU's bundle (Director root and targets only) is refused by a full-verification Primary", async () => {
  const partial = partialFactoryBundle(bundle);
  assert.is(partial.metadata.image, undefined);
  assert.is(partial.metadata.director.timestamp, undefined);
  const e = await refusal(provisionPrimaryFromFactory(new MemoryStore(), { bundle: partial, identity }));
  assert.instance(e, ProvisioningError);
  assert.is((e as ProvisioningError).code, "invalid-root");
});

test("a bundle for another VIN is refused", async () => {
  const e = await refusal(provisionPrimaryFromFactory(new MemoryStore(), { bundle: otherBundle, identity }));
  assert.instance(e, ProvisioningError);
  assert.is((e as ProvisioningError).code, "invalid-vin");
});

test("a repository mapping this version cannot honour is refused at provisioning, never narrowed", async () => {
  const basic = basicRepositoryMap(serverRepositoryUrls(URL));
  const variants: Array<[string, unknown]> = [
    ["a path pattern other than *", { ...basic, mapping: [{ ...basic.mapping[0], paths: ["brakes/*"] }] }],
    ["one repository only", { ...basic, mapping: [{ ...basic.mapping[0], repositories: ["image"] }] }],
    ["non-terminating", { ...basic, mapping: [{ ...basic.mapping[0], terminating: false }] }],
    ["a second mapping", { ...basic, mapping: [...basic.mapping, { paths: ["*"], repositories: ["image"], terminating: true }] }],
    ["a threshold", { ...basic, mapping: [{ ...basic.mapping[0], threshold: 1 }] }],
    ["a third repository", { ...basic, repositories: { ...basic.repositories, mirror: [URL] } }],
    ["mirrors", { ...basic, repositories: { ...basic.repositories, image: [`${URL}/image/`, "https://mirror.example/image/"] } }],
    ["no URL", { ...basic, repositories: { ...basic.repositories, director: [] } }],
  ];
  for (const [what, map] of variants) {
    assert.throws(() => honouredRepositoryUrls(map), (e: unknown) => e instanceof RepositoryMapError && /not honoured/.test((e as Error).message), what);
    const store = new MemoryStore();
    const e = await refusal(provisionPrimaryFromFactory(store, { bundle: { ...bundle, map: map as FactoryBundle["map"] }, identity }));
    assert.instance(e, ProvisioningError, what);
    assert.is((e as ProvisioningError).code, "unsupported-mapping", what);
    assert.is(await keysOf(store), 0, what);
  }
});

test("bytes that are not a factory bundle are refused naming the field", () => {
  const good = JSON.parse(Buffer.from(encodeFactoryBundle(bundle)).toString("utf8"));
  const cases: Array<[string, unknown]> = [
    ["_type", { ...good, _type: "other" }],
    ["director.roots", { ...good, director: { ...good.director, roots: [] } }],
    ["image.targets", { ...good, image: { ...good.image, targets: "not base64!" } }],
    ["director has delegations", { ...good, director: { ...good.director, delegations: {} } }],
    ["format", { ...good, format: 2 }],
    ["time.nonce", { ...good, time: { ...good.time, nonce: "" } }],
    ["timeServer", { ...good, timeServer: "ftp://x/" }],
  ];
  for (const [field, doc] of cases) {
    assert.throws(() => parseFactoryBundle(Buffer.from(JSON.stringify(doc))), (e: unknown) => e instanceof FactoryBundleError && e.message.includes(field), field);
  }
  assert.throws(() => parseFactoryBundle(Buffer.from("{")), (e: unknown) => e instanceof FactoryBundleError && /not JSON/.test((e as Error).message));
});

test.run();
