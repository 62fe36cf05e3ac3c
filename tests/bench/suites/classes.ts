// Per-ECU-class benchmarks (tests/bench/classes.ts): for each class its module size,
// peak linear memory under the class's memory limit, verification time against baselines
// measured in the same run, image-check throughput, and the simulated bus time of its
// metadata and image. Baselines: the same signature work done by Node's native crypto
// and by @noble/ed25519 (parse, canonicalise, verify every signature: the crypto floor a
// JS verifier cannot go below), and for full verification tuf-js refreshing the same
// Image repository from a local HTTP server and resolving the vehicle's targets.
import { createHash, verify, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync, readdirSync, unlinkSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as noble from "@noble/ed25519";
import { digest as asSha256 } from "@chainsafe/as-sha256";
import { Updater } from "tuf-js";
import { canonicalBytes } from "../../../model/canonical-json.ts";
import "../../../host/wasm/embedded.ts";
import { ed25519PublicKey } from "../../../model/keys.ts";
import { moduleBytes } from "../../../host/wasm/module.ts";
import { FullVerifier, PartialVerifier } from "../../../host/wasm/verifier.ts";
import type { VerifyResult } from "../../../model/verification.ts";
import { ModuleMisuseError } from "../../../model/outcome.ts";
import { busSeconds } from "../bus-time.ts";
import { ECU_CLASSES, type EcuClass } from "../classes.ts";
import { buildWorkload, type Workload } from "../workload.ts";
import type { BenchCase, BenchOptions, Suite } from "../harness.ts";

noble.hashes.sha512 = (m: Uint8Array) => new Uint8Array(createHash("sha512").update(m).digest());

const PAGE = 65536;

/** Classes to run (`npm run bench -- --class NAME`); empty means all. */
export const selectedClasses: string[] = [];

/** One verification cycle of the class's verifier, from its pinned roots, as the ECU runs it. */
function verifyOnce(c: EcuClass, w: Workload): { result: VerifyResult; verifier: FullVerifier | PartialVerifier } {
  const ecu = { serial: w.serial, hardwareId: w.hardwareId, installedReleaseCounter: 0 };
  if (c.module === "full") {
    const v = new FullVerifier({ ...w.sim.fullConfig(w.serial), ecu, memoryLimitPages: c.memoryLimitPages });
    return { result: v.update(w.director, w.image, w.sim.now), verifier: v };
  }
  const v = new PartialVerifier({ ...w.sim.partialConfig(w.serial), ecu, memoryLimitPages: c.memoryLimitPages });
  return { result: v.update({ rootRotations: w.director.rootRotations, targets: w.director.targets }, w.sim.now), verifier: v };
}

/** Every (key, signature, signed bytes) the verifier checks, parsed fresh each run by the baselines. */
function signatureWork(c: EcuClass, w: Workload): Uint8Array[] {
  const docs = [w.sim.director.root(1), ...w.documents.map((d) => d.bytes)];
  if (c.module === "full") docs.push(w.sim.image.root(1));
  return docs;
}

/** Public keys of both repositories by keyid (root keys and delegated keys). */
function keyTable(w: Workload): Map<string, Uint8Array> {
  const table = new Map<string, Uint8Array>();
  const add = (doc: Uint8Array) => {
    const keys = JSON.parse(Buffer.from(doc).toString()).signed.keys ?? JSON.parse(Buffer.from(doc).toString()).signed.delegations?.keys ?? {};
    for (const [id, k] of Object.entries<{ keyval: { public: string } }>(keys)) table.set(id, new Uint8Array(Buffer.from(k.keyval.public, "hex")));
  };
  add(w.sim.director.root(1));
  add(w.sim.image.root(1));
  for (const d of w.documents) if (d.role !== "timestamp" && d.role !== "snapshot") add(d.bytes);
  return table;
}

type SigCheck = (pk: Uint8Array, sig: Uint8Array, msg: Uint8Array) => boolean;

/** Parses each document, canonicalises `signed` and checks every signature with `check`. */
function checkAllSignatures(docs: Uint8Array[], keys: Map<string, Uint8Array>, check: SigCheck): void {
  for (const doc of docs) {
    const parsed = JSON.parse(Buffer.from(doc).toString());
    const msg = canonicalBytes(parsed.signed);
    for (const s of parsed.signatures) {
      const pk = keys.get(s.keyid);
      if (!pk || !check(pk, Buffer.from(s.sig, "hex"), msg)) throw new Error(`baseline: signature ${s.keyid} does not verify`);
    }
  }
}

function nodeCheck(): SigCheck {
  const cache = new Map<string, KeyObject>();
  return (pk, sig, msg) => {
    const hex = Buffer.from(pk).toString("hex");
    let key = cache.get(hex);
    if (!key) cache.set(hex, (key = ed25519PublicKey(hex)));
    return verify(null, msg, key, sig);
  };
}

/** Serves the Image repository as a TUF 1.0 consistent-snapshot repository. */
async function serveImageRepo(w: Workload): Promise<{ server: Server; url: string }> {
  const files = new Map<string, Uint8Array>();
  const img = w.image;
  files.set("/1.root.json", w.sim.image.root(1));
  files.set("/timestamp.json", img.timestamp);
  const version = (b: Uint8Array) => JSON.parse(Buffer.from(b).toString()).signed.version as number;
  files.set(`/${version(img.snapshot)}.snapshot.json`, img.snapshot);
  files.set(`/${version(img.targets)}.targets.json`, img.targets);
  for (const [role, bytes] of img.delegations ?? []) files.set(`/${version(bytes)}.${role}.json`, bytes);
  const server = createServer((req, res) => {
    const body = files.get(req.url ?? "");
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no server address");
  return { server, url: `http://127.0.0.1:${address.port}` };
}

/** tuf-js: a fresh client (only the pinned root cached) refreshes and resolves the vehicle's targets. */
function tufJsRefresh(w: Workload, url: string, dir: string): () => Promise<void> {
  const names = [...w.sim.director.targets.get("targets")!.keys()];
  const root = w.sim.image.root(1);
  return async () => {
    for (const f of readdirSync(dir)) unlinkSync(join(dir, f));
    writeFileSync(join(dir, "root.json"), root);
    const updater = new Updater({ metadataDir: dir, metadataBaseUrl: url, targetBaseUrl: `${url}/targets/`, targetDir: dir });
    await updater.refresh();
    for (const name of names) {
      if (!(await updater.getTargetInfo(name))) throw new Error(`tuf-js did not find ${name}`);
    }
  };
}

async function classCases(c: EcuClass, options: BenchOptions, cleanups: Array<() => void>): Promise<BenchCase[]> {
  const w = buildWorkload(c, options);
  let first: ReturnType<typeof verifyOnce>;
  try {
    first = verifyOnce(c, w);
  } catch (err) {
    // The memory limit is the class's RAM budget: needing more is a failure, not a number.
    if (err instanceof ModuleMisuseError) throw new Error(`${c.name}: FAILED within its memory limit of ${c.memoryLimitPages} pages: ${err.message}`);
    throw err;
  }
  if (first.result.outcome !== "Ok") throw new Error(`${c.name}: the workload does not verify: ${first.result.outcome} ${first.result.detail}`);
  const peakPages = first.verifier.memoryBytes / PAGE;
  const target = first.result.target!;
  const keys = keyTable(w);
  const docs = signatureWork(c, w);
  const node = nodeCheck();

  const verification: Record<string, () => unknown> = {
    ours: () => {
      if (verifyOnce(c, w).result.outcome !== "Ok") throw new Error("verification stopped passing");
    },
    "Node crypto (signatures only)": () => checkAllSignatures(docs, keys, node),
    "@noble/ed25519 (signatures only)": () => checkAllSignatures(docs, keys, (pk, sig, msg) => noble.verify(sig, msg, pk)),
  };
  let baseline = "Node crypto (signatures only)";
  if (c.module === "full") {
    const { server, url } = await serveImageRepo(w);
    const dir = mkdtempSync(join(tmpdir(), "bench-tufjs-"));
    cleanups.push(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    verification["tuf-js (Image repo only, HTTP on loopback)"] = tufJsRefresh(w, url, dir);
    baseline = "tuf-js (Image repo only, HTTP on loopback)";
  }

  const payload = w.payload;
  const imageCheck: Record<string, () => unknown> = {
    ours: () => {
      const check = first.verifier.imageCheck(target);
      check.update(payload);
      if (check.finish().outcome !== "Ok") throw new Error("image check stopped passing");
    },
    "Node crypto (SHA-256 + SHA-512)": () => {
      createHash("sha256").update(payload).digest();
      createHash("sha512").update(payload).digest();
    },
    "as-sha256 (SHA-256 only)": () => asSha256(payload),
  };

  const bytes = moduleBytes(c.module);
  return [
    { kind: "value", name: `${c.name}: ${c.module}.wasm size`, unit: "bytes", measure: () => bytes.length },
    { kind: "value", name: `${c.name}: ${c.module}.wasm size (gzip -9)`, unit: "bytes", measure: () => gzipSync(bytes, { level: 9 }).length },
    { kind: "value", name: `${c.name}: peak linear memory (limit ${c.memoryLimitPages})`, unit: "pages", measure: () => peakPages },
    { kind: "timed", name: `${c.name}: verification`, unit: "µs/op", contenders: verification, baseline, rounds: options.quick ? 3 : 15 },
    { kind: "timed", name: `${c.name}: image check (${payload.length >> 10} KiB)`, unit: "MB/s", bytesPerRun: payload.length, contenders: imageCheck, baseline: "Node crypto (SHA-256 + SHA-512)", rounds: options.quick ? 3 : 15 },
    {
      kind: "value",
      name: `${c.name}: simulated ${c.bus} time, metadata + image`,
      unit: "s",
      measure: () => busSeconds(c.bus, w.documents.map((d) => d.bytes), payload),
    },
  ];
}

export const classesSuite: Suite = {
  name: "classes",
  async cases(options) {
    const chosen = selectedClasses.length ? selectedClasses.map((n) => ECU_CLASSES.find((c) => c.name === n) ?? fail(n)) : ECU_CLASSES;
    const cleanups: Array<() => void> = [];
    const cases: BenchCase[] = [];
    for (const c of chosen) cases.push(...(await classCases(c, options, cleanups)));
    // The servers close once every case has run (the harness awaits the last value case).
    cases.push({ kind: "value", name: "classes measured", unit: "count", measure: () => (cleanups.forEach((f) => f()), chosen.length) });
    return cases;
  },
};

function fail(name: string): never {
  throw new Error(`no ECU class ${name}; classes: ${ECU_CLASSES.map((c) => c.name).join(", ")}`);
}
