// Freeze attacks (Uptane 5.4.4.3-5.4.4.6: "check that the metadata has not expired"):
// every role of both repositories, against the reference time given to the verifier.
import { test } from "uvu";
import { VehicleSim, at, expectOutcome, fullCycle, fullVerifier, verifyFull } from "./harness.ts";

for (const repo of ["director", "image"] as const) {
  for (const role of ["timestamp", "snapshot", "targets"] as const) {
    test(`expired ${repo} ${role}: ExpiredMetadata (${repo} ${role})`, () => {
      const v = VehicleSim.standard();
      v[repo].expires[role] = at(v) - 1;
      expectOutcome(verifyFull(v), "ExpiredMetadata", repo, role);
    });
  }

  test(`${repo} root that expires exactly at the reference time: ExpiredMetadata (${repo} root)`, () => {
    const v = VehicleSim.standard();
    v[repo].expires.root = at(v);
    v[repo].publishRoot();
    expectOutcome(verifyFull(v), "ExpiredMetadata", repo, "root");
  });

  test(`expired pinned ${repo} root with no rotation: ExpiredMetadata (${repo} root)`, () => {
    const v = VehicleSim.standard();
    v[repo].expires.root = at(v) - 3600;
    v[repo].repinRoot();
    expectOutcome(verifyFull(v), "ExpiredMetadata", repo, "root");
  });
}

test("an expired intermediate root in a rotation chain is fine when the last one is current: Ok", () => {
  const v = VehicleSim.standard();
  v.director.expires.root = at(v) - 3600;
  v.director.publishRoot();
  delete v.director.expires.root;
  v.director.publishRoot();
  expectOutcome(verifyFull(v), "Ok", null, null);
});

test("freeze: metadata valid yesterday, served again after it expired: ExpiredMetadata (director timestamp)", () => {
  const v = VehicleSim.standard();
  v.director.expires.timestamp = at(v) + 3600;
  const verifier = fullVerifier(v);
  expectOutcome(fullCycle(verifier, v), "Ok", null, null);
  expectOutcome(fullCycle(verifier, v, {}, at(v) + 7200), "ExpiredMetadata", "director", "timestamp");
});

test.run();
