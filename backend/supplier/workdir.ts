// A supplier's own working folder: its key pair, the content of its delegated targets role,
// its images, and the role as last signed. `uptane supplier sign` turns it into a bundle.
//   WORK/supplier.json       {"role": NAME, "expiryDays": D}
//   WORK/NAME.pub.json       the public key to give the OEM (`uptane delegate --key`)
//   WORK/keys/supplier-KEYID.pem   private key, mode 0600
//   WORK/content.json        targets (and delegations to tier-2 suppliers) of the next signing
//   WORK/role.json           the role as last signed (its version is the next one's base)
//   WORK/images/SHA256       image bytes
//   WORK/delegation.json     the paths and hardware IDs delegated to ROLE (delegation-record.ts)
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { diskWriter, type FileWriter } from "../fs/atomic-write.ts";
import { generateSigningKey, keyIdOf, privateKeyPem, signingKeyFromPem, signMetadata, type SigningKey, type TufKey } from "../../model/keys.ts";
import { decodeBundle, encodeBundle, type Bundle } from "../image/bundle.ts";
import { expiryAfterDays, SPEC_VERSION, type DelegatedRole, type Delegations, type Signed, type TargetFile, type TargetsSigned } from "../image/metadata.ts";
import { checkHardwareId, checkRoleName, checkTargetName } from "../image/names.ts";
import { hashesOf } from "../image/publish.ts";
import { buildDelegatedRole, type DelegationSpec } from "../image/delegation.ts";
import { readEd25519PublicKeyHex } from "../director/public-key-file.ts";
import { checkDelegationWithin, checkTargetWithin, DELEGATION_RECORD, inheritHardwareIds, readDelegationFrom, readDelegationRecord, type DelegationRecord } from "./delegation-record.ts";

/** A refusal of the supplier tooling; `code` is its error code for the CLI. */
export class SupplierError extends Error {
  constructor(
    message: string,
    readonly code: "supplier-refused" | "outside-delegation" | "not-a-supplier-folder" | "exists" | "release-counter-rollback" | "invalid-threshold" | "keys-unreadable" | "unreadable-file" = "supplier-refused",
  ) {
    super(message);
  }
}

interface SupplierConfig {
  role: string;
  expiryDays: number;
}

interface Content {
  targets: Record<string, TargetFile>;
  delegations?: Delegations;
}

export const DEFAULT_SUPPLIER_EXPIRY_DAYS = 90;

export async function isSupplierDir(dir: string): Promise<boolean> {
  return stat(join(dir, "supplier.json")).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function readJsonFile<T>(path: string): Promise<T> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (err) {
    throw new SupplierError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? "not valid JSON"}`);
  }
}

async function readConfig(work: string): Promise<SupplierConfig> {
  if (!(await isSupplierDir(work))) throw new SupplierError(`${work} is not a supplier folder (run uptane supplier init first)`, "not-a-supplier-folder");
  const config = await readJsonFile<SupplierConfig>(join(work, "supplier.json"));
  checkRoleName(config.role);
  if (!Number.isSafeInteger(config.expiryDays) || config.expiryDays < 1) throw new SupplierError(`${work}/supplier.json: expiryDays must be a positive integer`);
  return config;
}

async function loadKeys(work: string): Promise<SigningKey[]> {
  const folder = join(work, "keys");
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    throw new SupplierError(`cannot read the key folder ${folder}: ${(err as NodeJS.ErrnoException).code}`, "keys-unreadable");
  }
  const keys: SigningKey[] = [];
  for (const name of names.filter((n) => n.endsWith(".pem"))) {
    try {
      keys.push(signingKeyFromPem(await readFile(join(folder, name), "utf8")));
    } catch (err) {
      throw new SupplierError(`cannot read key file ${join(folder, name)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, "keys-unreadable");
    }
  }
  if (keys.length === 0) throw new SupplierError(`no private key in ${folder}`, "keys-unreadable");
  return keys;
}

export interface SupplierInitResult {
  role: string;
  keyid: string;
  publicKeyFile: string;
}

export async function initSupplier(work: string, role: string, opts: { expiryDays?: number; writer?: FileWriter } = {}): Promise<SupplierInitResult> {
  checkRoleName(role);
  const writer = opts.writer ?? diskWriter;
  const expiryDays = opts.expiryDays ?? DEFAULT_SUPPLIER_EXPIRY_DAYS;
  if (!Number.isSafeInteger(expiryDays) || expiryDays < 1) throw new SupplierError("expiry days must be a positive integer");
  if (await isSupplierDir(work)) throw new SupplierError(`${work} is already a supplier folder`, "exists");
  const existing = await readdir(work).catch(() => [] as string[]);
  if (existing.length > 0) throw new SupplierError(`${work} is not empty; supplier init needs a new or empty folder`, "exists");
  await mkdir(join(work, "keys"), { recursive: true, mode: 0o700 });
  await mkdir(join(work, "images"), { recursive: true });
  const key = generateSigningKey();
  await writer.write(join(work, "keys", `supplier-${key.keyid}.pem`), Buffer.from(privateKeyPem(key)), 0o600);
  const publicKeyFile = join(work, `${role}.pub.json`);
  await writer.write(publicKeyFile, Buffer.from(JSON.stringify(key.publicKey, null, 2) + "\n"));
  await writer.write(join(work, "content.json"), Buffer.from(JSON.stringify({ targets: {} }, null, 2) + "\n"));
  await writer.write(join(work, "supplier.json"), Buffer.from(JSON.stringify({ role, expiryDays }, null, 2) + "\n"));
  return { role, keyid: key.keyid, publicKeyFile };
}

/**
 * Reads a public key file for a delegation: the forms `uptane vehicle add` takes too (a PEM
 * public key, a TUF key JSON object as `supplier init` writes it, or 64 hex characters).
 */
export async function readPublicKeyFile(path: string): Promise<TufKey> {
  return { keytype: "ed25519", scheme: "ed25519", keyval: { public: readEd25519PublicKeyHex(path) } };
}

export interface RecordedDelegation {
  record: DelegationRecord;
  /** What the folder's content holds already that the delegation does not cover (the next sign refuses it). */
  outside: string[];
}

/**
 * Records the delegation FILE (the delegating role's signed metadata: the OEM's
 * `N.targets.json`, or a tier-1 supplier's bundle) makes to this folder's role and keys.
 */
export async function recordSupplierDelegation(work: string, file: string, writer: FileWriter = diskWriter): Promise<RecordedDelegation> {
  const config = await readConfig(work);
  const keys = await loadKeys(work);
  const record = await readDelegationFrom(file, config.role, keys.map((k) => k.keyid));
  const content = await readJsonFile<Content>(join(work, "content.json"));
  await writer.write(join(work, DELEGATION_RECORD), Buffer.from(JSON.stringify(record, null, 2) + "\n"));
  return { record, outside: contentOutside(record, config.role, content) };
}

function contentOutside(record: DelegationRecord, role: string, content: Content): string[] {
  const outside: string[] = [];
  const attempt = (check: () => void) => {
    try {
      check();
    } catch (err) {
      outside.push((err as Error).message);
    }
  };
  for (const [name, info] of Object.entries(content.targets)) attempt(() => checkTargetWithin(record, role, name, info.custom?.hardwareIds ?? []));
  for (const child of content.delegations?.roles ?? []) attempt(() => checkDelegationWithin(record, role, child));
  return outside;
}

/** The folder's delegation record; a delegation needs it (the paths below must stay within it). */
async function requireRecord(work: string, role: string): Promise<DelegationRecord> {
  const record = await readDelegationRecord(work);
  if (!record) {
    throw new SupplierError(
      `${work} does not know the paths delegated to '${role}': record them first with uptane supplier delegation ${work} --from FILE (FILE: the OEM's N.targets.json that delegates to '${role}', or the bundle of the supplier above)`,
    );
  }
  return record;
}

export type SupplierDelegateOptions = DelegationSpec;

/**
 * A tier-1 supplier delegates part of its paths to a tier-2 supplier (signed at the next
 * `supplier sign`): only within the paths and hardware IDs delegated to it (its record).
 */
export async function supplierDelegate(work: string, opts: SupplierDelegateOptions, writer: FileWriter = diskWriter): Promise<DelegatedRole> {
  const config = await readConfig(work);
  if (opts.role === config.role) throw new SupplierError("a role cannot delegate to itself");
  const record = await requireRecord(work, config.role);
  const role = inheritHardwareIds(record, buildDelegatedRole(opts, (m) => new SupplierError(m, "invalid-threshold")));
  checkDelegationWithin(record, config.role, role);
  const content = await readJsonFile<Content>(join(work, "content.json"));
  const d: Delegations = content.delegations ?? { keys: {}, roles: [] };
  d.roles = d.roles.filter((r) => r.name !== role.name).concat(role);
  for (const k of opts.keys) d.keys[keyIdOf(k)] = k;
  content.delegations = d;
  await writer.write(join(work, "content.json"), Buffer.from(JSON.stringify(content, null, 2) + "\n"));
  return role;
}

export interface SupplierImage {
  file: string;
  name: string;
  hardwareIds: string[];
  releaseCounter?: number;
}

export interface SignResult {
  role: string;
  version: number;
  targets: string[];
  bundle: string;
  bytes: number;
  /** SHA-256 of the bundle file: what the supplier confirms to the OEM out of band (portal approval). */
  sha256: string;
}

/**
 * Adds `image` (if given) to the supplier's role, takes the `withdraw` targets out of it, signs the role's next version and writes a
 * bundle holding it, every image it lists, and the roles and images of `includes` (bundles of
 * tier-2 suppliers below this one).
 */
export async function signSupplier(
  work: string,
  opts: { image?: SupplierImage; includes?: string[]; out: string; now?: Date; writer?: FileWriter; withdraw?: string[] },
): Promise<SignResult> {
  const writer = opts.writer ?? diskWriter;
  const now = opts.now ?? new Date();
  const config = await readConfig(work);
  const keys = await loadKeys(work);
  const content = await readJsonFile<Content>(join(work, "content.json"));
  // A folder without a record signs as before (the OEM's import checks the paths); with one,
  // nothing outside it is signed.
  const record = await readDelegationRecord(work);
  if (record) {
    const outside = contentOutside(record, config.role, content);
    if (outside.length > 0) throw new SupplierError(`${outside[0]} (in ${join(work, "content.json")})`, "outside-delegation");
  }
  const included: Bundle[] = [];
  for (const path of opts.includes ?? []) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new SupplierError(`cannot read included bundle ${path}: ${(err as NodeJS.ErrnoException).code}`, "unreadable-file");
    }
    included.push(decodeBundle(bytes));
  }
  if (opts.image) {
    const { file, name, hardwareIds } = opts.image;
    checkTargetName(name);
    if (hardwareIds.length === 0) throw new SupplierError("an image needs at least one hardware ID");
    hardwareIds.forEach(checkHardwareId);
    if (record) checkTargetWithin(record, config.role, name, hardwareIds);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new SupplierError(`cannot read image ${file}: ${(err as NodeJS.ErrnoException).code}`, "unreadable-file");
    }
    const previous = content.targets[name]?.custom?.releaseCounter;
    const releaseCounter = opts.image.releaseCounter ?? previous ?? 0;
    if (previous !== undefined && releaseCounter < previous) throw new SupplierError(`release counter ${releaseCounter} for '${name}' is below the earlier ${previous}`, "release-counter-rollback");
    const hashes = hashesOf(bytes);
    await writer.write(join(work, "images", hashes.sha256), bytes);
    content.targets[name] = { length: bytes.length, hashes, custom: { hardwareIds: [...new Set(hardwareIds)], releaseCounter } };
    await writer.write(join(work, "content.json"), Buffer.from(JSON.stringify(content, null, 2) + "\n"));
  }
  // A recalled image leaves the role: the OEM's import publishes the version without it.
  const withdrawn = opts.withdraw ?? [];
  for (const name of withdrawn) if (!content.targets[name]) throw new SupplierError(`the role lists no target '${name}' to withdraw`);
  if (withdrawn.length > 0) {
    for (const name of withdrawn) delete content.targets[name];
    await writer.write(join(work, "content.json"), Buffer.from(JSON.stringify(content, null, 2) + "\n"));
  }
  const last = await readFile(join(work, "role.json"), "utf8").then(
    (t) => JSON.parse(t) as Signed<TargetsSigned>,
    () => undefined,
  );
  const signed: TargetsSigned = {
    _type: "targets",
    spec_version: SPEC_VERSION,
    version: (last?.signed.version ?? 0) + 1,
    expires: expiryAfterDays(now, config.expiryDays),
    targets: content.targets,
    ...(content.delegations ? { delegations: content.delegations } : {}),
  };
  const doc = signMetadata(signed, keys);
  const images = new Map<string, Buffer>();
  for (const [name, info] of Object.entries(content.targets)) {
    const sha = info.hashes.sha256!;
    try {
      images.set(sha, await readFile(join(work, "images", sha)));
    } catch {
      throw new SupplierError(`image of '${name}' is missing from ${join(work, "images")}`);
    }
  }
  const bundle: Bundle = { roles: [{ name: config.role, metadata: doc }], images };
  for (const inc of included) {
    bundle.roles.push(...inc.roles);
    for (const [sha, bytes] of inc.images) images.set(sha, bytes);
  }
  const encoded = encodeBundle(bundle);
  // The signed version is recorded first: a failure after it only skips a version number,
  // never hands out two different documents with the same version.
  await writer.write(join(work, "role.json"), Buffer.from(JSON.stringify(doc) + "\n"));
  await writer.write(opts.out, encoded);
  return { role: config.role, version: signed.version, targets: Object.keys(content.targets), bundle: opts.out, bytes: encoded.length, sha256: createHash("sha256").update(encoded).digest("hex") };
}

export type { SigningKey };
