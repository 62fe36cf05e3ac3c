// `npm start` is `uptane demo` from the bundled CLI: it must run on embedded defaults and
// exit 0; `--list-attacks` and a bad attack name behave as the help says.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const CLI = join(import.meta.dirname, "../../dist/uptane.mjs");
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

test("uptane demo (npm start) runs the whole update from the bundle, ends with the table, and exits 0", () => {
  const r = run("demo");
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /Supplier acme-brakes signs acme-brakes\/brake-ctl-2\.0\.bin/);
  assert.match(r.stdout, /Director's view of DEMO0VIN000000001/);
  const table = r.stdout.slice(r.stdout.lastIndexOf("\nECU "));
  assert.match(table, /brake-rear\s+secondary\s+partial\s+CAN 500k\s+.*Installed acme-brakes\/brake-ctl-2\.0\.bin/);
  assert.match(table, /adas-cam\s+secondary\s+full\s+CAN FD 500k\/5M\s+.*Installed oem\/adas-cam-4\.1\.bin/);
  assert.is(r.stderr, "", "no progress bars when stderr is not a terminal");
});

test("uptane demo --json prints one JSON object: the per-ECU summary and the Director's view, no narration", () => {
  const r = run("demo", "--json");
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.is(lines.length, 1, "one line");
  const out = JSON.parse(lines[0]!);
  assert.is(out.ok, true);
  assert.is(out.vin, "DEMO0VIN000000001");
  const cam = out.summary.find((e: { serial: string }) => e.serial === "adas-cam");
  assert.is(cam.outcome, "Installed");
  assert.is(cam.installed.filename, "oem/adas-cam-4.1.bin");
  assert.is(out.directorView.find((e: { serial: string }) => e.serial === "brake-rear").installedFilename, "acme-brakes/brake-ctl-2.0.bin");
});

test("uptane demo --list-attacks names every attack; an unknown one is a usage error (exit 2)", () => {
  const list = run("demo", "--list-attacks");
  assert.is(list.status, 0);
  for (const name of ["wrong-hardware", "rollback", "freeze", "mix-and-match", "tampered-image"]) assert.match(list.stdout, new RegExp(`^${name} `, "m"));
  const bad = run("demo", "--attack", "teleport");
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /no attack 'teleport'/);
});

test.run();
