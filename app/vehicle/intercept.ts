// Men in the middle for the attack demos. `InterceptingFetcher` sits between the Primary
// and the backend and may answer a GET itself. `compromisedDirector` answers the
// vehicle's Director metadata with documents an attacker holding the Director's online
// keys signs (a new targets list edited as the attack wants, then snapshot and timestamp
// over it); `frozenDirectorTimestamp` replays the current timestamp after it expired.
// `TamperingLink` alters image bytes on their way over the CAN bus.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadDirectorOnlineKeys, type DirectorOnlineKeys } from "../../backend/director/director-keys.ts";
import { buildSnapshot, buildTargets, buildTimestamp, type DirectorTargetEntry, type SignedDocument } from "../../backend/director/metadata.ts";
import { canonicalJson } from "../../model/canonical-json.ts";
import { signMetadata } from "../../model/keys.ts";
import { capChunks, collect, type Fetcher, type FetchRequest } from "../../host/primary/fetcher.ts";
import type { SecondaryLink, VerificationMode } from "../../host/primary/secondary-link.ts";
import type { VerifiedTarget } from "../../model/verification.ts";
import type { MetadataBundle } from "../../model/metadata-bundle.ts";
import { isoTime } from "../../model/iso-time.ts";

/** Answers `path` with forged bytes, or null to let the real backend answer. */
export type Interceptor = (path: string) => Promise<Uint8Array | null>;

export class InterceptingFetcher implements Fetcher {
  intercept: Interceptor | null = null;
  /** Paths answered with forged bytes so far. */
  readonly forged: string[] = [];

  constructor(readonly inner: Fetcher) {}

  async get(path: string, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    const forged = this.intercept ? await this.intercept(path) : null;
    if (!forged) return this.inner.get(path, request);
    this.forged.push(path);
    return capChunks(path, (async function* () {
      yield forged;
    })(), request.maxBytes);
  }

  post(path: string, body: Uint8Array, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    return this.inner.post(path, body, request);
  }
}

async function getJson(fetcher: Fetcher, path: string): Promise<any> {
  const { bytes } = await collect(await fetcher.get(path, { maxBytes: 8 * 1024 * 1024 }));
  return JSON.parse(Buffer.from(bytes).toString("utf8"));
}

/** The vehicle's current Director targets as served: versions and entries. */
async function currentDirector(fetcher: Fetcher, vin: string) {
  const base = `/director/vehicles/${encodeURIComponent(vin)}/`;
  const timestamp = await getJson(fetcher, `${base}timestamp.json`);
  const snapshotVersion: number = timestamp.signed.meta["snapshot.json"].version;
  const snapshot = await getJson(fetcher, `${base}${snapshotVersion}.snapshot.json`);
  const targetsVersion: number = snapshot.signed.meta["targets.json"].version;
  const targets = await getJson(fetcher, `${base}${targetsVersion}.targets.json`);
  const entries: DirectorTargetEntry[] = Object.entries(targets.signed.targets as Record<string, any>).map(([name, t]) => ({ name, length: t.length, hashes: t.hashes, custom: t.custom }));
  return { base, timestamp, timestampVersion: timestamp.signed.version as number, snapshotVersion, targetsVersion, entries };
}

/**
 * An attacker with the Director's online keys (read from the backend folder `dir`, or
 * `keys`: e.g. keys revoked by a rotation): the vehicle's next Director metadata lists what
 * `edit` makes of the current targets.
 */
export function compromisedDirector(dir: string, fetcher: Fetcher, vin: string, edit: (entries: DirectorTargetEntry[]) => DirectorTargetEntry[], keys: DirectorOnlineKeys = loadDirectorOnlineKeys(dir)): Interceptor {
  const forged = new Map<string, Uint8Array>();
  return async (path) => {
    const base = `/director/vehicles/${encodeURIComponent(vin)}/`;
    if (path === `${base}timestamp.json`) {
      const now = new Date();
      const current = await currentDirector(fetcher, vin);
      const targets = buildTargets(vin, edit(structuredClone(current.entries)), current.targetsVersion + 1, now, keys.targets);
      const snapshot = buildSnapshot(targets, current.snapshotVersion + 1, now, keys.snapshot);
      const timestamp = buildTimestamp(snapshot, current.timestampVersion + 1, now, keys.timestamp);
      const bytes = (d: SignedDocument) => Buffer.from(d.bytes, "utf8");
      forged.set(`${base}${targets.version}.targets.json`, bytes(targets));
      forged.set(`${base}${snapshot.version}.snapshot.json`, bytes(snapshot));
      return bytes(timestamp);
    }
    return forged.get(path) ?? null;
  };
}

/**
 * A freeze attack: the vehicle is kept on the Director timestamp it already has, replayed
 * after it expired. (The demo cannot wait a day for the real one to expire, so it signs
 * the same timestamp with an expiry an hour ago, as the captured copy would read then.)
 */
export function frozenDirectorTimestamp(dir: string, fetcher: Fetcher, vin: string): Interceptor {
  const keys = loadDirectorOnlineKeys(dir);
  return async (path) => {
    if (path !== `/director/vehicles/${encodeURIComponent(vin)}/timestamp.json`) return null;
    const current = await currentDirector(fetcher, vin);
    const signed = { ...current.timestamp.signed, expires: isoTime(new Date(Date.now() - 3600_000)) };
    return Buffer.from(canonicalJson(signMetadata(signed, [keys.timestamp])), "utf8");
  };
}

/** The Image repository's signed entry for `name` (as the Director would copy it), read from the backend folder. */
export function imageTargetEntry(dir: string, name: string): { length: number; hashes: Record<string, string>; custom: { hardwareIds: string[]; releaseCounter: number } } {
  const repo = join(dir, "image", "repository");
  const ts = JSON.parse(readFileSync(join(repo, "timestamp.json"), "utf8"));
  const snapshot = JSON.parse(readFileSync(join(repo, `${ts.signed.meta["snapshot.json"].version}.snapshot.json`), "utf8"));
  for (const [file, meta] of Object.entries(snapshot.signed.meta as Record<string, { version: number }>)) {
    const role = file.replace(/\.json$/, "");
    const doc = JSON.parse(readFileSync(join(repo, `${meta.version}.${role}.json`), "utf8"));
    const entry = doc.signed.targets?.[name];
    if (entry) return entry;
  }
  throw new Error(`the Image repository signs no ${name}`);
}

/** A CAN link whose image bytes an attacker on the bus alters (one byte flipped) while `active`. */
export class TamperingLink implements SecondaryLink {
  readonly serial: string;
  readonly verification: VerificationMode;
  active = true;
  tampered = 0;

  constructor(private readonly inner: SecondaryLink) {
    this.serial = inner.serial;
    this.verification = inner.verification;
  }

  versionReport(): Promise<Uint8Array> {
    return this.inner.versionReport();
  }

  sendTime(attestation: Uint8Array): Promise<void> {
    return this.inner.sendTime(attestation);
  }

  sendMetadata(bundle: MetadataBundle): Promise<void> {
    return this.inner.sendMetadata(bundle);
  }

  sendImage(target: VerifiedTarget, image: Uint8Array): Promise<void> {
    if (!this.active) return this.inner.sendImage(target, image);
    const altered = image.slice();
    altered[altered.length >> 1] ^= 0x01;
    this.tampered++;
    return this.inner.sendImage(target, altered);
  }
}
