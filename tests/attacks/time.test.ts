// Time attestations (Uptane 5.4.3 / 5.4.4.1 "load and verify the current time"): signed
// by the Director root's timeserver key, carrying this ECU's nonce, never going back.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { keys } from "../sim/repository.ts";
import { VehicleSim, expectOutcome, fullVerifier, partialVerifier } from "./harness.ts";

const NONCE = "nonce-4f2a";

test("attestation signed by the timeserver key with this ECU's nonce: Ok with its time", () => {
  const v = VehicleSim.standard();
  const r = fullVerifier(v).attestTime({ attestation: v.timeAttestation({ nonces: ["other", NONCE], time: v.now + 10 }), nonce: NONCE });
  expectOutcome(r, "Ok", null, null);
  assert.is(r.time, v.now + 10);
});

test("unsigned time attestation: BadTimeAttestation", () => {
  const v = VehicleSim.standard();
  const r = fullVerifier(v).attestTime({ attestation: v.timeAttestation({ nonces: [NONCE], signers: [] }), nonce: NONCE });
  assert.is(r.outcome, "BadTimeAttestation");
  assert.is(r.time, undefined);
});

test("time attestation signed by a key that is not the timeserver's (e.g. the Director targets key): BadTimeAttestation", () => {
  const v = VehicleSim.standard();
  for (const signers of [keys(1), v.director.roles.targets.keys]) {
    const r = fullVerifier(v).attestTime({ attestation: v.timeAttestation({ nonces: [NONCE], signers }), nonce: NONCE });
    assert.is(r.outcome, "BadTimeAttestation");
  }
});

test("time changed after signing: BadTimeAttestation", () => {
  const v = VehicleSim.standard();
  const attestation = v.timeAttestation({ nonces: [NONCE], tamper: (s) => (s.time = "2030-01-01T00:00:00Z") });
  assert.is(fullVerifier(v).attestTime({ attestation, nonce: NONCE }).outcome, "BadTimeAttestation");
});

test("attestation without this ECU's nonce (replayed from another request): BadTimeAttestation", () => {
  const v = VehicleSim.standard();
  const r = fullVerifier(v).attestTime({ attestation: v.timeAttestation({ nonces: ["someone-else"] }), nonce: NONCE });
  assert.is(r.outcome, "BadTimeAttestation");
});

test("time going backwards after an accepted attestation: BadTimeAttestation", () => {
  const v = VehicleSim.standard();
  const verifier = fullVerifier(v);
  expectOutcome(verifier.attestTime({ attestation: v.timeAttestation({ nonces: ["n1"], time: v.now + 100 }), nonce: "n1" }), "Ok", null, null);
  const r = verifier.attestTime({ attestation: v.timeAttestation({ nonces: ["n2"], time: v.now + 99 }), nonce: "n2" });
  assert.is(r.outcome, "BadTimeAttestation");
});

test("partial verifier: unsigned, missing nonce and backwards attestations are all BadTimeAttestation", () => {
  const v = VehicleSim.standard();
  const verifier = partialVerifier(v);
  assert.is(verifier.attestTime({ attestation: v.timeAttestation({ nonces: [NONCE], signers: [] }), nonce: NONCE }).outcome, "BadTimeAttestation");
  assert.is(verifier.attestTime({ attestation: v.timeAttestation({ nonces: ["x"] }), nonce: NONCE }).outcome, "BadTimeAttestation");
  expectOutcome(verifier.attestTime({ attestation: v.timeAttestation({ nonces: [NONCE], time: v.now + 50 }), nonce: NONCE }), "Ok", null, null);
  assert.is(verifier.attestTime({ attestation: v.timeAttestation({ nonces: ["n3"], time: v.now }), nonce: "n3" }).outcome, "BadTimeAttestation");
});

test.run();
