// The C embedding kit (embed/c, README "Embedding on an ECU"): builds build/partial.wasm
// and build/full.wasm through wasm2c and gcc, then runs the example ECU program on the
// partial-verification attack rows (the same outcome, repository and role as the Node
// host gives), streams good and bad images through its image check, and runs every
// Wycheproof Ed25519 case and SHA-256/512 vectors through both translated modules.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CRYPTO_STATUS, OUTCOMES } from "../model/outcome.ts";
import { DETAILS } from "../host/wasm/details.ts";
import { PartialVerifier } from "../host/wasm/verifier.ts";
import { VehicleSim } from "./sim/vehicle.ts";
import { CryptoCore } from "../host/wasm/crypto.ts";
import { AT, PARTIAL_ROWS, type PartialRow } from "./attacks/partial-rows.ts";
import { partialVerifier, verifyPartial } from "./attacks/harness.ts";
import { canonicalForwarding } from "../host/wasm/canonical.ts";
import { vehicleWithDirectorTargets } from "./stream/documents.ts";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "build", "c");
const EXAMPLE = join(OUT, "uptane-example");
const VECTORS = join(OUT, "uptane-vectors");
const ROLE_NAMES = [null, "root", "timestamp", "snapshot", "targets", "delegated", "timeserver", "image"];
const base = mkdtempSync(join(tmpdir(), "uptane-embed-c-"));

test.before(() => {
  const r = spawnSync("make", ["-s", "-C", join(ROOT, "embed", "c")], { encoding: "utf8" });
  assert.is(r.status, 0, `make -C embed/c failed:\n${r.stdout}${r.stderr}`);
});

test("the kit names the ABI only through the generated uptane_abi.h: no number of its own for an outcome, role or field", () => {
  // tests/abi.test.ts checks build/c/uptane_abi.h against assembly/; the kit must not keep a copy
  const kit = join(ROOT, "embed", "c");
  for (const file of readdirSync(kit).filter((f) => f.endsWith(".h") || f.endsWith(".c"))) {
    const text = readFileSync(join(kit, file), "utf8");
    assert.not.match(text, /UPTANE_(Outcome|CryptoStatus|Repo|Role|ResultField|TargetField|Capacity)_\w+\s*=/, `embed/c/${file} defines an ABI name`);
    assert.not.match(text, /Z_partialZ_(result|capacity)\([^,]+,\s*\d|Z_partialZ_target\([^,]+,[^,]+,\s*\d/, `embed/c/${file} passes a bare field number`);
  }
  assert.match(readFileSync(join(kit, "uptane.h"), "utf8"), /#include "uptane_abi.h"/);
});

interface CRun {
  status: number | null;
  json: { outcome: string; ok: boolean; repo: string | null; role: string | null; target?: string; image: string | null; memoryPages: number };
  text: string;
}

/** Writes the Director root, rotations and targets of `v` and runs the C example on them. */
function runExample(
  v: VehicleSim,
  dir: string,
  opts: { serial: string; installedReleaseCounter?: number; image?: Uint8Array; maxPages?: number; state?: string; stream?: boolean },
): CRun {
  mkdirSync(dir, { recursive: true });
  const files = v.director.files(1);
  const args = ["--root", join(dir, "root.json"), "--targets", join(dir, "targets.json")];
  writeFileSync(join(dir, "root.json"), v.director.root(1));
  // canonical JSON, as the Primary forwards it (README "Streaming partial verification")
  writeFileSync(join(dir, "targets.json"), canonicalForwarding(files.targets));
  files.rootRotations.forEach((b, i) => {
    const path = join(dir, `${i + 2}.root.json`);
    writeFileSync(path, b);
    args.push("--rotation", path);
  });
  args.push("--ecu", opts.serial, "--hardware-id", v.ecu(opts.serial).hardwareId, "--time", String(AT(v)));
  if (opts.installedReleaseCounter !== undefined) args.push("--installed-release-counter", String(opts.installedReleaseCounter));
  if (opts.image) {
    writeFileSync(join(dir, "image.bin"), opts.image);
    args.push("--image", join(dir, "image.bin"));
  }
  if (opts.maxPages !== undefined) args.push("--max-pages", String(opts.maxPages));
  if (opts.state) args.push("--state", opts.state);
  if (opts.stream) args.push("--stream");
  const r = spawnSync(EXAMPLE, args, { encoding: "utf8" });
  const last = r.stdout.trim().split("\n").pop() ?? "";
  let json: CRun["json"];
  try {
    json = JSON.parse(last);
  } catch {
    throw new Error(`no JSON line from uptane-example (status ${r.status}):\n${r.stdout}${r.stderr}`);
  }
  return { status: r.status, json, text: r.stdout + r.stderr };
}

const exitFor = (outcome: string) => (outcome === "Ok" ? 0 : outcome === "NoUpdate" ? 3 : 1);

PARTIAL_ROWS.forEach((row: PartialRow, i) => {
  test(`C kit: ${row.name}, the same verdict as the Node host`, () => {
    const v = row.build();
    const serial = row.serial?.(v) ?? v.primary.serial;
    const node = verifyPartial(v, { serial, installedReleaseCounter: row.installedReleaseCounter });
    const image = node.target ? v.images.get(node.target.name) : undefined;
    const c = runExample(v, join(base, `row-${i}`), { serial, installedReleaseCounter: row.installedReleaseCounter, image });
    const [outcome, repo, role] = row.expect;
    assert.equal([node.outcome, node.repo, node.role], [outcome, repo, role], `Node: ${node.detail}`);
    assert.equal([c.json.outcome, c.json.repo, c.json.role], [outcome, repo, role], c.text);
    assert.is(c.status, exitFor(outcome), c.text);
    if (outcome === "Ok") {
      assert.is(c.json.target, node.target!.name);
      assert.is(c.json.image, "Ok", c.text);
    } else assert.is(c.json.image, null);
  });
});

test("C kit: an image with one byte changed fails the image check: LengthOrHashMismatch", () => {
  const row = PARTIAL_ROWS.find((r) => r.expect[0] === "Ok")!;
  const v = row.build();
  const serial = v.primary.serial;
  const image = new Uint8Array(v.images.get(v.assignedName(serial))!);
  image[image.length >> 1] ^= 1;
  const c = runExample(v, join(base, "tampered-image"), { serial, image });
  assert.is(c.json.outcome, "Ok", c.text); // the metadata verified ...
  assert.is(c.json.image, "LengthOrHashMismatch", c.text); // ... the image did not
  assert.is(c.status, 1);
});

test("C kit: an image one byte longer than its target fails the image check: LengthOrHashMismatch", () => {
  const v = PARTIAL_ROWS.find((r) => r.expect[0] === "Ok")!.build();
  const serial = v.primary.serial;
  const good = v.images.get(v.assignedName(serial))!;
  const image = new Uint8Array(good.length + 1);
  image.set(good);
  const c = runExample(v, join(base, "long-image"), { serial, image });
  assert.is(c.json.image, "LengthOrHashMismatch", c.text);
  assert.is(c.status, 1);
});

test("C kit: Director targets over what the memory maximum holds fail closed, never past the memory", () => {
  const v = PARTIAL_ROWS.find((r) => r.expect[0] === "Ok")!.build();
  v.director.tamper.targets = (s) => (s.custom.pad = "x".repeat(60 * 1024));
  const c = runExample(v, join(base, "one-page"), { serial: v.primary.serial, maxPages: 1 });
  assert.is.not(c.json.outcome, "Ok", c.text);
  assert.is(c.status, 1);
  assert.is(c.json.memoryPages, 1);
});

test("C kit: the saved trusted state catches a Director targets rollback at the next start: RollbackAttack (director targets)", () => {
  const v = PARTIAL_ROWS.find((r) => r.expect[0] === "Ok")!.build();
  const serial = v.primary.serial;
  const state = join(base, "state.bin");
  v.director.versions.targets = 5;
  const first = runExample(v, join(base, "state-1"), { serial, state });
  assert.is(first.json.outcome, "Ok", first.text);
  v.director.versions.targets = 4;
  const fresh = runExample(v, join(base, "state-2"), { serial });
  assert.is(fresh.json.outcome, "Ok", fresh.text); // without the state, version 4 is new
  const again = runExample(v, join(base, "state-3"), { serial, state });
  assert.equal([again.json.outcome, again.json.repo, again.json.role], ["RollbackAttack", "director", "targets"], again.text);
  const blob = readFileSync(state);
  blob[blob.length - 1] ^= 1;
  writeFileSync(state, blob);
  const corrupt = runExample(v, join(base, "state-4"), { serial, state });
  assert.is(corrupt.json.outcome, "InvalidMetadata", corrupt.text);
  assert.is(corrupt.status, 1);
});

test("C kit: after a root rotation the saved state keeps the new root: the next start verifies targets signed by the rotated keys without the rotation files", () => {
  const v = PARTIAL_ROWS.find((r) => r.name.startsWith("partial: root rotation with new targets keys"))!.build();
  const serial = v.primary.serial;
  const state = join(base, "rotated-state.bin");
  const first = runExample(v, join(base, "rotated-1"), { serial, state });
  assert.is(first.json.outcome, "Ok", first.text);
  // the same targets, the rotation files withheld: only the kept root (FILE.root) knows the new keys
  const dir = join(base, "rotated-2");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "targets.json"), canonicalForwarding(v.director.files(1).targets));
  const args = ["--root", join(base, "rotated-1", "root.json"), "--targets", join(dir, "targets.json"), "--ecu", serial, "--hardware-id", v.ecu(serial).hardwareId, "--time", String(AT(v))];
  const withState = spawnSync(EXAMPLE, [...args, "--state", state], { encoding: "utf8" });
  assert.is(withState.status, 0, withState.stdout + withState.stderr);
  const without = spawnSync(EXAMPLE, args, { encoding: "utf8" });
  assert.match(without.stdout, /"outcome":"UnmetThreshold"/); // the pinned root alone does not trust the new keys
});

// ---- streamed Director targets (README "Streaming partial verification") ----

PARTIAL_ROWS.forEach((row: PartialRow, i) => {
  test(`C kit, streamed in one page: ${row.name}, the same verdict as the Node host's streamed path`, () => {
    const v = row.build();
    const serial = row.serial?.(v) ?? v.primary.serial;
    let node: { outcome: string; repo: string | null; role: string | null };
    try {
      const files = v.director.files(1);
      node = partialVerifier(v, serial, row.installedReleaseCounter).updateStreamed({ rootRotations: files.rootRotations, targets: canonicalForwarding(files.targets) }, AT(v));
    } catch (err) {
      node = { outcome: (err as { outcome: string }).outcome, repo: "director", role: "root" };
    }
    const c = runExample(v, join(base, `stream-${i}`), { serial, installedReleaseCounter: row.installedReleaseCounter, stream: true, maxPages: 1 });
    assert.equal([c.json.outcome, c.json.repo, c.json.role], [node.outcome, node.repo, node.role], c.text);
    assert.is(c.status, exitFor(node.outcome), c.text);
    assert.is(c.json.memoryPages, 1);
  });
});

test("C kit: 300 KB of Director targets, streamed, verify with a 1-page memory maximum", () => {
  const v = vehicleWithDirectorTargets(300_000);
  const c = runExample(v, join(base, "stream-300k"), { serial: v.primary.serial, stream: true, maxPages: 1, image: v.images.get(v.assignedName()) });
  assert.is(c.json.outcome, "Ok", c.text);
  assert.is(c.json.target, v.assignedName());
  assert.is(c.json.image, "Ok", c.text);
  assert.is(c.json.memoryPages, 1);
  assert.ok(readFileSync(join(base, "stream-300k", "targets.json")).length >= 270_000);
});

// ---- crypto through both translated modules ----

interface WycheproofCase { tcId: number; comment: string; msg: string; sig: string; result: "valid" | "invalid" }
const wycheproof = JSON.parse(readFileSync(join(ROOT, "tests", "crypto", "fixtures", "wycheproof-ed25519_test.json"), "utf8")) as {
  testGroups: Array<{ publicKey: { pk: string }; tests: WycheproofCase[] }>;
};

function runVectors(lines: string[]): string[] {
  const r = spawnSync(VECTORS, [], { input: lines.join("\n") + "\n", encoding: "utf8", maxBuffer: 64 << 20 });
  assert.is(r.status, 0, r.stderr);
  const out = r.stdout.trim().split("\n");
  assert.is(out.length, lines.length);
  return out;
}

test("C kit: every Wycheproof Ed25519 case gives the same status in C (partial and full) as in Node's wasm, valid exactly when expected", () => {
  const node = new CryptoCore("partial");
  const cases = wycheproof.testGroups.flatMap((g) => g.tests.map((t) => ({ pk: g.publicKey.pk, ...t })));
  const hexOr = (s: string) => (s === "" ? "-" : s);
  const out = runVectors(cases.map((t) => `ed25519 ${hexOr(t.pk)} ${hexOr(t.sig)} ${hexOr(t.msg)}`));
  assert.is(cases.length, 151);
  cases.forEach((t, i) => {
    const [partial, full] = out[i].split(" ").map((s) => CRYPTO_STATUS[Number(s)]);
    const expected = node.ed25519Verify(Buffer.from(t.pk, "hex"), Buffer.from(t.sig, "hex"), Buffer.from(t.msg, "hex"));
    const what = `tcId ${t.tcId} ${t.comment}`;
    assert.is(full, expected, `full.c ${what}`);
    assert.is(partial, expected, `partial.c ${what}`);
    assert.is(partial === "Valid", t.result === "valid", what);
  });
});

test("C kit: SHA-256 and SHA-512 of messages around the block boundaries agree with node:crypto in both translated modules", () => {
  const lengths = [0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 1000, 65_537];
  const messages = lengths.map((n) => randomBytes(n));
  const lines = messages.flatMap((m) => [`sha256 ${m.length ? m.toString("hex") : "-"}`, `sha512 ${m.length ? m.toString("hex") : "-"}`]);
  const out = runVectors(lines);
  messages.forEach((m, i) => {
    const want256 = createHash("sha256").update(m).digest("hex");
    const want512 = createHash("sha512").update(m).digest("hex");
    assert.is(out[2 * i], `${want256} ${want256}`, `sha256 of ${m.length} bytes`);
    assert.is(out[2 * i + 1], `${want512} ${want512}`, `sha512 of ${m.length} bytes`);
  });
});

test("C kit: 150 mutated Director targets documents (changed, deleted, inserted bytes, truncations) get the same outcome, repository, role and detail in C as in V8", () => {
  const v = VehicleSim.standard();
  const serial = v.primary.serial;
  const hardwareId = v.ecu(serial).hardwareId;
  const root = v.director.root(1);
  const good = canonicalForwarding(v.director.files(1).targets);
  let seed = 0x5eed;
  const rand = (n: number) => {
    // mulberry32: a fixed sequence, so a failure names a reproducible case
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const docs: Uint8Array[] = [good];
  for (let i = 0; i < 150; i++) {
    const d = Array.from(good);
    const at = rand(d.length);
    const kind = i % 5;
    if (kind === 0) d[at] = rand(256);
    else if (kind === 1) d.splice(at, 1);
    else if (kind === 2) d.splice(at, 0, [0x22, 0x7b, 0x7d, 0x2c, 0x5c, 0x30, 0xff][rand(7)]);
    else if (kind === 3) d.length = at;
    else [d[at], d[(at + 1) % d.length]] = [d[(at + 1) % d.length], d[at]];
    docs.push(new Uint8Array(d));
  }
  const hex = (b: Uint8Array) => (b.length ? Buffer.from(b).toString("hex") : "-");
  const out = runVectors(docs.map((d) => `partial ${AT(v)} ${serial} ${hardwareId} ${hex(root)} ${hex(d)}`));
  const outcomes = new Set<string>();
  docs.forEach((doc, i) => {
    const node = new PartialVerifier({ directorRoot: root, ecu: { serial, hardwareId, installedReleaseCounter: 0 } }).update({ rootRotations: [], targets: doc }, AT(v));
    const [o, repo, role, detail] = out[i].split(" ").map(Number);
    const c = { outcome: OUTCOMES[o] ?? `code ${o}`, repo: repo === 1 ? "director" : null, role: ROLE_NAMES[role] ?? null, detail: DETAILS[detail] || OUTCOMES[o] };
    assert.equal(c, { outcome: node.outcome, repo: node.repo, role: node.role, detail: node.detail }, `case ${i}`);
    outcomes.add(node.outcome);
  });
  assert.ok(outcomes.has("Ok") && outcomes.size >= 3, [...outcomes].join(", ")); // the mutations reach several checks
});

test.after(() => rmSync(base, { recursive: true, force: true }));

test.run();
