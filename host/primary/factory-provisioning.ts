// Build-time provisioning of a Primary (Uptane 2.1 "Build-time prerequisite requirements
// for ECUs", 5.4.1): the factory loads the complete metadata of both repositories, a
// secure time and the repository mapping. Everything is verified in the module exactly as
// an update cycle verifies it (time first, then full verification against that time)
// before anything is written; a refusal names the outcome and leaves the store untouched.
import type { FactoryBundle } from "../../model/factory-bundle.ts";
import { fullVerificationFiles } from "../../model/metadata-bundle.ts";
import type { RepoName } from "../../model/outcome.ts";
import { honouredRepositoryUrls, RepositoryMapError } from "../../model/repository-map.ts";
import { refusalOf } from "../../model/verification.ts";
import { checkProvisioning, ProvisioningError } from "./provisioning-check.ts";
import { fullVerifierFactory } from "./full-verifier.ts";
import { signedVersion } from "./repository-download.ts";
import { loadState, rootKey, saveState, writeAttestation, writeHeldMetadata, type PrimaryRecord } from "./state.ts";
import { writeJson, type Store } from "./store.ts";
import type { VerifierFactory } from "./verifier-port.ts";

/** Where the Primary keeps its repository mapping (TAP 4 map.json) and time server URL. */
export const MAP_KEY = "map.json";
export const TIME_SERVER_KEY = "time-server.json";

export interface PrimaryIdentity {
  vin: string;
  serial: string;
  hardwareId: string;
  /** Every ECU of the vehicle (this Primary's serial included). */
  vehicleEcus: string[];
}

export interface FactoryLoad {
  bundle: FactoryBundle;
  identity: PrimaryIdentity;
  /** A time the factory states (unix seconds) instead of the bundle's attestation. */
  time?: number;
}

export interface Provisioned {
  /** The provisioned time (unix seconds) and where it came from. */
  time: number;
  timeSource: "attestation" | "stated";
  /** The verification's outcome: Ok (a target for some ECU) or NoUpdate. */
  outcome: "Ok" | "NoUpdate";
  roots: Record<RepoName, { pinned: number; trusted: number }>;
  urls: { director: string; image: string; timeServer: string };
}

/**
 * Verifies the factory's load and provisions the Primary's store with it. Throws
 * ProvisioningError (identity, roots, mapping, no time) or VerificationError (the
 * metadata or the attestation refused, its outcome named) before writing anything.
 */
export async function provisionPrimaryFromFactory(store: Store, load: FactoryLoad, makeVerifier: VerifierFactory = fullVerifierFactory): Promise<Provisioned> {
  const { bundle, identity } = load;
  if (await loadState(store)) throw new Error("this store already holds a provisioned Primary");
  if (bundle.vin !== identity.vin) throw new ProvisioningError("invalid-vin", `the factory bundle is for vehicle ${bundle.vin}, this Primary is in ${identity.vin}`);
  const director = bundle.metadata.director;
  const image = bundle.metadata.image;
  const directorFiles = fullVerificationFiles(director, (roots) => roots.slice(1));
  const imageFiles = fullVerificationFiles(image, (roots) => roots.slice(1));
  if (!directorFiles || !imageFiles || !image) {
    throw new ProvisioningError("invalid-root", "the factory bundle lacks the Director's or the Image repository's timestamp and snapshot: a full-verification Primary is loaded with all four roles of both (uptane provision without --partial)");
  }
  let urls: { director: string; image: string };
  try {
    urls = honouredRepositoryUrls(bundle.map);
  } catch (e) {
    if (e instanceof RepositoryMapError) throw new ProvisioningError("unsupported-mapping", e.message);
    throw e;
  }
  checkProvisioning({ directorRoot: director.roots[0]!, imageRoot: image.roots[0]!, ...identity }, makeVerifier);

  const verifier = makeVerifier(
    { directorRoot: director.roots[0]!, imageRoot: image.roots[0]!, ecu: { serial: identity.serial, hardwareId: identity.hardwareId, installedReleaseCounter: 0 }, vin: identity.vin, vehicleEcus: identity.vehicleEcus },
    null,
  );
  // The time (5.4.1: the current time or an attestation of a recent one), verified first as in a cycle (5.4.2.2).
  let time: number;
  let timeSource: Provisioned["timeSource"];
  if (load.time !== undefined) {
    verifier.provisionTime(load.time);
    time = load.time;
    timeSource = "stated";
  } else {
    if (!bundle.time) throw new ProvisioningError("no-time", "the factory bundle holds no time attestation: give the time (--time)");
    const attested = verifier.attestTime({ attestation: bundle.time.attestation, nonce: bundle.time.nonce });
    if (!attested.ok || attested.time === undefined) throw refusalOf(attested, "time attestation");
    time = attested.time;
    timeSource = "attestation";
  }
  // 5.4.4.2: both repositories, each against the other, at that time.
  const result = verifier.update(directorFiles, imageFiles, time);
  if ((result.outcome !== "Ok" && result.outcome !== "NoUpdate") || !result.vehicleTargets) throw refusalOf(result, "factory metadata");

  // Verified: written now, the record last (it is what makes the store a provisioned Primary).
  const versions = (roots: Uint8Array[]) => roots.map((bytes) => ({ bytes, version: signedVersion(bytes) }));
  const roots = {} as Provisioned["roots"];
  for (const [repo, chain] of [["director", versions(director.roots)], ["image", versions(image.roots)]] as const) {
    for (const r of chain) await store.write(rootKey(repo, r.version!), r.bytes);
    roots[repo] = { pinned: chain[0]!.version!, trusted: chain.at(-1)!.version! };
  }
  if (bundle.time && timeSource === "attestation") await writeAttestation(store, bundle.time.attestation);
  await writeJson(store, MAP_KEY, bundle.map);
  await writeJson(store, TIME_SERVER_KEY, { url: bundle.timeServer });
  const held = await writeHeldMetadata(store, 1, { director: roots.director.trusted, image: roots.image.trusted }, directorFiles, imageFiles);
  const record: PrimaryRecord = {
    installed: { image: null, releaseCounter: 0 },
    unreported: [],
    nonce: null,
    time,
    roots,
    held,
    vehicleTargets: result.vehicleTargets.map((t) => ({ ecuSerial: t.ecuSerial, target: structuredClone(t.target) })),
  };
  await saveState(store, record, verifier.exportState());
  return { time, timeSource, outcome: result.outcome, roots, urls: { ...urls, timeServer: bundle.timeServer } };
}

