// PURE-2 offline verification in full.wasm (README "Offline updates"): a factory load-out
// on an ECU that holds only its pinned roots, and the attack rows of issue 19, each with
// its exact outcome, repository and role.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import "../../host/wasm/embedded.ts";
import { FullVerifier } from "../../host/wasm/index.ts";
import { readBundleImage } from "../../host/primary/offline-bundle.ts";
import { uptane } from "../helpers/uptane-in-process.ts";
import { OfflineFixture, bundleFiles, forge, metaOf, signedOf } from "./fixture.ts";
import type { VerifyResult } from "../../model/verification.ts";
import { canonicalJson } from "../../model/canonical-json.ts";

let f: OfflineFixture;
let bundle1: string; // EMEA: brake 2.0 + camera, targets v1, snapshot v1
let bundle2: string; // EMEA again: brake 3.0 + camera, targets v2, snapshot v2
const now = () => Math.floor(Date.now() / 1000);

test.before(async () => {
  f = await OfflineFixture.create();
  bundle1 = await f.offline("EMEA", ["brake-ctl=oem/brake-2.bin", "adas-cam=oem/cam-4.bin"]);
  bundle2 = await f.offline("EMEA", ["brake-ctl=oem/brake-3.bin", "adas-cam=oem/cam-4.bin"]);
});
test.after(() => f.close());

function brakeVerifier(installedReleaseCounter = 0): FullVerifier {
  return new FullVerifier({
    directorRoot: f.root("director"),
    imageRoot: f.root("image"),
    ecu: { serial: "brake-1", hardwareId: "brake-ctl", installedReleaseCounter },
    vin: "FACTORY-UNREGISTERED",
    vehicleEcus: ["brake-1"],
  });
}

function expect(r: VerifyResult, outcome: string, repo: string | null, role: string | null): void {
  assert.is(r.outcome, outcome, JSON.stringify(r));
  assert.is(r.repo, repo, JSON.stringify(r));
  assert.is(r.role, role, JSON.stringify(r));
}

test("factory load-out: an ECU with only its pinned roots verifies the bundle and its image", () => {
  const { bundle, files } = bundleFiles(bundle1);
  const v = brakeVerifier();
  const r = v.updateOffline(files, now());
  assert.is(r.outcome, "Ok", JSON.stringify(r));
  assert.is(r.target?.name, "oem/brake-2.bin");
  assert.is(r.target?.releaseCounter, 2);
  // every target of the file, by hardware ID (no ECU serials: the vehicle may not be registered)
  assert.equal(r.vehicleTargets!.map((t) => [t.ecuSerial, t.target.hardwareId, t.target.name]).sort(), [["", "adas-cam", "oem/cam-4.bin"], ["", "brake-ctl", "oem/brake-2.bin"]]);
  for (const t of r.vehicleTargets!) {
    const check = v.imageCheck(t.target);
    check.update(readBundleImage(bundle, t.target.name, t.target.length));
    assert.is(check.finish().outcome, "Ok", t.target.name);
  }
});

test("an ECU of another hardware ID gets NoUpdate; a release counter below the installed one is a rollback", () => {
  const { files } = bundleFiles(bundle1);
  const gw = new FullVerifier({ directorRoot: f.root("director"), imageRoot: f.root("image"), ecu: { serial: "gw", hardwareId: "gateway", installedReleaseCounter: 0 }, vin: "V", vehicleEcus: ["gw"] });
  assert.is(gw.updateOffline(files, now()).outcome, "NoUpdate");
  expect(brakeVerifier(3).updateOffline(files, now()), "RollbackAttack", "director", "offline-update-targets");
});

test("rollback: an older Offline-update Targets file (listed at a lower version than the stored snapshot)", () => {
  const v = brakeVerifier();
  assert.is(v.updateOffline(bundleFiles(bundle2).files, now()).outcome, "Ok");
  // the older bundle's snapshot (v1) is not newer than the stored v2: the stored one stays, and lists EMEA v2
  const r = v.updateOffline(bundleFiles(bundle1).files, now());
  expect(r, "RollbackAttack", "director", "offline-update-targets");
  assert.is(r.expected, 2);
  assert.is(r.got, 1);
  // and after a restart, from the persisted state
  const again = FullVerifier.fromState({ directorRoot: f.root("director"), imageRoot: f.root("image"), ecu: { serial: "brake-1", hardwareId: "brake-ctl", installedReleaseCounter: 0 }, vin: "FACTORY-UNREGISTERED", vehicleEcus: ["brake-1"] }, v.exportState());
  expect(again.updateOffline(bundleFiles(bundle1).files, now()), "RollbackAttack", "director", "offline-update-targets");
});

test("the stored Offline-update Snapshot is persisted apart from the online state; a damaged copy is refused", () => {
  const v = brakeVerifier();
  assert.is(v.updateOffline(bundleFiles(bundle2).files, now()).outcome, "Ok");
  const state = v.exportState();
  const config = { directorRoot: f.root("director"), imageRoot: f.root("image"), ecu: { serial: "brake-1", hardwareId: "brake-ctl", installedReleaseCounter: 0 }, vin: "FACTORY-UNREGISTERED", vehicleEcus: ["brake-1"] };
  const damaged = state.slice();
  damaged[damaged.length - 40] ^= 1; // inside the offline blob, the last part
  assert.throws(() => FullVerifier.fromState(config, damaged), (e: Error) => e.name === "VerificationError" && /offline-update state/.test(e.message));
  // a state saved before offline updates (no offline part) still opens, with no stored snapshot
  const view = new DataView(state.buffer, state.byteOffset);
  const parts: Uint8Array[] = [];
  for (let p = 8, i = 0; i < view.getUint32(4, true); i++) {
    const n = view.getUint32(p, true);
    parts.push(state.subarray(p + 4, p + 4 + n));
    p += 4 + n;
  }
  const old = parts.slice(0, -1);
  const total = 8 + old.reduce((a, b) => a + 4 + b.length, 0);
  const legacy = new Uint8Array(total);
  const lv = new DataView(legacy.buffer);
  lv.setUint32(0, view.getUint32(0, true), true);
  lv.setUint32(4, old.length, true);
  let at = 8;
  for (const b of old) {
    lv.setUint32(at, b.length, true);
    legacy.set(b, at + 4);
    at += 4 + b.length;
  }
  const reopened = FullVerifier.fromState(config, legacy);
  // without the stored snapshot the older bundle passes: exactly what the offline state guards
  assert.is(reopened.updateOffline(bundleFiles(bundle1).files, now()).outcome, "Ok");
  assert.is(FullVerifier.fromState(config, state).updateOffline(bundleFiles(bundle1).files, now()).outcome, "RollbackAttack");
});

test("rollback: a newer Offline-update Snapshot listing a file at a lower version than the stored one", () => {
  const v = brakeVerifier();
  assert.is(v.updateOffline(bundleFiles(bundle2).files, now()).outcome, "Ok");
  const { files } = bundleFiles(bundle1);
  files.director.offlineSnapshot = forge(files.director.offlineSnapshot, [f.offlineSnapshotKey], (s) => {
    s.version = 9;
  });
  const r = v.updateOffline(files, now());
  expect(r, "RollbackAttack", "director", "offline-update-snapshot");
});

test("freeze: an expired Offline-update Snapshot, and an expired Offline-update Targets file", () => {
  const { files } = bundleFiles(bundle1);
  const later = now() + 31 * 24 * 3600; // both expire in 30 days
  expect(brakeVerifier().updateOffline(files, later), "ExpiredMetadata", "director", "offline-update-snapshot");
  const targets = forge(files.director.offlineTargets.bytes, [f.offlineTargetsKey], (s) => {
    s.expires = "2020-01-01T00:00:00Z";
  });
  files.director.offlineTargets.bytes = targets;
  files.director.offlineSnapshot = forge(files.director.offlineSnapshot, [f.offlineSnapshotKey], (s) => {
    s.meta["EMEA.json"] = metaOf(targets);
  });
  expect(brakeVerifier().updateOffline(files, now()), "ExpiredMetadata", "director", "offline-update-targets");
});

test("Offline-update Targets signed by the Director's targets key (the roles differ): UnmetThreshold", () => {
  const { files } = bundleFiles(bundle1);
  files.director.offlineTargets.bytes = forge(files.director.offlineTargets.bytes, [f.directorTargetsKey], () => {});
  expect(brakeVerifier().updateOffline(files, now()), "UnmetThreshold", "director", "offline-update-targets");
  // nor does the offline-update snapshot key sign the snapshot's files... nor the targets key the snapshot
  const other = bundleFiles(bundle1).files;
  other.director.offlineSnapshot = forge(other.director.offlineSnapshot, [f.directorTargetsKey, f.offlineTargetsKey], () => {});
  expect(brakeVerifier().updateOffline(other, now()), "UnmetThreshold", "director", "offline-update-snapshot");
});

test("two targets for one ECU (one hardware ID twice): EcuMismatch", () => {
  const { files } = bundleFiles(bundle1);
  const brake3 = signedOf(bundleFiles(bundle2).files.director.offlineTargets.bytes).targets["oem/brake-3.bin"];
  const targets = forge(files.director.offlineTargets.bytes, [f.offlineTargetsKey], (s) => {
    s.targets["oem/brake-3.bin"] = brake3;
  });
  files.director.offlineTargets.bytes = targets;
  files.director.offlineSnapshot = forge(files.director.offlineSnapshot, [f.offlineSnapshotKey], (s) => {
    s.meta["EMEA.json"] = metaOf(targets);
  });
  expect(brakeVerifier().updateOffline(files, now()), "EcuMismatch", "director", "offline-update-targets");
});

test("an image in the bundle that differs from the Image repository's entry: TargetMismatch (metadata), LengthOrHashMismatch (bytes)", () => {
  const { bundle, files } = bundleFiles(bundle1);
  const targets = forge(files.director.offlineTargets.bytes, [f.offlineTargetsKey], (s) => {
    s.targets["oem/cam-4.bin"].hashes.sha256 = "00".repeat(32);
  });
  files.director.offlineTargets.bytes = targets;
  files.director.offlineSnapshot = forge(files.director.offlineSnapshot, [f.offlineSnapshotKey], (s) => {
    s.meta["EMEA.json"] = metaOf(targets);
  });
  // the Primary checks every listed target, not only its own (PURE-2 step 9)
  expect(brakeVerifier().updateOffline(files, now()), "TargetMismatch", "image", "targets");

  const v = brakeVerifier();
  const r = v.updateOffline(bundleFiles(bundle1).files, now());
  assert.is(r.outcome, "Ok");
  const image = readBundleImage(bundle, "oem/brake-2.bin", r.target!.length).slice();
  image[100] ^= 1;
  const check = v.imageCheck(r.target!);
  check.update(image);
  expect(check.finish(), "LengthOrHashMismatch", null, "image");
});

test("fail closed: 200 single-byte mutations of the offline documents never throw, and none passes unless its signed part is unchanged", () => {
  const { files } = bundleFiles(bundle1);
  const signedText = (bytes: Uint8Array): string | null => {
    try {
      return canonicalJson(JSON.parse(Buffer.from(bytes).toString("utf8")).signed);
    } catch {
      return null;
    }
  };
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (const which of ["offlineSnapshot", "offlineTargets"] as const) {
    const original = which === "offlineSnapshot" ? files.director.offlineSnapshot : files.director.offlineTargets.bytes;
    for (let i = 0; i < 100; i++) {
      const mutated = original.slice();
      mutated[random(mutated.length)] = random(256);
      const trial = bundleFiles(bundle1).files;
      if (which === "offlineSnapshot") trial.director.offlineSnapshot = mutated;
      else trial.director.offlineTargets.bytes = mutated;
      const r = brakeVerifier().updateOffline(trial, now());
      if (r.outcome === "Ok") assert.is(signedText(mutated), signedText(original), `${which} mutation ${i} passed with another signed part`);
    }
  }
});

test("a bundle whose Director root chain has a gap: BadVersion at the root", async () => {
  for (const role of ["targets", "snapshot"]) {
    const r = await uptane("director", "rotate", f.dir, "--role", role, "--json");
    assert.is(r.code, 0, r.err);
  }
  const folder = await f.offline("gap", ["brake-ctl=oem/brake-2.bin"]);
  const { files } = bundleFiles(folder);
  assert.is(files.director.rootRotations.length, 2, "roots 2 and 3");
  const v = brakeVerifier();
  const whole = v.updateOffline(bundleFiles(folder).files, now());
  assert.is(whole.outcome, "Ok", JSON.stringify(whole));
  // a fresh ECU (root 1) given roots 1 and 3 only
  rmSync(join(folder, "metadata/director/2.root.json"));
  const listing = JSON.parse(readFileSync(join(folder, "listing.json"), "utf8"));
  delete listing.files["metadata/director/2.root.json"];
  writeFileSync(join(folder, "listing.json"), JSON.stringify(listing));
  const r = brakeVerifier().updateOffline(bundleFiles(folder).files, now());
  expect(r, "BadVersion", "director", "root");
  assert.is(r.expected, 2);
  assert.is(r.got, 3);
});

test.run();
