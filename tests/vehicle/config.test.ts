// Vehicle config files: what is accepted, and that each mistake is refused naming the field.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { busConfig, describeBus, parseVehicleConfig, VehicleConfigError } from "../../app/vehicle/config.ts";

const base = {
  vin: "V1",
  primary: { serial: "gw", hardwareId: "gateway" },
  buses: { body: { bitrate: 125000 } },
  secondaries: [
    { serial: "a", hardwareId: "hw-a", mode: "partial", bus: "body" },
    { serial: "b", hardwareId: "hw-b", mode: "full", bus: "canfd-5m" },
  ],
};

test("a config with named buses and presets parses; Secondaries naming one bus share it", () => {
  const c = parseVehicleConfig(JSON.stringify(base));
  assert.is(c.secondaries.length, 2);
  assert.equal(busConfig(c, "body"), { name: "body", bitrate: 125000, fd: false });
  assert.is(describeBus(busConfig(c, "canfd-5m")), "CAN FD 500k/5M");
  assert.is(describeBus(busConfig(c, "body")), "CAN 125k");
});

test("a Secondary with \"decrypt\": true keeps it (the decrypting module, its encryption key registered); without it there is none", () => {
  const c = parseVehicleConfig({ ...base, secondaries: [{ ...base.secondaries[0], decrypt: true }, base.secondaries[1]] });
  assert.is(c.secondaries[0]!.decrypt, true);
  assert.is(c.secondaries[1]!.decrypt, undefined);
});

const refusals: Array<[string, unknown, RegExp]> = [
  ["not JSON", "{", /not JSON/],
  ["a VIN with a slash", { ...base, vin: "a/b" }, /vin must be/],
  ["an unknown bus", { ...base, secondaries: [{ ...base.secondaries[0], bus: "flexray" }] }, /no bus "flexray"/],
  ["a serial used twice", { ...base, secondaries: [base.secondaries[0], base.secondaries[0]] }, /appears twice/],
  ["the Primary's serial on a Secondary", { ...base, secondaries: [{ ...base.secondaries[0], serial: "gw" }] }, /appears twice/],
  ["a data bit rate on classic CAN", { ...base, buses: { body: { bitrate: 500000, dataBitrate: 2000000 } } }, /needs "fd": true/],
  ["decrypt that is not true or false", { ...base, secondaries: [{ ...base.secondaries[0], decrypt: "yes" }] }, /decrypt must be true or false/],
  ["a loss rate of 1", { ...base, buses: { body: { bitrate: 500000, lossRate: 1 } } }, /lossRate/],
  ["nine Secondaries on one bus", { ...base, secondaries: Array.from({ length: 9 }, (_, i) => ({ serial: `s${i}`, hardwareId: "hw", mode: "partial", bus: "body" })) }, /more than 8/],
];

for (const [what, input, message] of refusals) {
  test(`a config with ${what} is refused, naming the problem`, () => {
    try {
      parseVehicleConfig(typeof input === "string" ? input : JSON.stringify(input));
    } catch (e) {
      assert.instance(e, VehicleConfigError);
      assert.match((e as Error).message, message);
      return;
    }
    assert.unreachable("accepted");
  });
}

test.run();
