// A power cut while the Primary writes its trusted state: the write dies between the
// synced temp file and the rename, and the Primary that boots next reads the state as
// it was before that write.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VerificationError } from "../../model/outcome.ts";
import { Primary, provisionPrimary, type PrimaryConfig } from "../../host/primary/primary.ts";
import { FileStore } from "../../host/primary/store.ts";
import { VehicleSim } from "../sim/vehicle.ts";
import { rejects } from "./helpers.ts";
import { SimBackend } from "./sim-backend.ts";
import { RecordingSecondary } from "./test-secondary.ts";
import { fullVerifierFactory } from "../../host/primary/full-verifier.ts";

/** Loses power on the `cutAt`-th commit of the Primary's state document. */
class PowerCutStore extends FileStore {
  stateCommits = 0;
  cutAt = Infinity;
  protected override commit(temp: string, final: string): void {
    if (final.endsWith("primary-state.json") && ++this.stateCommits === this.cutAt) throw new Error("power cut");
    super.commit(temp, final);
  }
}

test("a power cut during any state write of a cycle leaves the previous state readable and the Primary recovers", async () => {
  // How many state writes one good cycle makes.
  const probeDir = mkdtempSync(join(tmpdir(), "primary-cut-"));
  const counting = new PowerCutStore(probeDir);
  const probe = VehicleSim.standard();
  await provisionPrimary(counting, { directorRoot: probe.director.root(1), imageRoot: probe.image.root(1) });
  const base = counting.stateCommits;
  const config = (sim: VehicleSim, store: FileStore, backend = new SimBackend(sim)): PrimaryConfig =>
    backend.primaryConfig(store, [new RecordingSecondary(sim.ecus[1]!.serial)], { verifier: fullVerifierFactory });
  await (await Primary.open(config(probe, counting))).runCycle();
  const writesPerCycle = counting.stateCommits - base;
  rmSync(probeDir, { recursive: true, force: true });
  assert.ok(writesPerCycle >= 4, `a cycle saves its state after manifest, time, metadata and install (${writesPerCycle} writes)`);

  for (let cut = 1; cut <= writesPerCycle; cut++) {
    const dir = mkdtempSync(join(tmpdir(), "primary-cut-"));
    try {
      const sim = VehicleSim.standard();
      const store = new PowerCutStore(dir);
      await provisionPrimary(store, { directorRoot: sim.director.root(1), imageRoot: sim.image.root(1) });
      const backend = new SimBackend(sim); // keeps serving version 1 files after the next publish
      const oldTimestamp = sim.director.files(1).timestamp;
      sim.nextCycle();
      backend.publish();
      store.cutAt = store.stateCommits + cut;
      await rejects(() => Primary.open(config(sim, store, backend)).then((p) => p.runCycle()), /power cut/);
      // Boot again over the same folder.
      const rebooted = await Primary.open(config(sim, new FileStore(dir), backend));
      await rebooted.runCycle();
      assert.is(rebooted.status.installed.image?.filename, sim.assignedName(sim.primary.serial), `cut at state write ${cut}`);
      backend.fetcher.setFile(backend.directorPath("timestamp.json"), oldTimestamp);
      const e = await rejects(() => Primary.open(config(sim, new FileStore(dir), backend)).then((p) => p.runCycle()), VerificationError);
      assert.is(e.outcome, "RollbackAttack", `rollback caught after a cut at state write ${cut}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test.run();
