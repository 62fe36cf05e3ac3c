// `uptane verify --mode partial --max-pages N`: the one-page claim from the command line.
// A 4 MB Director targets document verifies with a 1-page memory maximum and the JSON
// line reports the peak pages used.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isoTime } from "../../model/iso-time.ts";
import { AT } from "../attacks/partial-rows.ts";
import { vehicleWithDirectorTargets } from "./documents.ts";

const CLI = join(import.meta.dirname, "..", "..", "dist", "uptane.mjs");
const base = mkdtempSync(join(tmpdir(), "uptane-stream-"));

function verifyCli(bytes: number, extra: string[]) {
  const v = vehicleWithDirectorTargets(bytes);
  const dir = join(base, String(bytes));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "root.json"), v.director.root(1));
  const targets = v.director.files(1).targets;
  writeFileSync(join(dir, "targets.json"), targets);
  const serial = v.primary.serial;
  const args = [CLI, "verify", "--mode", "partial", "--director", dir, "--ecu", serial, "--hardware-id", v.ecu(serial).hardwareId, "--time", isoTime(AT(v)), "--json", ...extra];
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  return { r, size: targets.length };
}

test("uptane verify --mode partial --max-pages 1: 4 MB of Director targets, Ok in one page", () => {
  const { r, size } = verifyCli(4_000_000, ["--max-pages", "1"]);
  assert.ok(size > 3_600_000, `document of ${size} bytes`);
  assert.is(r.status, 0, r.stdout + r.stderr);
  const out = JSON.parse(r.stdout);
  assert.is(out.outcome, "Ok", out.detail);
  assert.is(out.memoryPages, 1);
});

test("uptane verify --max-pages 0 is bad usage", () => {
  const { r } = verifyCli(1000, ["--max-pages", "0"]);
  assert.is(r.status, 2, r.stdout + r.stderr);
});

test.after(() => rmSync(base, { recursive: true, force: true }));

test.run();
