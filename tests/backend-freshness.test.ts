// The backend keeps itself alive: `serve` re-signs the online roles of both repositories on
// its timer (the clock is a fake moved forward, nothing sleeps for days), warns about
// offline-keyed roles before they expire, and an expired one is an error that names itself.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { initBackend } from "../backend/init.ts";
import { serveBackend } from "../backend/serve.ts";
import { tlsFetch, vehicleTls } from "./helpers/tls.ts";
import { close } from "../backend/http/server.ts";
import { addImage, RepositoryError } from "../backend/image/repository.ts";
import { repositoryDir, targetFilePath } from "../backend/image/layout.ts";
import { openDirector } from "../backend/director/part.ts";
import { refreshBackend } from "../backend/refresh.ts";
import { Refused } from "../backend/director/errors.ts";
import { generateSigningKey } from "../model/keys.ts";
import { HttpFetcher } from "../host/primary/fetcher.ts";
import { SoftwareKeyStore } from "../host/primary/keystore.ts";
import { Primary, provisionPrimary } from "../host/primary/primary.ts";
import { MemoryStore } from "../host/primary/store.ts";
import { hashTree, removeTempDirs, tempDir } from "./helpers/image-backend.ts";
import { uptane } from "./helpers/uptane-cli.ts";

const DAY = 86_400_000;
const VIN = "FRESH0VIN00000001";

/** A backend made at `start`, with `fw-1.bin` for hw-primary and vehicle VIN registered (its Primary's keys returned). */
async function backendWithVehicle(start: Date, values: Record<string, string[]> = {}) {
  const dir = join(await tempDir("fresh-"), "backend");
  await initBackend(dir, { values, flags: new Set(), now: start });
  const image = join(dir, "..", "fw-1.bin");
  await writeFile(image, Buffer.alloc(3000, 1));
  await addImage(dir, image, { name: "fw-1.bin", hardwareIds: ["hw-primary"], releaseCounter: 1, now: start });
  const keys = SoftwareKeyStore.generate();
  const director = openDirector(dir, () => start);
  try {
    director.addVehicle(VIN, [{ serial: "primary-1", hardwareId: "hw-primary", publicKeyHex: keys.publicKey.keyval.public, primary: true }]);
  } finally {
    director.close();
  }
  return { dir, keys };
}

async function waitFor(what: () => boolean, label: string): Promise<void> {
  for (let i = 0; i < 400 && !what(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(what(), `timed out waiting for ${label}`);
}

test.after(removeTempDirs);

test("with the clock 3 days ahead a Primary still updates from a running server: the server re-signed both repositories on its timer", async () => {
  let now = Date.now();
  const { dir, keys } = await backendWithVehicle(new Date(now));
  const lines: string[] = [];
  const served = await serveBackend(dir, { clock: () => new Date(now), log: (l) => lines.push(l), upkeepIntervalMs: 20, plainHttp: true });
  try {
    const store = new MemoryStore();
    await provisionPrimary(store, {
      directorRoot: await readFile(join(dir, "director", "root", "1.root.json")),
      imageRoot: await readFile(join(repositoryDir(dir), "1.root.json")),
    });
    const primary = await Primary.open({ vin: VIN, serial: "primary-1", hardwareId: "hw-primary", vehicleEcus: ["primary-1"], fetcher: new HttpFetcher(served.url), store, keys, secondaries: [] });
    assert.is((await primary.runCycle()).outcome, "NoUpdate");
    const before = JSON.parse(await readFile(join(repositoryDir(dir), "timestamp.json"), "utf8")).signed;
    assert.ok(Date.parse(before.expires) < now + 3 * DAY, "the Image timestamp as published expires before +3 days");

    now += 3 * DAY;
    // No request: the timer alone re-signs.
    await waitFor(() => lines.some((l) => l.includes("re-signed Image snapshot and timestamp")), "the Image re-signing");
    await waitFor(() => lines.some((l) => l.includes(`re-signed Director metadata of 1 vehicle(s): ${VIN}`)), "the Director re-signing");
    const after = JSON.parse(await readFile(join(repositoryDir(dir), "timestamp.json"), "utf8")).signed;
    assert.ok(after.version > before.version);
    assert.ok(Date.parse(after.expires) > now, "the served Image timestamp is valid at the moved clock");
    const directorTs = JSON.parse(await readFile(join(dir, "director", "vehicles", VIN, "timestamp.json"), "utf8")).signed;
    assert.ok(Date.parse(directorTs.expires) > now, "the vehicle's Director timestamp is valid at the moved clock");

    const cycle = await primary.runCycle();
    assert.is(cycle.outcome, "NoUpdate");
    assert.ok(cycle.manifest.accepted, cycle.manifest.detail);
    assert.is(cycle.time * 1000 >= now - 60_000, true, "the cycle verified against the moved clock (attested by the time server)");
  } finally {
    await close(served.server);
  }
});

test("25 days on, serve and refresh warn about an offline role expiring within 30 days, naming it, its date and the renewing command", async () => {
  const start = Date.now();
  const { dir } = await backendWithVehicle(new Date(start), { "targets-expiry-days": ["50"] });
  const quiet = await refreshBackend(dir, { now: new Date(start) });
  assert.equal(quiet.warnings, [], "50 days left: nothing to warn about");

  const later = new Date(start + 25 * DAY);
  const r = await refreshBackend(dir, { now: later });
  assert.equal(r.warnings.map((w) => [w.repository, w.role, w.state]), [["image", "targets", "expiring"]]);
  const w = r.warnings[0]!;
  assert.match(w.message, /Image targets \(image\/repository\/\d+\.targets\.json\) expires at \d{4}-\d\d-\d\dT/);
  assert.ok(w.message.includes(`uptane refresh ${dir} --offline`), w.message);

  const lines: string[] = [];
  const served = await serveBackend(dir, { clock: () => later, log: (l) => lines.push(l), plainHttp: true });
  await close(served.server);
  const warning = lines.find((l) => l.includes("WARNING Image targets"));
  assert.ok(warning, lines.join("\n"));
  assert.ok(warning!.includes(w.expires) && warning!.includes("--offline"), warning);

  const narrower = await refreshBackend(dir, { now: later, warnDays: 10 });
  assert.equal(narrower.warnings, [], "the warning window is configurable");
});

test("an expired targets role: refresh exits 1 naming it, image add refuses and changes nothing, assign names the expired role; refresh --offline renews it", async () => {
  // Made 60 days ago with targets valid for 50 days: expired 10 days ago, at the real clock.
  const { dir } = await backendWithVehicle(new Date(Date.now() - 60 * DAY), { "targets-expiry-days": ["50"] });
  const refreshed = await uptane("refresh", dir);
  assert.is(refreshed.code, 1, refreshed.out + refreshed.err);
  assert.match(refreshed.err, /Image targets \(image\/repository\/\d+\.targets\.json\) EXPIRED at /);
  assert.ok(refreshed.err.includes(`uptane refresh ${dir} --offline`), refreshed.err);

  const image = join(dir, "..", "fw-2.bin");
  await writeFile(image, Buffer.alloc(100, 2));
  await writeFile(join(dir, "..", "acme.hex"), JSON.stringify(generateSigningKey().publicKey));
  const before = await hashTree(dir);
  const added = await uptane("image", "add", dir, image, "--name", "fw-2.bin", "--hardware-id", "hw-primary");
  assert.is(added.code, 1);
  assert.match(added.err, /nothing published: Image targets .* EXPIRED at .*uptane refresh .* --offline/);
  assert.is(await hashTree(dir), before, "the refused image add left the backend byte-identical");
  try {
    await addImage(dir, image, { name: "fw-2.bin", hardwareIds: ["hw-primary"] });
    assert.unreachable("image add published under an expired targets");
  } catch (e) {
    assert.instance(e, RepositoryError);
  }

  const director = openDirector(dir);
  try {
    await director.assign(VIN, "primary-1", "fw-1.bin");
    assert.unreachable("assigned a target whose targets role expired");
  } catch (e) {
    assert.instance(e, Refused);
    assert.is((e as Refused).code, "image-role-expired");
    assert.match((e as Error).message, /signs fw-1\.bin, but its targets \(expired .*\) has expired/);
    try {
      await director.campaign("hw-primary", "fw-1.bin");
      assert.unreachable("a campaign for a target whose targets role expired");
    } catch (e) {
      assert.is((e as Refused).code, "image-role-expired");
    }
  } finally {
    director.close();
  }
  const delegated = await uptane("delegate", dir, "--supplier", "acme", "--key", join(dir, "..", "acme.hex"), "--paths", "acme/*");
  assert.is(delegated.code, 1, delegated.out + delegated.err);
  assert.match(delegated.err, /Image targets .* EXPIRED/);
  assert.is(await hashTree(dir), before, "the refused delegate left the backend byte-identical");

  const renewed = await uptane("refresh", dir, "--offline", "--json");
  assert.is(renewed.code, 0, renewed.out + renewed.err);
  assert.equal(JSON.parse(renewed.out).renewed.map((r: { repository: string; role: string }) => `${r.repository} ${r.role}`), ["image targets"]);
  assert.is((await uptane("image", "add", dir, image, "--name", "fw-2.bin", "--hardware-id", "hw-primary")).code, 0, "publishing works again once renewed");
});

test("an expired Director root is an error refresh names, and refresh --offline renews it as root version 2", async () => {
  const { dir } = await backendWithVehicle(new Date(Date.now() - 400 * DAY), { "root-expiry-days": ["1000"], "targets-expiry-days": ["1000"] });
  const r = await uptane("refresh", dir);
  assert.is(r.code, 1);
  assert.match(r.err, /Director root \(director\/root\/1\.root\.json\) EXPIRED at /);
  const renewed = await refreshBackend(dir, { offline: true });
  assert.equal(renewed.renewed.map((n) => [n.repository, n.role, n.version]), [["director", "root", 2]]);
  assert.equal(renewed.warnings, []);
  const root2 = JSON.parse(await readFile(join(dir, "director", "root", "2.root.json"), "utf8"));
  assert.ok(Date.parse(root2.signed.expires) > Date.now());
});

test("each image is stored once: the second hash name is a hard link to the first, also when the same image is added again", async () => {
  const { dir } = await backendWithVehicle(new Date());
  const again = join(dir, "..", "fw-1.bin");
  await addImage(dir, again, { name: "fw-1.bin", hardwareIds: ["hw-primary"], releaseCounter: 1 });
  const { readdir } = await import("node:fs/promises");
  assert.equal((await readdir(join(repositoryDir(dir), "targets"))).filter((n) => n.startsWith(".")), [], "no temporary file left behind");
  const bytes = Buffer.alloc(3000, 1);
  const { createHash } = await import("node:crypto");
  const a = await stat(targetFilePath(dir, "fw-1.bin", createHash("sha256").update(bytes).digest("hex")));
  const b = await stat(targetFilePath(dir, "fw-1.bin", createHash("sha512").update(bytes).digest("hex")));
  assert.is(a.ino, b.ino);
  assert.is(a.nlink, 2);
});

test("serve writes one request log line per request: method, path without query, status; never the API token", async () => {
  const { dir } = await backendWithVehicle(new Date());
  const lines: string[] = [];
  const served = await serveBackend(dir, { log: (l) => lines.push(l) });
  const token = (await readFile(join(dir, "keys", "api-token"), "utf8")).trim();
  const tls = await vehicleTls(dir, VIN);
  try {
    await tlsFetch(`${served.url}/image/timestamp.json?secret=x`, tls);
    await tlsFetch(`${served.url}/nowhere`, tls);
    const api = await tlsFetch(`${served.url}/director/api/assignments`, { ca: tls.ca }, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ vin: VIN, ecuSerial: "primary-1", target: "fw-1.bin" }) });
    assert.is(api.status, 201);
    await waitFor(() => lines.filter((l) => / (GET|POST) /.test(l)).length === 3, "three request lines");
  } finally {
    await close(served.server);
  }
  const requests = lines.filter((l) => / (GET|POST) /.test(l));
  assert.ok(/ GET \/image\/timestamp\.json 200 [1-9]\d*B \d+ms$/.test(requests[0]!), requests.join("\n"));
  assert.match(requests[1]!, / GET \/nowhere 404 /);
  assert.match(requests[2]!, / POST \/director\/api\/assignments 201 /);
  assert.not.ok(lines.join("\n").includes(token), "the token is never logged");
  assert.not.ok(lines.join("\n").includes("secret"), "query strings are not logged");
});

test.run();
