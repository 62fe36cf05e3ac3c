// The one table of error codes the `uptane` command prints (README "CLI": the exit-status
// and JSON contract) and the HTTP API answers: each code with its exit status and what it
// means. `describeError` turns anything a command throws into a code from this table, so
// every refusal leaves the CLI as `{"ok":false,"error":CODE,"detail":TEXT}` with --json and
// `uptane COMMAND: TEXT` on standard error without, with the code's exit status.
import { UsageError } from "./command.ts";
import { Refused } from "../../backend/director/errors.ts";
import { NameError } from "../../backend/image/names.ts";
import { InitOptionError } from "../../backend/image/part.ts";
import { TlsInitError } from "../../backend/tls/part.ts";
import { InitError } from "../../backend/init.ts";
import { LockError } from "../../backend/fs/lock.ts";
import { KeyStoreError } from "../../backend/image/keystore.ts";
import { RepositoryError } from "../../backend/image/published.ts";
import { MetadataError } from "../../backend/image/metadata.ts";
import { BundleError } from "../../backend/image/bundle.ts";
import { OfflineBundleError } from "../../host/primary/offline-bundle.ts";
import { SupplierError } from "../../backend/supplier/workdir.ts";
import { DelegationRecordError } from "../../backend/supplier/delegation-record.ts";
import { ServeError } from "../../backend/serve.ts";
import { ExpiredRoleError } from "../../backend/offline-expiry.ts";
import { CertificateError } from "../../backend/tls/vehicle-certificates.ts";
import { PublicKeyFileError } from "../../backend/director/public-key-file.ts";
import { VerificationError } from "../../model/outcome.ts";
import { TransportError } from "../../host/primary/errors.ts";
import { DirectorApiError } from "../vehicle/director-api.ts";
import { ProvisioningError } from "../../host/primary/provisioning-check.ts";
import { FactoryBundleError } from "../../model/factory-bundle.ts";
import { AccountError } from "../../backend/supplier-portal/accounts.ts";
import { ConsoleUserError } from "../../backend/console/users.ts";
import { SubmissionError } from "../../backend/supplier-portal/submissions.ts";
import { RotationError } from "../../backend/director/key-rotation.ts";
import { FleetCredentialError } from "../../backend/aktualizr/provisioning.ts";
import { DirectorKeyError } from "../../backend/director/director-keys.ts";
import { BackupError } from "../../backend/backup/backup.ts";
import { BackupStoreError } from "../../backend/backup/listing.ts";
import { DatabaseDriverMissing } from "../../backend/inventory/sql-engine.ts";
import { KeyServiceError } from "../../backend/keyservice/keyservice.ts";
import { KeyOptionError } from "../../backend/keys/key-options.ts";
import { TokenError, TokenFileError } from "../../backend/keys/pkcs11-token.ts";

/** Exit status 2: the command line is wrong; 1: the command line was fine, the operation was refused or failed. */
export type ExitStatus = 1 | 2 | 3;

interface CodeSpec {
  exit: ExitStatus;
  /** One line for the README's table. */
  meaning: string;
  /** Only the HTTP API answers it (no command can meet it). */
  httpOnly?: true;
}

export const ERROR_CODES = {
  // 2: bad usage. Fix the command line.
  usage: { exit: 2, meaning: "an unknown option, a missing or malformed option value, a wrong number of arguments" },
  "unreadable-file": { exit: 2, meaning: "a file or folder named on the command line does not exist, cannot be read or is the wrong kind" },
  "unwritable-file": { exit: 2, meaning: "an output file named on the command line cannot be written (a folder, or its folder is missing or not writable)" },
  "not-a-backend": { exit: 2, meaning: "DIR holds no backend (`uptane init` makes one)" },
  "not-a-supplier-folder": { exit: 2, meaning: "WORK is not a supplier folder (`uptane supplier init` makes one)" },
  "invalid-vin": { exit: 2, meaning: "a VIN outside the rule (1-64 of letters, digits, _ -)" },
  "invalid-serial": { exit: 2, meaning: "an ECU serial outside the rule (1-64 of letters, digits, . _ -)" },
  "invalid-hardware-id": { exit: 2, meaning: "a hardware ID outside the rule (1-64 of letters, digits, . _ -)" },
  "invalid-target-name": { exit: 2, meaning: "a target name outside the rule (a relative path of safe segments)" },
  "invalid-role-name": { exit: 2, meaning: "a delegated role name outside the rule" },
  "invalid-path-pattern": { exit: 2, meaning: "a delegation path pattern outside the rule" },
  "invalid-public-key": { exit: 2, meaning: "a public key file (or API field) that holds no Ed25519, P-256 or RSA (2048-4096 bits) public key" },
  "invalid-tls-key": { exit: 2, meaning: "a TLS public key that is not an ECDSA P-256 PEM key" },
  "invalid-encryption-key": { exit: 2, meaning: "an ECU encryption key file (or API field) that holds no X25519 public key, one of low order, or two encryption keys for one ECU" },
  "invalid-shared-key": { exit: 2, meaning: "a shared ECU encryption key file that holds neither 16 raw bytes nor 32 hex characters, or all zeros" },
  "duplicate-encryption-key": { exit: 2, meaning: "two ECUs of one vehicle with the same encryption key" },
  "invalid-root": { exit: 2, meaning: "`primary init`: a root that does not verify by its own threshold, or the other repository's (or a bundle without both repositories' four roles)" },
  "invalid-factory-bundle": { exit: 2, meaning: "`primary init --bundle`: a file that is not a factory bundle (`uptane provision` writes one)" },
  "no-time": { exit: 2, meaning: "`primary init --bundle`: the bundle holds no time attestation and no `--time` was given" },
  "invalid-config": { exit: 2, meaning: "a vehicle config file that is not what `uptane simulate --help` describes" },
  "no-ecus": { exit: 2, meaning: "a vehicle registered without ECUs" },
  "primary-count": { exit: 2, meaning: "a vehicle registered without exactly one Primary" },
  "duplicate-serial": { exit: 2, meaning: "two ECUs of one vehicle with the same serial" },
  "duplicate-ecu-key": { exit: 2, meaning: "two ECUs of one vehicle with the same public key" },
  "invalid-threshold": { exit: 2, meaning: "a threshold (or a number of keys) out of its range, e.g. above the number of distinct keys given" },
  "invalid-account-name": { exit: 2, meaning: "a supplier or workshop account name outside the rule" },
  "invalid-fleet-name": { exit: 2, meaning: "a fleet credential name outside the rule (1-48 of a-z 0-9 _ -)" },
  "invalid-sha256": { exit: 2, meaning: "`--expect-sha256` is not 64 hexadecimal digits" },
  "invalid-rule": { exit: 2, meaning: "a dependency or conflict rule that names no other image, two of them, or its own image" },
  "invalid-time": { exit: 2, meaning: "a time that is not YYYY-MM-DDTHH:MM:SSZ" },
  "unknown-attack": { exit: 2, meaning: "`uptane demo --attack` names no attack" },
  // 1: refused or failed. The command line was fine; the state, the data or the network said no.
  failed: { exit: 1, meaning: "the operation failed for a reason with no code of its own (the detail says what)" },
  exists: { exit: 1, meaning: "the folder or file to create already holds something" },
  busy: { exit: 1, meaning: "another running command holds the backend's lock" },
  "database-driver-missing": { exit: 1, meaning: "the inventory's database driver is not installed (`npm install better-sqlite3`, or `pg` for PostgreSQL)" },
  "repository-corrupt": { exit: 1, meaning: "stored metadata does not verify or does not parse (the file is named)" },
  "keys-unreadable": { exit: 1, meaning: "a key folder or key file cannot be read or does not match" },
  "pkcs11-refused": { exit: 1, meaning: "the PKCS#11 module or token refused: no token with that label, a wrong PIN, a mechanism or key it lacks (the detail says which, never the PIN)" },
  "role-expired": { exit: 1, meaning: "a role signed with offline keys has expired (the detail names the renewing command)" },
  "repository-refused": { exit: 1, meaning: "the Image repository refused the operation (the detail says why)" },
  "bundle-refused": { exit: 1, meaning: "a supplier bundle failed a check; nothing was imported" },
  "offline-bundle-refused": { exit: 1, meaning: "an offline-update bundle lacks a file or a file does not match its listing; nothing was verified or installed" },
  "supplier-refused": { exit: 1, meaning: "the supplier folder refused the operation (e.g. a lowered release counter)" },
  "certificate-error": { exit: 1, meaning: "a vehicle client certificate cannot be issued or revoked" },
  "serve-failed": { exit: 1, meaning: "`uptane serve` cannot start (no TLS files, a chain that does not verify, a port in use)" },
  "unsupported-mapping": { exit: 1, meaning: "`primary init --bundle`: a repository mapping this version cannot honour (the detail says what)" },
  "verification-failed": { exit: 1, meaning: "an Uptane verification refused the metadata or an image (`outcome` names it)" },
  "no-update": { exit: 3, meaning: "`uptane verify` only: the metadata verifies but lists no image for the ECU" },
  unreachable: { exit: 1, meaning: "the backend could not be reached" },
  "vehicle-refused": { exit: 1, meaning: "`uptane simulate`: an ECU of the vehicle refused something in a cycle" },
  "attack-not-caught": { exit: 1, meaning: "`uptane demo --attack`: no ECU refused the attack" },
  "role-not-delegated": { exit: 1, meaning: "a role the Image repository does not delegate (a supplier account's, or `supplier remove`'s: a role the OEM's targets delegate), or a delegating file that delegates nothing to the supplier folder's role and key" },
  "outside-delegation": { exit: 1, meaning: "a supplier folder's delegation or image outside the paths or hardware IDs delegated to its role" },
  "unknown-account": { exit: 1, meaning: "no supplier account, workshop account or console user with that name" },
  "account-disabled": { exit: 1, meaning: "the supplier account, workshop account or console user is disabled already" },
  "last-admin": { exit: 1, meaning: "disabling the console's last enabled administrator (add another admin first)" },
  "wrong-password": { exit: 1, meaning: "a console password change whose current password is wrong (or whose user is unknown or disabled); nothing changed" },
  "unknown-submission": { exit: 1, meaning: "no supplier submission with that ID" },
  "submission-closed": { exit: 1, meaning: "the submission was approved, rejected or refused already" },
  "sha256-mismatch": { exit: 1, meaning: "the submission is not the bundle whose SHA-256 was confirmed out of band; nothing approved" },
  "submission-unreadable": { exit: 1, meaning: "the submission's stored bundle cannot be read" },
  "fleet-credential-refused": { exit: 1, meaning: "a fleet credential of that name exists already, does not exist, or is revoked already" },
  "registration-refused": { exit: 1, meaning: "enrolment: the Director refused the vehicle's registration (the detail has its code)" },
  // The Director's refusals, over the CLI and the HTTP API alike.
  "unknown-vin": { exit: 1, meaning: "no vehicle with that VIN is registered" },
  "unknown-ecu": { exit: 1, meaning: "the vehicle has no ECU with that serial" },
  "vehicle-exists": { exit: 1, meaning: "a vehicle with that VIN is registered already" },
  "ecu-exists": { exit: 1, meaning: "an ECU serial is registered already" },
  "ecu-key-exists": { exit: 1, meaning: "an ECU's public key is another registered ECU's already" },
  "target-not-signed": { exit: 1, meaning: "the Image repository signs no such target" },
  "hardware-id-mismatch": { exit: 1, meaning: "the target is not for the ECU's hardware ID" },
  "release-counter-rollback": { exit: 1, meaning: "the target's release counter is below the one installed" },
  "wrong-profile": { exit: 1, meaning: "the vehicle runs the other client profile (uptane or aktualizr) than the request assumes" },
  "ecus-self-registered": { exit: 2, meaning: "an aktualizr vehicle is added without ECUs: it registers them itself" },
  "dependency-unmet": { exit: 1, meaning: "the result would leave an ECU's image without the image a rule requires on another ECU (the detail names the rule and the ECUs)" },
  "image-conflict": { exit: 1, meaning: "the result would leave two ECUs of a vehicle with images a rule says conflict (the detail names the rule and the ECUs)" },
  "unknown-campaign": { exit: 1, meaning: "no campaign with that number" },
  "campaign-not-active": { exit: 1, meaning: "the campaign is not in a state that allows it (promote an active one at its reserved group, pause an active one, resume a paused or halted one, cancel one not cancelled)" },
  "unknown-alert": { exit: 1, meaning: "no alert with that number" },
  "alert-acknowledged": { exit: 1, meaning: "the alert is acknowledged already" },
  "backup-refused": { exit: 1, meaning: "OUT is not a backup folder, holds no such listing, or was changed (a listing or object that does not match its SHA-256)" },
  "audit-findings": { exit: 1, meaning: "`uptane audit` found files added, changed or removed since the backup, or something that does not verify (`findings` lists them)" },
  "rule-exists": { exit: 1, meaning: "the same dependency or conflict rule is recorded already" },
  "unknown-rule": { exit: 1, meaning: "no dependency or conflict rule with that number" },
  decommissioned: { exit: 1, meaning: "the vehicle was decommissioned: nothing is served to it, assigned to it or taken from it" },
  "ecu-held": { exit: 1, meaning: "the ECU reported with another key than its registered one: no update until a workshop records the change" },
  "primary-required": { exit: 1, meaning: "a change that would leave the vehicle without its Primary (replace it with replace-primary)" },
  "image-withdrawn": { exit: 1, meaning: "the target was withdrawn (or its supplier removed): it is never assigned again" },
  "image-role-expired": { exit: 1, meaning: "a role of the Image repository on the way to the target has expired" },
  "encryption-key-exists": { exit: 1, meaning: "the key service holds the other kind of encryption key for that ECU serial already (one per ECU)" },
  "no-encryption-key": { exit: 1, meaning: "an ECU registered for encrypted images whose key the key service does not hold" },
  "keystore-unsafe": { exit: 1, meaning: "the key service's store (DIR/keyservice/) or a key file in it is open to other users or not a plain file" },
  "keystore-corrupt": { exit: 1, meaning: "a key file of the key service is not of its size or form" },
  "image-file-missing": { exit: 1, meaning: "the Image repository's file of a target to encrypt for an ECU cannot be read in DIR" },
  "image-not-encryptable": { exit: 1, meaning: "a target that cannot be encrypted for an ECU (its file differs from its entry, or the encrypted name would be too long)" },
  // The HTTP API only.
  "invalid-request": { exit: 1, httpOnly: true, meaning: "a request body field is missing or malformed" },
  "invalid-json": { exit: 1, httpOnly: true, meaning: "a request body is not JSON" },
  "too-deeply-nested": { exit: 1, httpOnly: true, meaning: "a request body nests deeper than 32" },
  "body-too-large": { exit: 1, httpOnly: true, meaning: "a request body is over its cap" },
  "method-not-allowed": { exit: 1, httpOnly: true, meaning: "the path does not take that method" },
  "not-found": { exit: 1, httpOnly: true, meaning: "no such file or path" },
  unauthorized: { exit: 1, httpOnly: true, meaning: "the write API's bearer token is missing or wrong" },
  unauthenticated: { exit: 1, httpOnly: true, meaning: "no valid, unrevoked vehicle client certificate" },
  forbidden: { exit: 1, httpOnly: true, meaning: "the certificate's vehicle is not the one in the path" },
  "tls-required": { exit: 1, httpOnly: true, meaning: "the write API over plain HTTP" },
  "vin-mismatch": { exit: 1, httpOnly: true, meaning: "a manifest for another vehicle than the path's" },
  "unknown-primary": { exit: 1, httpOnly: true, meaning: "a manifest signed by no registered Primary" },
  "invalid-manifest": { exit: 1, httpOnly: true, meaning: "a vehicle manifest that does not parse" },
  "bad-primary-signature": { exit: 1, httpOnly: true, meaning: "a manifest whose Primary signature does not verify" },
  "bad-primary-report": { exit: 1, httpOnly: true, meaning: "the Primary's own version report is refused" },
  "invalid-nonce": { exit: 1, httpOnly: true, meaning: "a time attestation request with a malformed nonce" },
  "replayed-nonce": { exit: 1, httpOnly: true, meaning: "a manifest nonce seen before" },
  "stale-report": { exit: 1, httpOnly: true, meaning: "the Primary's report is older than its last accepted one (a replay)" },
  "too-many-requests": { exit: 1, httpOnly: true, meaning: "over the vehicle's or the address's request rate (429, Retry-After)" },
  "invalid-bundle": { exit: 1, httpOnly: true, meaning: "an uploaded supplier bundle that does not decode" },
  "role-not-yours": { exit: 1, httpOnly: true, meaning: "an upload of a role the supplier account does not deliver" },
  "invalid-registration": { exit: 1, httpOnly: true, meaning: "an aktualizr ECU registration that does not parse" },
  "not-registered": { exit: 1, httpOnly: true, meaning: "an aktualizr manifest before the device registered its ECUs" },
  "replayed-report": { exit: 1, httpOnly: true, meaning: "an aktualizr Primary report whose counter is not above the last accepted one" },
  ecu_already_registered: { exit: 1, httpOnly: true, meaning: "an aktualizr device registering other ECUs or keys than it did (aktualizr's own code)" },
  "unsupported-key-type": { exit: 1, httpOnly: true, meaning: "an aktualizr ECU key of a type other than Ed25519" },
  "login-locked": { exit: 1, httpOnly: true, meaning: "too many wrong passwords for the console user or from the address: wait (Retry-After) and try again" },
  "logins-busy": { exit: 1, httpOnly: true, meaning: "too many password checks at once (503): try again in a few seconds" },
  "shared-key-over-http": { exit: 1, httpOnly: true, meaning: "a shared ECU encryption key sent over HTTP (it is registered from a file with `uptane vehicle add --shared-encryption-key`)" },
  "internal-error": { exit: 1, httpOnly: true, meaning: "the server failed (its log says why; nothing is claimed about state)" },
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** A refusal raised in the CLI layer with its code. */
export class CliError extends Error {
  constructor(
    readonly code: ErrorCode,
    detail: string,
    /** Extra fields for the JSON error object (e.g. `outcome`). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export interface DescribedError {
  code: ErrorCode;
  exit: ExitStatus;
  detail: string;
  fields: Record<string, unknown>;
}

/** Anything a command threw, as a code of the table, its exit status and a detail. */
export function describeError(err: unknown): DescribedError {
  const [code, fields] = codeOf(err);
  return { code, exit: ERROR_CODES[code].exit, detail: detailOf(err), fields };
}

function codeOf(err: unknown): [ErrorCode, Record<string, unknown>] {
  if (err instanceof CliError) return [err.code, err.fields];
  if (err instanceof UsageError || err instanceof InitOptionError || err instanceof TlsInitError || err instanceof KeyOptionError) return ["usage", {}];
  if (err instanceof TokenFileError) return ["unreadable-file", {}];
  if (err instanceof TokenError) return ["pkcs11-refused", {}];
  if (err instanceof NameError) return [err.code, {}];
  if (err instanceof Refused) return [isErrorCode(err.code) ? err.code : "failed", {}];
  if (err instanceof PublicKeyFileError) return ["invalid-public-key", {}];
  if (err instanceof KeyServiceError) return [isErrorCode(err.code) ? err.code : "failed", {}];
  if (err instanceof InitError) return ["exists", {}];
  if (err instanceof LockError) return ["busy", {}];
  if (err instanceof DatabaseDriverMissing) return ["database-driver-missing", {}];
  if (err instanceof KeyStoreError || err instanceof DirectorKeyError) return ["keys-unreadable", {}];
  if (err instanceof RepositoryError) return [err.code, {}];
  if (err instanceof MetadataError) return ["repository-corrupt", {}];
  if (err instanceof ExpiredRoleError) return ["role-expired", {}];
  if (err instanceof BundleError) return ["bundle-refused", {}];
  if (err instanceof OfflineBundleError) return ["offline-bundle-refused", {}];
  if (err instanceof SupplierError || err instanceof DelegationRecordError) return [err.code, {}];
  if (err instanceof CertificateError) return [err.code, {}];
  if (err instanceof AccountError || err instanceof SubmissionError || err instanceof ConsoleUserError) return [err.code, {}];
  if (err instanceof RotationError) return ["invalid-threshold", {}];
  if (err instanceof FleetCredentialError) return [err.code, {}];
  if (err instanceof ProvisioningError) return [err.code, {}];
  if (err instanceof FactoryBundleError) return ["invalid-factory-bundle", {}];
  if (err instanceof ServeError) return ["serve-failed", {}];
  if (err instanceof BackupError) return [err.code, {}];
  if (err instanceof BackupStoreError) return ["backup-refused", {}];
  if (err instanceof VerificationError) return ["verification-failed", { outcome: err.outcome }];
  if (err instanceof TransportError) return ["unreachable", { outcome: "TransportError" }];
  if (err instanceof DirectorApiError) return err.status === 0 ? ["unreachable", {}] : ["registration-refused", { status: err.status, apiError: err.code }];
  return ["failed", {}];
}

/** The error's message; a system error from Node names the operation and the path in words, not its raw form. */
function detailOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const sys = err as NodeJS.ErrnoException;
  if (typeof sys.code === "string" && typeof sys.syscall === "string" && err.message.startsWith(`${sys.code}:`)) {
    const what = SYSTEM_ERRORS[sys.code] ?? sys.code;
    return sys.path ? `cannot ${sys.syscall} ${sys.path}: ${what}` : `${sys.syscall} failed: ${what}`;
  }
  return err.message;
}

const SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a folder",
  ENOTDIR: "a part of the path is not a folder",
  EEXIST: "already exists",
  ENOSPC: "no space left on the device",
  EROFS: "read-only file system",
  EADDRINUSE: "address in use",
};
