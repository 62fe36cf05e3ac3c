// Per-ECU image encryption through the whole backend (README "Per-ECU image encryption"):
// `uptane vehicle add --encryption-key / --shared-encryption-key` from files, `uptane
// assign` against the real Image repository, `uptane serve` over TLS: the vehicle's client
// certificate fetches its signed Director targets and the ciphertext at
// /director/vehicles/VIN/images/NAME, which decrypts with the ECU's key to the image `uptane
// image add` took; another vehicle's certificate is refused; the registration API takes an
// encryptionKey; `uptane gc` drops the ciphertext once the assignment is closed.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes, generateKeyPairSync, createPublicKey } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newBackend, removeDir, tempDir } from "../helpers/image-backend.ts";
import { serveBackend } from "../../backend/serve.ts";
import { tlsFetch, vehicleTls } from "../helpers/tls.ts";
import { close } from "../../backend/http/server.ts";
import { generateSigningKey } from "../../model/keys.ts";
import { API_TOKEN_FILE } from "../../backend/http/api-token.ts";
import { openInventory } from "../../backend/inventory/location.ts";
import {
  METHOD_SHARED, METHOD_X25519, decryptImage, encryptedTargetName, parseImageEncryption, x25519RawPrivateKey, x25519RawPublicKey,
} from "../../model/image-encryption.ts";
import { uptaneJson as uptane } from "../helpers/uptane-cli.ts";


test("vehicle add with encryption keys from files, assign, serve: the vehicle fetches its entry and ciphertext over TLS and decrypts the image; another vehicle cannot; gc drops it once closed", async () => {
  const dir = await newBackend();
  const work = await tempDir();
  try {
    const pem = (name: string) => {
      writeFileSync(join(work, name), createPublicKey(generateSigningKey().privateKey).export({ type: "spki", format: "pem" }));
      return join(work, name);
    };
    const x = generateKeyPairSync("x25519");
    writeFileSync(join(work, "s1-enc.pem"), x.publicKey.export({ type: "spki", format: "pem" }));
    const shared = randomBytes(16);
    writeFileSync(join(work, "s2-aes.hex"), shared.toString("hex") + "\n");
    const image = randomBytes(10_000);
    writeFileSync(join(work, "fw.bin"), image);
    assert.is(uptane("image", "add", dir, join(work, "fw.bin"), "--name", "ecu/fw-3.bin", "--hardware-id", "brake", "--release-counter", "3").status, 0);
    let r = uptane("vehicle", "add", dir, "--vin", "ENCVIN1", "--ecu", `P1:gateway:${pem("p.pem")}:primary`, "--ecu", `S1:brake:${pem("s1.pem")}`, "--ecu", `S2:brake:${pem("s2.pem")}`,
      "--encryption-key", `S1:${join(work, "s1-enc.pem")}`, "--shared-encryption-key", `S2:${join(work, "s2-aes.hex")}`);
    assert.is(r.status, 0, r.stderr + JSON.stringify(r.out));
    assert.equal(r.out.ecus.map((e: { serial: string; encryption: string | null }) => [e.serial, e.encryption]), [["P1", null], ["S1", METHOD_X25519], ["S2", METHOD_SHARED]]);
    assert.is(uptane("vehicle", "add", dir, "--vin", "OTHER1", "--ecu", `Q1:gateway:${pem("q.pem")}:primary`).status, 0);
    r = uptane("assign", dir, "--vin", "ENCVIN1", "--ecu", "S1", "--target", "ecu/fw-3.bin", "--with", "S2=ecu/fw-3.bin");
    assert.is(r.status, 0, JSON.stringify(r.out));

    const { server, url } = await serveBackend(dir);
    try {
      const car = await vehicleTls(dir, "ENCVIN1");
      const base = `${url}/director/vehicles/ENCVIN1`;
      const ts = await (await tlsFetch(`${base}/timestamp.json`, car)).json();
      const snap = await (await tlsFetch(`${base}/${ts.signed.meta["snapshot.json"].version}.snapshot.json`, car)).json();
      const targets = await (await tlsFetch(`${base}/${snap.signed.meta["targets.json"].version}.targets.json`, car)).json();
      const names = Object.keys(targets.signed.targets).sort();
      assert.equal(names, [encryptedTargetName("ecu/fw-3.bin", "S1"), encryptedTargetName("ecu/fw-3.bin", "S2")].sort());
      const imageEntry = JSON.parse(readFileSync(join(dir, "image/repository/2.targets.json"), "utf8")).signed.targets["ecu/fw-3.bin"];
      for (const [serial, key] of [["S1", { method: METHOD_X25519, privateKey: x25519RawPrivateKey(x.privateKey) }], ["S2", { method: METHOD_SHARED, sharedKey: shared }]] as const) {
        const name = encryptedTargetName("ecu/fw-3.bin", serial);
        const entry = targets.signed.targets[name];
        const enc = parseImageEncryption(entry.custom.encryption);
        assert.equal(enc.plaintext, { name: "ecu/fw-3.bin", length: imageEntry.length, hashes: imageEntry.hashes }, "the plaintext as the Image repository signs it");
        assert.equal(entry.custom.ecuIdentifiers, { [serial]: { hardwareId: "brake" } });
        const res = await tlsFetch(`${base}/images/${name}`, car);
        assert.is(res.status, 200);
        const ct = res.body;
        assert.is(ct.length, entry.length);
        assert.ok(decryptImage(enc, key, serial, ct).equals(image), serial);
        const other = await tlsFetch(`${base}/images/${name}`, await vehicleTls(dir, "OTHER1"));
        assert.is(other.status, 403, "another vehicle's certificate");
      }
      assert.equal(x25519RawPublicKey(x.publicKey).toString("hex"), readFileSync(join(dir, "keyservice", "S1.x25519.pub"), "utf8").trim());

      // The registration API takes an X25519 encryptionKey (over TLS, with the token).
      const token = readFileSync(join(dir, API_TOKEN_FILE), "utf8").trim();
      const apiKey = x25519RawPublicKey(generateKeyPairSync("x25519").publicKey).toString("hex");
      const body = JSON.stringify({ vin: "APIENC1", ecus: [{ serial: "AE1", hardwareId: "brake", publicKey: generateSigningKey().publicKey.keyval.public, primary: true, encryptionKey: apiKey }] });
      const ok = await tlsFetch(`${url}/director/api/vehicles`, car, { method: "POST", body, headers: { authorization: `Bearer ${token}` } });
      assert.is(ok.status, 201, ok.text());
      assert.is(readFileSync(join(dir, "keyservice", "AE1.x25519.pub"), "utf8").trim(), apiKey);
    } finally {
      await close(server);
    }

    // S1's assignment closed behind the Director's back (as by an older version that left the
    // bytes): gc drops the ciphertext and says how much.
    const inv = openInventory(dir);
    try {
      inv.sql.run("UPDATE assignments SET status = 'failed' WHERE ecu_serial = 'S1'");
    } finally {
      inv.close();
    }
    r = uptane("gc", dir);
    assert.is(r.status, 0, JSON.stringify(r.out));
    assert.equal(r.out.encryptedImages, { images: 1, bytes: 10_000 + 16 * 3 });
    r = uptane("gc", dir);
    assert.equal(r.out.encryptedImages, { images: 0, bytes: 0 });
  } finally {
    await removeDir(dir);
    await removeDir(work);
  }
});

test.run();
