// The partial-verification rows of the attack catalogue through the built CLI:
// `uptane verify --mode partial` on the Director root and targets the simulator writes
// (issue 6), asserting the JSON verdict and the exit status.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AT, PARTIAL_ROWS } from "./partial-rows.ts";
import { isoTime } from "../../model/iso-time.ts";

const CLI = join(import.meta.dirname, "..", "..", "dist", "uptane.mjs");
const base = mkdtempSync(join(tmpdir(), "uptane-partial-"));

PARTIAL_ROWS.forEach((row, i) => {
  test(`uptane verify --mode partial, ${row.name}`, () => {
    const v = row.build();
    const dir = join(base, String(i));
    const files = v.director.files(1);
    // Only what a partial verifier needs: the pinned root, newer roots, targets.
    writeRepoPartial(dir, v.director.root(1), files.rootRotations, files.targets);
    const serial = row.serial?.(v) ?? v.primary.serial;
    const args = [CLI, "verify", "--mode", "partial", "--director", dir, "--ecu", serial, "--hardware-id", v.ecu(serial).hardwareId, "--time", isoTime(AT(v)), "--json"];
    if (row.installedReleaseCounter !== undefined) args.push("--installed-release-counter", String(row.installedReleaseCounter));
    const r = spawnSync(process.execPath, args, { encoding: "utf8" });
    const [outcome, repo, role] = row.expect;
    assert.is(r.status, outcome === "Ok" ? 0 : outcome === "NoUpdate" ? 3 : 1, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal({ ok: out.ok, outcome: out.outcome, repo: out.repo, role: out.role }, { ok: outcome === "Ok", outcome, repo, role }, out.detail);
  });
});

function writeRepoPartial(dir: string, root: Uint8Array, rotations: Uint8Array[], targets: Uint8Array): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "root.json"), root);
  rotations.forEach((b, i) => writeFileSync(join(dir, `${i + 2}.root.json`), b));
  writeFileSync(join(dir, "targets.json"), targets);
}

test.after(() => rmSync(base, { recursive: true, force: true }));

test.run();
