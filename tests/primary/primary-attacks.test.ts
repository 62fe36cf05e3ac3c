// Attacks the verifier (full.wasm) refuses, seen from the Primary: each one stops the
// cycle with a VerificationError naming the outcome, nothing is installed or handed to a
// Secondary, and the next manifest tells the Director what was refused.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VerificationError, type OutcomeName } from "../../model/outcome.ts";
import { Primary, provisionPrimary } from "../../host/primary/primary.ts";
import { MemoryStore } from "../../host/primary/store.ts";
import { DAY, keys } from "../sim/repository.ts";
import { VehicleSim, imageBytes } from "../sim/vehicle.ts";
import { rejects } from "./helpers.ts";
import { SimBackend } from "./sim-backend.ts";
import { RecordingSecondary } from "./test-secondary.ts";

interface Attack {
  name: string;
  outcome: OutcomeName;
  mount: (sim: VehicleSim, backend: SimBackend) => void;
  /** The Primary's own image is the one refused: a partial bundle, the Secondary's independent image still goes (README "Primary ECU"). */
  ownImageOnly?: true;
}

const ATTACKS: Attack[] = [
  {
    name: "Director targets signed by a key the root does not list",
    outcome: "UnmetThreshold",
    mount: (sim) => void (sim.director.signers.targets = keys(1)),
  },
  {
    name: "an expired Director timestamp (freeze)",
    outcome: "ExpiredMetadata",
    mount: (sim) => void (sim.director.expires.timestamp = sim.now - DAY),
  },
  {
    name: "Director targets made for another vehicle",
    outcome: "EcuMismatch",
    mount: (sim) => void (sim.director.targetsCustom = { vin: "WVWZZZ1JZXW999999" }),
  },
  {
    name: "a Director target whose length differs from the Image repository's",
    outcome: "TargetMismatch",
    mount: (sim) =>
      void (sim.director.tamper.targets = (signed) => {
        for (const t of Object.values(signed.targets) as Array<{ length: number }>) t.length += 1;
      }),
  },
  {
    name: "a Director target the Image repository does not sign",
    outcome: "MissingTarget",
    mount: (sim) => {
      const name = "hw-primary-evil.bin";
      sim.images.set(name, imageBytes(name));
      sim.director.targets.get("targets")!.delete(sim.assignedName(sim.primary.serial));
      sim.assign(sim.primary.serial, name);
    },
  },
  {
    name: "an image for another hardware type",
    outcome: "HardwareIdMismatch",
    mount: (sim) => {
      const name = sim.assignedName(sim.primary.serial);
      sim.director.targets.get("targets")!.delete(name);
      sim.assign(sim.primary.serial, name, { hardwareId: "hw-brakes" });
    },
  },
  {
    name: "a Director root rotation not signed by the old root keys",
    outcome: "UnmetThreshold",
    mount: (sim) => void sim.director.rotate({ root: 1 }, { signWithOld: false }),
  },
  {
    name: "a time attestation nobody signed",
    outcome: "BadTimeAttestation",
    mount: (sim, backend) =>
      backend.fetcher.handle("POST", "/time/attestation", (req) => ({
        status: 200,
        body: sim.timeAttestation({ nonces: JSON.parse(Buffer.from(req.body!).toString()).nonces, signers: [] }),
      })),
  },
  {
    name: "image bytes that do not match the verified hashes",
    outcome: "LengthOrHashMismatch",
    ownImageOnly: true,
    mount: (sim, backend) => {
      const name = sim.assignedName(sim.primary.serial);
      const bad = sim.images.get(name)!.slice();
      bad[0] ^= 1;
      backend.fetcher.handle("GET", backend.imagePath(name), () => ({ status: 200, body: bad }));
    },
  },
  {
    name: "endless Director targets (larger than the 5 MiB cap)",
    outcome: "OversizedMetadata",
    mount: (sim, backend) =>
      backend.fetcher.handle("GET", backend.directorPath(`${sim.director.versions.targets}.targets.json`), () => ({
        status: 200,
        body: (async function* () {
          for (;;) yield new Uint8Array(1 << 20).fill(0x20);
        })(),
      })),
  },
];

for (const attack of ATTACKS) {
  test(`${attack.name}: refused as ${attack.outcome}, nothing installed, reported in the next manifest`, async () => {
    const sim = VehicleSim.standard();
    const store = new MemoryStore();
    await provisionPrimary(store, { directorRoot: sim.director.root(1), imageRoot: sim.image.root(1) });
    const secondary = new RecordingSecondary(sim.ecus[1]!.serial);
    const flashed: string[] = [];
    const backend = new SimBackend(sim);
    attack.mount(sim, backend);
    backend.publish();
    const primary = await Primary.open(backend.primaryConfig(store, [secondary], { install: async (t) => void flashed.push(t.name) }));
    const e = await rejects(() => primary.runCycle(), VerificationError);
    assert.is(e.outcome, attack.outcome, e.message);
    assert.equal(flashed, []);
    assert.is(primary.status.installed.image, null);
    if (attack.ownImageOnly) {
      // Only the refused image is withheld; the next manifest says so for the Primary.
      assert.equal(secondary.images.map((i) => i.target.name), [sim.assignedName(sim.ecus[1]!.serial)], "the Secondary's own image goes, the refused one reaches no ECU");
    } else assert.equal(secondary.images, [], "no image reaches the Secondary");
    await rejects(() => primary.runCycle(), VerificationError);
    const report = backend.manifests[1].signed.ecuVersionReports.find((r: any) => r.signed.ecuSerial === sim.primary.serial).signed;
    assert.match(report.attacksDetected, attack.outcome);
    if (attack.ownImageOnly) assert.equal(backend.manifests[1].signed.undelivered.map((u: any) => [u.ecuSerial, u.outcome]), [[sim.primary.serial, attack.outcome]]);
  });
}

test.run();
