// The Primary ECU's update cycle, in the order of Uptane Standard 2.1 section 5.4.2:
//   1. construct and send the vehicle version manifest   (5.4.2.1)
//   2. download and check the current time               (5.4.2.2)
//   3. download and verify metadata (full verification)  (5.4.2.3, 5.4.4.2)
//   4. download and verify images                        (5.4.2.4)
//   5. send the latest time to the Secondaries           (5.4.2.5)
//   6. send metadata to the Secondaries                  (5.4.2.6)
//   7. send images to the Secondaries                    (5.4.2.7)
// and then installs its own image, if it has one (5.4.5). The Primary moves bytes, keeps
// files and asks for the time; every decision is the verifier's (DESIGN.md section 2).
// Its trusted state is saved after each step, so a Primary restarted anywhere resumes
// from it with a fresh cycle; held images are checked again before they are used.
import type { EcuVersionReport, ImageFileInfo, ManifestResponse, UndeliveredImage } from "../../model/manifest-format.ts";
import { clip, MAX_MANIFEST_BYTES } from "../../model/manifest-format.ts";
import { VerificationError, type RepoName } from "../../model/outcome.ts";
import type { RepositoryFiles, VerifiedTarget, VerifyResult } from "../../model/verification.ts";
import { NotFoundError, OversizedResponseError, SlowRetrievalError, TransportError } from "./errors.ts";
import { collect, concat, type Fetcher } from "./fetcher.ts";
import type { KeyStore } from "./keystore.ts";
import { freshNonce, parseSecondaryReport, signEcuVersionReport, signVehicleManifest } from "./manifest.ts";
import { DEFAULT_METADATA_CAPS, downloadRepository, signedVersion, type DocumentGetter, type DownloadedRepository, type MetadataCaps } from "./repository-download.ts";
import type { SecondaryLink } from "./secondary-link.ts";
import { DEFAULT_RETRIEVAL_POLICY, guarded, type RetrievalPolicy } from "./slow-retrieval.ts";
import {
  dropImage,
  dropHeldMetadata,
  heldBundle,
  heldFiles,
  heldImage,
  holdImage,
  writeHeldMetadata,
  loadState,
  readAttestation,
  readRoot,
  rootKey,
  saveState,
  writeAttestation,
  type PrimaryRecord,
} from "./state.ts";
import type { Store } from "./store.ts";
import { sameImage } from "../../model/same-image.ts";
import type { PrimaryVerifier, PrimaryVerifierConfig, VerifierFactory } from "./verifier-port.ts";
import { fullVerifierFactory } from "./full-verifier.ts";
import { canonicalForwarding } from "../wasm/canonical.ts";
import type { MetadataBundle } from "../../model/metadata-bundle.ts";
import { offlineUpdateFiles, readBundleImage, rotationVersionsAfter, type OfflineBundle } from "./offline-bundle.ts";

/** Largest time attestation read from the time server. */
export const MAX_ATTESTATION_BYTES = 64 * 1024;
/** Withheld images kept for the next manifest (oldest dropped first), each detail clipped to 256 characters. */
const MAX_UNDELIVERED = 32;
const MAX_UNDELIVERED_DETAIL = 256;

/** Most problems kept for the next manifest (oldest dropped first); 4 x 256 characters fit its 1024. */
const MAX_UNREPORTED = 4;
/** Largest answer read from the Director to a manifest. */
const MAX_MANIFEST_RESPONSE_BYTES = 64 * 1024;

export type CycleStep = "manifest" | "time" | "metadata" | "images" | "secondaries" | "install";

export interface PrimaryConfig {
  vin: string;
  serial: string;
  hardwareId: string;
  /** Every ECU of the vehicle (this Primary's serial included). */
  vehicleEcus: string[];
  fetcher: Fetcher;
  store: Store;
  keys: KeyStore;
  secondaries: SecondaryLink[];
  /** Default: full verification in full.wasm (fullVerifierFactory). */
  verifier?: VerifierFactory;
  retrieval?: RetrievalPolicy;
  caps?: MetadataCaps;
  /** Writes the Primary's own verified image to its inactive bank (default: nothing beyond the record). */
  install?: (target: VerifiedTarget, image: Uint8Array) => Promise<void>;
  /** Called after each step's state is saved (logging; tests stop the Primary here). */
  onStep?: (step: CycleStep) => void | Promise<void>;
}

/** What an offline update did (Primary.installOffline). */
export interface OfflineInstallResult {
  /** The reference time the bundle was verified against (unix seconds). */
  time: number;
  outcome: "Ok" | "NoUpdate";
  /** Every target of the Offline-update Targets file, by hardware ID (each image checked). */
  targets: Array<{ hardwareId: string; target: string }>;
  /** Secondaries given their image, those with nothing to install, and anything a link failed at. */
  secondaries: Array<{ serial: string; image: string | null; error?: string }>;
  installed: VerifiedTarget | null;
}

export interface CycleResult {
  /** The Director's answer to this cycle's manifest. */
  manifest: { accepted: boolean; detail: string };
  /** The attested time the cycle verified against (unix seconds). */
  time: number;
  outcome: "Ok" | "NoUpdate";
  /** Images this cycle checked for an ECU: fetched now, or held from an earlier cycle. */
  images: Array<{ ecuSerial: string; target: string; source: "downloaded" | "held" }>;
  /** Secondaries served, and anything a link failed at. */
  secondaries: Array<{ serial: string; image: string | null; error?: string }>;
  /** What the Primary installed for itself this cycle. */
  installed: VerifiedTarget | null;
}

/** Provisioning (5.4.1): pins the roots the Primary trusts before its first cycle. */
export async function provisionPrimary(store: Store, roots: { directorRoot: Uint8Array; imageRoot: Uint8Array }): Promise<void> {
  if (await loadState(store)) throw new Error("this store already holds a provisioned Primary");
  const director = signedVersion(roots.directorRoot);
  const image = signedVersion(roots.imageRoot);
  if (director === null || image === null) throw new Error("a pinned root has no readable signed.version");
  await store.write(rootKey("director", director), roots.directorRoot);
  await store.write(rootKey("image", image), roots.imageRoot);
  const record: PrimaryRecord = {
    installed: { image: null, releaseCounter: 0 },
    unreported: [],
    nonce: null,
    time: null,
    roots: { director: { pinned: director, trusted: director }, image: { pinned: image, trusted: image } },
    held: null,
    vehicleTargets: [],
  };
  await saveState(store, record, null);
}

export class Primary {
  private readonly config: PrimaryConfig;
  private readonly retrieval: RetrievalPolicy;
  private readonly caps: MetadataCaps;
  private readonly makeVerifier: VerifierFactory;
  private record: PrimaryRecord;
  private verifier: PrimaryVerifier;
  private readonly pinnedRoots: { director: Uint8Array; image: Uint8Array };
  private cycleRunning = false;

  private constructor(config: PrimaryConfig, record: PrimaryRecord, pinnedRoots: { director: Uint8Array; image: Uint8Array }, verifierState: Uint8Array | null) {
    this.config = config;
    this.makeVerifier = config.verifier ?? fullVerifierFactory;
    this.pinnedRoots = pinnedRoots;
    this.retrieval = config.retrieval ?? DEFAULT_RETRIEVAL_POLICY;
    this.caps = config.caps ?? DEFAULT_METADATA_CAPS;
    this.record = record;
    this.verifier = this.makeVerifier(this.verifierConfig(), verifierState);
  }

  /** Opens a provisioned Primary from its store: trusted state as last saved. */
  static async open(config: PrimaryConfig): Promise<Primary> {
    const saved = await loadState(config.store);
    if (!saved) throw new Error("the store holds no provisioned Primary (run provisionPrimary first)");
    const { record } = saved;
    const pinned = {
      director: await readRoot(config.store, "director", record.roots.director.pinned),
      image: await readRoot(config.store, "image", record.roots.image.pinned),
    };
    return new Primary(config, record, pinned, saved.verifierState);
  }

  private verifierConfig(): PrimaryVerifierConfig {
    const { config } = this;
    return {
      directorRoot: this.pinnedRoots.director,
      imageRoot: this.pinnedRoots.image,
      ecu: { serial: config.serial, hardwareId: config.hardwareId, installedReleaseCounter: this.record.installed.releaseCounter },
      vin: config.vin,
      vehicleEcus: config.vehicleEcus,
    };
  }

  /** The Primary's installed image and what it still has to report (for callers and tests). */
  get status(): Readonly<PrimaryRecord> {
    return structuredClone(this.record);
  }

  /**
   * One update cycle. Throws VerificationError when the verifier refuses something (the
   * refusal is reported in the next manifest) and TransportError when the backend cannot
   * be reached or a download is too slow (SlowRetrievalError, also reported).
   */
  async runCycle(): Promise<CycleResult> {
    // One cycle at a time: two would interleave their writes of the trusted state.
    if (this.cycleRunning) throw new Error("an update cycle is already running on this Primary");
    this.cycleRunning = true;
    try {
      return await this.cycle();
    } finally {
      this.cycleRunning = false;
    }
  }

  private async cycle(): Promise<CycleResult> {
    // 5.4.2 step 1 (5.4.2.1): construct and send the vehicle version manifest, with a
    // fresh nonce (stored before it leaves, never the previous one).
    let nonce = freshNonce();
    while (nonce === this.record.nonce) nonce = freshNonce();
    this.record.nonce = nonce;
    await this.save();
    const reports = await this.collectSecondaryReports();
    const manifest = await this.sendManifest(nonce, reports.map((r) => r.report));
    await this.step("manifest");

    // 5.4.2 step 2 (5.4.2.2): download and check the current time, for every ECU's nonce.
    const attestation = await this.fetchAttestation([nonce, ...reports.map((r) => r.report.signed.nonce)]);
    const attested = this.verifier.attestTime({ attestation, nonce });
    if (!attested.ok || attested.time === undefined) throw await this.refuse(attested);
    const time = attested.time;
    await writeAttestation(this.config.store, attestation);
    this.record.time = time;
    await this.save();
    await this.step("time");

    // 5.4.2 step 3 (5.4.2.3): download and verify metadata; full verification, 5.4.4.2.
    const verified = await this.downloadAndVerifyMetadata(time);
    await this.takeOfflineSnapshot();
    await this.step("metadata");

    // 5.4.2 step 4 (5.4.2.4): download and verify the image of every ECU that needs one.
    const installedBySecondary = new Map(reports.map((r) => [r.serial, r.report.signed.installedImage]));
    const isDue = ({ ecuSerial, target }: { ecuSerial: string; target: VerifiedTarget }) => {
      const installed = ecuSerial === this.config.serial ? this.record.installed.image : installedBySecondary.get(ecuSerial);
      // an ECU that installed an encrypted image reports the plaintext it decrypted to
      const runs = target.plaintext ?? target;
      return !(installed && installed.filename === runs.name && sameImage(installed, runs));
    };
    let checker = this.verifier;
    let due = this.record.vehicleTargets.filter(isDue);
    if (!verified.vehicleTargets && due.length > 0) {
      // The Director is unchanged but images of its last targets are still due (a download
      // was aborted, the Primary restarted): the held metadata is verified again by a fresh
      // verifier, whose targets the images are checked against. Its state is thrown away.
      const again = await this.reverifyHeld(time);
      checker = again.verifier;
      due = (again.result.vehicleTargets ?? []).filter(isDue);
    }
    // Images held for ECUs that now report them installed are no longer needed.
    for (const { ecuSerial } of this.record.vehicleTargets.filter((t) => !isDue(t))) await dropImage(this.config.store, ecuSerial);
    const images: CycleResult["images"] = [];
    // A partial bundle: an image that cannot be fetched or is refused is withheld from its
    // ECU and reported per ECU in the next manifest; the others still go, except those that
    // require a withheld one (the Director's `custom.requires`, below).
    const undelivered: UndeliveredImage[] = [];
    let firstFailure: Error | null = null;
    for (const { ecuSerial, target } of due) {
      try {
        images.push({ ecuSerial, target: target.name, source: await this.obtainImage(checker, ecuSerial, target) });
      } catch (e) {
        if (!(e instanceof VerificationError || e instanceof TransportError)) throw e;
        undelivered.push({ ecuSerial, target: target.name, outcome: e instanceof VerificationError ? e.outcome : "Withheld", detail: clip(message(e), MAX_UNDELIVERED_DETAIL) });
        firstFailure ??= e;
      }
    }
    // What depends on a withheld image is withheld too (the Director's `custom.requires`, transitively).
    if (undelivered.length > 0) {
      const requires = await this.heldRequirements();
      for (let grew = true; grew; ) {
        grew = false;
        for (const { ecuSerial, target } of due) {
          if (undelivered.some((u) => u.ecuSerial === ecuSerial)) continue;
          const missing = (requires.get(target.name) ?? []).find((n) => undelivered.some((u) => u.target === n));
          if (missing === undefined) continue;
          undelivered.push({ ecuSerial, target: target.name, outcome: "Withheld", detail: `requires ${missing}, which was withheld` });
          grew = true;
        }
      }
    }
    if (undelivered.length > 0) {
      this.record.undelivered = [...(this.record.undelivered ?? []), ...undelivered].slice(-MAX_UNDELIVERED);
      await this.save();
    }
    const delivered = due.filter((d) => !undelivered.some((u) => u.ecuSerial === d.ecuSerial));
    await this.step("images");

    // 5.4.2 steps 5-7 (5.4.2.5-5.4.2.7): time, then metadata, then images to each Secondary.
    const secondaries = await this.serveSecondaries(attestation, delivered);
    await this.step("secondaries");

    // 5.4.5: install the Primary's own image.
    const own = delivered.find((d) => d.ecuSerial === this.config.serial)?.target ?? null;
    if (own) await this.installOwn(own);
    await this.step("install");

    // The cycle still fails with what stopped the first withheld image (what was delivered stays).
    if (firstFailure) throw firstFailure;
    return { manifest, time, outcome: verified.outcome as "Ok" | "NoUpdate", images, secondaries, installed: own };
  }

  // ---- PURE-2 offline updates -----------------------------------------------------------

  /**
   * Installs a PURE-2 offline update from its bundle (README "Offline updates"): the
   * verifier checks the bundle as PURE-2 "Metadata verification procedures" say, against
   * the latest securely attested time or `clock` (unix seconds) when that is later; every
   * listed image is checked (PURE-2: the Primary verifies all of them); each Secondary whose
   * hardware ID (`secondaryHardware`: serial to hardware ID) has a target gets the metadata
   * and its image over its link as online, and verifies them itself; then the Primary
   * installs its own. The results reach the Director in the next online manifest.
   */
  async installOffline(bundle: OfflineBundle, options: { clock?: number; secondaryHardware?: ReadonlyMap<string, string> } = {}): Promise<OfflineInstallResult> {
    if (this.cycleRunning) throw new Error("an update cycle is already running on this Primary");
    if (!this.verifier.updateOffline) throw new Error("this Primary's verifier has no offline-update mode");
    this.cycleRunning = true;
    try {
      return await this.offlineInstall(bundle, options.clock ?? 0, options.secondaryHardware ?? new Map());
    } finally {
      this.cycleRunning = false;
    }
  }

  private async offlineInstall(bundle: OfflineBundle, clock: number, secondaryHardware: ReadonlyMap<string, string>): Promise<OfflineInstallResult> {
    const { record } = this;
    // PURE-2 step 1: the latest securely attested time; a later clock only makes more expire.
    const time = Math.max(record.time ?? 0, Math.floor(clock));
    const trusted = { director: record.roots.director.trusted, image: record.roots.image.trusted };
    const files = offlineUpdateFiles(bundle, trusted);
    const result = this.verifier.updateOffline!(files, time);
    await this.keepAcceptedRoots(
      result,
      { files: undefined as never, newRoots: rotationVersionsAfter(bundle.directorRoots, trusted.director) },
      { files: undefined as never, newRoots: rotationVersionsAfter(bundle.imageRoots, trusted.image) },
    );
    if (result.outcome !== "Ok" && result.outcome !== "NoUpdate") throw await this.refuse({ ...result, detail: `offline update: ${result.detail}` });
    const listed = result.vehicleTargets ?? [];

    // PURE-2 "The primary still SHALL verify all target images listed".
    const images = new Map<string, Uint8Array>();
    for (const { target } of listed) {
      const bytes = readBundleImage(bundle, target.name, target.length);
      const check = this.verifier.imageCheck(target);
      check.update(bytes);
      const verdict = check.finish();
      if (!verdict.ok) throw await this.refuse({ ...verdict, detail: `offline update: image ${target.name}: ${verdict.detail}` });
      images.set(target.hardwareId, bytes);
    }
    const forHardware = (hw: string | undefined) => listed.find((t) => t.target.hardwareId === hw)?.target ?? null;

    // To each Secondary as online (5.4.2.6, 5.4.2.7): the metadata, then its image.
    const metadata: MetadataBundle = {
      director: { roots: [...bundle.directorRoots.values()], targets: bundle.offlineTargets.bytes, offline: { snapshot: bundle.offlineSnapshot, targetsFile: bundle.offlineTargets.file } },
      image: { roots: [...bundle.imageRoots.values()], snapshot: bundle.imageSnapshot, targets: bundle.imageTargets, delegations: bundle.delegations },
    };
    const secondaries: OfflineInstallResult["secondaries"] = [];
    for (const link of this.config.secondaries) {
      const target = forHardware(secondaryHardware.get(link.serial));
      if (!target) {
        secondaries.push({ serial: link.serial, image: null });
        continue;
      }
      try {
        // partial.wasm has no offline-update mode: such a Secondary is left as it is (README "Offline updates")
        if (link.verification !== "full") throw new Error("a partial-verification Secondary takes no offline update");
        await link.sendMetadata(metadata);
        await link.sendImage(target, images.get(target.hardwareId)!);
        secondaries.push({ serial: link.serial, image: target.name });
      } catch (e) {
        secondaries.push({ serial: link.serial, image: target.name, error: message(e) });
      }
    }

    // The Primary's own image (5.4.5), unless it runs it already.
    let installed: VerifiedTarget | null = null;
    const own = forHardware(this.config.hardwareId);
    const running = record.installed.image;
    if (own && !(running && running.filename === own.name && sameImage(running, own))) {
      await holdImage(this.config.store, this.config.serial, own, images.get(own.hardwareId)!);
      await this.installOwn(own, `offline update ${bundle.offlineTargets.file}`);
      installed = own;
    }
    await this.save();
    return { time, outcome: result.outcome, targets: listed.map((t) => ({ hardwareId: t.target.hardwareId, target: t.target.name })), secondaries, installed };
  }

  /**
   * PURE-2 "Additional step for full verification during an online update": the Director's
   * current Offline-update Snapshot (none served: nothing to do). A rollback stops the cycle
   * (reported); any other refusal is reported and the cycle goes on with the stored one.
   */
  private async takeOfflineSnapshot(): Promise<void> {
    if (!this.verifier.acceptOfflineSnapshot) return;
    const path = `/director/vehicles/${encodeURIComponent(this.config.vin)}/offline-update-snapshot.json`;
    let bytes: Uint8Array;
    try {
      bytes = (await this.download(path, this.caps.snapshot + 1, (signal) => this.config.fetcher.get(path, { maxBytes: this.caps.snapshot + 1, signal }))).bytes;
    } catch (e) {
      // Not served (no offline update made yet), or not fetched: the stored one stays; the update cycle goes on.
      if (!(e instanceof NotFoundError)) await this.reportLater(`offline-update snapshot not fetched: ${message(e)}`);
      return;
    }
    const verdict = this.verifier.acceptOfflineSnapshot(bytes);
    await this.save();
    if (verdict.outcome === "RollbackAttack") throw await this.refuse(verdict);
    if (!verdict.ok) await this.reportLater(`offline-update snapshot refused: ${verdict.outcome}: ${verdict.detail}`);
  }

  // ---- 5.4.2.1 ------------------------------------------------------------------------

  /** Each Secondary's signed report with its fresh nonce; a Secondary that cannot answer is left out. */
  private async collectSecondaryReports(): Promise<Array<{ serial: string; report: EcuVersionReport }>> {
    const out: Array<{ serial: string; report: EcuVersionReport }> = [];
    for (const link of this.config.secondaries) {
      try {
        out.push({ serial: link.serial, report: parseSecondaryReport(await link.versionReport(), link.serial) });
      } catch (e) {
        await this.reportLater(`secondary ${link.serial} gave no usable version report: ${message(e)}`);
      }
    }
    return out;
  }

  private async sendManifest(nonce: string, secondaryReports: EcuVersionReport[]): Promise<CycleResult["manifest"]> {
    const { config, record } = this;
    const reported = [...record.unreported];
    const own = await signEcuVersionReport(config.keys, {
      ecuSerial: config.serial,
      installedImage: record.installed.image,
      releaseCounter: record.installed.releaseCounter,
      nonce,
      attacksDetected: reported.join("; "),
      reportTime: record.time ?? 0,
      lastInstall: record.lastInstall,
    });
    const undelivered = [...(record.undelivered ?? [])];
    const manifest = await signVehicleManifest(config.keys, config.vin, config.serial, [own, ...secondaryReports], undelivered);
    const body = Buffer.from(JSON.stringify(manifest), "utf8");
    if (body.length > MAX_MANIFEST_BYTES) return { accepted: false, detail: `manifest of ${body.length} bytes exceeds the Director's cap` };
    try {
      const path = `/director/vehicles/${encodeURIComponent(config.vin)}/manifest`;
      const answer = await collect(guarded(path, (signal) => config.fetcher.post(path, body, { maxBytes: MAX_MANIFEST_RESPONSE_BYTES, signal }), this.retrieval));
      const response = JSON.parse(Buffer.from(answer.bytes).toString("utf8")) as ManifestResponse;
      // Reported: what this manifest carried leaves the queue (newer entries stay).
      record.unreported = record.unreported.slice(reported.length);
      record.undelivered = (record.undelivered ?? []).slice(undelivered.length);
      await this.save();
      const discarded = Array.isArray(response.discarded) ? response.discarded.map((d) => `${d.ecuSerial}: ${d.reason}`) : [];
      return { accepted: true, detail: discarded.length ? `discarded ${discarded.join(", ")}` : "" };
    } catch (e) {
      // The cycle goes on: verifying metadata does not depend on the Director having read the manifest.
      if (e instanceof TransportError || e instanceof NotFoundError || e instanceof OversizedResponseError || e instanceof SyntaxError) {
        await this.save();
        return { accepted: false, detail: message(e) };
      }
      throw e;
    }
  }

  // ---- 5.4.2.2 ------------------------------------------------------------------------

  private async fetchAttestation(nonces: string[]): Promise<Uint8Array> {
    const path = "/time/attestation";
    const body = Buffer.from(JSON.stringify({ nonces }), "utf8");
    const answer = await this.download(path, MAX_ATTESTATION_BYTES, (signal) => this.config.fetcher.post(path, body, { maxBytes: MAX_ATTESTATION_BYTES + 1, signal })).catch((e) => {
      throw e instanceof NotFoundError ? new TransportError(`no time server at ${path}`, 404) : e;
    });
    // An endless attestation is handed over cut one byte past the cap; the verifier refuses it.
    return answer.bytes;
  }

  // ---- 5.4.2.3 ------------------------------------------------------------------------

  private async downloadAndVerifyMetadata(time: number): Promise<VerifyResult> {
    const { config, record } = this;
    const get: DocumentGetter = (path, maxBytes) => this.download(path, maxBytes, (signal) => config.fetcher.get(path, { maxBytes, signal }));
    const vin = encodeURIComponent(config.vin);
    const director = await downloadRepository(get, { repo: "director", base: `/director/vehicles/${vin}/`, delegations: false }, record.roots.director.trusted, this.caps);
    const image = await downloadRepository(get, { repo: "image", base: "/image/", delegations: true }, record.roots.image.trusted, this.caps);

    const result = this.verifier.update(director.files, image.files, time);
    // NoUpdate without targets: the Director's snapshot is unchanged and verification
    // stopped there (5.4.4.2 step 4); what was verified and held last time stays.
    const verifiedAll = result.outcome === "Ok" || (result.outcome === "NoUpdate" && result.vehicleTargets !== undefined);
    const previous = record.held;
    if (verifiedAll) {
      // Held for the Secondaries (5.4.2.6) under a new generation of keys; the record
      // points at it in the same write that commits the verifier's new state.
      const verifiedUnder = {
        director: director.newRoots.at(-1)?.version ?? record.roots.director.trusted,
        image: image.newRoots.at(-1)?.version ?? record.roots.image.trusted,
      };
      record.held = await writeHeldMetadata(config.store, (previous?.generation ?? 0) + 1, verifiedUnder, director.files, image.files);
      record.vehicleTargets = (result.vehicleTargets ?? []).map((t) => ({ ecuSerial: t.ecuSerial, target: structuredClone(t.target) }));
    }
    await this.keepAcceptedRoots(result, director, image);
    if (verifiedAll && previous) await dropHeldMetadata(config.store, previous);
    if (result.outcome !== "Ok" && result.outcome !== "NoUpdate") throw await this.refuse(result);
    return result;
  }

  /**
   * Stores the root files the verifier accepted and moves the trusted root versions on.
   * The verifier checks a repository's root chain before anything else of it, and the
   * Director before the Image repository; so an outcome about a later document means the
   * roots before it were accepted. A refused rotation names the version it expected next,
   * which says exactly how far the chain got.
   */
  private async keepAcceptedRoots(result: VerifyResult, director: DownloadedRepository, image: DownloadedRepository): Promise<void> {
    const acceptedUpTo = (repo: RepoName, fetched: DownloadedRepository): number | null => {
      const all = fetched.newRoots.length ? fetched.newRoots[fetched.newRoots.length - 1]!.version : null;
      if (result.outcome === "Ok") return all;
      if (result.outcome === "NoUpdate") return repo === "director" || result.vehicleTargets ? all : null;
      if (result.repo === null) return null;
      if (result.repo !== repo) return repo === "director" ? all : null;
      if (result.role !== "root") return all;
      if ((result.outcome === "BadVersion" || result.outcome === "RollbackAttack") && result.expected !== undefined) return result.expected - 1;
      return null;
    };
    for (const [repo, fetched] of [["director", director], ["image", image]] as const) {
      const upTo = acceptedUpTo(repo, fetched);
      const roots = this.record.roots[repo];
      if (upTo === null) continue;
      const resync = result.role === "root" && result.repo === repo; // the verifier said where its chain stands
      if (!resync && upTo <= roots.trusted) continue;
      for (const root of fetched.newRoots) if (root.version <= upTo) await this.config.store.write(rootKey(repo, root.version), root.bytes);
      roots.trusted = Math.max(roots.pinned, upTo);
    }
    await this.save();
  }

  // ---- 5.4.2.4 ------------------------------------------------------------------------

  /**
   * Each Director target's `custom.requires` (the images of the bundle it depends on) from the
   * held, verified Director targets. Used only to withhold more, never to accept anything.
   */
  private async heldRequirements(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const bundle = await heldBundle(this.config.store, this.record);
    if (!bundle) return out;
    try {
      const doc = JSON.parse(Buffer.from(bundle.director.targets).toString("utf8")) as { signed?: { targets?: Record<string, { custom?: { requires?: unknown } }> } };
      for (const [name, t] of Object.entries(doc.signed?.targets ?? {})) {
        const r = t?.custom?.requires;
        if (Array.isArray(r)) out.set(name, r.filter((x): x is string => typeof x === "string"));
      }
    } catch {
      // Verified bytes parse; if they did not, nothing more is withheld than was.
    }
    return out;
  }

  private async reverifyHeld(time: number): Promise<{ verifier: PrimaryVerifier; result: VerifyResult }> {
    const files = await heldFiles(this.config.store, this.record);
    const verifier = this.makeVerifier(this.verifierConfig(), null);
    const result = files
      ? verifier.update(files.director, files.image, time)
      : { outcome: "InvalidMetadata" as const, ok: false, repo: null, role: null, detail: "held metadata is incomplete" };
    if (!result.vehicleTargets) throw await this.refuse({ ...result, detail: `held metadata verified again: ${result.detail}` });
    return { verifier, result };
  }

  /** The checked image for `ecuSerial`, held in the store: reused if held already, else downloaded. */
  private async obtainImage(checker: PrimaryVerifier, ecuSerial: string, target: VerifiedTarget): Promise<"downloaded" | "held"> {
    const store = this.config.store;
    const held = await heldImage(store, ecuSerial, target);
    if (held) {
      // Checked again: the store is not the trust boundary, the verifier is.
      const check = checker.imageCheck(target);
      check.update(held);
      if (check.finish().ok) return "held";
      await dropImage(store, ecuSerial);
    }
    // an image encrypted for its ECU is served by the Director (README "Per-ECU image
    // encryption: the ECU side"); the module checks the ciphertext against the Director's entry
    const path = target.encrypted ? encryptedImagePath(this.config.vin, target) : imagePath(target);
    const check = checker.imageCheck(target);
    const parts: Uint8Array[] = [];
    try {
      // One byte past the length is read so that a longer image fails the check (endless data).
      const body = guarded(path, (signal) => this.config.fetcher.get(path, { maxBytes: target.length + 1, signal }), this.retrieval);
      for await (const chunk of body) {
        check.update(chunk);
        parts.push(chunk);
      }
    } catch (e) {
      if (e instanceof SlowRetrievalError) await this.reportLater(`slow retrieval of ${target.name} for ${ecuSerial}: ${e.message}`);
      if (e instanceof NotFoundError) throw new TransportError(`${target.encrypted ? "the Director" : "the Image repository"} has no ${path}`, 404);
      if (!(e instanceof OversizedResponseError)) throw e;
    }
    // 5.4.2.4 / 5.4.3: length and every hash, decided by the verifier.
    const verdict = check.finish();
    if (!verdict.ok) throw await this.refuse({ ...verdict, detail: `image ${target.name} for ${ecuSerial}: ${verdict.detail}` });
    await holdImage(store, ecuSerial, target, concat(parts));
    return "downloaded";
  }

  // ---- 5.4.2.5 - 5.4.2.7 ----------------------------------------------------------------

  private async serveSecondaries(attestation: Uint8Array, due: Array<{ ecuSerial: string; target: VerifiedTarget }>): Promise<CycleResult["secondaries"]> {
    const store = this.config.store;
    const bundle = await heldBundle(store, this.record);
    const out: CycleResult["secondaries"] = [];
    for (const link of this.config.secondaries) {
      const target = due.find((d) => d.ecuSerial === link.serial)?.target ?? null;
      try {
        await link.sendTime(attestation); // 5.4.2.5
        if (bundle) await link.sendMetadata(forSecondary(bundle, link)); // 5.4.2.6
        if (target) {
          const image = await heldImage(store, link.serial, target);
          if (!image) throw new Error(`image ${target.name} is not held`);
          await link.sendImage(target, image); // 5.4.2.7
        }
        out.push({ serial: link.serial, image: target?.name ?? null });
      } catch (e) {
        // One Secondary's failure does not hold up the others; its next report tells the Director.
        out.push({ serial: link.serial, image: target?.name ?? null, error: message(e) });
      }
    }
    return out;
  }

  // ---- 5.4.5: the Primary's own install ------------------------------------------------

  private async installOwn(target: VerifiedTarget, how = ""): Promise<void> {
    const store = this.config.store;
    const image = await heldImage(store, this.config.serial, target);
    if (!image) throw new Error(`own image ${target.name} is not held`);
    const file: ImageFileInfo = { filename: target.name, length: target.length, hashes: { ...target.hashes } };
    try {
      await this.config.install?.(target, image);
    } catch (e) {
      this.record.lastInstall = { filename: target.name, success: false, code: "InstallFailed", detail: clip(message(e)) };
      await this.save();
      throw e;
    }
    this.verifier.setInstalledReleaseCounter(target.releaseCounter);
    this.record.installed = { image: file, releaseCounter: target.releaseCounter };
    this.record.lastInstall = { filename: target.name, success: true, code: "Ok", detail: how };
    await this.save();
    await dropImage(store, this.config.serial);
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** A download through the slow-retrieval guard, cut at `maxBytes` (flagged oversized when more came). */
  private download(path: string, maxBytes: number, open: (signal: AbortSignal) => Promise<AsyncIterable<Uint8Array>>) {
    return collect(guarded(path, open, this.retrieval)).catch(async (e) => {
      if (e instanceof SlowRetrievalError) await this.reportLater(e.message);
      throw e;
    });
  }

  /** Records a refusal for the next manifest and returns the error that stops the cycle. */
  private async refuse(result: VerifyResult): Promise<VerificationError> {
    const error = new VerificationError(result.outcome, {
      repo: result.repo,
      role: result.role,
      detail: result.detail,
      expected: result.expected,
      got: result.got,
    });
    await this.reportLater(error.message);
    return error;
  }

  private async reportLater(text: string): Promise<void> {
    // Bounded: a Director that never accepts a manifest must not grow the record forever.
    this.record.unreported = [...this.record.unreported, clip(text, 256)].slice(-MAX_UNREPORTED);
    await this.save();
  }

  private save(): Promise<void> {
    return saveState(this.config.store, this.record, this.verifier.exportState());
  }

  private async step(step: CycleStep): Promise<void> {
    await this.config.onStep?.(step);
  }
}

/**
 * A full-verification Secondary gets both repositories; a partial one the Director's, its
 * targets re-encoded as canonical JSON so the Secondary can stream them (README
 * "Streaming partial verification": the signature decides, this needs no trust).
 */
function forSecondary(bundle: MetadataBundle, link: SecondaryLink): MetadataBundle {
  return link.verification === "full" ? bundle : { director: { ...bundle.director, targets: canonicalForwarding(bundle.director.targets) } };
}

/** `/image/targets/DIR/HASH.BASE` (consistent snapshots), by the target's SHA-256 when it has one. */
/**
 * Where the Director serves an image it encrypted for one ECU of vehicle `vin`:
 * /director/vehicles/VIN/images/NAME, the name's "/" segments as path segments.
 */
export function encryptedImagePath(vin: string, target: VerifiedTarget): string {
  const segments = target.name.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) {
    throw new VerificationError("InvalidMetadata", { repo: "director", role: "targets", detail: `target name ${JSON.stringify(target.name)} is not a safe path` });
  }
  return [`/director/vehicles/${encodeURIComponent(vin)}/images`, ...segments.map(encodeURIComponent)].join("/");
}

export function imagePath(target: VerifiedTarget): string {
  const hash = target.hashes.sha256 ?? target.hashes.sha512 ?? Object.values(target.hashes)[0];
  if (!hash || !/^[0-9a-f]+$/i.test(hash)) throw new VerificationError("InvalidMetadata", { repo: "director", role: "targets", detail: `target ${target.name} has no usable hash` });
  const segments = target.name.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) {
    throw new VerificationError("InvalidMetadata", { repo: "director", role: "targets", detail: `target name ${JSON.stringify(target.name)} is not a safe path` });
  }
  const base = segments.pop()!;
  return ["/image/targets", ...segments.map(encodeURIComponent), `${hash.toLowerCase()}.${encodeURIComponent(base)}`].join("/");
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
