// `uptane verify` end to end: the built CLI (dist/uptane.mjs) on repositories the
// simulator writes to disk; every exit status (0 Ok, 3 NoUpdate, 1 other, 2 bad usage).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VehicleSim } from "./sim/vehicle.ts";
import { writeRepository } from "./sim/write.ts";
import { isoTime } from "../model/iso-time.ts";

const CLI = join(import.meta.dirname, "..", "dist", "uptane.mjs");
const dirs: string[] = [];

function uptane(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes both repositories of `v` to a fresh temp directory. */
function onDisk(v: VehicleSim, opts: { versionedNames?: boolean } = {}) {
  const base = mkdtempSync(join(tmpdir(), "uptane-verify-"));
  dirs.push(base);
  const { director, image } = v.files();
  writeRepository(join(base, "director"), v.director.root(1), director, opts);
  writeRepository(join(base, "image"), v.image.root(1), image, opts);
  const file = join(base, "image.bin");
  writeFileSync(file, v.images.values().next().value!);
  return { director: join(base, "director"), image: join(base, "image"), file, base };
}

function fullArgs(v: VehicleSim, d: { director: string; image: string }, extra: string[] = []) {
  const args = ["verify", "--mode", "full", "--director", d.director, "--image", d.image, "--ecu", v.primary.serial, "--hardware-id", v.primary.hardwareId, "--vin", v.vin, "--time", isoTime(v.now + 60), "--json"];
  for (const e of v.ecus.slice(1)) args.push("--vehicle-ecu", e.serial);
  return [...args, ...extra];
}

const json = (out: string) => JSON.parse(out.trim().split("\n").pop()!);

test("uptane verify --mode full on a good vehicle: exit 0 and the JSON verdict", () => {
  const v = VehicleSim.standard();
  const r = uptane(fullArgs(v, onDisk(v)));
  assert.is(r.status, 0, r.stderr + r.stdout);
  const out = json(r.stdout);
  assert.equal(Object.keys(out).sort(), ["detail", "ok", "outcome", "repo", "role"]);
  assert.equal({ ok: out.ok, outcome: out.outcome, repo: out.repo, role: out.role }, { ok: true, outcome: "Ok", repo: null, role: null });
});

test("uptane verify reads version-named files and root rotations (N.root.json): exit 0", () => {
  const v = VehicleSim.standard();
  v.director.rotate({ root: 1, targets: 1 });
  v.image.rotate({ root: 1 });
  v.nextCycle();
  const d = onDisk(v, { versionedNames: true });
  assert.ok(readdirSync(d.director).includes("2.snapshot.json"));
  assert.ok(readdirSync(d.director).includes("2.root.json"));
  const r = uptane(fullArgs(v, d));
  assert.is(r.status, 0, r.stderr + r.stdout);
});

test("uptane verify --target-file with the right image: exit 0; with one byte changed: exit 1 LengthOrHashMismatch", () => {
  const v = VehicleSim.standard();
  const d = onDisk(v);
  assert.is(uptane(fullArgs(v, d, ["--target-file", d.file])).status, 0);
  const bad = Buffer.from(v.images.get(v.assignedName())!);
  bad[3]! ^= 1;
  writeFileSync(d.file, bad);
  const r = uptane(fullArgs(v, d, ["--target-file", d.file]));
  assert.is(r.status, 1);
  assert.is(json(r.stdout).outcome, "LengthOrHashMismatch");
  assert.is(json(r.stdout).ok, false);
});

test("uptane verify with no target for the ECU: exit 3 NoUpdate", () => {
  const v = VehicleSim.standard();
  v.director.targets.get("targets")!.delete(v.assignedName());
  const r = uptane(fullArgs(v, onDisk(v)));
  assert.is(r.status, 3, r.stderr + r.stdout);
  assert.is(json(r.stdout).outcome, "NoUpdate");
});

test("uptane verify on an expired Director timestamp: exit 1 ExpiredMetadata (director timestamp)", () => {
  const v = VehicleSim.standard();
  v.director.expires.timestamp = v.now;
  const out = uptane(fullArgs(v, onDisk(v)));
  assert.is(out.status, 1);
  assert.equal(json(out.stdout), { ...json(out.stdout), ok: false, outcome: "ExpiredMetadata", repo: "director", role: "timestamp" });
});

test("uptane verify --installed-release-counter above the target's: exit 1 RollbackAttack", () => {
  const v = VehicleSim.standard();
  const r = uptane(fullArgs(v, onDisk(v), ["--installed-release-counter", "9"]));
  assert.is(r.status, 1);
  assert.is(json(r.stdout).outcome, "RollbackAttack");
});

test("uptane verify without the other ECU as --vehicle-ecu: exit 1 EcuMismatch (the Director names an ECU not in the vehicle)", () => {
  const v = VehicleSim.standard();
  const d = onDisk(v);
  const args = fullArgs(v, d).filter((a, i, all) => a !== "--vehicle-ecu" && all[i - 1] !== "--vehicle-ecu");
  const r = uptane(args);
  assert.is(r.status, 1);
  assert.is(json(r.stdout).outcome, "EcuMismatch");
});

test("uptane verify with another --vin: exit 1 EcuMismatch", () => {
  const v = VehicleSim.standard();
  const args = fullArgs(v, onDisk(v));
  args[args.indexOf("--vin") + 1] = "OTHERVIN000000000";
  const r = uptane(args);
  assert.is(r.status, 1);
  assert.is(json(r.stdout).outcome, "EcuMismatch");
});

test("uptane verify --mode partial with only root.json and targets.json: exit 0; for an ECU with no target: exit 3", () => {
  const v = VehicleSim.standard();
  const base = mkdtempSync(join(tmpdir(), "uptane-verify-"));
  dirs.push(base);
  writeFileSync(join(base, "root.json"), v.director.root(1));
  writeFileSync(join(base, "targets.json"), v.director.files().targets);
  const args = (serial: string, hw: string) => ["verify", "--mode", "partial", "--director", base, "--ecu", serial, "--hardware-id", hw, "--time", isoTime(v.now + 60), "--json"];
  const ok = uptane(args(v.ecus[1]!.serial, v.ecus[1]!.hardwareId));
  assert.is(ok.status, 0, ok.stderr + ok.stdout);
  assert.is(json(ok.stdout).outcome, "Ok");
  const none = uptane(args("not-listed-7", "hw-x"));
  assert.is(none.status, 3, none.stderr + none.stdout);
});

test("uptane verify human output names the outcome and the target", () => {
  const v = VehicleSim.standard();
  const args = fullArgs(v, onDisk(v)).filter((a) => a !== "--json");
  const r = uptane(args);
  assert.is(r.status, 0);
  assert.match(r.stdout, /^Ok/);
  assert.match(r.stdout, new RegExp(v.assignedName().replace(/\./g, "\\.")));
});

test("uptane verify bad usage: exit 2 with one JSON error (--json) whose detail names the problem", () => {
  const v = VehicleSim.standard();
  const d = onDisk(v);
  const base = fullArgs(v, d);
  const without = (opt: string) => base.filter((a, i) => a !== opt && base[i - 1] !== opt);
  const cases: Array<[string[], RegExp]> = [
    [without("--mode"), /--mode is required/],
    [base.map((a) => (a === "full" ? "fast" : a)), /--mode must be full or partial/],
    [without("--ecu"), /--ecu is required/],
    [without("--hardware-id"), /--hardware-id is required/],
    [without("--image"), /--image is required/],
    [[...base, "--colour"], /unknown option --colour/],
    [base.map((a) => (a === d.director ? join(d.base, "nowhere") : a)), /does not exist/],
    [base.map((a, i) => (base[i - 1] === "--time" ? "yesterday" : a)), /--time must be ISO 8601/],
    [[...base, "--installed-release-counter", "-1"], /non-negative integer/],
    [[...base, "--target-file", join(d.base, "missing.bin")], /--target-file/],
    [[...base, "extra"], /unexpected argument/],
  ];
  for (const [args, message] of cases) {
    const r = uptane(args);
    assert.is(r.status, 2, `${args.join(" ")}\n${r.stdout}${r.stderr}`);
    const out = json(r.stdout);
    assert.is(out.ok, false);
    assert.ok(out.error === "usage" || out.error === "unreadable-file", out.error);
    assert.match(out.detail, message);
  }
  rmSync(join(d.image, "timestamp.json"));
  const r = uptane(base);
  assert.is(r.status, 2);
  assert.equal(json(r.stdout).error, "unreadable-file");
  assert.match(json(r.stdout).detail, /has no timestamp\.json/);
  const text = uptane(base.filter((a) => a !== "--json"));
  assert.is(text.status, 2);
  assert.match(text.stderr, /^uptane verify: .*has no timestamp\.json/);
  assert.is(text.stdout, "");
});

test("metadata from the project's backend (uptane init, image add, vehicle add, assign) verifies with uptane verify, full and partial", () => {
  const base = mkdtempSync(join(tmpdir(), "uptane-verify-backend-"));
  dirs.push(base);
  const backend = join(base, "backend");
  const run = (args: string[]) => {
    const r = uptane(args);
    assert.is(r.status, 0, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
  };
  const image = Buffer.from("firmware for hw-a, version 1");
  writeFileSync(join(base, "fw.bin"), image);
  writeFileSync(join(base, "ecu.pub"), generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }));
  run(["init", backend]);
  run(["image", "add", backend, join(base, "fw.bin"), "--name", "fw.bin", "--hardware-id", "hw-a"]);
  run(["vehicle", "add", backend, "--vin", "VIN0000000000042", "--ecu", `ECU1:hw-a:${join(base, "ecu.pub")}:primary`]);
  run(["assign", backend, "--vin", "VIN0000000000042", "--ecu", "ECU1", "--target", "fw.bin"]);
  // The backend keeps the Director root apart from the vehicle's documents; pin version 1 of each root.
  const d = join(base, "d");
  const i = join(base, "i");
  mkdirSync(d);
  mkdirSync(i);
  for (const f of readdirSync(join(backend, "director", "vehicles", "VIN0000000000042"))) copyFileSync(join(backend, "director", "vehicles", "VIN0000000000042", f), join(d, f));
  copyFileSync(join(backend, "director", "root", "1.root.json"), join(d, "root.json"));
  for (const f of readdirSync(join(backend, "image", "repository"))) if (f.endsWith(".json")) copyFileSync(join(backend, "image", "repository", f), join(i, f));
  copyFileSync(join(i, "1.root.json"), join(i, "root.json"));
  const common = ["--ecu", "ECU1", "--hardware-id", "hw-a", "--json", "--target-file", join(base, "fw.bin")];
  const full = uptane(["verify", "--mode", "full", "--director", d, "--image", i, "--vin", "VIN0000000000042", ...common]);
  assert.is(full.status, 0, full.stdout + full.stderr);
  const partial = uptane(["verify", "--mode", "partial", "--director", d, ...common]);
  assert.is(partial.status, 0, partial.stdout + partial.stderr);
  const other = uptane(["verify", "--mode", "full", "--director", d, "--image", i, "--vin", "VIN0000000000099", ...common]);
  assert.is(json(other.stdout).outcome, "EcuMismatch");
});

/** A backend from `init INIT` with an image assigned to ECU1; its vehicle's Director files (+ Director roots 2..N as N.root.json) and root 1. */
function backendVehicleFiles(init: string[], after: string[][] = []) {
  const base = mkdtempSync(join(tmpdir(), "uptane-verify-backend-"));
  dirs.push(base);
  const backend = join(base, "backend");
  const run = (args: string[]) => {
    const r = uptane(args);
    assert.is(r.status, 0, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
  };
  writeFileSync(join(base, "fw.bin"), Buffer.from("firmware for hw-a"));
  writeFileSync(join(base, "ecu.pub"), generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }));
  run(["init", backend, ...init]);
  run(["image", "add", backend, join(base, "fw.bin"), "--name", "fw.bin", "--hardware-id", "hw-a"]);
  run(["vehicle", "add", backend, "--vin", "VIN0000000000043", "--ecu", `ECU1:hw-a:${join(base, "ecu.pub")}:primary`]);
  for (const args of after) run(args.map((a) => (a === "DIR" ? backend : a)));
  run(["assign", backend, "--vin", "VIN0000000000043", "--ecu", "ECU1", "--target", "fw.bin"]);
  const d = join(base, "d");
  mkdirSync(d);
  for (const f of readdirSync(join(backend, "director", "vehicles", "VIN0000000000043"))) copyFileSync(join(backend, "director", "vehicles", "VIN0000000000043", f), join(d, f));
  for (const f of readdirSync(join(backend, "director", "root"))) copyFileSync(join(backend, "director", "root", f), join(d, f === "1.root.json" ? "root.json" : f));
  return d;
}

test("uptane verify --mode partial picks partial-p256.wasm for a Director root with P-256 keys (pinned, or reached by rotation) and partial.wasm for Ed25519: Ok each time", () => {
  const partial = (d: string) => uptane(["verify", "--mode", "partial", "--director", d, "--ecu", "ECU1", "--hardware-id", "hw-a", "--json"]);
  const p256 = partial(backendVehicleFiles(["--director-key-type", "ecdsa-p256"]));
  assert.is(p256.status, 0, p256.stdout + p256.stderr);
  assert.is(json(p256.stdout).module, "partial-p256");
  const ed = partial(backendVehicleFiles([]));
  assert.is(ed.status, 0, ed.stdout + ed.stderr);
  assert.is(json(ed.stdout).module, "partial");
  // pinned to an Ed25519 root 1; roots 2 and 3 move the root and targets keys to P-256
  const rotated = partial(backendVehicleFiles([], [["director", "rotate", "DIR", "--role", "root", "--key-type", "ecdsa-p256"], ["director", "rotate", "DIR", "--role", "targets", "--key-type", "ecdsa-p256"]]));
  assert.is(rotated.status, 0, rotated.stdout + rotated.stderr);
  assert.is(json(rotated.stdout).module, "partial-p256");
});

test("uptane verify --help: exit 0 with the usage", () => {
  const r = uptane(["verify", "--help"]);
  assert.is(r.status, 0);
  assert.match(r.stdout, /--mode full\|partial/);
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
