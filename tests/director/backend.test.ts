// The Director inside a whole backend: `uptane init` creates it, the CLI registers and
// assigns against the real Image repository, `uptane serve` serves it, and the write API
// demands the token made at init.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Metadata, MetadataKind } from "@tufjs/models";
import { newBackend, removeDir, tempDir } from "../helpers/image-backend.ts";
import { serveBackend } from "../../backend/serve.ts";
import { tlsFetch, vehicleTls } from "../helpers/tls.ts";
import { close } from "../../backend/http/server.ts";
import { generateSigningKey } from "../../model/keys.ts";
import { API_TOKEN_FILE } from "../../backend/http/api-token.ts";
import { createPublicKey } from "node:crypto";
import { uptaneJson as uptane } from "../helpers/uptane-cli.ts";


test("init, vehicle add, assign and campaign from the CLI; serve with the token-guarded API", async () => {
  const dir = await newBackend();
  const work = await tempDir();
  try {
    // init made the Director's files; the offline root key and the token are private.
    assert.is(statSync(join(dir, "keys/offline/director-root.pem")).mode & 0o777, 0o600);
    assert.is(statSync(join(dir, API_TOKEN_FILE)).mode & 0o777, 0o600);

    const primary = generateSigningKey();
    const secondary = generateSigningKey();
    writeFileSync(join(work, "p.pem"), createPublicKey(primary.privateKey).export({ type: "spki", format: "pem" }));
    writeFileSync(join(work, "s.json"), JSON.stringify(secondary.publicKey));
    writeFileSync(join(work, "fw.bin"), "brake controller firmware v2");

    assert.is(uptane("image", "add", dir, join(work, "fw.bin"), "--name", "brake-v2.bin", "--hardware-id", "brake", "--release-counter", "2").status, 0);
    let r = uptane("vehicle", "add", dir, "--vin", "CLI1", "--ecu", `P1:gateway:${join(work, "p.pem")}:primary`, "--ecu", `S1:brake:${join(work, "s.json")}`);
    assert.is(r.status, 0, r.stderr + JSON.stringify(r.out));
    r = uptane("assign", dir, "--vin", "CLI1", "--ecu", "S1", "--target", "not-there.bin");
    assert.is(r.status, 1);
    assert.is(r.out.error, "target-not-signed");
    assert.match(r.out.detail, /signs no target/);
    r = uptane("assign", dir, "--vin", "CLI1", "--ecu", "P1", "--target", "brake-v2.bin");
    assert.is(r.status, 1);
    assert.is(r.out.error, "hardware-id-mismatch");
    assert.match(r.out.detail, /gateway/);
    r = uptane("assign", dir, "--vin", "CLI1", "--ecu", "S1", "--target", "brake-v2.bin");
    assert.is(r.status, 0, JSON.stringify(r.out));
    assert.is(r.out.status, "published");
    r = uptane("campaign", dir, "--hardware-id", "brake", "--target", "brake-v2.bin");
    assert.is(r.status, 0);
    assert.equal(r.out.skipped.map((s: any) => s.ecuSerial), ["S1"]);
    r = uptane("vehicle", "add", dir, "--vin", "CLI2", "--ecu", "P2:gateway");
    assert.is(r.status, 2);

    const { server, url } = await serveBackend(dir);
    try {
      const cli1 = await vehicleTls(dir, "CLI1");
      const fetch = (u: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) => tlsFetch(u, cli1, init);
      const base = `${url}/director/vehicles/CLI1`;
      const root = Metadata.fromJSON(MetadataKind.Root, await (await fetch(`${base}/1.root.json`)).json());
      const ts = Metadata.fromJSON(MetadataKind.Timestamp, await (await fetch(`${base}/timestamp.json`)).json());
      root.verifyDelegate("timestamp", ts);
      const snap = Metadata.fromJSON(MetadataKind.Snapshot, await (await fetch(`${base}/${ts.signed.snapshotMeta.version}.snapshot.json`)).json());
      const targetsJson = await (await fetch(`${base}/${snap.signed.meta["targets.json"]!.version}.targets.json`)).json();
      const targets = Metadata.fromJSON(MetadataKind.Targets, targetsJson);
      root.verifyDelegate("targets", targets);
      const entry = targetsJson.signed.targets["brake-v2.bin"];
      const imageTargets = JSON.parse(readFileSync(join(dir, "image/repository/2.targets.json"), "utf8")).signed.targets["brake-v2.bin"];
      assert.equal({ length: entry.length, hashes: entry.hashes }, { length: imageTargets.length, hashes: imageTargets.hashes }, "copied from the Image repository's signed target");
      assert.equal(entry.custom.hardwareIds, ["brake"]);
      assert.is(entry.custom.releaseCounter, 2);
      assert.equal(entry.custom.ecuIdentifiers, { S1: { hardwareId: "brake" } });

      // Its own key: one already registered (CLI1's P1) is refused, one key one ECU.
      const reused = JSON.stringify({ vin: "API1", ecus: [{ serial: "AP1", hardwareId: "gateway", publicKey: primary.publicKey.keyval.public, primary: true }] });
      const token0 = readFileSync(join(dir, API_TOKEN_FILE), "utf8").trim();
      const refused = await fetch(`${url}/director/api/vehicles`, { method: "POST", body: reused, headers: { authorization: `Bearer ${token0}` } });
      assert.is(refused.status, 409);
      assert.is((await refused.json()).error, "ecu-key-exists");
      const body = JSON.stringify({ vin: "API1", ecus: [{ serial: "AP1", hardwareId: "gateway", publicKey: generateSigningKey().publicKey.keyval.public, primary: true }] });
      const noToken = await fetch(`${url}/director/api/vehicles`, { method: "POST", body });
      assert.is(noToken.status, 401);
      const wrongToken = await fetch(`${url}/director/api/vehicles`, { method: "POST", body, headers: { authorization: "Bearer nope" } });
      assert.is(wrongToken.status, 401);
      const token = readFileSync(join(dir, API_TOKEN_FILE), "utf8").trim();
      const ok = await fetch(`${url}/director/api/vehicles`, { method: "POST", body, headers: { authorization: `Bearer ${token}` } });
      assert.is(ok.status, 201, ok.text());
      const assigned = await fetch(`${url}/director/api/assignments`, { method: "POST", body: JSON.stringify({ vin: "CLI1", ecuSerial: "S1", target: "missing.bin" }), headers: { authorization: `Bearer ${token}` } });
      assert.is(assigned.status, 400);
      assert.is((await assigned.json()).error, "target-not-signed");
      assert.is((await tlsFetch(`${url}/director/vehicles/API1/timestamp.json`, await vehicleTls(dir, "API1"))).status, 200);
      assert.is((await fetch(`${url}/director/vehicles/API1/timestamp.json`)).status, 403, "CLI1's certificate does not read API1's metadata");
      const time = await fetch(`${url}/time/attestation`, { method: "POST", body: JSON.stringify({ nonces: ["abc"] }) });
      assert.equal((await time.json()).signed.nonces, ["abc"]);
    } finally {
      await close(server);
    }
  } finally {
    await removeDir(dir);
    await removeDir(work);
  }
});

test("a target signed only by a supplier's delegated role is assignable; a name the delegation does not vouch for is not", async () => {
  const dir = await newBackend();
  const work = await tempDir();
  try {
    const { initSupplier, readPublicKeyFile, signSupplier } = await import("../../backend/supplier/workdir.ts");
    const { delegate, importBundle } = await import("../../backend/image/repository.ts");
    const { openDirector } = await import("../../backend/director/part.ts");
    const acme = join(work, "acme");
    const { publicKeyFile } = await initSupplier(acme, "acme");
    await delegate(dir, { role: "acme", keys: [await readPublicKeyFile(publicKeyFile)], paths: ["acme/*"], hardwareIds: ["brake"] });
    writeFileSync(join(work, "brake.bin"), "acme brake firmware 5");
    const bundle = join(work, "acme.bundle");
    await signSupplier(acme, { image: { file: join(work, "brake.bin"), name: "acme/brake.bin", hardwareIds: ["brake"], releaseCounter: 5 }, out: bundle });
    await importBundle(dir, bundle);

    const director = openDirector(dir);
    try {
      director.addVehicle("DEL1", [
        { serial: "P", hardwareId: "gateway", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: true },
        { serial: "B", hardwareId: "brake", publicKeyHex: generateSigningKey().publicKey.keyval.public, primary: false },
      ]);
      const r = await director.assign("DEL1", "B", "acme/brake.bin");
      assert.is(r.status, "published");
      const targets = JSON.parse(director.vehicleFile("DEL1", "2.targets.json")!.toString()).signed.targets;
      assert.is(targets["acme/brake.bin"].custom.releaseCounter, 5);
      assert.equal(targets["acme/brake.bin"].custom.ecuIdentifiers, { B: { hardwareId: "brake" } });
      let refused = "";
      await director.assign("DEL1", "B", "acme/other.bin").catch((e: Error) => (refused = e.message));
      assert.match(refused, /signs no target/);
    } finally {
      director.close();
    }
  } finally {
    await removeDir(dir);
    await removeDir(work);
  }
});

test.run();
