// Mix-and-match and rollback (Uptane 5.4.4.4-5.4.4.6, TUF 5.4-5.6): each document must be
// the one the document above it lists (version, length, hashes) and no version may go
// below the trusted one.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { VehicleSim, expectOutcome, fullCycle, fullVerifier, verifyFull } from "./harness.ts";

test("mix-and-match: snapshot whose hash differs from the timestamp's: LengthOrHashMismatch (director snapshot)", () => {
  const v = VehicleSim.standard();
  v.director.tamperTimestampMeta = (m) => (m["snapshot.json"].hashes.sha256 = "00".repeat(32));
  expectOutcome(verifyFull(v), "LengthOrHashMismatch", "director", "snapshot");
});

test("mix-and-match: snapshot from an older cycle served with a newer timestamp: LengthOrHashMismatch (image snapshot)", () => {
  const v = VehicleSim.standard();
  const older = v.files();
  v.image.bump("snapshot", "timestamp");
  const newer = v.files();
  const result = fullVerifier(v).update(newer.director, { ...newer.image, snapshot: older.image.snapshot }, v.now + 60);
  expectOutcome(result, "LengthOrHashMismatch", "image", "snapshot");
});

test("snapshot longer than the length the timestamp lists: LengthOrHashMismatch (director snapshot)", () => {
  const v = VehicleSim.standard();
  v.director.tamperTimestampMeta = (m) => (m["snapshot.json"].length -= 1);
  expectOutcome(verifyFull(v), "LengthOrHashMismatch", "director", "snapshot");
});

test("snapshot version differs from the one the timestamp lists: BadVersion (director snapshot)", () => {
  const v = VehicleSim.standard();
  v.director.tamperTimestampMeta = (m) => (m["snapshot.json"].version = 7);
  expectOutcome(verifyFull(v), "BadVersion", "director", "snapshot");
});

test("targets version differs from the one the snapshot lists: BadVersion (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.tamperSnapshotMeta = (m) => (m["targets.json"].version = 2);
  expectOutcome(verifyFull(v), "BadVersion", "director", "targets");
});

test("image targets version differs from the one the snapshot lists: BadVersion (image targets)", () => {
  const v = VehicleSim.standard();
  v.image.bump("targets");
  v.image.tamperSnapshotMeta = (m) => (m["targets.json"].version = 1);
  expectOutcome(verifyFull(v), "BadVersion", "image", "targets");
});

/**
 * Cycle 1 at version 2 of every role, then cycle 2 with `roll` applied on top of a normal
 * new cycle. A rollback is reported on the document that reveals it: the timestamp for
 * the snapshot version it lists, the snapshot for the targets versions it lists.
 */
function rollback(repo: "director" | "image", roll: (v: VehicleSim) => void) {
  const v = VehicleSim.standard();
  v.nextCycle();
  const verifier = fullVerifier(v);
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
  v.nextCycle();
  roll(v);
  return fullCycle(verifier, v);
}

for (const repo of ["director", "image"] as const) {
  test(`rollback of the ${repo} timestamp (version 1 after trusted 2): RollbackAttack (${repo} timestamp)`, () => {
    expectOutcome(rollback(repo, (v) => (v[repo].versions.timestamp = 1)), "RollbackAttack", repo, "timestamp");
  });

  test(`rollback of the ${repo} snapshot (timestamp lists snapshot 1 after trusted 2): RollbackAttack (${repo} timestamp)`, () => {
    expectOutcome(rollback(repo, (v) => (v[repo].versions.snapshot = 1)), "RollbackAttack", repo, "timestamp");
  });

  test(`rollback of the ${repo} targets (snapshot lists targets 1 after trusted 2): RollbackAttack (${repo} snapshot)`, () => {
    expectOutcome(rollback(repo, (v) => (v[repo].versions.targets = 1)), "RollbackAttack", repo, "snapshot");
  });
}

test("rollback of a delegated role (snapshot lists supplier 1 after trusted 2): RollbackAttack (image snapshot)", () => {
  const v = VehicleSim.standard();
  v.delegate({ name: "supplier-a", paths: ["supplier-a/*"] });
  v.image.bump("supplier-a");
  v.nextCycle();
  const verifier = fullVerifier(v);
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
  v.nextCycle();
  v.image.versions["supplier-a"] = 1;
  expectOutcome(fullCycle(verifier, v), "RollbackAttack", "image", "snapshot");
});

test("a snapshot that no longer lists a delegated role the trusted one listed: RollbackAttack (image snapshot)", () => {
  const v = VehicleSim.standard();
  v.delegate({ name: "supplier-a", paths: ["supplier-a/*"] });
  const verifier = fullVerifier(v);
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
  v.nextCycle();
  v.image.tamperSnapshotMeta = (m) => delete m["supplier-a.json"];
  expectOutcome(fullCycle(verifier, v), "RollbackAttack", "image", "snapshot");
});

test("rollback of the root: a root numbered 2, signed by the current keys, after root 3 is trusted: RollbackAttack (director root)", () => {
  const v = VehicleSim.standard();
  v.director.rotate({ root: 1 });
  v.director.rotate({ root: 1 });
  const verifier = fullVerifier(v);
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
  v.nextCycle();
  v.director.publishRoot({ version: 2 });
  expectOutcome(fullCycle(verifier, v, { director: 3 }), "RollbackAttack", "director", "root");
});

test("replay of the whole previous cycle (every document older): RollbackAttack (director timestamp)", () => {
  const v = VehicleSim.standard();
  const verifier = fullVerifier(v);
  const first = v.files();
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
  v.nextCycle();
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
  expectOutcome(verifier.update(first.director, first.image, v.now + 60), "RollbackAttack", "director", "timestamp");
});

// TUF 5.5.2 / Uptane 5.4.4.6 step 1: a snapshot that lists length and hashes for the
// top-level targets binds those exact bytes.
for (const repo of ["director", "image"] as const) {
  test(`mix-and-match: ${repo} targets whose length differs from the one the snapshot lists: LengthOrHashMismatch (${repo} targets)`, () => {
    const v = VehicleSim.standard();
    v[repo].snapshotMetaHashes = true;
    v[repo].tamperSnapshotMeta = (m) => (m["targets.json"].length += 1);
    expectOutcome(verifyFull(v), "LengthOrHashMismatch", repo, "targets");
  });

  test(`mix-and-match: ${repo} targets whose sha256 differs from the one the snapshot lists: LengthOrHashMismatch (${repo} targets)`, () => {
    const v = VehicleSim.standard();
    v[repo].snapshotMetaHashes = true;
    v[repo].tamperSnapshotMeta = (m) => (m["targets.json"].hashes.sha256 = "00".repeat(32));
    expectOutcome(verifyFull(v), "LengthOrHashMismatch", repo, "targets");
  });

  test(`mix-and-match: ${repo} targets whose sha512 differs from the one the snapshot lists: LengthOrHashMismatch (${repo} targets)`, () => {
    const v = VehicleSim.standard();
    v[repo].snapshotMetaHashes = true;
    v[repo].tamperSnapshotMeta = (m) => (m["targets.json"].hashes.sha512 = "00".repeat(64));
    expectOutcome(verifyFull(v), "LengthOrHashMismatch", repo, "targets");
  });
}

test("snapshots listing the right length, sha256 and sha512 of both targets files verify", () => {
  const v = VehicleSim.standard();
  const targets = v.files();
  for (const repo of ["director", "image"] as const) {
    const sha512 = createHash("sha512").update(targets[repo].targets).digest("hex");
    v[repo].snapshotMetaHashes = true;
    v[repo].tamperSnapshotMeta = (m) => (m["targets.json"].hashes.sha512 = sha512);
  }
  const { director, image } = v.files();
  for (const [repo, files] of [["director", director], ["image", image]] as const) {
    const snap = JSON.parse(new TextDecoder().decode(files.snapshot)).signed.meta["targets.json"];
    assert.is(snap.length, files.targets.length, `${repo} snapshot lists the length`);
    assert.ok(snap.hashes.sha256 && snap.hashes.sha512, `${repo} snapshot lists both hashes`);
  }
  expectOutcome(verifyFull(v), "Ok", null, null);
});

test.run();
