// The inventory holds only the public half of each ECU's key (Uptane 2.1 5.3.2.2): the
// registration reads public keys only, refusing a private key file, and what the ECU's row
// keeps is the 64-hex Ed25519 public key with its TUF key id.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateKeyPairSync } from "node:crypto";
import { newBackend, removeTempDirs, tempDir, writeTemp } from "../helpers/image-backend.ts";
import { openDirector } from "../../backend/director/part.ts";
import { PublicKeyFileError, readEd25519PublicKeyHex } from "../../backend/director/public-key-file.ts";

test.after(removeTempDirs);

test("the inventory takes ECU public keys only: a private key file is refused and a registered ECU's row holds its 64-hex public key", async () => {
  const work = await tempDir();
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const privatePem = await writeTemp(work, "ecu-key.pem", privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  const publicPem = await writeTemp(work, "ecu-key.pub.pem", publicKey.export({ type: "spki", format: "pem" }) as string);
  assert.throws(() => readEd25519PublicKeyHex(privatePem), (e: unknown) => e instanceof PublicKeyFileError);
  const hex = readEd25519PublicKeyHex(publicPem);
  assert.match(hex, /^[0-9a-f]{64}$/);

  const backend = await newBackend();
  const director = openDirector(backend);
  try {
    director.addVehicle("KEYS0VIN000000001", [{ serial: "gw-k", hardwareId: "gateway", publicKeyHex: hex, primary: true }]);
    const row = director.inventory.ecu("gw-k")!;
    assert.is(row.public_key, hex);
    assert.match(row.keyid, /^[0-9a-f]{64}$/);
    const secret = (privateKey.export({ format: "jwk" }) as { d: string }).d;
    assert.not.ok(JSON.stringify(row).includes(Buffer.from(secret, "base64url").toString("hex")), "no private key material in the row");
  } finally {
    director.close();
  }
});

test.run();
