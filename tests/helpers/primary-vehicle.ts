// A backend made by `uptane init` with one vehicle whose only ECU is its Primary, an image
// assigned to it, and a Primary provisioned from that backend's roots: the end-to-end
// setting of the Primary tests that vary the backend's keys (key types, a PKCS#11 token).
import * as assert from "uvu/assert";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { uptane, type CliRun } from "./uptane-cli.ts";
import { vehicleTls } from "./tls.ts";
import { HttpFetcher } from "../../host/primary/fetcher.ts";
import type { SoftwareKeyStore } from "../../host/primary/keystore.ts";
import { Primary, provisionPrimary } from "../../host/primary/primary.ts";
import { MemoryStore } from "../../host/primary/store.ts";

/** `init ARGS` in WORK/NAME, an image NAME.bin of `imageBytes` for hw-primary, vehicle VIN with Primary key `keys`, the image assigned. */
export async function backendWithPrimaryVehicle(
  work: string, name: string, initArgs: string[], keys: SoftwareKeyStore, vin: string, imageBytes: number,
): Promise<{ backend: string; init: CliRun }> {
  const backend = join(work, name);
  const init = await uptane("init", backend, ...initArgs);
  assert.is(init.code, 0, init.err + init.out);
  await writeFile(join(work, `${name}.bin`), Buffer.alloc(imageBytes, name.length));
  const added = await uptane("image", "add", backend, join(work, `${name}.bin`), "--name", `${name}.bin`, "--hardware-id", "hw-primary", "--release-counter", "2");
  assert.is(added.code, 0, added.err);
  await writeFile(join(work, `${name}.pub.json`), JSON.stringify(keys.publicKey));
  const reg = await uptane("vehicle", "add", backend, "--vin", vin, "--ecu", `primary-001:hw-primary:${join(work, `${name}.pub.json`)}:primary`);
  assert.is(reg.code, 0, reg.err + reg.out);
  assert.is((await uptane("assign", backend, "--vin", vin, "--ecu", "primary-001", "--target", `${name}.bin`)).code, 0);
  return { backend, init };
}

/** A Primary pinned to root 1 of the backend's Director and Image repositories, fetching from `url` with the vehicle's certificate. */
export async function primaryFor(backend: string, vin: string, keys: SoftwareKeyStore, url: string): Promise<Primary> {
  const store = new MemoryStore();
  await provisionPrimary(store, { directorRoot: await readFile(join(backend, "director", "root", "1.root.json")), imageRoot: await readFile(join(backend, "image", "repository", "1.root.json")) });
  return Primary.open({ vin, serial: "primary-001", hardwareId: "hw-primary", vehicleEcus: ["primary-001"], fetcher: new HttpFetcher(url, { tls: await vehicleTls(backend, vin) }), store, keys, secondaries: [] });
}
