// Endless-data attacks on metadata (Uptane 5.4.4, TUF 5.x "download up to N bytes"):
// anything larger than its cap (DESIGN.md section 5) is OversizedMetadata, not read past it.
import { test } from "uvu";
import { VehicleSim, expectOutcome, verifyFull } from "./harness.ts";

const KiB = 1024;
const pad = (n: number) => "x".repeat(n);

test("timestamp larger than 16 KiB: OversizedMetadata (director timestamp)", () => {
  const v = VehicleSim.standard();
  v.director.tamper.timestamp = (s) => (s.custom = { pad: pad(17 * KiB) });
  expectOutcome(verifyFull(v), "OversizedMetadata", "director", "timestamp");
});

test("root rotation larger than 512 KiB: OversizedMetadata (image root)", () => {
  const v = VehicleSim.standard();
  v.image.publishRoot({ tamper: (s) => (s.custom = { pad: pad(513 * KiB) }) });
  expectOutcome(verifyFull(v), "OversizedMetadata", "image", "root");
});

test("snapshot larger than 2 MiB: OversizedMetadata (image snapshot)", () => {
  const v = VehicleSim.standard();
  v.image.tamper.snapshot = (s) => (s.custom = { pad: pad(2 * 1024 * KiB + 1) });
  expectOutcome(verifyFull(v), "OversizedMetadata", "image", "snapshot");
});

test("Director targets larger than 5 MiB: OversizedMetadata (director targets)", () => {
  const v = VehicleSim.standard();
  v.director.tamper.targets = (s) => (s.custom.pad = pad(5 * 1024 * KiB + 1));
  expectOutcome(verifyFull(v), "OversizedMetadata", "director", "targets");
});

test.run();
