// Removing a supplier and withdrawing a supplier's image (README "Backend: withdrawing an
// image and removing a supplier"): the supplier withdraws its own image by signing its role
// without it; `uptane supplier remove` takes the delegation, its metadata and images out while
// the snapshot keeps listing the role until the Timestamp and Snapshot keys are rotated; a
// Primary that cached the role still updates, before and after the rotations, and the removed
// supplier's images are never chosen again.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs } from "../helpers/image-backend.ts";
import { servedVehicle, type ServedVehicle } from "../helpers/served-vehicle.ts";
import { addImage, delegate, importBundle, rotate } from "../../backend/image/repository.ts";
import { loadPublished } from "../../backend/image/published.ts";
import { repositoryDir } from "../../backend/image/layout.ts";
import { initSupplier, readPublicKeyFile, signSupplier } from "../../backend/supplier/workdir.ts";
import { listingRole } from "../../backend/image/withdraw.ts";
import { uptane } from "../helpers/uptane-in-process.ts";

let world: ServedVehicle;
let supplierWork: string;

async function supplierImage(name: string, rc: number, withdraw?: string[]): Promise<void> {
  const file = join(world.work, name.replace(/\//g, "_"));
  writeFileSync(file, Buffer.alloc(3000, rc + 100));
  const out = `${file}.bundle`;
  await signSupplier(supplierWork, { image: { file, name, hardwareIds: ["brake-ctl"], releaseCounter: rc }, out, withdraw });
  await importBundle(world.dir, out);
}

async function oemImage(name: string, rc: number): Promise<void> {
  const file = join(world.work, name);
  writeFileSync(file, Buffer.alloc(1500, rc));
  await addImage(world.dir, file, { name, hardwareIds: ["brake-ctl"], releaseCounter: rc });
}

test.before(async () => {
  world = await servedVehicle("SUPPLY1", [["brake-1.bin", 1]], async (dir) => {
    supplierWork = join(dir, "..", "acme-work");
    const { publicKeyFile } = await initSupplier(supplierWork, "acme");
    await delegate(dir, { role: "acme", keys: [await readPublicKeyFile(publicKeyFile)], paths: ["acme/*"], hardwareIds: ["brake-ctl"] });
  });
});

test.after(async () => {
  await world.stop();
  await removeTempDirs();
});

test("a supplier's image is withdrawn in the Director at once and leaves the repository with the supplier's next version", async () => {
  await supplierImage("acme/brake-4.bin", 4);
  const out = await uptane("image", "withdraw", world.dir, "acme/brake-4.bin", "--json");
  assert.is(out.code, 0, out.out + out.err);
  const doc = JSON.parse(out.out);
  assert.is(doc.role, "acme");
  assert.is(doc.removedFromRepository, false);
  assert.is(await world.assignment("brake-1", "acme/brake-4.bin"), "image-withdrawn");
  assert.is(await listingRole(world.dir, "acme/brake-4.bin"), "acme", "still listed until the supplier signs without it");
  await supplierImage("acme/brake-5.bin", 5, ["acme/brake-4.bin"]);
  await listingRole(world.dir, "acme/brake-4.bin").then(
    () => assert.unreachable("withdrawn by the supplier's version"),
    (e: { code?: string }) => assert.is(e.code, "target-not-signed"),
  );
});

test("supplier remove: a Primary that cached the role still updates, the supplier's images are never chosen again, the snapshot entry goes after both key rotations", async () => {
  assert.is(await world.assignment("brake-1", "acme/brake-5.bin"), "assigned");
  assert.is((await world.cycle()).installed.get("brake-1")?.filename, "acme/brake-5.bin", "the Primary verified (and cached) the acme role");
  await world.cycle(); // its manifest tells the Director what runs

  const out = await uptane("supplier", "remove", world.dir, "acme", "--json");
  assert.is(out.code, 0, out.out + out.err);
  const doc = JSON.parse(out.out);
  assert.equal(doc.removedRoles, ["acme"]);
  assert.equal(doc.targets, ["acme/brake-5.bin"]);
  assert.equal(doc.running, [{ vin: "SUPPLY1", ecuSerial: "brake-1", releaseCounter: 5, target: "acme/brake-5.bin" }]);
  const state = await loadPublished(world.dir);
  assert.is(state.targets.signed.delegations?.roles.length ?? 0, 0);
  assert.ok(state.snapshot.signed.meta["acme.json"], "the snapshot still lists the removed role");
  assert.equal(readdirSync(repositoryDir(world.dir)).filter((f) => f.endsWith(".acme.json")), [], "its metadata is deleted");
  // Its images are deleted (acme/brake-4.bin, withdrawn from the role earlier, waits for garbage collection).
  assert.equal(readdirSync(join(repositoryDir(world.dir), "targets", "acme")).filter((f) => f.endsWith(".brake-5.bin")), []);
  assert.is(await world.assignment("brake-1", "acme/brake-5.bin"), "image-withdrawn");
  const again = await uptane("supplier", "remove", world.dir, "acme", "--json");
  assert.is(JSON.parse(again.out).error, "role-not-delegated");

  await oemImage("brake-6.bin", 6);
  assert.is(await world.assignment("brake-1", "brake-6.bin"), "assigned");
  assert.is((await world.cycle()).installed.get("brake-1")?.filename, "brake-6.bin", "the Primary that cached acme updates");

  await rotate(world.dir, "timestamp");
  assert.ok((await loadPublished(world.dir)).snapshot.signed.meta["acme.json"], "one rotation is not enough");
  await rotate(world.dir, "snapshot");
  assert.is((await loadPublished(world.dir)).snapshot.signed.meta["acme.json"], undefined, "dropped once both keys are rotated");
  await oemImage("brake-7.bin", 7);
  assert.is(await world.assignment("brake-1", "brake-7.bin"), "assigned");
  const last = await world.cycle();
  assert.is(last.installed.get("brake-1")?.filename, "brake-7.bin", JSON.stringify(last.report));
});

test.run();
