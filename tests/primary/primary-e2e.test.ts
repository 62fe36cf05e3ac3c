// End to end over HTTP with the built CLI: `uptane init`, `uptane image add`, `uptane serve`
// on 127.0.0.1 port 0, and a Primary provisioned with `uptane primary init` running
// `uptane primary cycle` against it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Run {
  code: number;
  out: string;
  err: string;
}

function uptane(...argv: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["dist/uptane.mjs", ...argv], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

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

test("uptane primary init provisions a Primary from the backend's pinned roots and writes its public key", async () => {
  const backend = join(work, "backend-a");
  assert.is((await uptane("init", backend)).code, 0);
  const state = join(work, "primary-a");
  const r = await uptane(
    "primary", "init", state,
    "--director-root", join(backend, "image", "repository", "1.root.json"), // any root file: this test has no Director
    "--image-root", join(backend, "image", "repository", "1.root.json"),
    "--vin", "WVWZZZ1JZXW000001", "--serial", "primary-001", "--hardware-id", "hw-primary", "--json",
  );
  assert.is(r.code, 0, r.err + r.out);
  const out = JSON.parse(r.out);
  assert.equal(out.vehicleEcus, ["primary-001"]);
  const pub = JSON.parse(await readFile(out.publicKeyFile, "utf8"));
  assert.is(pub.keytype, "ed25519");
  assert.match(pub.keyval.public, /^[0-9a-f]{64}$/);
  const again = await uptane("primary", "init", state, "--director-root", join(backend, "image", "repository", "1.root.json"), "--image-root", join(backend, "image", "repository", "1.root.json"), "--vin", "V", "--serial", "S", "--hardware-id", "H");
  assert.is(again.code, 1, "a provisioned Primary is not provisioned twice");
});

test("uptane primary cycle against a backend without a time server fails as a transport failure, exit 1", async () => {
  const backend = join(work, "backend-b");
  assert.is((await uptane("init", backend)).code, 0);
  const image = join(work, "fw.bin");
  await writeFile(image, "firmware");
  assert.is((await uptane("image", "add", backend, image, "--name", "fw.bin", "--hardware-id", "hw-primary")).code, 0);
  const state = join(work, "primary-b");
  const root = join(backend, "image", "repository", "1.root.json");
  assert.is((await uptane("primary", "init", state, "--director-root", root, "--image-root", root, "--vin", "V1", "--serial", "P1", "--hardware-id", "hw-primary")).code, 0);
  const { url, child } = await serve(backend);
  try {
    const r = await uptane("primary", "cycle", state, "--url", url, "--json");
    assert.is(r.code, 1);
    const out = JSON.parse(r.out);
    assert.is(out.ok, false);
    assert.is(out.outcome, "TransportError");
  } finally {
    child.kill("SIGTERM");
  }
});

test.run();
