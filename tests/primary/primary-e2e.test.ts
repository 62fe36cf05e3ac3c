// End to end over HTTP with the built CLI: `uptane init`, `uptane image add`, `uptane vehicle
// add`, `uptane assign`, `uptane serve` on 127.0.0.1 port 0, and a Primary provisioned with
// `uptane primary init` running `uptane primary cycle` against it (real verifier, real
// Director, real time server).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { uptane } from "../helpers/uptane-cli.ts";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Inventory, INVENTORY_FILE } from "../../backend/inventory/inventory.ts";
import { HttpFetcher } from "../../host/primary/fetcher.ts";
import { vehicleTls } from "../helpers/tls.ts";
import { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { Primary, provisionPrimary } from "../../host/primary/primary.ts";
import { InProcessLink } from "../../host/primary/secondary-link.ts";
import { MemoryStore } from "../../host/primary/store.ts";
import "../../host/wasm/embedded.ts";
import { FullVerifier } from "../../host/wasm/verifier.ts";
import { VerifyingSecondary } from "./verifying-secondary.ts";

async function serve(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["dist/uptane.mjs", "serve", dir, "--port", "0", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { url: JSON.parse(line).url, child };
}

let work = "";
test.before(async () => {
  work = await mkdtemp(join(tmpdir(), "primary-e2e-"));
});
test.after(async () => {
  await rm(work, { recursive: true, force: true });
});

test("uptane primary init makes a Primary's keys and identity first; it runs no cycle before the factory bundle is loaded", async () => {
  const state = join(work, "primary-a");
  const r = await uptane("primary", "init", state, "--vin", "WVWZZZ1JZXW000001", "--serial", "primary-001", "--hardware-id", "hw-primary", "--json");
  assert.is(r.code, 0, r.err + r.out);
  const out = JSON.parse(r.out);
  assert.equal(out.vehicleEcus, ["primary-001"]);
  const pub = JSON.parse(await readFile(out.publicKeyFile, "utf8"));
  assert.is(pub.keytype, "ed25519");
  assert.match(pub.keyval.public, /^[0-9a-f]{64}$/);
  const again = await uptane("primary", "init", state, "--vin", "V", "--serial", "S", "--hardware-id", "H");
  assert.is(again.code, 1, "a Primary's keys are not made twice");
  const cycle = await uptane("primary", "cycle", state, "--json");
  assert.is(cycle.code, 2, cycle.out);
  assert.match(JSON.parse(cycle.out).detail, /--bundle/);
});

test("end to end: init, add an image, register the vehicle, assign, serve, write the factory bundle; the Primary loads it, reaches the backend through its stored mapping with its client certificate, its first manifest carries the provisioned time, and the Director sees the new version", async () => {
  const backend = join(work, "backend-b");
  assert.is((await uptane("init", backend)).code, 0);
  const image = join(work, "fw-2.bin");
  await writeFile(image, Buffer.alloc(5000, 7));
  const added = await uptane("image", "add", backend, image, "--name", "fw-2.bin", "--hardware-id", "hw-primary", "--release-counter", "2");
  assert.is(added.code, 0, added.err);

  const state = join(work, "primary-b");
  const vin = "WVWZZZ1JZXW000002";
  const init = await uptane("primary", "init", state, "--vin", vin, "--serial", "primary-001", "--hardware-id", "hw-primary", "--tls-ca", join(backend, "tls", "server-ca.pem"), "--json");
  assert.is(init.code, 0, init.err + init.out);
  const registered = await uptane(
    "vehicle", "add", backend, "--vin", vin, "--ecu", `primary-001:hw-primary:${JSON.parse(init.out).publicKeyFile}:primary`,
    "--tls-public-key", JSON.parse(init.out).tlsPublicKeyFile, "--tls-cert-out", join(state, "tls-cert.pem"),
  );
  assert.is(registered.code, 0, registered.err + registered.out);
  const assigned = await uptane("assign", backend, "--vin", vin, "--ecu", "primary-001", "--target", "fw-2.bin");
  assert.is(assigned.code, 0, assigned.err + assigned.out);

  const { url, child } = await serve(backend);
  try {
    assert.match(url, /^https:\/\/127\.0\.0\.1:/);
    const bundle = join(work, "factory-b.json");
    const provisioned = await uptane("provision", backend, "--vin", vin, "--url", url, "--out", bundle, "--json");
    assert.is(provisioned.code, 0, provisioned.err + provisioned.out);
    const loaded = await uptane("primary", "init", state, "--bundle", bundle, "--json");
    assert.is(loaded.code, 0, loaded.err + loaded.out);
    const load = JSON.parse(loaded.out);
    assert.is(load.timeSource, "attestation");
    assert.is(load.director, `${url}/director/`);
    assert.is((await uptane("primary", "init", state, "--bundle", bundle)).code, 1, "a bundle is loaded once");

    const first = await uptane("primary", "cycle", state, "--json"); // no --url: the stored mapping's URLs
    assert.is(first.code, 0, first.err + first.out);
    const cycle = JSON.parse(first.out);
    assert.is(cycle.installed, "fw-2.bin", "the target verified at the factory installs in the first cycle");
    assert.ok(cycle.manifestAccepted, "the Director accepted the first manifest");
    const reported = Inventory.open(join(backend, INVENTORY_FILE));
    try {
      assert.is(reported.ecu("primary-001")!.last_report_time, load.time, "the first manifest reports the provisioned time");
    } finally {
      reported.close();
    }

    // The next cycle's manifest carries the installed image; the Director records it.
    const second = await uptane("primary", "cycle", state, "--url", url, "--json");
    assert.is(second.code, 0, second.err + second.out);
    assert.is(JSON.parse(second.out).installed, null, "nothing left to install");
  } finally {
    child.kill("SIGTERM");
  }
  const inventory = Inventory.open(join(backend, INVENTORY_FILE));
  try {
    const ecu = inventory.ecu("primary-001")!;
    assert.is(ecu.installed_filename, "fw-2.bin");
    assert.is(ecu.installed_release_counter, 2);
  } finally {
    inventory.close();
  }
});

test("end to end with a Secondary: the Primary carries its report and nonce, and it verifies and installs what the Primary hands over", async () => {
  const backend = join(work, "backend-c");
  assert.is((await uptane("init", backend)).code, 0);
  for (const [name, hw] of [["main-3.bin", "hw-primary"], ["brakes-3.bin", "hw-brakes"]] as const) {
    await writeFile(join(work, name), Buffer.alloc(3000, name.length));
    assert.is((await uptane("image", "add", backend, join(work, name), "--name", name, "--hardware-id", hw, "--release-counter", "3")).code, 0);
  }
  const vin = "WVWZZZ1JZXW000003";
  const directorRoot = await readFile(join(backend, "director", "root", "1.root.json"));
  const imageRoot = await readFile(join(backend, "image", "repository", "1.root.json"));
  const store = new MemoryStore();
  await provisionPrimary(store, { directorRoot, imageRoot });
  const primaryKeys = SoftwareKeyStore.generate();
  const vehicleEcus = ["primary-001", "brakes-002"];
  const brakes = new VerifyingSecondary(
    "brakes-002",
    "full",
    new FullVerifier({ directorRoot, imageRoot, ecu: { serial: "brakes-002", hardwareId: "hw-brakes", installedReleaseCounter: 0 }, vin, vehicleEcus }),
  );
  await writeFile(join(work, "p.pub.json"), JSON.stringify(primaryKeys.publicKey));
  await writeFile(join(work, "b.pub.json"), JSON.stringify(brakes.keys.publicKey));
  const added = await uptane("vehicle", "add", backend, "--vin", vin, "--ecu", `primary-001:hw-primary:${join(work, "p.pub.json")}:primary`, "--ecu", `brakes-002:hw-brakes:${join(work, "b.pub.json")}`);
  assert.is(added.code, 0, added.err + added.out);
  for (const [ecu, target] of [["primary-001", "main-3.bin"], ["brakes-002", "brakes-3.bin"]]) {
    assert.is((await uptane("assign", backend, "--vin", vin, "--ecu", ecu!, "--target", target!)).code, 0);
  }
  const { url, child } = await serve(backend);
  try {
    const primary = await Primary.open({
      vin,
      serial: "primary-001",
      hardwareId: "hw-primary",
      vehicleEcus,
      fetcher: new HttpFetcher(url, { tls: await vehicleTls(backend, vin) }),
      store,
      keys: primaryKeys,
      secondaries: [new InProcessLink(brakes)],
    });
    // The Director publishes one assignment bundle at a time: the Primary's first, the
    // brakes' once a manifest confirms it. A third cycle reports the brakes' install.
    const first = await primary.runCycle();
    assert.ok(first.manifest.accepted, first.manifest.detail);
    assert.is(first.installed?.name, "main-3.bin");
    assert.is(brakes.time !== null, true, "the attestation carried the Secondary's nonce");
    const second = await primary.runCycle();
    assert.ok(second.manifest.accepted);
    assert.equal(second.manifest.detail, "", "no report discarded");
    assert.equal(second.images.map((i) => i.target), ["brakes-3.bin"]);
    assert.is(brakes.verdicts.at(-1)?.outcome, "Ok", brakes.verdicts.at(-1)?.detail);
    assert.is(brakes.imageVerdicts.at(-1)?.outcome, "Ok");
    const third = await primary.runCycle();
    assert.ok(third.manifest.accepted);
    assert.equal(third.images, [], "nothing left to fetch");
  } finally {
    child.kill("SIGTERM");
  }
  const inventory = Inventory.open(join(backend, INVENTORY_FILE));
  try {
    assert.is(inventory.ecu("brakes-002")!.installed_filename, "brakes-3.bin");
    assert.is(inventory.ecu("primary-001")!.installed_filename, "main-3.bin");
  } finally {
    inventory.close();
  }
});

test.run();
