// Time attestations (Uptane 5.4.3 / 5.4.4.1 "load and verify the current time"): signed
// by the Director root's timeserver key, carrying this ECU's nonce, never going back.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { keys } from "../sim/repository.ts";
import { VehicleSim, expectOutcome, fullVerifier, partialVerifier, fullCycle, partialCycle, FullVerifier } from "./harness.ts";

const NONCE = "nonce-4f2a";

test("attestation signed by the timeserver key with this ECU's nonce: Ok with its time", () => {
  const v = VehicleSim.standard();
  const r = fullVerifier(v).attestTime({ attestation: v.timeAttestation({ nonces: ["other", NONCE], time: v.now + 10 }), nonce: NONCE });
  expectOutcome(r, "Ok", null, null);
  assert.is(r.time, v.now + 10);
});

test("unsigned time attestation: BadTimeAttestation (director timeserver)", () => {
  const v = VehicleSim.standard();
  const r = fullVerifier(v).attestTime({ attestation: v.timeAttestation({ nonces: [NONCE], signers: [] }), nonce: NONCE });
  expectOutcome(r, "BadTimeAttestation", "director", "timeserver");
  assert.is(r.time, undefined);
});

test("time attestation signed by a key that is not the timeserver's (e.g. the Director targets key): BadTimeAttestation (director timeserver)", () => {
  const v = VehicleSim.standard();
  for (const signers of [keys(1), v.director.roles.targets.keys]) {
    const r = fullVerifier(v).attestTime({ attestation: v.timeAttestation({ nonces: [NONCE], signers }), nonce: NONCE });
    expectOutcome(r, "BadTimeAttestation", "director", "timeserver");
  }
});

test("the attested date must exist: each month's last day (29 February in a leap year) Ok, the day after BadTimeAttestation, in both modules", () => {
  const v = VehicleSim.standard();
  const monthDays = (year: number) => [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const two = (n: number) => String(n).padStart(2, "0");
  for (const year of [2027, 2028, 2100, 2400]) {
    monthDays(year).forEach((days, m) => {
      for (const [day, ok] of [[days, true], [days + 1, false]] as const) {
        const iso = `${year}-${two(m + 1)}-${two(day)}T00:00:00Z`;
        const attestation = v.timeAttestation({ nonces: [NONCE], isoTime: iso });
        for (const verifier of [fullVerifier(v), partialVerifier(v)]) {
          const r = verifier.attestTime({ attestation, nonce: NONCE });
          if (ok) {
            assert.is(r.outcome, "Ok", iso);
            assert.is(r.time, Date.parse(iso) / 1000, iso);
          } else expectOutcome(r, "BadTimeAttestation", "director", "timeserver");
        }
      }
    });
  }
});

test("time changed after signing: BadTimeAttestation (director timeserver)", () => {
  const v = VehicleSim.standard();
  const attestation = v.timeAttestation({ nonces: [NONCE], tamper: (s) => (s.time = "2030-01-01T00:00:00Z") });
  expectOutcome(fullVerifier(v).attestTime({ attestation, nonce: NONCE }), "BadTimeAttestation", "director", "timeserver");
});

test("attestation without this ECU's nonce (replayed from another request): BadTimeAttestation (director timeserver)", () => {
  const v = VehicleSim.standard();
  const r = fullVerifier(v).attestTime({ attestation: v.timeAttestation({ nonces: ["someone-else"] }), nonce: NONCE });
  expectOutcome(r, "BadTimeAttestation", "director", "timeserver");
});

test("time going backwards after an accepted attestation: BadTimeAttestation (director timeserver)", () => {
  const v = VehicleSim.standard();
  const verifier = fullVerifier(v);
  expectOutcome(verifier.attestTime({ attestation: v.timeAttestation({ nonces: ["n1"], time: v.now + 100 }), nonce: "n1" }), "Ok", null, null);
  const r = verifier.attestTime({ attestation: v.timeAttestation({ nonces: ["n2"], time: v.now + 99 }), nonce: "n2" });
  expectOutcome(r, "BadTimeAttestation", "director", "timeserver");
});

test("partial verifier: unsigned, missing nonce and backwards attestations are all BadTimeAttestation (director timeserver)", () => {
  const v = VehicleSim.standard();
  const verifier = partialVerifier(v);
  expectOutcome(verifier.attestTime({ attestation: v.timeAttestation({ nonces: [NONCE], signers: [] }), nonce: NONCE }), "BadTimeAttestation", "director", "timeserver");
  expectOutcome(verifier.attestTime({ attestation: v.timeAttestation({ nonces: ["x"] }), nonce: NONCE }), "BadTimeAttestation", "director", "timeserver");
  expectOutcome(verifier.attestTime({ attestation: v.timeAttestation({ nonces: [NONCE], time: v.now + 50 }), nonce: NONCE }), "Ok", null, null);
  expectOutcome(verifier.attestTime({ attestation: v.timeAttestation({ nonces: ["n3"], time: v.now }), nonce: "n3" }), "BadTimeAttestation", "director", "timeserver");
});

// Uptane 5.4.3: once a time attestation is verified, the ECU's clock never goes back
// before it (else expired metadata could be made current again by a wrong clock).
test("full verifier: reference time earlier than the last verified attestation: BadTimeAttestation (director timeserver)", () => {
  const v = VehicleSim.standard();
  const verifier = fullVerifier(v);
  expectOutcome(verifier.attestTime({ attestation: v.timeAttestation({ nonces: [NONCE], time: v.now + 100 }), nonce: NONCE }), "Ok", null, null);
  expectOutcome(fullCycle(verifier, v, {}, v.now + 99), "BadTimeAttestation", "director", "timeserver");
  expectOutcome(fullCycle(verifier, v, {}, v.now + 100), "Ok", null, null);
});

test("partial verifier: reference time earlier than the last verified attestation: BadTimeAttestation (director timeserver)", () => {
  const v = VehicleSim.standard();
  const verifier = partialVerifier(v);
  expectOutcome(verifier.attestTime({ attestation: v.timeAttestation({ nonces: [NONCE], time: v.now + 100 }), nonce: NONCE }), "Ok", null, null);
  expectOutcome(partialCycle(verifier, v, 1, v.now + 99), "BadTimeAttestation", "director", "timeserver");
  expectOutcome(partialCycle(verifier, v, 1, v.now + 100), "Ok", null, null);
});

test("the last attested time survives export and import: an earlier reference time is still BadTimeAttestation (director timeserver)", () => {
  const v = VehicleSim.standard();
  const verifier = fullVerifier(v);
  expectOutcome(verifier.attestTime({ attestation: v.timeAttestation({ nonces: [NONCE], time: v.now + 100 }), nonce: NONCE }), "Ok", null, null);
  const restored = FullVerifier.fromState(v.fullConfig(v.primary.serial, 0), verifier.exportState());
  expectOutcome(fullCycle(restored, v, {}, v.now + 60), "BadTimeAttestation", "director", "timeserver");
});

test.run();
