// The Director repository (Uptane 2.1 5.3.2): registers vehicles, takes assignments and
// campaigns, records verified vehicle version manifests, and publishes per-vehicle
// targets/snapshot/timestamp signed with online keys. Every change is one SQLite
// transaction; files follow the database (publisher.ts).
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { AssignmentRow, CampaignRow, ClientProfile, EcuRow, Inventory } from "../inventory/inventory.ts";
import { inventoryLocation, openInventory } from "../inventory/location.ts";
import type { TransactionScope } from "../inventory/sql-engine.ts";
import { isPostgresUrl, redactedUrl } from "../inventory/postgres-engine.ts";
import type { KeyType, SigningKey } from "../../model/keys.ts";
import { writeFileAtomicSync } from "../fs/atomic-write.ts";
import { createDirectorKeys, DirectorKeyring, rootSignedOf, type DirectorKeySpecs, type DirectorOnlineKeys } from "./director-keys.ts";
import { Refused } from "./errors.ts";
import { checkEcuList, insertEcus, type EcuRegistration } from "./ecu-registration.ts";
import { applyVehicleChange, checkActor, checkChange, requireInService, type HistoryEntry, type VehicleChange } from "./vehicle-lifecycle.ts";
import { isHardwareId, isTargetName, isVin } from "../../model/identifiers.ts";
import type { ImageTarget, ImageTargetSource } from "./image-targets.ts";
import { checkManifest, parseManifest, storedManifestBody, type CheckedManifest } from "./manifest.ts";
import type { ManifestResponse, VehicleManifest } from "../../model/manifest-format.ts";
import { sameImage } from "../../model/same-image.ts";
import { buildDirectorRoot, EXPIRY, type DirectorTargetEntry } from "./metadata.ts";
import { planRotation, planRenewal, type RootChange, type RotationResult } from "./key-rotation.ts";
import { VehicleMetadataPublisher, type PublishFaults } from "./publisher.ts";
import { DIRECTOR_ROOT_DIR, DIRECTOR_VEHICLES_DIR, DirectorStateCheck, StateMismatch } from "./state-check.ts";
import { MANIFEST_RECORD_MS, recordCampaignProgress, recordOpenCampaigns } from "./campaign-progress.ts";
import { isoTime } from "../../model/iso-time.ts";
import { KeyService, KeyServiceError } from "../keyservice/keyservice.ts";
import { ImageEncryptionFormatError, encryptedTargetName, hashesOfBytes } from "../../model/image-encryption.ts";
import { targetFilePath } from "../image/layout.ts";
import { checkRuleSpec, describeRule, newViolations, ruleRefusal, violations, withChanges, type EcuImage, type ImageRuleRow, type ImageRuleSpec, type Violation } from "./image-rules.ts";

export { DIRECTOR_ROOT_DIR, DIRECTOR_VEHICLES_DIR, StateMismatch } from "./state-check.ts";

export type { EcuRegistration } from "./ecu-registration.ts";

/** How much of each vehicle's history the inventory keeps (README: retention), pruned in the background (`prune`). */
export interface Retention {
  /** Newest manifests kept whole per vehicle; older ones are deleted, or keep their row without the body while a report, install result or alert points at them. */
  manifestBodies: number;
  /** Newest alerts kept per vehicle. */
  alerts: number;
  /** Newest version reports kept per ECU (with the report-time check, the replay guard). */
  reportsPerEcu: number;
  /** A superseded targets, snapshot or timestamp version is kept this long after the next one was signed (a client may be fetching the chain it named). */
  metadataWindowSeconds: number;
}

export const DEFAULT_RETENTION: Retention = { manifestBodies: 100, alerts: 1000, reportsPerEcu: 100, metadataWindowSeconds: 86_400 };

/** What one `prune` removed. */
export interface PruneResult {
  vehicles: number;
  reports: number;
  alerts: number;
  manifests: number;
  bodies: number;
  metadata: number;
}

/**
 * Whether a committed change reached the served files. "pending": the database has it
 * but writing a file failed (a full disk); vehicles are served the previous complete
 * set meanwhile, and the server retries (its upkeep, each vehicle's next timestamp read)
 * until the files match the database: no restart needed.
 */
export interface Publication {
  publication: "done" | "pending";
  /** With "pending": what failed, saying the change is committed. */
  publicationDetail?: string;
}

/** Alert rows one manifest may add; the last says how many more there were. */
export const MAX_ALERTS_PER_MANIFEST = 16;

export interface DirectorOptions {
  imageTargets: ImageTargetSource;
  clock?: () => Date;
  faults?: PublishFaults;
  retention?: Partial<Retention>;
  /** A postgres:// URL to use instead of the backend's own setting (`uptane serve --database`). */
  database?: string;
}

export interface AssignmentOutcome {
  vin: string;
  ecuSerial: string;
  assignmentId: number;
  /** "published": in the vehicle's targets now; "queued": held back until the previous bundle is confirmed. */
  status: "published" | "queued";
  /** Set on an image added to the same bundle because a rule requires it (README "Dependencies and conflicts"). */
  requiredBy?: string;
}

/** One ECU and the image it is to get, as a bundle is planned. */
interface PlannedAssignment {
  ecu: EcuRow;
  image: ImageTarget;
  requiredBy?: string;
}

/** How deep requirements by name are followed when adding required images to a bundle. */
const MAX_REQUIREMENT_DEPTH = 8;

export interface CampaignOptions {
  /** Halt when a stage has this many failed installs. */
  maxFailures?: number;
  /** Halt when a stage's failed installs reach this percentage (1-100) of its assignments. */
  maxFailurePercent?: number;
}

export interface CampaignControlOutcome {
  campaignId: number;
  action: string;
  state: CampaignRow["state"];
  /** Assignments taken out of the vehicles' next targets. */
  withdrawn: number;
  /** Vehicles whose targets were re-signed. */
  vins: string[];
}

export interface ImageWithdrawal {
  name: string;
  role: string;
  /** Active campaigns of it, paused now. */
  campaignsPaused: number[];
  /** Assignments that were queued or published and ended now. */
  assignmentsEnded: Array<{ vin: string; ecuSerial: string; was: string }>;
  /** ECUs in service that last reported it installed (each alerted). */
  running: Array<{ vin: string; ecuSerial: string; releaseCounter: number }>;
}

export interface CampaignOutcome {
  campaignId: number;
  stage: "group" | "all";
  assigned: AssignmentOutcome[];
  skipped: Array<{ vin: string; ecuSerial: string; reason: string }>;
}

/**
 * Creates the Director part of a backend in `dir`: keys, root, inventory database (the
 * SQLite file, or the PostgreSQL database `dir` names, which must not hold a Director yet).
 */
export function initDirector(dir: string, now = new Date(), keys: KeyType | DirectorKeySpecs = "ed25519"): ReturnType<typeof createDirectorKeys> {
  const location = inventoryLocation(dir);
  if (!isPostgresUrl(location) && existsSync(location)) throw new Error(`${dir} already holds an inventory database`);
  const inventory = openInventory(dir);
  try {
    if (inventory.directorRootVersions().length > 0) throw new Error(`the inventory at ${redactedUrl(location)} already holds a Director (one database per backend)`);
    const made = createDirectorKeys(dir, typeof keys === "string" ? { spec: { type: keys } } : keys);
    mkdirSync(join(dir, DIRECTOR_ROOT_DIR), { recursive: true });
    mkdirSync(join(dir, DIRECTOR_VEHICLES_DIR), { recursive: true });
    const root = buildDirectorRoot([made.root], made.online, made.offlineUpdate, 1, now);
    writeFileAtomicSync(join(dir, DIRECTOR_ROOT_DIR, "1.root.json"), root.bytes);
    inventory.insertDirectorRoot(1, root.bytes); // what the served root is checked against
    return made;
  } finally {
    inventory.close();
  }
}

export class Director {
  readonly inventory: Inventory;
  private readonly publisher: VehicleMetadataPublisher;
  private readonly clock: () => Date;
  private readonly state: DirectorStateCheck;
  readonly keyring: DirectorKeyring;
  private readonly retention: Retention;
  /** Other vehicles a manifest's transaction re-signed (a campaign halted): their files are written after its commit. */
  private readonly alsoPublish = new Set<string>();
  /** Vehicles' targets, snapshot and timestamp come from the database rather than files (PostgreSQL). */
  readonly servesFromDatabase: boolean;
  /** Holds ECUs' encryption keys, apart from the inventory; the Director only asks it to encrypt. */
  private readonly keyService: KeyService;
  /** The image an assignment or campaign in progress encrypts, read and checked once (plaintextOf). */
  private plaintextCache: { key: string; bytes: Buffer; hashes: { sha256: string; sha512: string } } | null = null;

  private constructor(
    readonly dir: string,
    private readonly imageTargets: ImageTargetSource,
    options: DirectorOptions,
  ) {
    this.inventory = openInventory(dir, options.database);
    this.clock = options.clock ?? (() => new Date());
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.keyring = new DirectorKeyring(dir, this.inventory);
    this.keyService = new KeyService(dir);
    // On PostgreSQL the database serves each vehicle's documents, so processes on several
    // folders or machines serve the same versions; SQLite (one process) keeps the files.
    this.servesFromDatabase = this.inventory.sql.kind === "postgres";
    const vehiclesDir = this.servesFromDatabase ? null : join(dir, DIRECTOR_VEHICLES_DIR);
    this.publisher = new VehicleMetadataPublisher(this.inventory, () => this.keyring.current(), vehiclesDir, options.faults);
    this.state = new DirectorStateCheck(dir, this.inventory, this.keyring, this.clock, !this.servesFromDatabase);
  }

  /** Opens an initialised backend and finishes any publication a crash interrupted. */
  static open(dir: string, options: DirectorOptions): Director {
    const director = new Director(dir, options.imageTargets, options);
    try {
      director.keyring.current(); // the keys of the newest root are on disk
    } catch (e) {
      director.close();
      throw e;
    }
    try {
      director.publishPending();
    } catch {
      // Still pending (a full disk): the previous files are served; `serve`'s upkeep retries and logs it.
    }
    return director;
  }

  /**
   * Writes what was committed but is not on disk yet: vehicles' metadata, then Director
   * roots a rotation committed (a root last, so what vehicles fetch before it verifies
   * under the previous root too). Returns what it wrote.
   */
  publishPending(): { vins: string[]; roots: number[] } {
    const { published: vins, failed } = this.publisher.publishPending();
    const roots = failed.length > 0 ? [] : this.inventory.unpublishedDirectorRoots(); // a root only after every vehicle's files
    for (const v of roots) {
      writeFileAtomicSync(join(this.dir, DIRECTOR_ROOT_DIR, `${v}.root.json`), this.inventory.directorRoot(v)!);
      this.inventory.setDirectorRootPublished(v);
    }
    if (failed.length > 0) throw new Error(`Director publication still pending: ${failed.slice(0, 5).join("; ")}${failed.length > 5 ? "; ..." : ""}`);
    return { vins, roots };
  }

  close(): void {
    this.inventory.close();
  }

  // ---- registration

  /**
   * Registers a vehicle. Profile `uptane` (our Primary) comes with its ECUs; profile
   * `aktualizr` comes without: its device registers them itself (registerEcus).
   */
  addVehicle(vin: string, ecus: EcuRegistration[], profile: ClientProfile = "uptane"): Publication {
    if (!isVin(vin)) throw new Refused(400, "invalid-vin", `VIN ${JSON.stringify(vin)} must be 1-64 of A-Z a-z 0-9 _ -`);
    if (profile === "aktualizr") {
      if (ecus.length > 0) throw new Refused(400, "ecus-self-registered", "an aktualizr vehicle registers its ECUs itself (POST .../director/ecus): add it without ECUs");
    } else checkEcuList(ecus);
    this.state.checkBackend(); // the root every vehicle is provisioned with
    const now = this.clock();
    const keysWritten: string[] = [];
    try {
      this.inventory.transaction(() => {
        if (this.inventory.vehicleExists(vin)) throw new Refused(409, "vehicle-exists", `vehicle ${vin} is already registered`);
        this.inventory.insertVehicle(vin, isoTime(now), profile);
        insertEcus(this.inventory, vin, ecus, this.keyService, keysWritten);
        // Version 1: empty targets made for this VIN.
        this.publisher.stage(vin, [], now);
      });
    } catch (e) {
      // Nothing was registered: the key service forgets the keys it was given for it.
      for (const serial of keysWritten) this.keyService.removeKey(serial);
      throw e;
    }
    return this.publishAfterCommit([vin]);
  }

  /** Writes the files of other vehicles a committed manifest re-signed (a failure is retried as any pending publication). */
  private publishAlso(): void {
    const vins = [...this.alsoPublish];
    this.alsoPublish.clear();
    if (vins.length > 0) this.publishAfterCommit(vins);
  }

  /** Writes the files of what was just committed; a failure leaves the change committed and its publication pending. */
  private publishAfterCommit(vins: Iterable<string>): Publication {
    const failed: string[] = [];
    for (const vin of vins) {
      try {
        this.publisher.writeFiles(vin);
      } catch (e) {
        failed.push(`${vin}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    if (failed.length === 0) return { publication: "done" };
    return { publication: "pending", publicationDetail: `committed, publication pending: writing the Director's files failed (${failed.slice(0, 5).join("; ")}); the server retries until the served files match the database` };
  }

  /**
   * An aktualizr device registers its ECUs (its first run): once. The same ECUs and keys
   * again is a no-op (a retry after a lost answer); other ECUs or keys are refused and
   * alerted, since the keys that sign the vehicle's reports never change silently.
   */
  registerEcus(vin: string, ecus: EcuRegistration[]): "registered" | "already-registered" {
    checkEcuList(ecus);
    const nowIso = isoTime(this.clock());
    const outcome = this.inventory.transaction(() => {
      const profile = this.inventory.clientProfile(vin);
      if (!profile) throw new Refused(404, "unknown-vin", `no vehicle ${vin} is registered`);
      if (profile !== "aktualizr") throw new Refused(409, "wrong-profile", `vehicle ${vin} runs the uptane client: its ECUs are registered with the vehicle`);
      const existing = this.inventory.ecusOf(vin);
      if (existing.length === 0) {
        insertEcus(this.inventory, vin, ecus);
        return "registered" as const;
      }
      const same = existing.length === ecus.length && ecus.every((e) => {
        const row = existing.find((r) => r.serial === e.serial);
        return row !== undefined && row.hardware_id === e.hardwareId && row.public_key === e.publicKeyHex && (row.is_primary === 1) === e.primary;
      });
      return same ? ("already-registered" as const) : null;
    });
    if (outcome) return outcome;
    const detail = `a registration of other ECUs or keys was refused: ${ecus.map((e) => `${e.serial} (${e.hardwareId})`).join(", ")}`.slice(0, 1024);
    this.inventory.insertAlert({ vin, serial: null, manifestId: null, kind: "reregistration-refused", detail, now: nowIso });
    throw new Refused(409, "ecu_already_registered", `vehicle ${vin} has registered its ECUs already; a registration with other ECUs or keys is refused`);
  }

  // ---- lifecycle

  /**
   * Records a workshop's change to vehicle `vin` (vehicle-lifecycle.ts) with who made it,
   * and re-signs the vehicle's targets without what left (nothing more is signed for a
   * decommissioned vehicle: it is no longer served).
   */
  recordVehicleChange(vin: string, change: VehicleChange, actor: string): { change: HistoryEntry } & Publication {
    checkChange(change);
    checkActor(actor);
    this.state.checkBackend();
    if (isVin(vin) && this.inventory.vehicleExists(vin) && this.inventory.decommissionedAt(vin) === null) this.state.checkVehicle(vin);
    const now = this.clock();
    const entry = this.inventory.transaction(() => {
      const recorded = applyVehicleChange(this.inventory, vin, change, actor, isoTime(now));
      if (change.action !== "decommission") this.advance(vin, now);
      return recorded;
    });
    return { change: entry, ...(change.action === "decommission" ? { publication: "done" as const } : this.publishAfterCommit([vin])) };
  }

  // ---- withdrawn images

  /**
   * Withdraws target `name`, which Image repository role `role` listed (README "Backend:
   * withdrawing an image and removing a supplier"): it is never assigned again, its open
   * assignments end (those vehicles' targets re-signed without it), and every ECU in service
   * that last reported it installed gets an alert and is listed.
   */
  withdrawImage(name: string, role: string, actor: string, reason: "withdrawn" | "supplier-removed" = "withdrawn"): ImageWithdrawal & Publication {
    if (!isTargetName(name)) throw new Refused(400, "invalid-target-name", "target name must be 1-255 printable characters");
    checkActor(actor);
    this.state.checkBackend();
    const now = this.clock();
    const nowIso = isoTime(now);
    const result = this.inventory.transaction(() => {
      const earlier = this.inventory.withdrawnImage(name);
      if (earlier) throw new Refused(409, "image-withdrawn", `${name} was withdrawn at ${earlier.withdrawn_at} already`);
      this.inventory.insertWithdrawnImage({ name, role, reason, actor, now: nowIso });
      // Its campaigns pause with the reason (README "Campaigns"); their assignments end below, so a resume releases none of it.
      const paused = this.inventory.campaignsNaming(name).filter((c) => c.state === "active").map((c) => c.id);
      for (const id of paused) this.inventory.setCampaignState(id, "paused", `image ${name} withdrawn`, nowIso);
      const ended = this.inventory.openAssignmentsOfTarget(name);
      for (const a of ended) this.inventory.setAssignmentStatus(a.id, "superseded");
      const vins = [...new Set(ended.map((a) => a.vin))];
      for (const vin of vins) this.advance(vin, now);
      const running = this.inventory.ecusRunning(name);
      const why = reason === "withdrawn" ? "withdrawn" : `its supplier (role ${role}) was removed`;
      for (const e of running) this.inventory.insertAlert({ vin: e.vin, serial: e.serial, manifestId: null, kind: "image-withdrawn", detail: `ECU ${e.serial} runs ${name}, ${why} at ${nowIso}`, now: nowIso });
      return {
        name,
        role,
        campaignsPaused: paused,
        assignmentsEnded: ended.map((a) => ({ vin: a.vin, ecuSerial: a.ecu_serial, was: a.status })),
        running: running.map((e) => ({ vin: e.vin, ecuSerial: e.serial, releaseCounter: e.installed_release_counter })),
        vins,
      };
    });
    const { vins, ...out } = result;
    return { ...out, ...this.publishAfterCommit(vins) };
  }

  private refuseWithdrawn(targetName: string): void {
    const w = this.inventory.withdrawnImage(targetName);
    if (w) throw new Refused(409, "image-withdrawn", `${targetName} was withdrawn at ${w.withdrawn_at}${w.reason === "supplier-removed" ? ` (its supplier, role ${w.role}, was removed)` : ""}: it is never assigned again`);
  }

  // ---- assignments

  /**
   * Assigns `targetName` to one ECU, and `with` others to other ECUs of the same vehicle,
   * in one bundle. Images the rules require by name and the vehicle lacks are added to the
   * bundle when exactly one other ECU can take them; a result that still breaks a rule is
   * refused naming the rule and the ECUs (README "Dependencies and conflicts").
   */
  async assign(vin: string, ecuSerial: string, targetName: string, options: { with?: Array<{ ecuSerial: string; target: string }> } = {}): Promise<AssignmentOutcome & Publication & { also: AssignmentOutcome[] }> {
    const wanted = [{ ecuSerial, target: targetName }, ...(options.with ?? [])];
    for (const w of wanted) if (!isTargetName(w.target)) throw new Refused(400, "invalid-target-name", "target name must be 1-255 printable characters");
    // What the new targets build upon, checked outside the transaction so the alert stays.
    this.state.checkBackend();
    if (isVin(vin)) this.state.checkVehicle(vin);
    for (const w of wanted) this.refuseWithdrawn(w.target); // before the look-up, and again in the transaction
    const images = new Map<string, ImageTarget | null>();
    for (const w of wanted) if (!images.has(w.target)) images.set(w.target, await this.imageTargets.findTarget(w.target));
    const required = await this.requiredTargets([...images.values()].flatMap((i) => (i ? [i.name] : [])));
    const now = this.clock();
    const outcomes = this.withPlaintextCache(() => this.inventory.transaction(() => {
      requireInService(this.inventory, vin);
      const planned: PlannedAssignment[] = [];
      for (const w of wanted) {
        this.refuseWithdrawn(w.target);
        const ecu = this.inventory.ecu(w.ecuSerial);
        if (!ecu || ecu.vin !== vin || ecu.retired_at !== null) throw new Refused(404, "unknown-ecu", `vehicle ${vin} has no ECU ${w.ecuSerial}${ecu?.retired_at ? ` (a workshop retired it at ${ecu.retired_at})` : ""}`);
        if (planned.some((p) => p.ecu.serial === ecu.serial)) throw new Refused(400, "invalid-request", `ECU ${ecu.serial} is named twice in one assignment`);
        const image = images.get(w.target)!;
        const refusal = assignmentRefusal(ecu, w.target, image);
        if (refusal) throw refusal;
        planned.push({ ecu, image: image! });
      }
      const result = this.planWithRules(vin, planned, required).map((p) => ({ ...this.insertAssignment(p.ecu, p.image, null, now), ...(p.requiredBy ? { requiredBy: p.requiredBy } : {}) }));
      this.advance(vin, now);
      return result;
    }));
    const publication = this.publishAfterCommit([vin]);
    for (const o of outcomes) o.status = this.statusOf(o.vin, o.assignmentId);
    const [first, ...also] = outcomes as [AssignmentOutcome, ...AssignmentOutcome[]];
    return { ...first, also, ...publication };
  }

  // ---- dependencies and conflicts between images

  /** Records a rule about image A (it need not be published yet: rules may come first). */
  addImageRule(spec: ImageRuleSpec): ImageRuleRow {
    checkRuleSpec(spec);
    const now = isoTime(this.clock());
    return this.inventory.transaction(() => {
      const same = this.inventory.imageRules(spec.image).find((r) => r.kind === spec.kind && r.other_name === (spec.name ?? null) && r.other_hardware_id === (spec.hardwareId ?? null) && r.min_release_counter === (spec.minReleaseCounter ?? null));
      if (same) throw new Refused(409, "rule-exists", `${describeRule(same)} is recorded already`);
      const id = this.inventory.insertImageRule({ image: spec.image, kind: spec.kind, otherName: spec.name ?? null, otherHardwareId: spec.hardwareId ?? null, minReleaseCounter: spec.minReleaseCounter ?? null, now });
      return this.inventory.imageRules(spec.image).find((r) => r.id === id)!;
    });
  }

  removeImageRule(id: number): ImageRuleRow {
    return this.inventory.transaction(() => {
      const rule = this.inventory.imageRules().find((r) => r.id === id);
      if (!rule || !this.inventory.deleteImageRule(id)) throw new Refused(404, "unknown-rule", `no rule ${id} is recorded`);
      return rule;
    });
  }

  imageRules(image?: string): ImageRuleRow[] {
    if (image !== undefined && !isTargetName(image)) throw new Refused(400, "invalid-target-name", `image ${JSON.stringify(image)} is not a valid target name`);
    return this.inventory.imageRules(image);
  }

  /**
   * The Image repository's targets for every image the rules require by name, following
   * requirements of requirements (read before the transaction: the look-up is async).
   */
  private async requiredTargets(names: string[]): Promise<Map<string, ImageTarget | null>> {
    const found = new Map<string, ImageTarget | null>();
    let next = names;
    for (let depth = 0; depth < MAX_REQUIREMENT_DEPTH && next.length > 0; depth++) {
      const wanted = [...new Set(this.inventory.rulesForImages(next).flatMap((r) => (r.kind === "requires" && r.other_name !== null && !found.has(r.other_name) ? [r.other_name] : [])))];
      for (const name of wanted) found.set(name, await this.imageTargets.findTarget(name));
      next = wanted;
    }
    return found;
  }

  /** Each ECU's image as the vehicle last reported it installed. */
  private installedState(vin: string): EcuImage[] {
    return this.inventory.ecusOf(vin).map((e) => ({ serial: e.serial, hardwareId: e.hardware_id, image: e.installed_filename, releaseCounter: e.installed_release_counter }));
  }

  /** Each ECU's image as the vehicle will have it: its open assignment, else what it reported installed. */
  private intendedState(vin: string, ecus = this.inventory.ecusOf(vin)): EcuImage[] {
    const open = this.inventory.assignmentsOf(vin).filter((a) => a.status === "queued" || a.status === "published");
    return ecus.map((e) => {
      const a = open.filter((x) => x.ecu_serial === e.serial).at(-1);
      return { serial: e.serial, hardwareId: e.hardware_id, image: a ? a.target_name : e.installed_filename, releaseCounter: a ? a.release_counter : e.installed_release_counter };
    });
  }

  /**
   * The bundle `planned` grows into under the rules: an image required by name that no
   * other ECU will have is added for the one other ECU that can take it; what still breaks
   * a rule the vehicle did not break before is refused (in the caller's transaction).
   */
  private planWithRules(vin: string, planned: PlannedAssignment[], required: Map<string, ImageTarget | null>): PlannedAssignment[] {
    const ecus = this.inventory.ecusOf(vin);
    const before = this.intendedState(vin, ecus);
    const plan = [...planned];
    for (;;) {
      const names = new Set([...before.map((e) => e.image), ...plan.map((p) => p.image.name)].filter((n): n is string => n !== null));
      const rules = this.inventory.rulesForImages([...names]);
      if (rules.length === 0) return plan;
      const after = withChanges(before, new Map(plan.map((p) => [p.ecu.serial, { image: p.image.name, releaseCounter: p.image.custom.releaseCounter }])));
      const broken = newViolations(before, after, rules);
      if (broken.length === 0) return plan;
      const why: string[] = [];
      const addition = broken.map((v) => this.requiredAddition(v, ecus, plan, required, why)).find((a) => a !== null);
      if (!addition) throw ruleRefusal(vin, broken.map((v, i) => (why[i] ? { ...v, detail: `${v.detail} (${why[i]})` } : v)));
      plan.push(addition);
    }
  }

  /** The ECU and image that would satisfy a requirement by name, or null with the reason in `why`. */
  private requiredAddition(v: Violation, ecus: EcuRow[], plan: PlannedAssignment[], required: Map<string, ImageTarget | null>, why: string[]): PlannedAssignment | null {
    const say = (reason: string) => {
      why.push(reason);
      return null;
    };
    if (v.rule.kind !== "requires" || v.rule.other_name === null) return say("");
    const image = required.get(v.rule.other_name);
    if (!image) return say(`the Image repository signs no ${v.rule.other_name}`);
    const candidates = ecus.filter((e) => e.serial !== v.ecus[0] && image.custom.hardwareIds.includes(e.hardware_id) && !plan.some((p) => p.ecu.serial === e.serial));
    if (candidates.length === 0) return say(`no other ECU of the vehicle is for ${image.custom.hardwareIds.join(", ")}`);
    if (candidates.length > 1) return say(`ECUs ${candidates.map((c) => c.serial).join(", ")} could take it: assign it to one in the same bundle`);
    const refusal = assignmentRefusal(candidates[0]!, image.name, image);
    if (refusal) return say(refusal.message);
    why.push("");
    return { ecu: candidates[0]!, image, requiredBy: describeRule(v.rule) };
  }

  /**
   * A campaign assigns `targetName` to every ECU of `hardwareId`: first to a reserved
   * group (`vins` given, stage "group"), then to all (`promoteCampaign`, or a campaign
   * without `vins`: stage "all"), skipping ECUs that already have it and ECUs whose
   * installed release counter is higher. `maxFailures` / `maxFailurePercent`: the campaign
   * halts itself when a stage's failures reach that many (README "Campaigns").
   */
  async campaign(hardwareId: string, targetName: string, vins?: string[], options: CampaignOptions = {}): Promise<CampaignOutcome & Publication> {
    if (!isHardwareId(hardwareId)) throw new Refused(400, "invalid-hardware-id", `hardware ID ${JSON.stringify(hardwareId)} is not valid`);
    if (!isTargetName(targetName)) throw new Refused(400, "invalid-target-name", "target name must be 1-255 printable characters");
    checkThreshold(options);
    const stage = vins ? "group" : "all";
    return this.assignStage(hardwareId, targetName, vins, stage, (now) => {
      for (const vin of vins ?? []) requireInService(this.inventory, vin);
      return this.inventory.insertCampaign({ hardwareId, target: targetName, stage, now: isoTime(now), maxFailures: options.maxFailures, maxFailurePercent: options.maxFailurePercent, groupVins: vins });
    });
  }

  /** Releases a campaign tested on its reserved group to every other vehicle with its hardware ID. */
  async promoteCampaign(id: number): Promise<CampaignOutcome & Publication> {
    const c = this.inventory.campaign(id);
    if (!c) throw new Refused(404, "unknown-campaign", `no campaign ${id}`);
    return this.assignStage(c.hardware_id, c.target_name, undefined, "all", () => {
      const now = this.inventory.campaign(id)!; // read again in the transaction: another process may have changed it
      if (now.state !== "active") throw new Refused(409, "campaign-not-active", `campaign ${id} is ${now.state}${now.state === "cancelled" ? "" : `: resume it first (uptane campaign resume DIR ${id})`}`);
      if (now.stage !== "group") throw new Refused(409, "campaign-not-active", `campaign ${id} is released to all vehicles already`);
      this.inventory.setCampaignStage(id, "all");
      return id;
    });
  }

  /** One stage of a campaign: its assignments, under the rules, in one transaction. */
  private async assignStage(hardwareId: string, targetName: string, vins: string[] | undefined, stage: "group" | "all", campaignOf: (now: Date) => number): Promise<CampaignOutcome & Publication> {
    this.refuseWithdrawn(targetName); // before the look-up: a withdrawn image is out of the repository too
    const image = await this.imageTargets.findTarget(targetName);
    if (!image) throw new Refused(400, "target-not-signed", `the Image repository signs no target ${targetName}`);
    if (!image.custom.hardwareIds.includes(hardwareId)) throw new Refused(400, "hardware-id-mismatch", `${targetName} is for ${image.custom.hardwareIds.join(", ")}, not ${hardwareId}`);
    this.state.checkBackend();
    for (const vin of new Set(this.inventory.ecusWithHardware(hardwareId, vins).map((e) => e.vin))) this.state.checkVehicle(vin);
    const required = await this.requiredTargets([targetName]);
    const now = this.clock();
    const touched = new Set<string>();
    const result = this.withPlaintextCache(() => this.inventory.transaction(() => {
      this.refuseWithdrawn(targetName);
      const campaignId = campaignOf(now);
      const assigned: AssignmentOutcome[] = [];
      const skipped: CampaignOutcome["skipped"] = [];
      const byVehicle = new Map<string, PlannedAssignment[]>();
      for (const ecu of this.inventory.ecusWithHardware(hardwareId, vins)) {
        const has = this.inventory.assignmentsOf(ecu.vin).some((a) => a.ecu_serial === ecu.serial && a.target_name === targetName && a.status !== "failed" && a.status !== "superseded");
        if (has) {
          skipped.push({ vin: ecu.vin, ecuSerial: ecu.serial, reason: "already assigned" });
          continue;
        }
        const refusal = assignmentRefusal(ecu, targetName, image);
        if (refusal) {
          skipped.push({ vin: ecu.vin, ecuSerial: ecu.serial, reason: refusal.message });
          continue;
        }
        const list = byVehicle.get(ecu.vin) ?? [];
        list.push({ ecu, image });
        byVehicle.set(ecu.vin, list);
      }
      // The rules hold per vehicle; one vehicle the campaign would leave breaking a rule refuses it all.
      const refusals: Refused[] = [];
      for (const [vin, planned] of byVehicle) {
        try {
          for (const p of this.planWithRules(vin, planned, required)) assigned.push({ ...this.insertAssignment(p.ecu, p.image, campaignId, now, stage), ...(p.requiredBy ? { requiredBy: p.requiredBy } : {}) });
          touched.add(vin);
        } catch (e) {
          // A rule's refusal is collected; any other (an image that cannot be encrypted) refuses the campaign as it is.
          if (!(e instanceof Refused) || (e.code !== "image-conflict" && e.code !== "dependency-unmet")) throw e;
          refusals.push(e);
          if (refusals.length >= 5) break; // enough to name; the campaign is refused either way
        }
      }
      if (refusals.length > 0) throw new Refused(409, refusals.some((r) => r.code === "image-conflict") ? "image-conflict" : "dependency-unmet", `campaign refused: ${refusals.map((r) => r.message).join("; ")}`);
      for (const vin of touched) this.advance(vin, now);
      recordCampaignProgress(this.inventory, campaignId, now);
      return { campaignId, stage, assigned, skipped } as CampaignOutcome;
    }));
    const publication = this.publishAfterCommit(touched);
    for (const a of result.assigned) a.status = this.statusOf(a.vin, a.assignmentId);
    return { ...result, ...publication };
  }

  // ---- watching and halting campaigns (README "Campaigns")

  /**
   * Pauses a campaign: what it assigned and no ECU has installed yet leaves the vehicles'
   * next targets and waits (queued) until `resumeCampaign`; promoting is refused meanwhile.
   * `reason` is kept with it (e.g. the image was withdrawn).
   */
  pauseCampaign(id: number, reason: string | null = null): CampaignControlOutcome & Publication {
    return this.controlCampaign(id, "pause", (c) => {
      if (c.state !== "active") throw new Refused(409, "campaign-not-active", `campaign ${id} is ${c.state} already`);
      return { state: "paused", detail: reason, withdraw: "queued" };
    });
  }

  /** Resumes a paused or halted campaign: its waiting assignments go out again. */
  resumeCampaign(id: number): CampaignControlOutcome & Publication {
    return this.controlCampaign(id, "resume", (c) => {
      if (c.state !== "paused" && c.state !== "halted") throw new Refused(409, "campaign-not-active", `campaign ${id} is ${c.state}: only a paused or halted campaign resumes`);
      this.refuseWithdrawn(c.target_name);
      return { state: "active", detail: null, withdraw: null };
    });
  }

  /** Cancels a campaign for good: whatever it assigned that is not installed is withdrawn from the vehicles' next targets. */
  cancelCampaign(id: number): CampaignControlOutcome & Publication {
    return this.controlCampaign(id, "cancel", (c) => {
      if (c.state === "cancelled") throw new Refused(409, "campaign-not-active", `campaign ${id} is cancelled already`);
      return { state: "cancelled", detail: null, withdraw: "superseded" };
    });
  }

  /** The campaigns of target `name` not cancelled (for pausing those of an image that is withdrawn). */
  campaignsNaming(name: string): CampaignRow[] {
    return this.inventory.campaignsNaming(name);
  }

  private controlCampaign(id: number, action: string, decide: (c: CampaignRow) => { state: CampaignRow["state"]; detail: string | null; withdraw: "queued" | "superseded" | null }): CampaignControlOutcome & Publication {
    const now = this.clock();
    const result = this.inventory.transaction(() => {
      const c = this.inventory.campaign(id);
      if (!c) throw new Refused(404, "unknown-campaign", `no campaign ${id}`);
      const d = decide(c);
      this.inventory.setCampaignState(id, d.state, d.detail, isoTime(now));
      const withdrawn = this.withdrawCampaign(id, d.withdraw, now);
      recordCampaignProgress(this.inventory, id, now);
      return { campaignId: id, action, state: d.state, ...withdrawn };
    });
    return { ...result, ...this.publishAfterCommit(result.vins) };
  }

  /**
   * In the caller's transaction: the campaign's assignments not installed become `to`
   * (queued: held until resumed; superseded: gone for good), or, with null, its held ones
   * are released; each vehicle touched gets its next targets signed.
   */
  private withdrawCampaign(id: number, to: "queued" | "superseded" | null, now: Date): { withdrawn: number; vins: string[] } {
    const open = this.inventory.campaignAssignments(id, to === "queued" ? ["published"] : to === "superseded" ? ["queued", "published"] : ["queued"]);
    if (to !== null) for (const a of open) this.inventory.setAssignmentStatus(a.id, to);
    const vins = [...new Set(open.map((a) => a.vin))];
    for (const vin of vins) this.advance(vin, now);
    return { withdrawn: to === null ? 0 : open.length, vins };
  }

  /**
   * After a failure of one of its assignments (in the manifest's transaction): halts the
   * campaign when the stage's failures reach its threshold, withdrawing what is not
   * installed, with an alert. Returns the vehicles whose targets changed.
   */
  private haltAtThreshold(id: number, stage: "group" | "all" | null, now: Date): string[] {
    const c = this.inventory.campaign(id);
    if (!c || c.state !== "active" || (c.max_failures === null && c.max_failure_percent === null)) return [];
    const counts = this.inventory.campaignCounts(id).filter((r) => r.stage === stage);
    const failed = counts.filter((r) => r.status === "failed").reduce((n, r) => n + Number(r.n), 0);
    const total = counts.reduce((n, r) => n + Number(r.n), 0);
    const byCount = c.max_failures !== null && failed >= c.max_failures;
    const byShare = c.max_failure_percent !== null && failed > 0 && failed * 100 >= c.max_failure_percent * total;
    if (!byCount && !byShare) return [];
    const threshold = byCount ? `${c.max_failures} failure(s)` : `${c.max_failure_percent}% of ${total} assignments`;
    const detail = `halted: ${failed} failure(s) of ${total} in stage ${stage}, threshold ${threshold}`;
    this.inventory.setCampaignState(id, "halted", detail, isoTime(now));
    const { withdrawn, vins } = this.withdrawCampaign(id, "queued", now);
    recordCampaignProgress(this.inventory, id, now);
    this.inventory.insertAlert({ vin: "", serial: null, manifestId: null, kind: "campaign-halted", detail: `campaign ${id} (${c.target_name} for ${c.hardware_id}) ${detail}; ${withdrawn} assignment(s) not yet installed withdrawn until it is resumed or cancelled`, now: isoTime(now) });
    return vins;
  }

  private insertAssignment(ecu: EcuRow, image: ImageTarget, campaignId: number | null, now: Date, stage: "group" | "all" | null = null): AssignmentOutcome {
    // A newer assignment replaces one still waiting in the queue for the same ECU.
    for (const old of this.inventory.openAssignmentsOfEcu(ecu.serial)) if (old.status === "queued") this.inventory.setAssignmentStatus(old.id, "superseded");
    const assignmentId = this.inventory.insertAssignment({
      vin: ecu.vin,
      serial: ecu.serial,
      target: image.name,
      length: image.length,
      hashes: JSON.stringify(image.hashes),
      custom: JSON.stringify(image.custom),
      releaseCounter: image.custom.releaseCounter,
      campaignId,
      stage,
      now: isoTime(now),
    });
    if (ecu.encryption !== null) this.encryptForEcu(assignmentId, ecu, image);
    return { vin: ecu.vin, ecuSerial: ecu.serial, assignmentId, status: "queued" };
  }

  /**
   * An ECU with an encryption key gets its image encrypted for it, once per assignment (in
   * the caller's transaction): the key service encrypts the Image repository's file with a
   * fresh content key; the inventory keeps the Director entry (ciphertext length and hashes,
   * custom.encryption with the wrapped key) and the ciphertext, which every Director process
   * on the database serves until the assignment closes (README "Per-ECU image encryption").
   */
  private encryptForEcu(assignmentId: number, ecu: EcuRow, image: ImageTarget): void {
    const plain = this.plaintextOf(ecu, image);
    let encrypted;
    try {
      encrypted = this.keyService.encryptForEcu(ecu.serial, { name: image.name, bytes: plain.bytes, expected: { length: image.length, hashes: image.hashes }, hashes: plain.hashes });
    } catch (e) {
      if (e instanceof KeyServiceError) throw new Refused(e.code === "no-encryption-key" ? 409 : 500, e.code, `ECU ${ecu.serial}: ${e.message}`);
      if (e instanceof ImageEncryptionFormatError) throw new Refused(409, "image-not-encryptable", `ECU ${ecu.serial}: ${e.message}`);
      throw e;
    }
    this.inventory.insertEncryptedImage({
      assignmentId,
      vin: ecu.vin,
      name: encrypted.name,
      length: encrypted.length,
      hashes: JSON.stringify(encrypted.hashes),
      encryption: JSON.stringify(encrypted.encryption),
      bytes: encrypted.ciphertext,
    });
  }

  /**
   * The Image repository's file of `image`, checked against its entry once per operation
   * (a campaign encrypts one image for many ECUs; the cache is cleared when it ends).
   */
  private plaintextOf(ecu: EcuRow, image: ImageTarget): { bytes: Buffer; hashes: { sha256: string; sha512: string } } {
    const sha256 = image.hashes.sha256;
    const key = `${image.name}\0${sha256}\0${image.length}`;
    if (this.plaintextCache?.key === key) return this.plaintextCache;
    let bytes: Buffer;
    try {
      if (sha256 === undefined) throw new Error("no SHA-256 hash");
      bytes = readFileSync(targetFilePath(this.dir, image.name, sha256));
    } catch (e) {
      throw new Refused(409, "image-file-missing", `ECU ${ecu.serial} takes encrypted images, and the Image repository's file of ${image.name} cannot be read here (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const hashes = hashesOfBytes(bytes);
    if (bytes.length !== image.length || Object.entries(image.hashes).some(([alg, want]) => (alg === "sha256" || alg === "sha512") && hashes[alg] !== want)) {
      throw new Refused(409, "image-not-encryptable", `ECU ${ecu.serial}: the bytes of ${image.name} do not match its Image repository entry`);
    }
    this.plaintextCache = { key, bytes, hashes };
    return this.plaintextCache;
  }

  private withPlaintextCache<T>(fn: () => T): T {
    try {
      return fn();
    } finally {
      this.plaintextCache = null;
    }
  }

  /** The ciphertext of an encrypted image the vehicle is assigned now, or null (README "Per-ECU image encryption"). */
  encryptedImage(vin: string, name: string): Buffer | null {
    if (!isVin(vin) || !isTargetName(name)) return null;
    return this.inventory.encryptedImageBytes(vin, name);
  }

  private statusOf(vin: string, id: number): "published" | "queued" {
    return this.inventory.assignmentsOf(vin).find((a) => a.id === id)?.status === "queued" ? "queued" : "published";
  }

  /**
   * Moves the vehicle's queue forward and re-signs what changed (in the caller's
   * transaction). The next bundle is published only when no assignment of the previous
   * one is still unconfirmed.
   */
  private advance(vin: string, now: Date, all = this.inventory.assignmentsOf(vin)): void {
    if (!all.some((a) => a.status === "published")) {
      // A paused, halted or cancelled campaign's assignments wait (README "Campaigns").
      const waiting = all.filter((a) => a.status === "queued");
      const held = this.inventory.inactiveCampaigns([...new Set(waiting.flatMap((a) => (a.campaign_id === null ? [] : [a.campaign_id])))]);
      const queued = waiting.filter((a) => a.campaign_id === null || !held.has(a.campaign_id));
      if (queued.length > 0 && !this.bundleHeldByRules(vin, queued, now)) {
        const bundle = (this.inventory.latestMetadata(vin, "targets")?.version ?? 0) + 1;
        for (const a of queued) {
          this.inventory.setAssignmentStatus(a.id, "published", bundle);
          Object.assign(a, { status: "published", bundle }); // the rows read above, as written
        }
      }
    }
    // An encrypted image installed, failed or superseded is not served any more.
    this.inventory.dropClosedEncryptedImagesOf(vin);
    this.publisher.stage(vin, this.currentEntries(vin, all), now);
  }

  /**
   * A new bundle is issued only when the vehicle's latest manifest shows no conflict with
   * it: what the ECUs reported installed, with the bundle on top, breaks no rule it did
   * not break already (else it stays queued, with one alert until it changes).
   */
  private bundleHeldByRules(vin: string, queued: AssignmentRow[], now: Date): boolean {
    const installed = this.installedState(vin);
    const bundle = withChanges(installed, new Map(queued.map((a) => [a.ecu_serial, { image: a.target_name, releaseCounter: a.release_counter }])));
    const names = [...new Set([...installed, ...bundle].flatMap((e) => (e.image ? [e.image] : [])))];
    const broken = newViolations(installed, bundle, this.inventory.rulesForImages(names));
    if (broken.length === 0) return false;
    const detail = `next bundle held: with what the vehicle reports installed it would break ${broken.map((v) => v.detail).join("; ")}`.slice(0, 1024);
    if (this.inventory.lastAlert(vin)?.detail !== detail) this.inventory.insertAlert({ vin, serial: null, manifestId: null, kind: "bundle-held-by-rule", detail, now: isoTime(now) });
    return true;
  }

  /** The targets of the newest bundle that are pending or installed. */
  private currentEntries(vin: string, all = this.inventory.assignmentsOf(vin)): DirectorTargetEntry[] {
    const bundle = Math.max(0, ...all.map((a) => a.bundle ?? 0));
    const byName = new Map<string, DirectorTargetEntry>();
    let ecus: Map<string, EcuRow> | null = null; // the vehicle's ECUs, read once when an entry needs them
    const encrypted = all.some((a) => a.bundle === bundle) ? this.inventory.encryptedEntriesOf(vin) : new Map();
    for (const a of all) {
      if (a.bundle !== bundle || (a.status !== "published" && a.status !== "installed")) continue;
      ecus ??= new Map(this.inventory.allEcusOf(vin).map((e) => [e.serial, e]));
      const ecu = ecus.get(a.ecu_serial) ?? this.inventory.ecu(a.ecu_serial)!;
      // A retired ECU is not in the vehicle any more; a held one gets nothing until a workshop records it.
      if (ecu.retired_at !== null || ecu.held !== null) continue;
      // 5.2.3.1.1: an image encrypted for this ECU is its own entry, naming the ciphertext's
      // length and hashes, and in custom.encryption how to decrypt it.
      const enc = encrypted.get(a.id);
      if (enc) {
        byName.set(enc.name, { name: enc.name, length: Number(enc.length), hashes: JSON.parse(enc.hashes), custom: { ...JSON.parse(a.custom), ecuIdentifiers: { [ecu.serial]: { hardwareId: ecu.hardware_id } }, encryption: JSON.parse(enc.encryption) } });
        continue;
      }
      let entry = byName.get(a.target_name);
      if (!entry) {
        entry = { name: a.target_name, length: a.length, hashes: JSON.parse(a.hashes), custom: { ...JSON.parse(a.custom), ecuIdentifiers: {} } };
        byName.set(a.target_name, entry);
      }
      entry.custom.ecuIdentifiers[ecu.serial] = { hardwareId: ecu.hardware_id };
    }
    // The rules go to the vehicle as `custom.requires`: the images of this bundle each one
    // needs, so a Primary that cannot deliver one withholds those that depend on it (README
    // "Primary ECU": a partial bundle).
    // Rules name images as the Image repository does: an encrypted entry by its plaintext's name.
    const entries = [...byName.values()];
    const plainName = (e: DirectorTargetEntry) => (e.custom.encryption as { plaintext?: { name?: string } } | undefined)?.plaintext?.name ?? e.name;
    for (const r of this.inventory.rulesForImages([...new Set(entries.map(plainName))])) {
      if (r.kind !== "requires") continue;
      for (const entry of entries.filter((e) => plainName(e) === r.image)) {
        const needs = entries.filter((o) =>
          o !== entry && (r.other_name !== null ? plainName(o) === r.other_name : ((o.custom.hardwareIds as string[] | undefined) ?? []).includes(r.other_hardware_id!) && Number(o.custom.releaseCounter ?? 0) >= r.min_release_counter!),
        );
        if (needs.length > 0) entry.custom.requires = [...new Set([...((entry.custom.requires as string[] | undefined) ?? []), ...needs.map((o) => o.name)])].sort();
      }
    }
    return entries;
  }

  // ---- manifests

  /** Checks and records a vehicle version manifest posted for `urlVin`; throws Refused (4xx) and changes nothing when refused. */
  receiveManifest(urlVin: string, body: Buffer): ManifestResponse {
    const [result] = this.receiveManifests([{ vin: urlVin, body }]);
    if (result instanceof ManifestFailure) throw result.cause;
    if (result instanceof Refused) throw result;
    return result!;
  }

  /**
   * Records several manifests in one database transaction (one disk sync for all: group
   * commit). Each manifest runs in its own savepoint, so a refused one, or one whose
   * recording fails inside the server, changes nothing and does not disturb the others.
   * Returns, per manifest, its response, its refusal, or its failure.
   */
  receiveManifests(jobs: Array<{ vin: string; body: Buffer }>): Array<ManifestResponse | Refused | ManifestFailure> {
    const now = this.clock();
    const parsed = jobs.map((job) => {
      try {
        return parseManifest(job.body);
      } catch (e) {
        return e instanceof Refused ? e : new ManifestFailure(e);
      }
    });
    // Each manifest writes its own vehicle's rows: on PostgreSQL the batch takes those
    // vehicles' locks, so other processes record other vehicles meanwhile (sql-engine.ts).
    const record = (indexes: number[], scope?: TransactionScope) =>
      this.inventory.transaction(() => {
        // What each vehicle's manifest reads first, read for all of them at once (five queries, not five per manifest).
        this.inventory.prefetch(indexes.flatMap((i) => (parsed[i] instanceof Refused || parsed[i] instanceof ManifestFailure || !isVin(jobs[i]!.vin) ? [] : [{ vin: jobs[i]!.vin, reports: reportNonces(parsed[i] as VehicleManifest) }])));
        try {
          this.recordEach(indexes, parsed, jobs, results, now);
        } finally {
          this.inventory.endPrefetch();
        }
      }, scope);

    const results: Array<ManifestResponse | Refused | ManifestFailure | NeedsGlobalLock> = parsed.map((p) => (p instanceof Refused || p instanceof ManifestFailure ? p : new ManifestFailure(new Error("not recorded"))));
    record(jobs.map((_, i) => i), { vins: jobs.flatMap((j, i) => (parsed[i] instanceof Refused || parsed[i] instanceof ManifestFailure || !isVin(j.vin) ? [] : [j.vin])) });
    // A manifest that may halt a campaign (a failed install of one) runs again under the database-wide lock.
    const again = results.flatMap((r, i) => (r instanceof NeedsGlobalLock ? [i] : []));
    if (again.length > 0) record(again);
    this.publishAlso();
    const recorded = (r: (typeof results)[number]): r is ManifestResponse => !(r instanceof Refused) && !(r instanceof ManifestFailure) && !(r instanceof NeedsGlobalLock);
    for (const vin of new Set(jobs.filter((_, i) => recorded(results[i]!)).map((j) => j.vin))) {
      const publication = this.publishAfterCommit([vin]);
      if (publication.publication === "pending") jobs.forEach((j, i) => j.vin === vin && recorded(results[i]!) && Object.assign(results[i]!, publication));
    }
    return results as Array<ManifestResponse | Refused | ManifestFailure>;
  }

  /** Each manifest of `indexes`, in its own savepoint of the caller's transaction; its result (or refusal, or failure) into `results`. */
  private recordEach(indexes: number[], parsed: Array<VehicleManifest | Refused | ManifestFailure>, jobs: Array<{ vin: string; body: Buffer }>, results: Array<ManifestResponse | Refused | ManifestFailure | NeedsGlobalLock>, now: Date): void {
    for (const i of indexes) {
      const manifest = parsed[i]!;
      if (manifest instanceof Refused || manifest instanceof ManifestFailure) continue;
      try {
        results[i] = this.recordManifest(jobs[i]!.vin, jobs[i]!.body, manifest, now);
      } catch (e) {
        results[i] = e instanceof Refused || e instanceof NeedsGlobalLock ? e : new ManifestFailure(e);
      }
    }
  }

  /** One manifest, in a savepoint of the caller's transaction. */
  private recordManifest(urlVin: string, body: Buffer, manifest: VehicleManifest, now: Date): ManifestResponse {
    const stored = (checked: CheckedManifest) => storedManifestBody(manifest, checked.accepted.find((a) => a.ecu.serial === checked.primarySerial)!.ecu.keyid);
    return this.inventory.transaction(() => this.recordChecked(urlVin, stored, checkManifest(manifest, urlVin, this.inventory), now));
  }

  /**
   * Records a manifest of another dialect (aktualizr's, README "Serving aktualizr"): `check`
   * runs inside the transaction and returns the reports it accepted, as ours would be, or
   * throws Refused and nothing is recorded. The recording is the one ours go through.
   */
  receiveCheckedManifest(vin: string, body: Buffer, check: (inventory: Inventory) => CheckedManifest): ManifestResponse {
    const now = this.clock();
    // Its signatures are in its own encoding: the body is kept as received, within the
    // request cap, and bounded per vehicle by the same retention as ours.
    const result = this.inventory.transaction(() => this.recordChecked(vin, () => body.toString("utf8"), check(this.inventory), now));
    this.publishAlso();
    return Object.assign(result, this.publishAfterCommit([vin]));
  }

  private recordChecked(urlVin: string, storedBody: (checked: CheckedManifest) => string, checked: CheckedManifest, now: Date): ManifestResponse {
    const nowIso = isoTime(now);
    const inv = this.inventory;
    const manifestId = inv.insertManifest(urlVin, checked.primarySerial, nowIso, storedBody(checked));
    const alerts: Array<{ serial: string | null; kind: string; detail: string }> = [];
    for (const d of checked.discarded) {
      alerts.push({ serial: d.ecuSerial, kind: `report-${d.reason}`, detail: d.detail });
      // A known serial signing with another key: a part swapped without a workshop's record, or an attack. Either way it is held.
      if (d.reason === "bad-signature") inv.holdEcu(d.ecuSerial, `its report of ${nowIso} was not signed by its registered key`);
    }
    // A partial bundle: what the Primary withheld from each ECU, and why (5.4.2.1: the Director sees what happened to each ECU).
    for (const u of checked.undelivered ?? []) alerts.push({ serial: u.ecuSerial, kind: "image-undelivered", detail: `${u.target}: ${u.outcome}${u.detail ? `: ${u.detail}` : ""}`.slice(0, 1024) });
    // A changed installed image may put the vehicle in a state that breaks a rule: compared before and after.
    const failedCampaigns = new Map<number, "group" | "all" | null>();
    // Campaigns whose counts this manifest changed: their progress is recorded (at most once a minute each).
    const movedCampaigns = new Set<number>();
    inv.setLastManifestAt(urlVin, nowIso);
    const imagesChanged = checked.accepted.some(({ ecu, report }) => ecu.installed_filename !== (report.installedImage?.filename ?? null));
    const installedBefore = imagesChanged ? this.installedState(urlVin) : null;
    // One statement each for the reports, the installed images and the open assignments of every accepted ECU.
    inv.insertReports(checked.accepted.map(({ ecu, report }) => ({ manifestId, serial: ecu.serial, nonce: report.nonce, installedFilename: report.installedImage?.filename ?? null, releaseCounter: report.releaseCounter, reportTime: report.reportTime, attacksDetected: report.attacksDetected })));
    inv.recordInstalledMany(
      checked.accepted.map(({ ecu, report }) => {
        const img = report.installedImage;
        return { serial: ecu.serial, filename: img?.filename ?? null, length: img?.length ?? null, hashes: img ? JSON.stringify(img.hashes) : null, releaseCounter: report.releaseCounter, reportTime: report.reportTime };
      }),
    );
    // The vehicle's assignments, read once: the open ones per ECU here, all of them (as changed here) for `advance`.
    const assignments = inv.assignmentsOf(urlVin);
    const open = new Map<string, AssignmentRow[]>();
    for (const a of assignments) if (a.status === "queued" || a.status === "published") open.set(a.ecu_serial, [...(open.get(a.ecu_serial) ?? []), a]);
    for (const { ecu, report, reportCounter } of checked.accepted) {
      if (reportCounter !== undefined) inv.setReportCounter(ecu.serial, reportCounter);
      // 5.4.2.1: an ECU's "attacks detected" field goes to the operators.
      if (report.attacksDetected !== "") alerts.push({ serial: ecu.serial, kind: "attack-detected", detail: report.attacksDetected });
      if (report.releaseCounter < ecu.installed_release_counter) {
        alerts.push({ serial: ecu.serial, kind: "release-counter-decreased", detail: `reported ${report.releaseCounter}, previously ${ecu.installed_release_counter}` });
      }
      const img = report.installedImage;
      for (const a of open.get(ecu.serial) ?? []) {
        const last = report.lastInstall;
        // Installed is installed, also when a paused campaign had withdrawn it meanwhile.
        if (img && installedIs(img, a)) {
          inv.setAssignmentStatus(a.id, "installed");
          a.status = "installed";
          if (a.campaign_id !== null) {
            // Its campaign's progress is recorded (counts over every vehicle): not under this vehicle's lock alone.
            if (!inv.sql.holdsGlobalLock()) throw new NeedsGlobalLock();
            movedCampaigns.add(a.campaign_id);
          }
          inv.insertInstallResult({ manifestId, vin: urlVin, serial: ecu.serial, assignmentId: a.id, filename: a.target_name, success: true, code: last?.filename === a.target_name ? last.code : "Ok", detail: last?.filename === a.target_name ? last.detail : "" });
        } else if (a.status === "published" && last && (last.filename === a.target_name || (ecu.encryption !== null && isEncryptedNameOf(last.filename, a.target_name, ecu.serial))) && !last.success) {
          inv.setAssignmentStatus(a.id, "failed");
          a.status = "failed";
          inv.insertInstallResult({ manifestId, vin: urlVin, serial: ecu.serial, assignmentId: a.id, filename: a.target_name, success: false, code: last.code, detail: last.detail });
          if (a.campaign_id !== null) {
            // Its campaign may halt, which changes other vehicles: not under this vehicle's lock alone.
            if (!inv.sql.holdsGlobalLock()) throw new NeedsGlobalLock();
            failedCampaigns.set(a.campaign_id, a.stage);
            movedCampaigns.add(a.campaign_id);
          }
        }
      }
    }
    if (installedBefore) {
      const after = this.installedState(urlVin);
      const names = [...new Set([...installedBefore, ...after].flatMap((e) => (e.image ? [e.image] : [])))];
      // 8.0.6: a vehicle reporting a state that breaks a rule goes to the operators.
      for (const v of newViolations(installedBefore, after, this.inventory.rulesForImages(names))) alerts.push({ serial: v.ecus[0]!, kind: v.rule.kind === "conflicts" ? "image-conflict-reported" : "dependency-unmet-reported", detail: v.detail });
    }
    const shown = alerts.length > MAX_ALERTS_PER_MANIFEST ? alerts.slice(0, MAX_ALERTS_PER_MANIFEST - 1) : alerts;
    if (shown.length < alerts.length) shown.push({ serial: null, kind: "alerts-truncated", detail: `${alerts.length - shown.length} more alerts of this manifest not recorded (${[...new Set(alerts.slice(shown.length).map((a) => a.kind))].join(", ")})` });
    for (const a of shown) inv.insertAlert({ vin: urlVin, serial: a.serial, manifestId, kind: a.kind, detail: a.detail, now: nowIso });
    // Alerts stay bounded at once (a vehicle reporting strangers in every manifest); the rest of the history is pruned in the background (`prune`).
    if (shown.length > 0) inv.pruneAlerts(urlVin, this.retention.alerts);
    this.advance(urlVin, now, assignments);
    // A campaign at its failure threshold halts; the other vehicles it withdrew from are published after the commit.
    for (const [id, stage] of failedCampaigns) for (const vin of this.haltAtThreshold(id, stage, now)) if (vin !== urlVin) this.alsoPublish.add(vin);
    for (const id of movedCampaigns) recordCampaignProgress(inv, id, now, { minIntervalMs: MANIFEST_RECORD_MS });
    return {
      ok: true as const,
      accepted: checked.accepted.map((a) => a.ecu.serial),
      discarded: checked.discarded.map((d) => ({ ecuSerial: d.ecuSerial, reason: d.reason })),
    };
  }

  // ---- retention

  /**
   * Prunes history older than the retention policy, walking the fleet by VIN `batch`
   * vehicles per transaction (each taking those vehicles' locks), from where the last walk
   * stopped (kept in the database, shared by every process), until the walk wraps or
   * `budgetMs` is spent (`serve`'s upkeep calls it). Never removes what is served: the
   * newest version of each role stays, a superseded one for the retention window, and on
   * SQLite a vehicle whose files are behind the database is left for a later walk.
   */
  prune(options: { budgetMs?: number; batch?: number } = {}): PruneResult {
    const batch = options.batch ?? 100;
    const deadline = performance.now() + (options.budgetMs ?? 500);
    const total: PruneResult = { vehicles: 0, reports: 0, alerts: 0, manifests: 0, bodies: 0, metadata: 0 };
    const keep = { manifests: this.retention.manifestBodies, alerts: this.retention.alerts, reportsPerEcu: this.retention.reportsPerEcu };
    for (;;) {
      const cursor = this.inventory.retentionCursor();
      const vins = this.inventory.vinsAfter(cursor, batch);
      const now = this.clock().getTime();
      // Signed before now - window: its expiry is before now - window + lifetime.
      const bound = (role: keyof typeof EXPIRY) => isoTime(new Date(now - this.retention.metadataWindowSeconds * 1000 + EXPIRY[role] * 1000));
      // The cursor row is shared by the processes' walks; any of them moving it is fine.
      this.inventory.transaction(() => {
        const r = this.inventory.pruneHistory(vins, keep);
        const behind = this.servesFromDatabase ? new Set<string>() : this.inventory.unpublishedAmong(vins);
        const old = this.inventory.supersededMetadata(vins.filter((v) => !behind.has(v)), { targets: bound("targets"), snapshot: bound("snapshot"), timestamp: bound("timestamp") });
        // SQLite serves files: a versioned file goes with its row (the file first; if the commit fails, the row is pruned again later).
        if (!this.servesFromDatabase) for (const m of old) if (m.role !== "timestamp") rmSync(join(this.publisher.vehicleDir(m.vin), `${m.version}.${m.role}.json`), { force: true });
        total.metadata += this.inventory.deleteMetadata(old);
        total.vehicles += vins.length;
        total.reports += r.reports;
        total.alerts += r.alerts;
        total.manifests += r.manifests;
        total.bodies += r.bodies;
        // Written only when it moves: a walk that finds nothing changes nothing on disk.
        const next = vins.length < batch ? "" : vins.at(-1)!;
        if (next !== cursor) this.inventory.setRetentionCursor(next);
      }, { vins });
      if (vins.length < batch || performance.now() >= deadline) return total;
    }
  }

  // ---- serving

  /**
   * Re-signs a vehicle's timestamp/snapshot/targets whose lifetime is half gone, and
   * retries a publication still pending (while it fails, the previous files are served).
   */
  refresh(vin: string): void {
    const now = this.clock();
    // The common case (fresh) takes no write lock; a pending publication is retried either way.
    if (this.publisher.isStale(vin, now)) this.inventory.transaction(() => this.inventory.vehicleExists(vin) && this.publisher.stage(vin, null, now), { vins: [vin] });
    this.publishAfterCommit([vin]);
  }

  /** Records the progress of every campaign not cancelled whose counts changed (the server's upkeep); returns the rows written. */
  recordCampaignProgress(): number {
    return recordOpenCampaigns(this.inventory, this.clock());
  }

  /**
   * Re-signs every vehicle's online roles whose lifetime is half gone (the server's timer
   * calls this, so vehicles that fetch rarely still find fresh metadata); returns the VINs re-signed.
   */
  refreshAll(): string[] {
    const resigned: string[] = [];
    for (const vin of this.publisher.staleVins(this.clock())) {
      const now = this.clock();
      if (this.inventory.transaction(() => this.publisher.stage(vin, null, now), { vins: [vin] })) {
        resigned.push(vin);
        this.publishAfterCommit([vin]); // a failure is retried by publishPending
      }
    }
    return resigned;
  }

  /**
   * Checks every file the Director serves (marker, roots, each vehicle's published chain);
   * returns what differed (each already alerted and, where the database is intact, rebuilt).
   */
  checkAll(): StateMismatch[] {
    const found: StateMismatch[] = [];
    const attempt = (check: () => void) => {
      // A rebuilt file is checked again; a second refusal means it could not be rebuilt.
      for (let i = 0; i < 4; i++) {
        try {
          check();
          return;
        } catch (e) {
          if (!(e instanceof StateMismatch)) throw e;
          found.push(e);
          if (!e.rebuilt) return;
        }
      }
    };
    attempt(() => this.state.checkBackend());
    // From the database, each vehicle's rows are checked when served and before new versions
    // build on them; a start does not verify every vehicle's signatures.
    if (!this.servesFromDatabase) for (const vin of this.inventory.listVins()) attempt(() => this.state.checkVehicle(vin));
    return found;
  }

  /** Checked bytes of `N.root.json`, or null (throws StateMismatch when the file is not what was signed). */
  rootFile(version: number): Buffer | null {
    return this.state.rootBytes(version);
  }

  latestRootVersion(): number {
    return this.state.latestRootVersion();
  }

  /** The signed bytes and expiry of the newest Director root. */
  latestRoot(): { version: number; expires: string; bytes: Buffer } | null {
    const version = this.latestRootVersion();
    const bytes = version > 0 ? this.rootFile(version) : null;
    if (!bytes) return null;
    return { version, expires: String(JSON.parse(bytes.toString()).signed.expires), bytes };
  }

  /**
   * Re-signs the Director root with the offline root keys in DIR/keys/offline/ (same
   * keys, new expiry) as version N+1: the database row first, then the file.
   */
  renewRoot(): { version: number; expires: string } {
    const r = this.publishRoot(planRenewal(this.dir, this.currentRootSigned(), this.clock()));
    return { version: r.rootVersion, expires: r.expires };
  }

  /**
   * Replaces the keys of a Director role (Deployment Best Practices 4.3: after a
   * compromise, or routinely): new keys written to DIR/keys/ first, root N+1 listing them
   * (signed by a threshold of N's root keys, and by the new root keys on a root
   * rotation), and in the same transaction every vehicle's metadata the role signs
   * re-signed by the new key (and the old one, so it verifies under either root until
   * N+1 is out); then the vehicles' files, then N+1.root.json.
   */
  rotateKeys(role: RootChange["role"], options: Omit<RootChange, "role"> = {}): RotationResult {
    return this.publishRoot(planRotation(this.dir, this.currentRootSigned(), this.clock(), { role, ...options }));
  }

  private currentRootSigned() {
    this.state.checkBackend();
    const current = this.latestRoot();
    if (!current) throw new Error("the Director has no root");
    return rootSignedOf(current.bytes);
  }

  private publishRoot(plan: ReturnType<typeof planRenewal>): RotationResult {
    const now = this.clock();
    const old = this.keyring.current();
    const vins = this.inventory.transaction(() => {
      if (this.inventory.latestDirectorRootVersion() !== plan.root.version - 1) throw new Error("another Director root was signed meanwhile; run the command again");
      this.inventory.insertDirectorRoot(plan.root.version, plan.root.bytes, false);
      const touched: string[] = [];
      if (plan.resign.size > 0) {
        const r = plan.result.role;
        const online = r === "targets" || r === "snapshot" || r === "timestamp" ? r : null;
        for (const vin of this.inventory.listVins()) {
          if (this.publisher.stage(vin, null, now, { roles: plan.resign, alsoSignedBy: online ? { role: online, key: old[online] } : undefined })) touched.push(vin);
        }
      }
      return touched;
    });
    let publication = this.publishAfterCommit(vins);
    if (publication.publication === "done") {
      try {
        this.publishPending();
      } catch (e) {
        publication = { publication: "pending", publicationDetail: `committed, publication pending: ${(e as Error).message}; the server retries until the served files match the database` };
      }
    }
    return { ...plan.result, vehiclesResigned: vins.length, ...publication };
  }

  /** Bytes of a vehicle's `timestamp.json`, `N.snapshot.json` or `N.targets.json`, or null (throws StateMismatch when not what was signed). */
  vehicleFile(vin: string, name: string): Buffer | null {
    if (!isVin(vin) || !/^(timestamp|[1-9]\d{0,8}\.snapshot|[1-9]\d{0,8}\.targets)\.json$/.test(name)) return null;
    if (name === "timestamp.json") this.refresh(vin);
    return this.state.vehicleBytes(vin, name);
  }
}

/** The (serial, nonce) pairs a parsed manifest's reports claim (what `Inventory.prefetch` looks up). */
function reportNonces(m: VehicleManifest): Array<{ serial: string; nonce: string }> {
  const out: Array<{ serial: string; nonce: string }> = [];
  for (const r of m.signed.ecuVersionReports as unknown[]) {
    const s = typeof r === "object" && r !== null ? (r as { signed?: unknown }).signed : undefined;
    if (typeof s !== "object" || s === null) continue;
    const { ecuSerial, nonce } = s as { ecuSerial?: unknown; nonce?: unknown };
    if (typeof ecuSerial === "string" && typeof nonce === "string") out.push({ serial: ecuSerial, nonce });
  }
  return out;
}

/** Thrown inside a per-vehicle transaction by a change that needs the database-wide lock (its savepoint rolls back; the caller runs it again under that lock). */
class NeedsGlobalLock extends Error {
  constructor() {
    super("needs the database-wide write lock");
  }
}

/** A manifest whose recording failed inside the server (its savepoint was rolled back; the others of its batch stand). */
export class ManifestFailure {
  constructor(readonly cause: unknown) {}
}

/** Why `image` may not be assigned to `ecu`, or null (5.3.2: the Director assigns only what the Image repository signs). */
function assignmentRefusal(ecu: EcuRow, targetName: string, image: ImageTarget | null): Refused | null {
  // Until a workshop records the change, an ECU that reported with another key gets nothing.
  if (ecu.held !== null) return new Refused(409, "ecu-held", `ECU ${ecu.serial} gets no update until a workshop records a change: ${ecu.held}`);
  if (!image) return new Refused(400, "target-not-signed", `the Image repository signs no target ${targetName}`);
  if (!image.custom.hardwareIds.includes(ecu.hardware_id)) {
    return new Refused(400, "hardware-id-mismatch", `${targetName} is for ${image.custom.hardwareIds.join(", ")}, ECU ${ecu.serial} is ${ecu.hardware_id}`);
  }
  if (image.custom.releaseCounter < ecu.installed_release_counter) {
    return new Refused(400, "release-counter-rollback", `${targetName} has release counter ${image.custom.releaseCounter}, ECU ${ecu.serial} reports ${ecu.installed_release_counter} installed`);
  }
  return null;
}

/** A failure threshold within its range (README "Campaigns"). */
function checkThreshold(o: CampaignOptions): void {
  if (o.maxFailures !== undefined && o.maxFailurePercent !== undefined) throw new Refused(400, "invalid-threshold", "a campaign halts at a number of failures or at a percentage, not both");
  if (o.maxFailures !== undefined && (!Number.isSafeInteger(o.maxFailures) || o.maxFailures < 1)) throw new Refused(400, "invalid-threshold", "maxFailures must be a whole number of at least 1");
  if (o.maxFailurePercent !== undefined && (!Number.isSafeInteger(o.maxFailurePercent) || o.maxFailurePercent < 1 || o.maxFailurePercent > 100)) throw new Refused(400, "invalid-threshold", "maxFailurePercent must be a whole number from 1 to 100");
}

/** The installed image is the assigned one: same name, and the same image by the shared rule (model/same-image.ts). */
function installedIs(img: { filename: string; length: number; hashes: Record<string, string> }, a: AssignmentRow): boolean {
  return img.filename === a.target_name && sameImage(img, { length: a.length, hashes: JSON.parse(a.hashes) as Record<string, string> });
}

/** `name` is the Director's name of `plaintextName` encrypted for ECU `serial` (a failure may be reported under either). */
function isEncryptedNameOf(name: string, plaintextName: string, serial: string): boolean {
  try {
    return name === encryptedTargetName(plaintextName, serial);
  } catch {
    return false;
  }
}
