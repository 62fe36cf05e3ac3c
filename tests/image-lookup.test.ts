// Target lookup through delegations as a TUF client does it (the Director's view of the
// Image repository): pre-order depth-first, listing order, terminating roles, cycles, and
// the Uptane hardware-ID restriction failing closed.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findTarget } from "../backend/image/lookup.ts";
import { matchesPathPattern } from "../backend/image/names.ts";
import type { DelegatedRole, Signed, TargetFile, TargetsSigned } from "../backend/image/metadata.ts";

function role(name: string, paths: string[], extra: Partial<DelegatedRole> = {}): DelegatedRole {
  return { name, keyids: [], threshold: 1, terminating: false, paths, ...extra };
}

function doc(targets: Record<string, TargetFile>, roles: DelegatedRole[] = []): Signed<TargetsSigned> {
  return { signatures: [], signed: { _type: "targets", spec_version: "1.0.31", version: 1, expires: "2100-01-01T00:00:00Z", targets, ...(roles.length ? { delegations: { keys: {}, roles } } : {}) } };
}

function file(length: number, hardwareIds = ["hw"]): TargetFile {
  return { length, hashes: { sha256: "a".repeat(64) }, custom: { hardwareIds, releaseCounter: 0 } };
}

test("path patterns match one segment per * and never across /", () => {
  assert.ok(matchesPathPattern("acme/a.bin", "acme/*"));
  assert.ok(matchesPathPattern("acme/bolt-1.bin", "acme/bolt-?.bin"));
  assert.not.ok(matchesPathPattern("acme/x/a.bin", "acme/*"));
  assert.not.ok(matchesPathPattern("other/a.bin", "acme/*"));
  assert.ok(matchesPathPattern("acme/x/a.bin", "acme/*/*.bin"));
});

test("a top-level target is found in targets; a delegated one in the role whose paths cover it", () => {
  const roles = new Map([
    ["targets", doc({ "top.bin": file(1) }, [role("acme", ["acme/*"])])],
    ["acme", doc({ "acme/a.bin": file(2), "other/b.bin": file(3) })],
  ]);
  assert.is(findTarget(roles, "top.bin")?.role, "targets");
  assert.is(findTarget(roles, "acme/a.bin")?.length, 2);
  assert.is(findTarget(roles, "other/b.bin"), null, "a role is not trusted for names outside its paths");
  assert.is(findTarget(roles, "acme/none.bin"), null);
});

test("the first role in listing order wins, and a terminating role ends the search", () => {
  const make = (terminating: boolean) =>
    new Map([
      ["targets", doc({}, [role("first", ["x/*"], { terminating }), role("second", ["x/*"])])],
      ["first", doc({ "x/shared.bin": file(10) })],
      ["second", doc({ "x/shared.bin": file(20), "x/only-second.bin": file(30) })],
    ]);
  assert.is(findTarget(make(false), "x/shared.bin")?.length, 10);
  assert.is(findTarget(make(false), "x/only-second.bin")?.length, 30);
  assert.is(findTarget(make(true), "x/only-second.bin"), null, "the terminating first role hides later roles");
});

test("nested delegations are searched depth first, and cycles end", () => {
  const roles = new Map([
    ["targets", doc({}, [role("a", ["n/*"]), role("c", ["n/*"])])],
    ["a", doc({}, [role("b", ["n/*"])])],
    ["b", doc({ "n/deep.bin": file(5) }, [role("a", ["n/*"])])],
    ["c", doc({ "n/deep.bin": file(6) })],
  ]);
  const found = findTarget(roles, "n/deep.bin");
  assert.is(found?.role, "b");
  assert.is(findTarget(roles, "n/missing.bin"), null);
});

test("a role restricted to some hardware IDs does not vouch for an image for other hardware", () => {
  const roles = new Map([
    ["targets", doc({}, [role("brakes", ["b/*"], { hardwareIds: ["brake"] })])],
    ["brakes", doc({ "b/ok.bin": file(1, ["brake"]), "b/engine.bin": file(2, ["engine"]), "b/mixed.bin": file(3, ["brake", "engine"]) }, [role("tier2", ["b/*"], { hardwareIds: ["abs"] })])],
    ["tier2", doc({ "b/abs.bin": file(4, ["abs"]) })],
  ]);
  assert.is(findTarget(roles, "b/ok.bin")?.length, 1);
  assert.is(findTarget(roles, "b/ok.bin", { hardwareId: "brake" })?.length, 1);
  assert.is(findTarget(roles, "b/ok.bin", { hardwareId: "engine" }), null);
  assert.is(findTarget(roles, "b/engine.bin"), null);
  assert.is(findTarget(roles, "b/mixed.bin"), null);
  assert.is(findTarget(roles, "b/abs.bin"), null, "a tier-2 restriction cannot widen its parent's");
});

test("a delegated role whose metadata is not published yet vouches for nothing", () => {
  const roles = new Map([["targets", doc({}, [role("late", ["l/*"])])]]);
  assert.is(findTarget(roles, "l/a.bin"), null);
});

test("with a reference time, an expired role on the way ends the search as a TUF client fails", () => {
  const roles = new Map([
    ["targets", doc({ "top.bin": file(1) }, [role("old", ["o/*"])])],
    ["old", { ...doc({ "o/a.bin": file(2) }), signed: { ...doc({ "o/a.bin": file(2) }).signed, expires: "2020-01-01T00:00:00Z" } }],
  ]);
  assert.is(findTarget(roles, "o/a.bin")?.length, 2);
  assert.is(findTarget(roles, "o/a.bin", { now: new Date("2019-12-31T00:00:00Z") })?.length, 2);
  assert.is(findTarget(roles, "o/a.bin", { now: new Date("2020-01-01T00:00:00Z") }), null);
  assert.is(findTarget(roles, "top.bin", { now: new Date("2030-01-01T00:00:00Z") })?.length, 1);
});

test.run();
