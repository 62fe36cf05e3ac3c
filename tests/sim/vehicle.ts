// One vehicle's view of the world: a Director repository made for it, the Image
// repository, the images' bytes, and the time server. Builds the standard scenario in a
// few calls and hands every part to the tests to break.
import { encryptForEcu, type Encrypted, type Recipient } from "../helpers/encrypt-image.ts";
import { canonicalBytes } from "../../model/canonical-json.ts";
import { signBytes, type SigningKey } from "../../model/keys.ts";
import type { RepositoryFiles, VerifiedTarget } from "../../model/verification.ts";
import { DAY, RepoSim, SIM_NOW, hashesOf, keys, type DelegationSpec, type Json } from "./repository.ts";
import type { Dialect } from "./dialect.ts";
import { aktualizrSignature } from "./dialect.ts";
import { isoTime } from "../../model/iso-time.ts";

export interface EcuSpec {
  serial: string;
  hardwareId: string;
}

export interface ImageSpec {
  name: string;
  bytes: Uint8Array;
  hardwareIds: string[];
  releaseCounter?: number;
  /** Targets role of the Image repository that signs it (default the top-level role). */
  role?: string;
}

export const DEFAULT_VIN = "WVWZZZ1JZXW000001";
export const DEFAULT_ECUS: EcuSpec[] = [
  { serial: "primary-001", hardwareId: "hw-primary" },
  { serial: "brakes-002", hardwareId: "hw-brakes" },
];

export function imageBytes(name: string, length = 1024): Uint8Array {
  const out = new Uint8Array(length);
  let x = 0;
  for (const c of name) x = (x * 31 + c.charCodeAt(0)) >>> 0;
  for (let i = 0; i < length; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

export class VehicleSim {
  readonly vin: string;
  readonly ecus: EcuSpec[];
  readonly director: RepoSim;
  readonly image: RepoSim;
  readonly images = new Map<string, Uint8Array>();
  /** Names in `images` that are ciphertexts the Director serves (assignEncrypted). */
  readonly encrypted = new Set<string>();
  /** The reference time tests verify at (defaults expire a year later). */
  now: number;

  constructor(opts: { vin?: string; ecus?: EcuSpec[]; now?: number; dialect?: Dialect } = {}) {
    this.vin = opts.vin ?? DEFAULT_VIN;
    this.ecus = opts.ecus ?? DEFAULT_ECUS.map((e) => ({ ...e }));
    this.now = opts.now ?? SIM_NOW;
    this.director = new RepoSim("director", { now: this.now, timeserver: true, dialect: opts.dialect });
    this.image = new RepoSim("image", { now: this.now, dialect: opts.dialect });
    this.director.targetsCustom = { vin: this.vin };
  }

  /**
   * The usual scenario: one image per ECU signed by the Image repository's top-level
   * targets role and assigned to that ECU by the Director.
   */
  static standard(opts: ConstructorParameters<typeof VehicleSim>[0] = {}): VehicleSim {
    const v = new VehicleSim(opts);
    for (const ecu of v.ecus) {
      const name = `${ecu.hardwareId}-1.0.bin`;
      v.addImage({ name, bytes: imageBytes(name), hardwareIds: [ecu.hardwareId], releaseCounter: 1 });
      v.assign(ecu.serial, name);
    }
    return v;
  }

  ecu(serial: string): EcuSpec {
    const e = this.ecus.find((x) => x.serial === serial);
    if (!e) throw new Error(`no ECU ${serial} in the vehicle`);
    return e;
  }

  get primary(): EcuSpec {
    return this.ecus[0]!;
  }

  /** Signs an image in the Image repository (top-level targets or a delegated role). */
  addImage(spec: ImageSpec): void {
    this.images.set(spec.name, spec.bytes);
    this.image.addTarget(
      spec.name,
      { length: spec.bytes.length, hashes: hashesOf(spec.bytes), custom: { hardwareIds: [...spec.hardwareIds], releaseCounter: spec.releaseCounter ?? 1 } },
      spec.role ?? "targets",
    );
  }

  /** Delegates from the Image repository's top-level targets (or `parent`) to a supplier role; fresh keys unless given. */
  delegate(spec: Omit<DelegationSpec, "keys" | "threshold"> & { keys?: SigningKey[]; threshold?: number }, parent = "targets"): DelegationSpec {
    const full: DelegationSpec = { ...spec, keys: spec.keys ?? keys(1), threshold: spec.threshold ?? 1 };
    this.image.delegate(full, parent);
    return full;
  }

  /**
   * The Director assigns an image to an ECU: a target copied from the Image repository's
   * entry (length, hashes, releaseCounter) with the ECU's identifiers.
   */
  assign(serial: string, name: string, opts: { hardwareId?: string; releaseCounter?: number; uri?: string } = {}): void {
    const bytes = this.images.get(name);
    if (!bytes) throw new Error(`no image ${name}`);
    const hardwareId = opts.hardwareId ?? this.ecus.find((e) => e.serial === serial)?.hardwareId ?? "hw-unknown";
    const imageEntry = this.findImageEntry(name);
    const releaseCounter = opts.releaseCounter ?? (imageEntry?.custom?.releaseCounter as number | undefined) ?? 1;
    const existing = this.director.targets.get("targets")!.get(name);
    const ecuIdentifiers = { ...((existing?.custom?.ecuIdentifiers as Json) ?? {}), [serial]: { hardwareId } };
    const hardwareIds = [...new Set([...((existing?.custom?.hardwareIds as string[]) ?? []), hardwareId])];
    this.director.addTarget(name, {
      length: bytes.length,
      hashes: hashesOf(bytes),
      custom: { ecuIdentifiers, hardwareIds, releaseCounter, ...(opts.uri ? { uri: opts.uri } : {}) },
    });
  }

  /**
   * The Director assigns an image to an ECU encrypted for it (README "Per-ECU image
   * encryption"): the entry names the ciphertext (its length and hashes) and carries
   * custom.encryption; `tamper` edits custom.encryption before it is signed. Returns the
   * encrypted image (its ciphertext is what the Director serves).
   */
  assignEncrypted(serial: string, plaintextName: string, recipient: Recipient, opts: { releaseCounter?: number; plaintext?: Uint8Array; tamper?: (encryption: Json) => void; forSerial?: string } = {}): Encrypted {
    const bytes = opts.plaintext ?? this.images.get(plaintextName);
    if (!bytes) throw new Error(`no image ${plaintextName}`);
    const hardwareId = this.ecus.find((e) => e.serial === serial)?.hardwareId ?? "hw-unknown";
    const imageEntry = this.findImageEntry(plaintextName);
    const releaseCounter = opts.releaseCounter ?? (imageEntry?.custom?.releaseCounter as number | undefined) ?? 1;
    const enc = encryptForEcu(bytes, plaintextName, opts.forSerial ?? serial, recipient);
    this.images.set(enc.name, enc.ciphertext); // what the Director serves for this ECU
    this.encrypted.add(enc.name);
    const encryption = JSON.parse(JSON.stringify(enc.encryption)) as Json;
    opts.tamper?.(encryption);
    this.director.addTarget(enc.name, {
      length: enc.ciphertext.length,
      hashes: hashesOf(enc.ciphertext),
      custom: { ecuIdentifiers: { [serial]: { hardwareId } }, hardwareIds: [hardwareId], releaseCounter, encryption },
    });
    return enc;
  }

  private findImageEntry(name: string) {
    for (const map of this.image.targets.values()) {
      const e = map.get(name);
      if (e) return e;
    }
    return undefined;
  }

  /** Both repositories' documents for one cycle, for a verifier holding the given root versions. */
  files(trusted: { director?: number; image?: number } = {}): { director: RepositoryFiles; image: RepositoryFiles } {
    return { director: this.director.files(trusted.director ?? 1), image: this.image.files(trusted.image ?? 1) };
  }

  /** A new cycle: new timestamp, snapshot and targets versions in both repositories. */
  nextCycle(): void {
    this.director.bump("timestamp", "snapshot", "targets");
    this.image.bump("timestamp", "snapshot", "targets");
  }

  /** The FullVerifierConfig for an ECU of this vehicle, pinning root version 1 of each repository. */
  fullConfig(serial = this.primary.serial, installedReleaseCounter = 0) {
    return {
      directorRoot: this.director.root(1),
      imageRoot: this.image.root(1),
      ecu: { serial, hardwareId: this.ecu(serial).hardwareId, installedReleaseCounter },
      vin: this.vin,
      vehicleEcus: this.ecus.map((e) => e.serial),
    };
  }

  /** The PartialVerifier config for an ECU, pinning Director root version 1. */
  partialConfig(serial = this.primary.serial, installedReleaseCounter = 0) {
    return { directorRoot: this.director.root(1), ecu: { serial, hardwareId: this.ecu(serial).hardwareId, installedReleaseCounter } };
  }

  /** What a verifier should report for an ECU's assigned image. */
  expectedTarget(name: string, serial = this.primary.serial): VerifiedTarget {
    const e = this.director.targets.get("targets")!.get(name)!;
    const ids = e.custom?.ecuIdentifiers as Record<string, { hardwareId: string }>;
    return {
      name,
      length: e.length,
      hashes: { ...e.hashes },
      hardwareId: ids[serial]!.hardwareId,
      releaseCounter: e.custom?.releaseCounter as number,
      ...(e.custom?.uri ? { uri: e.custom.uri as string } : {}),
    };
  }

  /** Name of the image the Director assigns to an ECU. */
  assignedName(serial = this.primary.serial): string {
    for (const [name, e] of this.director.targets.get("targets")!) {
      if ((e.custom?.ecuIdentifiers as Json)?.[serial]) return name;
    }
    throw new Error(`no target for ${serial}`);
  }

  /**
   * A time attestation in the agreed format, signed by the Director root's timeserver key
   * (or `signers`); `tamper` edits `signed` after signing; `isoTime` signs that text as
   * the time instead of `time` (dates that do not exist, for the strict date check).
   */
  timeAttestation(opts: { time?: number; isoTime?: string; nonces: string[]; signers?: SigningKey[]; tamper?: (signed: Json) => void }): Uint8Array {
    const signed = { nonces: [...opts.nonces], time: opts.isoTime ?? isoTime(opts.time ?? this.now) };
    const bytes = canonicalBytes(signed);
    const signers = opts.signers ?? this.director.roles.timeserver.keys;
    const signatures = signers.map((k) => (this.director.dialect === "aktualizr" ? aktualizrSignature(k, bytes) : signBytes(k, bytes)));
    opts.tamper?.(signed);
    return Buffer.from(JSON.stringify({ signatures, signed }), "utf8");
  }
}

export { DAY, SIM_NOW, RepoSim, hashesOf, keys };
