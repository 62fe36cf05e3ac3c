// The factory bundle of one vehicle (Uptane 2.1 "Build-time prerequisite requirements for
// ECUs"), written from the live repositories of the backend in DIR: the Director's newest
// root and the vehicle's current timestamp, snapshot and targets; the Image repository's
// newest root, timestamp, snapshot, targets and delegated roles (each checked as `serve`
// checks it before serving); a time attestation the time server signs now; and the
// repository mapping with the URLs the vehicle will use. For a partial-verification ECU
// only the Director's root and targets are written.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { openDirector } from "./director/part.ts";
import { DirectorKeyring } from "./director/director-keys.ts";
import { Refused } from "./director/errors.ts";
import { repositoryDir, versionedFile } from "./image/layout.ts";
import { loadPublished } from "./image/published.ts";
import { verifyImageChain } from "./image/served-chain.ts";
import { signTimeAttestation } from "./timeserver/attestation.ts";
import { encodeFactoryBundle, type FactoryBundle } from "../model/factory-bundle.ts";
import type { RepositoryBundle } from "../model/metadata-bundle.ts";
import { basicRepositoryMap, serverRepositoryUrls } from "../model/repository-map.ts";

export interface FactoryBundleOptions {
  vin: string;
  /** The base URL vehicles reach `uptane serve` at (its /director/, /image/ and /time/). */
  url: string;
  /** Only what a partial-verification ECU is loaded with. */
  partial?: boolean;
  now?: Date;
}

/** What `uptane provision` writes, and a summary of it. */
export async function factoryBundle(dir: string, options: FactoryBundleOptions): Promise<{ bytes: Uint8Array; summary: Record<string, unknown> }> {
  const now = options.now ?? new Date();
  const director = openDirector(dir, () => now);
  let directorRepo: RepositoryBundle;
  let attestation: { nonce: string; attestation: Uint8Array };
  try {
    if (!director.inventory.vehicleExists(options.vin)) throw new Refused(404, "unknown-vin", `no vehicle ${options.vin} is registered: register it (uptane vehicle add) before making its factory bundle`);
    const root = director.latestRoot();
    if (!root) throw new Error("the Director has no root");
    const need = (name: string): Buffer => {
      const bytes = director.vehicleFile(options.vin, name);
      if (!bytes) throw new Error(`the Director serves no ${name} for ${options.vin}`);
      return bytes;
    };
    const timestamp = need("timestamp.json"); // re-signed here when past half its life
    const snapshotName = versionedFile(metaVersion(timestamp, "snapshot.json"), "snapshot");
    const snapshot = need(snapshotName);
    const targets = need(versionedFile(metaVersion(snapshot, "targets.json"), "targets"));
    directorRepo = { roots: [root.bytes], timestamp, snapshot, targets };
    const nonce = `factory-${randomBytes(16).toString("hex")}`;
    const signed = signTimeAttestation([nonce], now, new DirectorKeyring(dir, director.inventory).timeServerSigners());
    attestation = { nonce, attestation: Buffer.from(signed, "utf8") };
  } finally {
    director.close();
  }

  let imageRepo: RepositoryBundle | undefined;
  if (!options.partial) {
    // Checked as `serve` checks what it serves: the root chain, then every role's signatures, versions, lengths and hashes.
    const files = await verifyImageChain(dir);
    const read = (name: string) => readFile(join(repositoryDir(dir), name));
    const published = await loadPublished(dir);
    const rootName = files.filter((f) => f.endsWith(".root.json")).at(-1)!;
    const delegations = new Map<string, Uint8Array>();
    for (const [role] of published.delegated) delegations.set(role, await read(versionedFile(published.snapshot.signed.meta[`${role}.json`]!.version, role)));
    imageRepo = {
      roots: [await read(rootName)],
      timestamp: await read("timestamp.json"),
      snapshot: await read(versionedFile(published.snapshot.signed.version, "snapshot")),
      targets: await read(versionedFile(published.snapshot.signed.meta["targets.json"]!.version, "targets")),
      delegations,
    };
  }

  const urls = serverRepositoryUrls(options.url);
  const bundle: FactoryBundle = {
    vin: options.vin,
    metadata: options.partial ? { director: { roots: directorRepo.roots, targets: directorRepo.targets } } : { director: directorRepo, image: imageRepo },
    time: attestation,
    map: basicRepositoryMap(urls),
    timeServer: `${options.url.replace(/\/+$/, "")}/time/`,
  };
  return {
    bytes: encodeFactoryBundle(bundle),
    summary: { vin: options.vin, partial: options.partial === true, time: now.toISOString().replace(/\.\d{3}Z$/, "Z"), director: urls.director, image: urls.image, timeServer: bundle.timeServer },
  };
}

function metaVersion(bytes: Buffer, file: string): number {
  const v = (JSON.parse(bytes.toString("utf8")) as { signed?: { meta?: Record<string, { version?: unknown }> } }).signed?.meta?.[file]?.version;
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new Error(`the Director's metadata lists no version of ${file}`);
  return v as number;
}
