// The `uptane` contract (README "CLI"), walked over every command of the command table: exit
// 0 done, 1 refused or failed, 2 bad usage (a missing file named on the command line
// included); with --json exactly one JSON object on standard output, errors as
// {"ok":false,"error":CODE,"detail":TEXT} with CODE from the one table (app/cli/errors.ts);
// without --json an error is one line on standard error naming the command. Every refused
// run leaves the backend, the supplier folder and the vehicle state byte-identical.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { commands } from "../app/cli/commands.ts";
import { ERROR_CODES, isErrorCode } from "../app/cli/errors.ts";
import { uptane } from "./helpers/uptane-in-process.ts";
import { hashTree, newBackend, publishedTargetsFile, removeTempDirs, tempDir } from "./helpers/image-backend.ts";
import { generateSigningKey } from "../model/keys.ts";
import { repositoryDir } from "../backend/image/layout.ts";
import { API_TOKEN_FILE } from "../backend/http/api-token.ts";
import { openInventory } from "../backend/inventory/location.ts";
import { addConsoleUser } from "../backend/console/users.ts";
import { SOFTHSM_MODULE } from "./helpers/softhsm.ts";

interface Row {
  /** Arguments after the command's name; --json is added (and removed for the text run). A function: computed when the row runs. */
  args: string[] | (() => Promise<string[]>);
  /** An error code of the table, or "ok". */
  expect: string;
}

let work: string;
let backend: string;
let corrupt: string;
let state: string;
/** A Primary whose keys are registered (vehicle CAR4), waiting for its factory bundle. */
let ready: string;
const rows = new Map<string, Row[]>();

test.before(async () => {
  work = await tempDir("uptane-contract-");
  backend = await newBackend();
  // An alert for `uptane alerts ack` (a vehicle's report of a refused attack, as the Director records one).
  const inventory = openInventory(backend);
  inventory.insertVehicle("ALERTED1", "2026-01-01T00:00:00Z");
  inventory.insertAlert({ vin: "ALERTED1", serial: null, manifestId: null, kind: "attack", detail: "refused", now: "2026-01-01T00:00:00Z" });
  inventory.close();
  // A backend whose published timestamp no longer verifies: commands that read it refuse.
  corrupt = await newBackend();
  const ts = join(repositoryDir(corrupt), "timestamp.json");
  writeFileSync(ts, readFileSync(ts, "utf8").replace(/"version":\d+/, '"version":99'));
  const f = (name: string, text: string | Buffer) => {
    writeFileSync(join(work, name), text);
    return join(work, name);
  };
  const ecuKey = generateSigningKey();
  const pem = f("ecu.pem", createPublicKey(ecuKey.privateKey).export({ type: "spki", format: "pem" }) as string);
  const pem2 = f("ecu2.pem", createPublicKey(generateSigningKey().privateKey).export({ type: "spki", format: "pem" }) as string);
  const pem3 = f("ecu3.pem", createPublicKey(generateSigningKey().privateKey).export({ type: "spki", format: "pem" }) as string);
  const pem4 = f("ecu4.pem", createPublicKey(generateSigningKey().privateKey).export({ type: "spki", format: "pem" }) as string);
  const image = f("fw.bin", Buffer.alloc(512, 3));
  const pem5 = f("ecu5.pem", createPublicKey(generateSigningKey().privateKey).export({ type: "spki", format: "pem" }) as string);
  const pem6 = f("ecu6.pem", createPublicKey(generateSigningKey().privateKey).export({ type: "spki", format: "pem" }) as string);
  const pem7 = f("ecu7.pem", createPublicKey(generateSigningKey().privateKey).export({ type: "spki", format: "pem" }) as string);
  const xpub = f("ecu-enc.pem", generateKeyPairSync("x25519").publicKey.export({ type: "spki", format: "pem" }) as string);
  const aes = f("ecu-aes.key", randomBytes(16));
  const aesShort = f("ecu-aes-short.key", randomBytes(15));
  const pin = f("pin", "1234\n");
  chmodSync(pin, 0o600);
  const openPin = f("open-pin", "1234\n");
  chmodSync(openPin, 0o644);
  const nofile = join(work, "no-such-file");
  const nodir = join(work, "no-such-dir");
  const supplier = join(work, "acme");
  const config = f("car.json", JSON.stringify({ vin: "SIM1", primary: { serial: "gw-9", hardwareId: "gateway" }, secondaries: [] }));
  const ca = join(backend, "tls", "server-ca.pem");
  const token = join(backend, API_TOKEN_FILE);
  state = join(await tempDir("uptane-contract-primary-"), "primary");
  const unsigned = join(work, "verify-director");
  mkdirSync(unsigned);
  cpSync(join(backend, "director", "root", "1.root.json"), join(unsigned, "root.json"));
  // Targets from the Image repository, presented as the Director's: signed by the wrong key.
  cpSync(join(repositoryDir(backend), "1.targets.json"), join(unsigned, "targets.json"));

  // Rows run in this order, within a command and across commands (the table's order):
  // a successful row first where a later refusal needs its state.
  const add = (name: string, ...r: Row[]) => rows.set(name, r);
  add("demo", { args: ["--list-attacks"], expect: "ok" }, { args: ["--attack"], expect: "usage" }, { args: ["--attack", "no-such-attack"], expect: "unknown-attack" });
  add(
    "simulate",
    { args: ["--config", config], expect: "usage" },
    { args: ["--config", nofile, "--server", "https://127.0.0.1:1"], expect: "unreadable-file" },
    { args: ["--config", config, "--server", "https://127.0.0.1:1", "--cycles", "100000000"], expect: "usage" },
    { args: ["--config", config, "--server", "https://127.0.0.1:1", "--ca", ca, "--token-file", f("bad-token", "t\u00e9st\n")], expect: "unreadable-file" },
    // A refused enrolment leaves no state folder behind (the snapshot of `work` would show it).
    { args: ["--config", config, "--server", "https://127.0.0.1:1", "--ca", ca, "--token-file", token, "--state", join(work, "car-state")], expect: "unreachable" },
    { args: ["--config", config, "--server", "https://127.0.0.1:1", "--ca", ca, "--token-file", token], expect: "unreachable" },
  );
  add(
    "init",
    { args: [join(work, "new-backend")], expect: "ok" },
    { args: [join(work, "other"), "--root-threshold", "zero"], expect: "usage" },
    { args: [join(work, "other"), "--tls-cert", nofile, "--tls-key", nofile, "--tls-ca", nofile], expect: "unreadable-file" },
    { args: [backend], expect: "exists" },
    // Keys in a PKCS#11 token (README "Backend: keys in a PKCS#11 token"): a token half named, a
    // module or PIN file missing, a PIN file open to others, a token the module does not have.
    { args: [join(work, "other"), "--pkcs11-token", "uptane"], expect: "usage" },
    { args: [join(work, "other"), "--key-type", "ecdsa-p256", "--rsa-bits", "3072"], expect: "usage" },
    { args: [join(work, "other"), "--pkcs11-module", nofile, "--pkcs11-token", "uptane", "--pkcs11-pin-file", nofile], expect: "unreadable-file" },
    { args: [join(work, "other"), "--pkcs11-module", SOFTHSM_MODULE, "--pkcs11-token", "uptane", "--pkcs11-pin-file", openPin], expect: "unreadable-file" },
    { args: [join(work, "other"), "--pkcs11-module", SOFTHSM_MODULE, "--pkcs11-token", "no-such-token-contract", "--pkcs11-pin-file", pin], expect: "pkcs11-refused" },
  );
  add(
    "image add",
    { args: [backend, image, "--name", "fw.bin", "--hardware-id", "gateway", "--release-counter", "5"], expect: "ok" },
    { args: [backend, image, "--hardware-id", "gateway"], expect: "usage" },
    { args: [backend, nofile, "--name", "x.bin", "--hardware-id", "gateway"], expect: "unreadable-file" },
    { args: [nodir, image, "--name", "x.bin", "--hardware-id", "gateway"], expect: "not-a-backend" },
    { args: [backend, image, "--name", "../x.bin", "--hardware-id", "gateway"], expect: "invalid-target-name" },
    // One rule per identifier: an image for a hardware ID no ECU can be registered with could never be assigned.
    { args: [backend, image, "--name", "x.bin", "--hardware-id", "ecu+v2"], expect: "invalid-hardware-id" },
    { args: [backend, image, "--name", "fw.bin", "--hardware-id", "gateway", "--release-counter", "4"], expect: "release-counter-rollback" },
    { args: [corrupt, image, "--name", "x.bin", "--hardware-id", "gateway"], expect: "repository-corrupt" },
  );
  add(
    "serve",
    { args: [backend, "--port", "x"], expect: "usage" },
    { args: [backend, "--plain-http", "--host", "0.0.0.0"], expect: "usage" },
    { args: [nodir], expect: "not-a-backend" },
    { args: [corrupt, "--port", "0"], expect: "serve-failed" },
  );
  add(
    "supplier init",
    { args: [supplier, "--name", "acme"], expect: "ok" },
    { args: [join(work, "s2")], expect: "usage" },
    { args: [supplier, "--name", "acme"], expect: "exists" },
  );
  add(
    "delegate",
    { args: [backend, "--supplier", "acme", "--key", join(supplier, "acme.pub.json"), "--paths", "acme/*"], expect: "ok" },
    { args: [backend, "--supplier", "bolt", "--key", pem, "--paths", "bolt/*"], expect: "ok" },
    { args: [backend, "--supplier", "acme"], expect: "usage" },
    { args: [backend, "--supplier", "acme", "--key", nofile, "--paths", "acme/*"], expect: "unreadable-file" },
    { args: [backend, "--supplier", "acme", "--key", image, "--paths", "acme/*"], expect: "invalid-public-key" },
    { args: [backend, "--supplier", "acme", "--key", pem, "--paths", "acme/*", "--threshold", "2"], expect: "invalid-threshold" },
    { args: [nodir, "--supplier", "acme", "--key", pem, "--paths", "acme/*"], expect: "not-a-backend" },
    { args: [corrupt, "--supplier", "acme", "--key", pem, "--paths", "acme/*"], expect: "repository-corrupt" },
    // A tier-1 folder delegates below it only once it knows what it holds (issue 20).
    { args: [supplier, "--supplier", "sub", "--key", pem, "--paths", "acme/sub/*"], expect: "supplier-refused" },
  );
  add(
    "supplier delegation",
    { args: async () => [supplier, "--from", await publishedTargetsFile(backend)], expect: "ok" },
    { args: [supplier], expect: "usage" },
    { args: [supplier, "--from", nofile], expect: "unreadable-file" },
    { args: [nodir, "--from", image], expect: "not-a-supplier-folder" },
    { args: [supplier, "--from", join(repositoryDir(backend), "1.targets.json")], expect: "role-not-delegated" },
  );
  add(
    "supplier sign",
    { args: [supplier, "--image", image, "--name", "acme/fw.bin", "--hardware-id", "gateway", "--release-counter", "3", "--out", join(work, "b1.bundle")], expect: "ok" },
    { args: [supplier], expect: "usage" },
    { args: [supplier, "--image", nofile, "--name", "acme/x.bin", "--hardware-id", "gateway", "--out", join(work, "b2.bundle")], expect: "unreadable-file" },
    { args: [nodir, "--out", join(work, "b2.bundle")], expect: "not-a-supplier-folder" },
    { args: [supplier, "--image", image, "--name", "acme/fw.bin", "--hardware-id", "gateway", "--release-counter", "1", "--out", join(work, "b2.bundle")], expect: "release-counter-rollback" },
    // A folder as --out once signed the next version, then failed writing (issue 20).
    { args: [supplier, "--out", work], expect: "unwritable-file" },
    { args: [supplier, "--out", join(nodir, "b.bundle")], expect: "unwritable-file" },
  );
  add(
    "supplier import",
    { args: [backend, join(work, "b1.bundle")], expect: "ok" },
    { args: [backend], expect: "usage" },
    { args: [backend, nofile], expect: "unreadable-file" },
    { args: [backend, join(work, "b1.bundle")], expect: "bundle-refused" },
  );
  add(
    "supplier account add",
    { args: [backend, "acme-co", "--role", "acme"], expect: "ok" },
    { args: [backend, "acme-co"], expect: "usage" },
    { args: [backend, "Bad Name", "--role", "acme"], expect: "invalid-account-name" },
    { args: [backend, "other-co", "--role", "nobody"], expect: "role-not-delegated" },
    { args: [backend, "acme-co", "--role", "acme"], expect: "exists" },
  );
  add(
    "supplier account list",
    { args: [backend], expect: "ok" },
    { args: [backend, "extra"], expect: "usage" },
    { args: [nodir], expect: "not-a-backend" },
  );
  add(
    "supplier account disable",
    { args: [backend, "acme-co"], expect: "ok" },
    { args: [backend], expect: "usage" },
    { args: [backend, "acme-co"], expect: "account-disabled" },
    { args: [backend, "nobody-co"], expect: "unknown-account" },
    { args: [nodir, "acme-co"], expect: "not-a-backend" },
  );
  add(
    "supplier submissions",
    { args: [backend], expect: "ok" },
    { args: [backend, "--status", "lost"], expect: "usage" },
    { args: [nodir], expect: "not-a-backend" },
  );
  add(
    "supplier approve",
    { args: [backend, "first", "--expect-sha256", "0".repeat(64)], expect: "usage" },
    { args: [backend, "1", "--expect-sha256", "zz"], expect: "invalid-sha256" },
    { args: [backend, "99", "--expect-sha256", "0".repeat(64)], expect: "unknown-submission" },
  );
  add(
    "supplier reject",
    { args: [backend, "0"], expect: "usage" },
    { args: [nodir, "1"], expect: "not-a-backend" },
    { args: [backend, "99"], expect: "unknown-submission" },
  );
  const bk = join(work, "backup");
  add(
    "backup",
    { args: [backend, bk], expect: "ok" },
    { args: [backend], expect: "usage" },
    { args: [nodir, join(work, "other-backup")], expect: "not-a-backend" },
    { args: [backend, image], expect: "exists" },
    { args: [backend, work], expect: "exists" },
  );
  add(
    "audit",
    { args: [backend, "--backup", bk], expect: "ok" },
    { args: [backend], expect: "usage" },
    { args: [backend, "--backup", bk, "--expect-sha256", "zz"], expect: "invalid-sha256" },
    { args: [backend, "--backup", work], expect: "backup-refused" },
    { args: [nodir, "--backup", bk], expect: "not-a-backend" },
  );
  add("gc", { args: [backend, "--dry-run"], expect: "ok" }, { args: [backend, "extra"], expect: "usage" }, { args: [nodir], expect: "not-a-backend" }, { args: [corrupt], expect: "repository-corrupt" });
  add(
    "restore",
    { args: [bk, join(work, "restored")], expect: "ok" },
    { args: [bk], expect: "usage" },
    { args: [bk, backend], expect: "exists" },
    { args: [work, join(work, "restored-2")], expect: "backup-refused" },
  );
  add(
    "director rotate",
    { args: [backend, "--role", "timestamp"], expect: "ok" },
    { args: [backend, "--role", "image"], expect: "usage" },
    { args: [backend, "--role", "root", "--threshold", "3", "--keys", "2"], expect: "invalid-threshold" },
    { args: [nodir, "--role", "timestamp"], expect: "not-a-backend" },
    { args: [backend, "--role", "timestamp", "--key-type", "rsa-pss", "--rsa-bits", "1024"], expect: "usage" },
    { args: [backend, "--role", "timestamp", "--pkcs11-module", SOFTHSM_MODULE, "--pkcs11-token", "no-such-token-contract", "--pkcs11-pin-file", pin], expect: "pkcs11-refused" },
  );
  add(
    "rotate",
    { args: [backend, "--role", "timestamp"], expect: "ok" },
    { args: [backend, "--role", "director"], expect: "usage" },
    { args: [backend, "--role", "timestamp", "--pkcs11-uri", "pkcs11:token=uptane?pin-value=1234"], expect: "usage" },
    { args: [backend, "--role", "timestamp", "--pkcs11-module", nofile, "--pkcs11-token", "uptane", "--pkcs11-pin-file", nofile], expect: "unreadable-file" },
    { args: [nodir, "--role", "timestamp"], expect: "not-a-backend" },
    { args: [corrupt, "--role", "timestamp"], expect: "repository-corrupt" },
  );
  add(
    "refresh",
    { args: [backend], expect: "ok" },
    { args: [backend, "--warn-days", "soon"], expect: "usage" },
    { args: [nodir], expect: "not-a-backend" },
    { args: [corrupt], expect: "repository-corrupt" },
  );
  add(
    "vehicle add",
    { args: [backend, "--vin", "CAR1", "--ecu", `gw-1:gateway:${pem}:primary`], expect: "ok" },
    { args: [backend, "--vin", "CAR2"], expect: "usage" },
    { args: [backend, "--vin", "CAR2", "--ecu", `gw-2:gateway:${nofile}:primary`], expect: "unreadable-file" },
    { args: [backend, "--vin", "../../x", "--ecu", `gw-2:gateway:${pem}:primary`], expect: "invalid-vin" },
    { args: [backend, "--vin", "CAR2", "--ecu", `gw-2:gate+way:${pem}:primary`], expect: "invalid-hardware-id" },
    { args: [backend, "--vin", "CAR2", "--ecu", `gw-2:gateway:${image}:primary`], expect: "invalid-public-key" },
    { args: [nodir, "--vin", "CAR2", "--ecu", `gw-2:gateway:${pem}:primary`], expect: "not-a-backend" },
    { args: [backend, "--vin", "CAR1", "--ecu", `gw-3:gateway:${pem}:primary`], expect: "vehicle-exists" },
    { args: [backend, "--vin", "CAR2", "--ecu", `gw-2:gateway:${pem2}:primary`, "--tls-public-key", pem, "--tls-cert-out", work], expect: "unwritable-file" },
    { args: [backend, "--vin", "CAR2", "--ecu", `gw-2:gateway:${pem2}:primary`, "--ecu", `cam-2:camera:${pem2}`], expect: "duplicate-ecu-key" },
    { args: [backend, "--vin", "CAR2", "--ecu", `gw-2:gateway:${pem}:primary`], expect: "ecu-key-exists" },
    { args: [backend, "--vin", "ENCCAR1", "--ecu", `encgw-1:gateway:${pem5}:primary`, "--ecu", `enccam-1:camera:${pem6}`, "--encryption-key", `enccam-1:${xpub}`, "--shared-encryption-key", `encgw-1:${aes}`], expect: "ok" },
    { args: [backend, "--vin", "ENCCAR2", "--ecu", `encgw-2:gateway:${pem7}:primary`, "--encryption-key", `enccam-2:${xpub}`], expect: "usage" },
    { args: [backend, "--vin", "ENCCAR2", "--ecu", `encgw-2:gateway:${pem7}:primary`, "--encryption-key", "encgw-2"], expect: "usage" },
    { args: [backend, "--vin", "ENCCAR2", "--ecu", `encgw-2:gateway:${pem7}:primary`, "--encryption-key", `encgw-2:${nofile}`], expect: "unreadable-file" },
    { args: [backend, "--vin", "ENCCAR2", "--ecu", `encgw-2:gateway:${pem7}:primary`, "--encryption-key", `encgw-2:${pem}`], expect: "invalid-encryption-key" },
    { args: [backend, "--vin", "ENCCAR2", "--ecu", `encgw-2:gateway:${pem7}:primary`, "--shared-encryption-key", `encgw-2:${aesShort}`], expect: "invalid-shared-key" },
    { args: [backend, "--vin", "ENCCAR2", "--ecu", `encgw-2:gateway:${pem7}:primary`, "--encryption-key", `encgw-2:${xpub}`, "--shared-encryption-key", `encgw-2:${aes}`], expect: "usage" },
  );
  add(
    "assign",
    { args: [backend, "--vin", "CAR1", "--ecu", "gw-1", "--target", "fw.bin"], expect: "ok" },
    { args: [backend, "--vin", "CAR1"], expect: "usage" },
    { args: [nodir, "--vin", "CAR1", "--ecu", "gw-1", "--target", "fw.bin"], expect: "not-a-backend" },
    { args: [backend, "--vin", "CAR1", "--ecu", "gw-1", "--target", "missing.bin"], expect: "target-not-signed" },
    { args: [backend, "--vin", "NOCAR", "--ecu", "gw-1", "--target", "fw.bin"], expect: "unknown-vin" },
    { args: [backend, "--vin", "CAR1", "--ecu", "gw-1", "--target", "fw.bin", "--with", "no-equals-sign"], expect: "usage" },
  );
  add(
    "campaign",
    { args: [backend, "--hardware-id", "gateway", "--target", "acme/fw.bin"], expect: "ok" },
    { args: [backend, "--hardware-id", "gateway"], expect: "usage" },
    { args: [nodir, "--hardware-id", "gateway", "--target", "fw.bin"], expect: "not-a-backend" },
    { args: [backend, "--hardware-id", "gateway", "--target", "missing.bin"], expect: "target-not-signed" },
    { args: [backend, "--hardware-id", "gateway", "--target", "acme/fw.bin", "--max-failures", "101%"], expect: "usage" },
  );
  add("campaign list", { args: [backend], expect: "ok" }, { args: [backend, "--limit", "x"], expect: "usage" }, { args: [nodir], expect: "not-a-backend" });
  add(
    "campaign status",
    { args: [backend, "1", "--vehicles"], expect: "ok" },
    { args: [backend, "first"], expect: "usage" },
    { args: [backend, "99"], expect: "unknown-campaign" },
    { args: [nodir, "1"], expect: "not-a-backend" },
  );
  add("campaign promote", { args: [backend], expect: "usage" }, { args: [backend, "1"], expect: "campaign-not-active" }, { args: [backend, "99"], expect: "unknown-campaign" });
  add("campaign pause", { args: [backend, "1"], expect: "ok" }, { args: [backend, "x"], expect: "usage" }, { args: [backend, "1"], expect: "campaign-not-active" });
  add("campaign resume", { args: [backend, "1"], expect: "ok" }, { args: [backend, "x"], expect: "usage" }, { args: [backend, "1"], expect: "campaign-not-active" });
  add("campaign cancel", { args: [backend, "1"], expect: "ok" }, { args: [backend, "x"], expect: "usage" }, { args: [backend, "1"], expect: "campaign-not-active" }, { args: [nodir, "1"], expect: "not-a-backend" });
  add(
    "rule add",
    { args: [backend, "--image", "fw.bin", "--conflicts", "acme/fw.bin"], expect: "ok" },
    { args: [backend, "--image", "fw.bin"], expect: "usage" },
    { args: [backend, "--image", "fw.bin", "--requires", "fw.bin"], expect: "invalid-rule" },
    { args: [nodir, "--image", "fw.bin", "--requires", "x.bin"], expect: "not-a-backend" },
    { args: [backend, "--image", "fw.bin", "--conflicts", "acme/fw.bin"], expect: "rule-exists" },
  );
  add("rule list", { args: [backend, "--image", "fw.bin"], expect: "ok" }, { args: [backend, "extra"], expect: "usage" }, { args: [nodir], expect: "not-a-backend" });
  add(
    "rule remove",
    { args: [backend, "1"], expect: "ok" },
    { args: [backend, "first"], expect: "usage" },
    { args: [backend, "1"], expect: "unknown-rule" },
    { args: [nodir, "1"], expect: "not-a-backend" },
  );
  add(
    "vehicles",
    { args: [backend, "--hardware-id", "gateway"], expect: "ok" },
    { args: [backend, "--limit", "0"], expect: "usage" },
    { args: [backend, "--last-seen-before", "yesterday"], expect: "invalid-time" },
    { args: [nodir], expect: "not-a-backend" },
  );
  add("vehicle show", { args: [backend, "CAR1"], expect: "ok" }, { args: [backend], expect: "usage" }, { args: [backend, "NOCAR"], expect: "unknown-vin" }, { args: [nodir, "CAR1"], expect: "not-a-backend" });
  add("alerts", { args: [backend, "--open"], expect: "ok" }, { args: [backend, "--limit", "x"], expect: "usage" }, { args: [nodir], expect: "not-a-backend" });
  add("alerts ack", { args: [backend, "1"], expect: "ok" }, { args: [backend, "x"], expect: "usage" }, { args: [backend, "1"], expect: "alert-acknowledged" }, { args: [backend, "99999"], expect: "unknown-alert" }, { args: [nodir, "1"], expect: "not-a-backend" });
  add(
    "user add",
    { args: [backend, "ops-lead", "--role", "release-manager"], expect: "ok" },
    { args: [backend, "ops-lead"], expect: "usage" },
    { args: [backend, "ops-2", "--role", "root"], expect: "usage" },
    { args: [backend, "Bad Name", "--role", "viewer"], expect: "invalid-account-name" },
    { args: [backend, "ops-lead", "--role", "viewer"], expect: "exists" },
    { args: [nodir, "ops-3", "--role", "viewer"], expect: "not-a-backend" },
  );
  add(
    "user list",
    { args: [backend], expect: "ok" },
    { args: [backend, "extra"], expect: "usage" },
    { args: [nodir], expect: "not-a-backend" },
  );
  add(
    "user disable",
    { args: [backend, "ops-lead"], expect: "ok" },
    { args: [backend], expect: "usage" },
    { args: [backend, "ops-lead"], expect: "account-disabled" },
    { args: [backend, "nobody"], expect: "unknown-account" },
    { args: [nodir, "ops-lead"], expect: "not-a-backend" },
    {
      args: async () => {
        await addConsoleUser(backend, "only-admin", "admin", { scrypt: { N: 2 ** 10, r: 8, p: 1 } });
        return [backend, "only-admin"];
      },
      expect: "last-admin",
    },
  );
  const passwordFile = join(work, "console-password");
  add(
    "user password",
    {
      args: async () => {
        const { password } = await addConsoleUser(backend, "rotor", "viewer", { scrypt: { N: 2 ** 10, r: 8, p: 1 } });
        writeFileSync(passwordFile, `${password}\n`);
        return [backend, "rotor", "--current-password-file", passwordFile];
      },
      expect: "ok",
    },
    { args: [backend, "rotor"], expect: "usage" },
    { args: [backend, "rotor", "--current-password-file", nofile], expect: "unreadable-file" },
    { args: [backend, "rotor", "--current-password-file", passwordFile], expect: "wrong-password" },
    { args: [backend, "nobody", "--current-password-file", passwordFile], expect: "wrong-password" },
    { args: [nodir, "rotor", "--current-password-file", passwordFile], expect: "not-a-backend" },
  );
  add(
    "offline create",
    { args: [backend, "--name", "factory", "--target", "gateway=fw.bin", "--out", join(work, "offline-bundle")], expect: "ok" },
    { args: [backend, "--name", "factory"], expect: "usage" },
    { args: [nodir, "--name", "factory", "--target", "gateway=fw.bin", "--out", join(work, "offline-bundle-2")], expect: "not-a-backend" },
    { args: [backend, "--name", "factory", "--target", "gateway=missing.bin", "--out", join(work, "offline-bundle-2")], expect: "target-not-signed" },
    { args: [backend, "--name", "factory", "--target", "gateway=fw.bin", "--out", join(work, "offline-bundle")], expect: "exists" },
  );
  add(
    "vehicle revoke",
    { args: [backend, "CAR1"], expect: "ok" },
    { args: [backend], expect: "usage" },
    { args: [nodir, "CAR1"], expect: "not-a-backend" },
    { args: [backend, "NOCAR"], expect: "unknown-vin" },
  );
  // The lifecycle of CAR1 (README "Backend: vehicle lifecycle"), in the order a workshop would meet it.
  add(
    "vehicle add-ecu",
    { args: [backend, "CAR1", "--ecu", `cam-1:camera:${pem2}`], expect: "ok" },
    { args: [backend, "CAR1"], expect: "usage" },
    { args: [backend, "CAR1", "--ecu", `cam-9:camera:${nofile}`], expect: "unreadable-file" },
    { args: [nodir, "CAR1", "--ecu", `cam-9:camera:${pem3}`], expect: "not-a-backend" },
    { args: [backend, "CAR1", "--ecu", `cam/9:camera:${pem3}`], expect: "invalid-serial" },
    { args: [backend, "NOCAR", "--ecu", `cam-9:camera:${pem3}`], expect: "unknown-vin" },
    { args: [backend, "CAR1", "--ecu", `cam-9:camera:${pem2}`], expect: "ecu-key-exists" },
  );
  add(
    "vehicle replace-ecu",
    { args: [backend, "CAR1", "--serial", "cam-1", "--ecu", `cam-2:camera:${pem3}`], expect: "ok" },
    { args: [backend, "CAR1", "--serial", "cam-2"], expect: "usage" },
    { args: [backend, "CAR1", "--serial", "cam-1", "--ecu", `cam-3:camera:${pem4}`], expect: "unknown-ecu" },
    { args: [backend, "CAR1", "--serial", "cam-2", "--ecu", `cam-3:camera:${pem2}`], expect: "ecu-key-exists" },
    { args: [backend, "CAR1", "--serial", "gw-1", "--ecu", `gw-9:gateway:${pem4}`], expect: "primary-required" },
  );
  add(
    "vehicle replace-primary",
    { args: [backend, "CAR1", "--ecu", `gw-5:gateway:${pem4}`], expect: "ok" },
    { args: [backend, "CAR1"], expect: "usage" },
    { args: [backend, "CAR1", "--ecu", `gw-6:gateway:${pem}`], expect: "ecu-key-exists" },
  );
  add(
    "vehicle remove-ecu",
    { args: [backend, "CAR1", "--serial", "cam-2"], expect: "ok" },
    { args: [backend, "CAR1"], expect: "usage" },
    { args: [backend, "CAR1", "--serial", "gw-5"], expect: "primary-required" },
    { args: [backend, "CAR1", "--serial", "cam-2"], expect: "unknown-ecu" },
  );
  add(
    "vehicle history",
    { args: [backend, "CAR1"], expect: "ok" },
    { args: [backend], expect: "usage" },
    { args: [nodir, "CAR1"], expect: "not-a-backend" },
    { args: [backend, "NOCAR"], expect: "unknown-vin" },
  );
  add(
    "vehicle decommission",
    { args: [backend, "CAR1"], expect: "ok" },
    { args: [backend], expect: "usage" },
    { args: [backend, "CAR1"], expect: "decommissioned" },
    { args: [backend, "NOCAR"], expect: "unknown-vin" },
  );
  add(
    "workshop account add",
    { args: [backend, "garage-1"], expect: "ok" },
    { args: [backend], expect: "usage" },
    { args: [nodir, "garage-2"], expect: "not-a-backend" },
    { args: [backend, "Garage 2"], expect: "invalid-account-name" },
    { args: [backend, "garage-1"], expect: "exists" },
  );
  add(
    "workshop account list",
    { args: [backend], expect: "ok" },
    { args: [], expect: "usage" },
    { args: [nodir], expect: "not-a-backend" },
  );
  add(
    "workshop account disable",
    { args: [backend, "garage-1"], expect: "ok" },
    { args: [backend], expect: "usage" },
    { args: [backend, "garage-1"], expect: "account-disabled" },
    { args: [backend, "nobody"], expect: "unknown-account" },
  );
  const pw = f("garage.password", "not-the-password\n");
  const remote = (...more: string[]) => ["https://127.0.0.1:1", "CAR1", ...more, "--ca", ca, "--account", "garage-1", "--password-file", pw];
  add(
    "workshop change",
    { args: remote("decommission"), expect: "unreachable" },
    { args: remote("paint"), expect: "usage" },
    { args: remote("remove-ecu"), expect: "usage" },
    { args: ["http://127.0.0.1:1", "CAR1", "decommission", "--ca", ca, "--account", "garage-1", "--password-file", pw], expect: "usage" },
    { args: ["https://127.0.0.1:1", "CAR1", "decommission", "--ca", nofile, "--account", "garage-1", "--password-file", pw], expect: "unreadable-file" },
  );
  add(
    "workshop show",
    { args: remote(), expect: "unreachable" },
    { args: ["https://127.0.0.1:1", "CAR1"], expect: "usage" },
  );
  add(
    "fleet-credential add",
    { args: [backend, "factory-a", "--out", join(work, "factory-a.p12")], expect: "ok" },
    { args: [backend, "factory-b"], expect: "usage" },
    { args: [nodir, "factory-b", "--out", join(work, "factory-b.p12")], expect: "not-a-backend" },
    { args: [backend, "Factory B", "--out", join(work, "factory-b.p12")], expect: "invalid-fleet-name" },
    { args: [backend, "factory-a", "--out", join(work, "factory-a2.p12")], expect: "fleet-credential-refused" },
  );
  add(
    "fleet-credential revoke",
    { args: [backend, "factory-a"], expect: "ok" },
    { args: [backend], expect: "usage" },
    { args: [nodir, "factory-a"], expect: "not-a-backend" },
    { args: [backend, "factory-a"], expect: "fleet-credential-refused" },
  );
  add(
    "verify",
    { args: ["--director", unsigned], expect: "usage" },
    { args: ["--mode", "partial", "--director", nodir, "--ecu", "gw-1", "--hardware-id", "gateway"], expect: "unreadable-file" },
    { args: ["--mode", "partial", "--director", unsigned, "--ecu", "gw-1", "--hardware-id", "gateway"], expect: "verification-failed" },
  );
  // A plain TUF client of the Image repository (README "TUF client"): a root that does not verify is refused before the folder is made.
  const imageRoot = join(repositoryDir(backend), "1.root.json");
  const unsignedRoot = f("tuf-unsigned-root.json", JSON.stringify({ ...JSON.parse(readFileSync(imageRoot, "utf8")), signatures: [] }));
  add(
    "tuf",
    { args: ["--metadata-dir", join(work, "tuf-client"), "init", imageRoot], expect: "ok" },
    { args: ["--metadata-dir", join(work, "tuf-client")], expect: "usage" },
    { args: ["--metadata-dir", join(work, "tuf-client"), "fetch"], expect: "usage" },
    { args: ["--metadata-dir", join(work, "tuf-client"), "refresh"], expect: "usage" },
    { args: ["--metadata-dir", join(work, "tuf-other"), "init", nofile], expect: "unreadable-file" },
    { args: ["--metadata-dir", nodir, "--metadata-url", "http://127.0.0.1:1/image", "refresh"], expect: "unreadable-file" },
    { args: ["--metadata-dir", join(work, "tuf-other"), "init", unsignedRoot], expect: "verification-failed" },
    { args: ["--metadata-dir", join(work, "tuf-client"), "--metadata-url", "http://127.0.0.1:1/image", "refresh"], expect: "unreachable" },
  );
  // The factory: CAR4's Primary keys made and registered, its bundle written, and bundles a Primary must refuse.
  ready = join(dirname(state), "ready");
  const made = await uptane("primary", "init", ready, "--vin", "CAR4", "--serial", "gw-4", "--hardware-id", "gateway", "--tls-ca", ca, "--json");
  const registered = await uptane("vehicle", "add", backend, "--vin", "CAR4", "--ecu", `gw-4:gateway:${JSON.parse(made.out).publicKeyFile}:primary`, "--tls-public-key", join(ready, "tls-key.pub.pem"), "--tls-cert-out", join(ready, "tls-cert.pem"));
  const bundle = join(work, "car4-factory.json");
  const provisioned = await uptane("provision", backend, "--vin", "CAR4", "--url", "https://127.0.0.1:1", "--out", bundle);
  if (made.code + registered.code + provisioned.code !== 0) throw new Error(`factory setup failed: ${made.err} ${registered.err} ${provisioned.err}`);
  const doc = JSON.parse(readFileSync(bundle, "utf8"));
  const variant = (name: string, change: (d: typeof doc) => unknown) => f(name, JSON.stringify(change(structuredClone(doc))));
  const mirrored = variant("car4-mirrors.json", (d) => ({ ...d, map: { ...d.map, repositories: { ...d.map.repositories, image: ["https://127.0.0.1:1/image/", "https://127.0.0.1:2/image/"] } } }));
  const partial = join(work, "car4-partial.json");
  await uptane("provision", backend, "--vin", "CAR4", "--url", "https://127.0.0.1:1", "--out", partial, "--partial");
  const timeless = variant("car4-timeless.json", (d) => ({ ...d, time: null }));
  add(
    "provision",
    { args: [backend, "--vin", "CAR4", "--url", "https://127.0.0.1:1", "--out", join(work, "car4-again.json")], expect: "ok" },
    { args: [backend, "--vin", "CAR4", "--out", join(work, "x.json")], expect: "usage" },
    { args: [backend, "--vin", "CAR4", "--url", "ftp://127.0.0.1:1", "--out", join(work, "x.json")], expect: "usage" },
    { args: [backend, "--vin", "../x", "--url", "https://127.0.0.1:1", "--out", join(work, "x.json")], expect: "invalid-vin" },
    { args: [nodir, "--vin", "CAR4", "--url", "https://127.0.0.1:1", "--out", join(work, "x.json")], expect: "not-a-backend" },
    { args: [backend, "--vin", "CAR4", "--url", "https://127.0.0.1:1", "--out", work], expect: "unwritable-file" },
    { args: [backend, "--vin", "CAR4", "--url", "https://127.0.0.1:1", "--out", bundle], expect: "exists" },
    { args: [backend, "--vin", "NOCAR", "--url", "https://127.0.0.1:1", "--out", join(work, "x.json")], expect: "unknown-vin" },
  );
  add(
    "primary init",
    { args: [state, "--vin", "CAR3", "--serial", "gw-3", "--hardware-id", "gateway"], expect: "ok" },
    { args: [join(work, "p2"), "--vin", "CAR3"], expect: "usage" },
    { args: [ready, "--bundle", bundle, "--vin", "CAR4"], expect: "usage" },
    { args: [ready, "--bundle", bundle, "--time", "yesterday"], expect: "usage" },
    { args: [state, "--vin", "CAR3", "--serial", "gw-3", "--hardware-id", "gateway"], expect: "exists" },
    { args: [join(work, "p3"), "--vin", "../../x", "--serial", "gw-3", "--hardware-id", "gateway"], expect: "invalid-vin" },
    { args: [join(work, "p3"), "--vin", "CAR3", "--serial", "gw 3", "--hardware-id", "gateway"], expect: "invalid-serial" },
    { args: [ready, "--bundle", nofile], expect: "unreadable-file" },
    { args: [nodir, "--bundle", bundle], expect: "unreadable-file" },
    // The factory's load is checked whole before anything is kept (Uptane "Build-time prerequisite requirements for ECUs").
    { args: [ready, "--bundle", image], expect: "invalid-factory-bundle" },
    { args: [state, "--bundle", bundle], expect: "invalid-vin" },
    { args: [ready, "--bundle", partial], expect: "invalid-root" },
    { args: [ready, "--bundle", timeless], expect: "no-time" },
    { args: [ready, "--bundle", mirrored], expect: "unsupported-mapping" },
    { args: [ready, "--bundle", bundle, "--time", "2099-01-01T00:00:00Z"], expect: "verification-failed" },
    { args: [ready, "--bundle", bundle], expect: "ok" },
    { args: [ready, "--bundle", bundle], expect: "exists" },
  );
  add(
    "primary cycle",
    { args: [ready, "--url", "ftp://127.0.0.1:1"], expect: "usage" },
    { args: [nodir, "--url", "http://127.0.0.1:1"], expect: "unreadable-file" },
    { args: [state], expect: "unreadable-file" },
    { args: [ready, "--url", "http://127.0.0.1:1"], expect: "unreachable" },
    { args: [ready], expect: "unreachable" },
  );
  add(
    "primary install-offline",
    { args: [state], expect: "usage" },
    { args: [state, join(work, "no-bundle")], expect: "unreadable-file" },
    { args: [state, backend], expect: "offline-bundle-refused" },
    { args: [state, join(work, "offline-bundle")], expect: "unreadable-file" },
    { args: [ready, join(work, "offline-bundle")], expect: "ok" },
  );
  // Last: it takes fw.bin out for good.
  add(
    "image withdraw",
    { args: [backend, "fw.bin"], expect: "ok" },
    { args: [backend], expect: "usage" },
    { args: [nodir, "fw.bin"], expect: "not-a-backend" },
    { args: [backend, "../fw.bin"], expect: "invalid-target-name" },
    { args: [backend, "missing.bin"], expect: "target-not-signed" },
    { args: [backend, "fw.bin"], expect: "image-withdrawn" },
  );
  add(
    "supplier remove",
    { args: [backend, "bolt"], expect: "ok" },
    { args: [backend], expect: "usage" },
    { args: [nodir, "bolt"], expect: "not-a-backend" },
    { args: [backend, "Bolt!"], expect: "invalid-role-name" },
    { args: [backend, "bolt"], expect: "role-not-delegated" },
    { args: [corrupt, "acme"], expect: "repository-corrupt" },
  );
});

test.after(async () => {
  await removeTempDirs();
});

/**
 * Everything a command could touch: a refusal must leave each byte-identical. A Primary's
 * cycle that fails moves its own nonce and verifier state (a vehicle's, not a refused
 * command's), so `primary cycle` rows leave the Primaries' state folders out.
 */
async function snapshot(command: string): Promise<string> {
  const trees = [work, backend, corrupt, ...(command === "primary cycle" ? [] : [state, ready])];
  return (await Promise.all(trees.map((t) => hashTree(t).catch(() => "absent")))).join("/");
}

function oneJson(out: string, what: string): Record<string, unknown> {
  const lines = out.split("\n").filter((l) => l !== "");
  assert.is(lines.length, 1, `${what}: one line of JSON, got ${JSON.stringify(out)}`);
  const doc = JSON.parse(lines[0]!) as unknown;
  assert.ok(typeof doc === "object" && doc !== null && !Array.isArray(doc), `${what}: a JSON object`);
  return doc as Record<string, unknown>;
}

test("every command of the table has contract rows, and each row's expected code is in the error table", () => {
  assert.equal([...rows.keys()].sort(), commands.map((c) => c.name).sort());
  for (const [name, list] of rows) {
    assert.ok(list.some((r) => r.expect === "usage"), `${name} has a usage row`);
    for (const r of list) assert.ok(r.expect === "ok" || isErrorCode(r.expect), `${name}: ${r.expect}`);
  }
});

test("exit status, one JSON object with --json, one stderr line without, and a refusal changes nothing: every command", async () => {
  for (const [name, list] of rows) {
    const command = commands.find((c) => c.name === name)!;
    for (const row of list) {
      const args = typeof row.args === "function" ? await row.args() : row.args;
      const what = `uptane ${command.name} ${args.join(" ")}`;
      const before = row.expect === "ok" ? "" : await snapshot(name);
      const r = await uptane(...command.name.split(" "), ...args, "--json");
      const doc = oneJson(r.out, what);
      if (row.expect === "ok") {
        assert.is(r.code, 0, `${what}: ${r.out} ${r.err}`);
        assert.is(doc.ok, true, what);
        continue;
      }
      const spec = ERROR_CODES[row.expect as keyof typeof ERROR_CODES];
      assert.is(doc.error, row.expect, `${what}: ${r.out}`);
      assert.is(r.code, spec.exit, `${what}: exit ${spec.exit} for ${row.expect}`);
      assert.is(doc.ok, false, what);
      assert.type(doc.detail, "string", what);
      assert.ok((doc.detail as string).length > 0, what);
      assert.not.match(doc.detail as string, /^E[A-Z]+:|ByteString|at .*\.ts:\d+/, `${what}: no raw internals in '${doc.detail}'`);
      assert.is(await snapshot(name), before, `${what}: a refusal changes nothing`);
      // The same run for a person: nothing on stdout, one line on stderr naming the command.
      const text = await uptane(...command.name.split(" "), ...args);
      assert.is(text.code, spec.exit, `${what} (text)`);
      if (name === "verify" && row.expect === "verification-failed") {
        // verify's product is its verdict, whatever it is: on standard output (README "uptane verify").
        assert.ok(text.out.startsWith(String(doc.outcome)), `${what} (text): ${text.out}`);
        assert.is(text.err, "");
        continue;
      }
      assert.is(text.out, "", `${what} (text): stdout`);
      assert.is(text.err.split("\n").length, 1, `${what} (text): ${text.err}`);
      assert.ok(text.err.startsWith(`uptane ${command.name}: `), `${what} (text): ${text.err}`);
      assert.is(await snapshot(name), before, `${what} (text): a refusal changes nothing`);
    }
  }
});

test("an unknown command and a missing subcommand are usage errors, in JSON too", async () => {
  for (const argv of [["no-such-command"], ["supplier"]]) {
    const r = await uptane(...argv, "--json");
    assert.is(r.code, 2);
    const doc = oneJson(r.out, argv.join(" "));
    assert.is(doc.error, "usage");
    assert.type(doc.detail, "string");
  }
  const help = await uptane("image", "add", "--help", "--json");
  assert.is(help.code, 0);
  assert.type(oneJson(help.out, "help").usage, "string");
});

test("the detail says what is wrong in words: a number past its bound names the bound, a threshold names the keys it needs, init names the inventory file", async () => {
  const detail = async (...argv: string[]) => JSON.parse((await uptane(...argv, "--json")).out) as { error?: string; detail?: string; [k: string]: unknown };
  const config = join(work, "car.json");
  assert.match((await detail("simulate", "--config", config, "--server", "https://127.0.0.1:1", "--cycles", "100000000")).detail!, "--cycles must be at most 1000, got 100000000");
  assert.match((await detail("image", "add", backend, join(work, "fw.bin"), "--name", "big.bin", "--hardware-id", "gateway", "--release-counter", "99999999999999999999")).detail!, "must be at most 9007199254740991");
  const threshold = await detail("delegate", backend, "--supplier", "acme", "--key", join(work, "ecu.pem"), "--paths", "acme/*", "--threshold", "2");
  assert.is(threshold.error, "invalid-threshold");
  assert.match(threshold.detail!, "threshold 2 needs at least 2 distinct keys; 1 given");
  const fresh = join(work, "inventory-named");
  const init = await detail("init", fresh);
  assert.is((init.parts as { director: { inventory: string } }).director.inventory, join(fresh, "inventory.sqlite"));
});

test("every code the Director's HTTP API answers is in the one error table", () => {
  const root = join(import.meta.dirname, "..", "backend");
  const codes = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith(".ts")) for (const m of readFileSync(join(dir, e.name), "utf8").matchAll(/new Refused\(\s*\d+,\s*"([a-z_-]+)"/g)) codes.add(m[1]!);
    }
  };
  walk(root);
  assert.ok(codes.size > 20, `${codes.size} codes found`);
  for (const code of codes) assert.ok(isErrorCode(code), `${code} is in app/cli/errors.ts`);
});

test("the README's CLI section lists every error code with its exit status", () => {
  const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    const exit = "httpOnly" in spec ? "HTTP API only" : String(spec.exit);
    assert.ok(readme.includes(`| \`${code}\` | ${exit} |`), `README lists ${code} with ${exit}`);
  }
});

test.run();
