// The npm package as a user gets it: `npm pack`, installed into a fresh project, used from
// plain JavaScript (node, no tsx) and type-checked with tsc; and the README's "Embedding"
// examples run as written against it. Fixtures come from the repository simulator.
import { canonicalForwarding } from "../../host/wasm/canonical.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { VehicleSim, imageBytes } from "../sim/vehicle.ts";
import { writeRepository } from "../sim/write.ts";
import { ROOT, installInto, node, pack, readmeSnippets, type PackedFile } from "./consumer.ts";

const EXPORTS = ["verifier", "primary", "secondary", "backend"] as const;

let work = "";
let app = ""; // the consumer project
let packed: PackedFile[] = [];
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

// A vehicle of a Primary (full verification) and a brake controller (partial), each
// assigned an image; documents valid from now for a year (the README example uses the clock).
const sim = new VehicleSim({
  now: Math.floor(Date.now() / 1000),
  ecus: [
    { serial: "gw-1", hardwareId: "gateway" },
    { serial: "brake-1", hardwareId: "brake-ctl" },
  ],
});
for (const [serial, name, releaseCounter] of [["gw-1", "gw-2.0.bin", 2], ["brake-1", "brake-2.0.bin", 2]] as const) {
  sim.addImage({ name, bytes: imageBytes(name, 4096), hardwareIds: [sim.ecu(serial).hardwareId], releaseCounter });
  sim.assign(serial, name);
}

test.before(() => {
  work = mkdtempSync(join(tmpdir(), "uptane-package-"));
  app = join(work, "app");
  const { tarball, files } = pack(work);
  packed = files;
  installInto(app, tarball);
  // fixtures on disk, as an ECU would hold them
  const fx = join(app, "fixtures");
  const { director, image } = sim.files();
  writeRepository(join(fx, "director"), sim.director.root(1), director);
  writeRepository(join(fx, "image"), sim.image.root(1), image);
  for (const [name, bytes] of sim.images) writeFileSync(join(fx, name), bytes);
  // what a partial ECU gets from its Primary: the Director targets as canonical JSON
  writeFileSync(join(fx, "director-forwarded-targets.json"), canonicalForwarding(director.targets));
  const expect = {
    vin: sim.vin,
    vehicleEcus: sim.ecus.map((e) => e.serial),
    now: sim.now + 60,
    full: { ecu: { serial: "gw-1", hardwareId: "gateway", installedReleaseCounter: 1 }, target: sim.expectedTarget("gw-2.0.bin", "gw-1") },
    partial: { ecu: { serial: "brake-1", hardwareId: "brake-ctl", installedReleaseCounter: 1 }, target: sim.expectedTarget("brake-2.0.bin", "brake-1") },
  };
  writeFileSync(join(fx, "expect.json"), JSON.stringify(expect));
});

test.after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("npm pack holds what the exports and bin name, the README and package.json, and nothing of the tests or sources", () => {
  const paths = new Set(packed.map((f) => f.path));
  const named: string[] = [pkg.bin.uptane, "README.md", "package.json"];
  for (const [subpath, target] of Object.entries(pkg.exports as Record<string, string | Record<string, string>>)) {
    for (const file of typeof target === "string" ? [target] : Object.values(target)) named.push(file.replace(/^\.\//, ""));
    assert.ok(subpath === "./package.json" || EXPORTS.some((e) => subpath === `./${e}`) || /^\.\/(full|partial|partial-p256|full-enc|partial-enc)\.wasm$/.test(subpath), `unexpected export ${subpath}`);
  }
  for (const file of named) assert.ok(paths.has(file), `${file} is named by package.json but not packed`);
  const stray = [...paths].filter((p) => /^(tests|assembly|scripts|host|backend|build)\//.test(p) || /\.ts$/.test(p.replace(/\.d\.ts$/, "")));
  assert.equal(stray, [], "tests, sources and build inputs stay out of the package");
  assert.equal(packed.filter((f) => /(^|\/)tests?\/|\.test\./.test(f.path)), [], "no test file is packed");
});

test("installing the package for the vehicle side compiles nothing: no dependencies, better-sqlite3 and pg only optional peers", () => {
  assert.is(pkg.dependencies, undefined);
  assert.equal(pkg.peerDependenciesMeta?.["better-sqlite3"], { optional: true });
  assert.equal(pkg.peerDependenciesMeta?.["pg"], { optional: true });
  assert.ok(!existsSync(join(app, "node_modules", "better-sqlite3")), "npm installed better-sqlite3 with the package");
  assert.ok(!existsSync(join(app, "node_modules", "pg")), "npm installed pg with the package");
  const installed = JSON.parse(readFileSync(join(app, "node_modules", "uptane-wasm", "package.json"), "utf8"));
  for (const hook of ["preinstall", "install", "postinstall"]) assert.is(installed.scripts?.[hook], undefined, `${hook} script`);
});

test("plain Node imports every subpath; the .wasm subpaths are the release modules", () => {
  writeFileSync(
    join(app, "imports.mjs"),
    `import { readFileSync } from "node:fs";
const names = {};
for (const e of ${JSON.stringify(EXPORTS)}) names[e] = Object.keys(await import("uptane-wasm/" + e)).sort();
const wasm = {};
for (const m of ["full", "partial"]) wasm[m] = readFileSync(new URL(import.meta.resolve("uptane-wasm/" + m + ".wasm"))).toString("base64");
console.log(JSON.stringify({ names, wasm }));
`,
  );
  const r = node("imports.mjs", app);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  for (const name of ["loadModule", "PartialVerifier", "FullVerifier", "CryptoCore", "OUTCOMES", "VerificationError", "ModuleMisuseError"]) assert.ok(out.names.verifier.includes(name), `verifier exports ${name}`);
  for (const name of ["Primary", "provisionPrimary", "HttpFetcher", "FileStore"]) assert.ok(out.names.primary.includes(name), `primary exports ${name}`);
  for (const name of ["Secondary", "FlashStore", "partialVerifier", "fullVerifier"]) assert.ok(out.names.secondary.includes(name), `secondary exports ${name}`);
  for (const name of ["initBackend", "serveBackend", "addImage", "openDirector"]) assert.ok(out.names.backend.includes(name), `backend exports ${name}`);
  for (const m of ["full", "partial"]) assert.is(out.wasm[m], readFileSync(join(ROOT, "build", `${m}.wasm`)).toString("base64"), `${m}.wasm`);
});

test("from plain JavaScript without Buffer: PartialVerifier verifies the Director targets and FullVerifier a full update, images included", () => {
  writeFileSync(
    join(app, "verify.mjs"),
    `import { readFileSync } from "node:fs";
const read = (p) => new Uint8Array(readFileSync("fixtures/" + p)); // plain bytes, read before Buffer goes
const repo = (r) => ({ rootRotations: [], timestamp: read(r + "/timestamp.json"), snapshot: read(r + "/snapshot.json"), targets: read(r + "/targets.json") });
const x = JSON.parse(readFileSync("fixtures/expect.json", "utf8"));
const files = { dRoot: read("director/root.json"), iRoot: read("image/root.json"), director: repo("director"), image: repo("image"), gw: read("gw-2.0.bin"), brake: read("brake-2.0.bin") };
delete globalThis.Buffer; // what a browser or Deno lacks: the verifier entry must not need it
const { loadModule, PartialVerifier, FullVerifier, OUTCOMES } = await import("uptane-wasm/verifier");
const out = {};
await loadModule("partial");
const partial = new PartialVerifier({ directorRoot: files.dRoot, ecu: x.partial.ecu, memoryLimitPages: 2 });
out.partial = partial.update({ rootRotations: [], targets: read("director-forwarded-targets.json") }, x.now);
const pc = partial.imageCheck(out.partial.target); pc.update(files.brake); out.partialImage = pc.finish().outcome;
try { new FullVerifier({}); } catch (e) { out.fullBeforeLoad = e.name + ": " + e.message; }
await loadModule("full");
const full = new FullVerifier({ directorRoot: files.dRoot, imageRoot: files.iRoot, ecu: x.full.ecu, vin: x.vin, vehicleEcus: x.vehicleEcus });
out.full = full.update(files.director, files.image, x.now);
const fc = full.imageCheck(out.full.target); fc.update(files.gw); out.fullImage = fc.finish().outcome;
const tampered = files.gw.slice(); tampered[0] ^= 1;
const tc = full.imageCheck(out.full.target); tc.update(tampered); out.tamperedImage = tc.finish().outcome;
out.outcomes = OUTCOMES.length;
console.log(JSON.stringify(out));
`,
  );
  const r = node("verify.mjs", app);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const expect = JSON.parse(readFileSync(join(app, "fixtures", "expect.json"), "utf8"));
  assert.is(out.partial.outcome, "Ok", JSON.stringify(out.partial));
  assert.equal(out.partial.target, expect.partial.target);
  assert.is(out.partialImage, "Ok");
  assert.is(out.fullBeforeLoad, 'ModuleMisuseError: full.wasm is not loaded: await loadModule("full") first');
  assert.is(out.full.outcome, "Ok", JSON.stringify(out.full));
  assert.equal(out.full.target, expect.full.target);
  assert.equal(out.full.vehicleTargets.map((t: { ecuSerial: string }) => t.ecuSerial).sort(), ["brake-1", "gw-1"]);
  assert.is(out.fullImage, "Ok");
  assert.is(out.tamperedImage, "LengthOrHashMismatch");
  assert.is(out.outcomes, 17); // with DecryptionFailed (README "Outcomes")
});

/** The package's JavaScript files a file statically imports, transitively (dynamic import() not followed). */
function staticGraph(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, "utf8");
    seen.set(file, text);
    for (const m of text.matchAll(/(?:^|[;\n])\s*(?:import|export)\s*(?:[\w*{}\s,$]*?\sfrom\s*)?"([^"]+)"/g)) {
      const spec = m[1]!;
      if (!spec.startsWith(".")) seen.set(`${file} -> ${spec}`, ""); // a bare or node: import, recorded to fail below
      else visit(join(dirname(file), spec));
    }
  };
  visit(entry);
  return seen;
}

test("the verifier entry is portable and lean: no Node import or API in its static graph, and neither module's bytes", () => {
  const lib = join(app, "node_modules", "uptane-wasm", "dist", "lib");
  const graph = staticGraph(join(lib, "host", "wasm", "index.js"));
  const files = [...graph.keys()].filter((k) => !k.includes(" -> "));
  assert.ok(files.some((f) => f.endsWith("verifier.js")) && files.some((f) => f.endsWith("module.js")), "the graph walk follows the imports");
  assert.equal([...graph.keys()].filter((k) => k.includes(" -> ")), [], "only relative imports");
  assert.equal(files.filter((f) => /-wasm\.js$|embedded\.js$/.test(f)), [], "module bytes are imported only by loadModule, one module at a time");
  for (const [file, text] of graph) {
    assert.not.match(text, /\bBuffer\.|\bprocess\.|\brequire\(|import\("node:/, `${file} uses a Node API`);
  }
});

test("the exported .d.ts type-check a consumer: the verifier with browser types only, the rest with Node's", () => {
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const dir = join(app, "types");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "verifier.ts"),
    `import { loadModule, PartialVerifier, FullVerifier, CryptoCore, OUTCOMES, VerificationError, type OutcomeName, type VerifyResult } from "uptane-wasm/verifier";
await loadModule("partial", new Uint8Array(8));
const ecu = { serial: "a", hardwareId: "b", installedReleaseCounter: 0 };
const v = new PartialVerifier({ directorRoot: new Uint8Array(), ecu, memoryLimitPages: 2 });
const r: VerifyResult = v.update({ rootRotations: [], targets: new Uint8Array() }, 0);
const name: OutcomeName = r.outcome;
const first: OutcomeName = OUTCOMES[0];
// @ts-expect-error not an outcome
const wrong: OutcomeName = "Fine";
// @ts-expect-error a full verifier needs the Image root, the VIN and the vehicle's ECUs
new FullVerifier({ directorRoot: new Uint8Array(), ecu });
const digest: Uint8Array = new CryptoCore("partial").sha256(new Uint8Array(3));
export { name, first, wrong, digest, VerificationError };
`,
  );
  writeFileSync(
    join(dir, "node-side.ts"),
    `import { Primary, provisionPrimary, FileStore, HttpFetcher, SoftwareKeyStore, type CycleResult } from "uptane-wasm/primary";
import { Secondary, FlashStore, partialVerifier, CanBus, CanSecondaryLink } from "uptane-wasm/secondary";
import { initBackend, serveBackend, openDirector, addImage, closeServer } from "uptane-wasm/backend";
const store = new FileStore("state");
await provisionPrimary(store, { directorRoot: new Uint8Array(), imageRoot: new Uint8Array() });
const primary: Primary = await Primary.open({ vin: "V", serial: "s", hardwareId: "h", vehicleEcus: ["s"], fetcher: new HttpFetcher("http://127.0.0.1:1"), store, keys: SoftwareKeyStore.generate(), secondaries: [] });
const cycle: CycleResult = await primary.runCycle();
// @ts-expect-error the outcome of a cycle that returns is Ok or NoUpdate
const refused: CycleResult["outcome"] = "RollbackAttack";
await initBackend("oem");
await addImage("oem", "f.bin", { name: "f.bin", hardwareIds: ["h"] });
const director = openDirector("oem");
const { server } = await serveBackend("oem", { port: 0 });
await closeServer(server);
export { cycle, refused, director, Secondary, FlashStore, partialVerifier, CanBus, CanSecondaryLink };
`,
  );
  const common = { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", noEmit: true, skipLibCheck: false, noUnusedLocals: false };
  writeFileSync(join(dir, "tsconfig.verifier.json"), JSON.stringify({ compilerOptions: { ...common, lib: ["es2022", "dom"], types: [] }, files: ["verifier.ts"] }));
  writeFileSync(
    join(dir, "tsconfig.node.json"),
    JSON.stringify({ compilerOptions: { ...common, lib: ["es2022"], types: ["node"], typeRoots: [join(ROOT, "node_modules", "@types")] }, files: ["node-side.ts"] }),
  );
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  for (const project of ["tsconfig.verifier.json", "tsconfig.node.json"]) {
    const r = spawnSync(process.execPath, [tsc, "-p", project], { cwd: dir, encoding: "utf8", timeout: 120_000 });
    assert.is(r.status, 0, `${project}: ${r.stdout}${r.stderr}`);
  }
});

test("without better-sqlite3: the bin's --help and verify run, a backend command says what to install and writes nothing", () => {
  const cli = join(app, "node_modules", "uptane-wasm", pkg.bin.uptane);
  const help = spawnSync(process.execPath, [cli, "--help"], { cwd: app, encoding: "utf8" });
  assert.is(help.status, 0, help.stderr);
  const expect = JSON.parse(readFileSync(join(app, "fixtures", "expect.json"), "utf8"));
  const verify = spawnSync(
    process.execPath,
    [cli, "verify", "--mode", "partial", "--director", "fixtures/director", "--ecu", "brake-1", "--hardware-id", "brake-ctl", "--time", new Date(expect.now * 1000).toISOString().replace(/\.\d+Z$/, "Z"), "--json"],
    { cwd: app, encoding: "utf8" },
  );
  assert.is(verify.status, 0, verify.stdout + verify.stderr);
  assert.is(JSON.parse(verify.stdout.trim().split("\n").pop()!).outcome, "Ok");
  const init = spawnSync(process.execPath, [cli, "init", "oem"], { cwd: app, encoding: "utf8" });
  assert.is(init.status, 1, init.stdout + init.stderr);
  assert.match(init.stdout + init.stderr, "npm install better-sqlite3");
  const initJson = spawnSync(process.execPath, [cli, "init", "oem", "--json"], { cwd: app, encoding: "utf8" });
  assert.is(initJson.status, 1, initJson.stdout + initJson.stderr);
  assert.is(JSON.parse(initJson.stdout).error, "database-driver-missing", "its own code, not the generic failed");
  assert.ok(!existsSync(join(app, "oem")), "a backend command without better-sqlite3 leaves no half-made folder");
});

test("README Embedding: each example runs as written against the installed package and prints what it says", async () => {
  const snippets = readmeSnippets();
  assert.equal(snippets.map((s) => s.entry).sort(), ["backend", "primary", "verifier"], "one example per use");
  const dir = join(work, "readme");
  mkdirSync(dir);
  symlinkSync(join(app, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  // what the partial ECU holds: the pinned Director root, the Director targets its Primary sent, the image
  writeFileSync(join(dir, "director-root.json"), sim.director.root(1));
  writeFileSync(join(dir, "director-targets.json"), canonicalForwarding(sim.files().director.targets));
  writeFileSync(join(dir, "brake-2.0.bin"), sim.images.get("brake-2.0.bin")!);
  // `npm install better-sqlite3` for the backend example: the checkout's own copy
  symlinkSync(join(ROOT, "node_modules", "better-sqlite3"), join(app, "node_modules", "better-sqlite3"));
  // and `npm install @peculiar/x509 reflect-metadata` to issue certificates (its own dependencies resolve from the checkout)
  mkdirSync(join(app, "node_modules", "@peculiar"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules", "@peculiar", "x509"), join(app, "node_modules", "@peculiar", "x509"));
  symlinkSync(join(ROOT, "node_modules", "reflect-metadata"), join(app, "node_modules", "reflect-metadata"));
  const file = (s: { entry: string; code: string }) => {
    const path = join(dir, `${s.entry}.mjs`);
    writeFileSync(path, s.code);
    return path;
  };
  const byEntry = Object.fromEntries(snippets.map((s) => [s.entry, s]));

  const ecu = node(file(byEntry.verifier!), dir);
  assert.is(ecu.status, 0, ecu.stderr);
  assert.equal(ecu.stdout.trim().split("\n"), byEntry.verifier!.prints);

  // the backend serves until stopped: start it, run the Primary against its URL, stop it by its pid
  const backend = spawn(process.execPath, [file(byEntry.backend!)], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`backend example printed no URL in 30 s: ${output}`)), 30_000);
      backend.stdout.on("data", (d) => {
        output += d;
        const m = /^(https:\/\/127\.0\.0\.1:\d+)$/m.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      backend.stderr.on("data", (d) => (output += d));
      backend.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`backend example exited (${code}): ${output}`));
      });
    });
    const primary = node(file(byEntry.primary!), dir, { UPTANE_URL: url });
    assert.is(primary.status, 0, primary.stderr);
    assert.equal(primary.stdout.trim().split("\n"), byEntry.primary!.prints);
  } finally {
    backend.kill();
  }
});

test.run();
