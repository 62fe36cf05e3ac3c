// Every attack of `uptane demo --attack NAME`, run as a function: the right ECU refuses
// it with the right outcome, and nothing of the attacker's is installed anywhere.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ATTACKS, runAttack } from "../../app/vehicle/attacks.ts";

const expected: Record<string, { ecu: string; outcome: string }> = {
  "wrong-hardware": { ecu: "brake-front", outcome: "HardwareIdMismatch" },
  rollback: { ecu: "brake-front", outcome: "RollbackAttack" },
  freeze: { ecu: "gateway-1", outcome: "ExpiredMetadata" },
  "mix-and-match": { ecu: "gateway-1", outcome: "TargetMismatch" },
  "tampered-image": { ecu: "brake-rear", outcome: "LengthOrHashMismatch" },
};

test("the demo offers at least the five attacks of the catalogue", () => {
  for (const name of Object.keys(expected)) assert.ok(ATTACKS.some((a) => a.name === name), name);
});

const title: Record<string, string> = {
  "wrong-hardware": "a compromised Director pointing a partial Secondary at another hardware type's image is refused by that Secondary (HardwareIdMismatch)",
  rollback: "a compromised Director sending the brake controllers back to an older signed release is refused by the Secondaries (RollbackAttack)",
  freeze: "a replayed, expired Director timestamp is refused by the Primary (ExpiredMetadata) and nothing changes",
  "mix-and-match": "a Director target mixing one release's name with another's hashes is refused by the Primary (TargetMismatch)",
  "tampered-image": "an image altered on the classic CAN bus is refused by its Secondary (LengthOrHashMismatch), which keeps its old image and installs the genuine one next cycle",
};

for (const [name, want] of Object.entries(expected)) {
  test(title[name]!, async () => {
    const attack = ATTACKS.find((a) => a.name === name)!;
    assert.equal(attack.expect, want);
    const result = await runAttack(attack);
    assert.is(result.refusedBy, want.ecu, result.detail);
    assert.is(result.outcome, want.outcome, result.detail);
    assert.ok(result.caught);
    if (name === "tampered-image") {
      // The genuine image reached brake-front on its own bus; brake-rear kept what it had.
      assert.equal(result.changed, ["brake-front"]);
      assert.is(result.after["brake-rear"], null);
    } else {
      assert.equal(result.changed, [], "no ECU's image changed");
      assert.equal(result.after, result.before);
      assert.is(result.after["brake-front"], "acme-brakes/brake-ctl-2.0.bin", "the brakes still run the release they had");
    }
    if (want.ecu === "gateway-1") {
      // Refused on the Primary: no Secondary was even sent metadata.
      for (const row of result.summary) if (row.role === "secondary") assert.is(row.outcome, "NotServed");
    }
  });
}

test.run();
