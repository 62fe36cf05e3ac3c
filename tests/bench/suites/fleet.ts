// Fleet load test (README "Backend: the inventory on PostgreSQL"): simulated vehicles of
// 10 ECUs (real keys, signed manifests) on loopback against 1, 2 and 4 `uptane serve`
// processes over one PostgreSQL (its own throw-away cluster, fsync on). Vehicles register
// once (through a Director in this process, on the same database); then per process count
// every vehicle posts a manifest and fetches its timestamp, snapshot and targets, each
// request spread round-robin over the processes, and a tenth of the fleet, assigned an
// image by a campaign, reports it installed. With 2 processes one is killed (SIGKILL) half
// way through the manifests and restarted; clients retry on another process. Checked, not
// timed: every manifest answered 200 is in the database exactly once, no vehicle's
// timestamp version goes backwards. Plain HTTP (TLS handshakes are not measured).
// Bounded: UPTANE_FLEET_VEHICLES vehicles (default 10,000; --quick 200 with 2 processes
// only), and each phase stops at its deadline with what it measured.
import { spawn, type ChildProcess } from "node:child_process";
import { verify } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchCase, Suite } from "../harness.ts";
import { initBackend } from "../../../backend/init.ts";
import { addImage } from "../../../backend/image/repository.ts";
import { openDirector } from "../../../backend/director/part.ts";
import { Inventory } from "../../../backend/inventory/inventory.ts";
import { PostgresEngine } from "../../../backend/inventory/postgres-engine.ts";
import { canonicalBytes } from "../../../model/canonical-json.ts";
import { ed25519PublicKey, generateSigningKey } from "../../../model/keys.ts";
import { ecuReport, vehicleManifest, type TestVehicle } from "../../director/fixture.ts";
import { startCluster } from "../../helpers/postgres.ts";

const ECUS = 10;
const VERIFIES_PER_MANIFEST = ECUS + 1;
const IN_FLIGHT = 32;
const PHASE_DEADLINE_MS = 10 * 60 * 1000;
const IMAGE = "fleet-fw-2.bin";

interface Server {
  child: ChildProcess;
  base: URL;
}

/** Node options for the servers (UPTANE_FLEET_NODE_OPTIONS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). */
const SERVER_NODE_OPTIONS = (process.env.UPTANE_FLEET_NODE_OPTIONS ?? "").split(/\s+/).filter((o) => o !== "");

/** Every simulated vehicle connects from 127.0.0.1: the per-address rate (a defence against one host) is raised out of the way; per-vehicle limits stay. */
const ADDRESS_LIMITS = ["--address-rate", "1000000", "--address-burst", "1000000"];

function startServer(dir: string): Promise<Server> {
  const child = spawn(process.execPath, [...SERVER_NODE_OPTIONS, "dist/uptane.mjs", "serve", dir, "--port", "0", "--plain-http", "--json", ...ADDRESS_LIMITS], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (c) => void (err = (err + c).slice(-2000)));
    child.stdout!.on("data", (c) => {
      out += c;
      if (!out.includes("\n")) return;
      const r = JSON.parse(out.split("\n")[0]!) as { ok: boolean; url?: string; error?: string };
      if (r.ok) resolve({ child, base: new URL(r.url!) });
      else reject(new Error(r.error));
    });
    child.once("exit", (code) => reject(new Error(`uptane serve exited (${code}): ${err}`)));
  });
}

function stopServer(s: Server, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => s.child.once("exit", () => resolve()));
  process.kill(s.child.pid!, signal);
  return exited;
}

interface Reply {
  status: number;
  body: Buffer;
}

function call(agent: Agent, base: URL, method: "GET" | "POST", path: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) };
    const req = request({ agent, host: base.hostname, port: base.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(60_000, () => req.destroy(new Error("no answer in 60 s")));
    req.on("error", reject);
    req.end(body);
  });
}

/** The live servers; a request that fails to connect or loses its answer is retried on the next one. */
class Pool {
  private next = 0;
  retries = 0;
  constructor(public servers: Server[], private readonly agents: Map<Server, Agent>) {}

  pick(offset = 0): Server {
    const live = this.servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
    return live[(this.next++ + offset) % live.length]!;
  }

  async send(method: "GET" | "POST", path: string, body?: string, server = this.pick()): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(this.agents.get(server)!, server.base, method, path, body);
      } catch (e) {
        if (attempt >= 5) throw e;
        this.retries++;
        await new Promise((r) => setTimeout(r, 50));
        server = this.pick(1);
      }
    }
  }
}

/** Runs `job` over `items` with IN_FLIGHT at once until done or the deadline; returns per-item latencies (ms) and seconds taken. */
async function phase<T>(items: T[], job: (item: T, i: number) => Promise<void>, onProgress?: (done: number) => void): Promise<{ latencies: number[]; seconds: number; done: number }> {
  const latencies: number[] = [];
  let next = 0;
  let done = 0;
  const start = performance.now();
  const deadline = start + PHASE_DEADLINE_MS;
  const worker = async () => {
    while (next < items.length && performance.now() < deadline) {
      const i = next++;
      const t = performance.now();
      await job(items[i]!, i);
      latencies.push(performance.now() - t);
      done++;
      onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return { latencies, seconds: (performance.now() - start) / 1000, done };
}

/** CPU seconds (user + system) that the processes `pids` have used, from /proc (Linux; 100 ticks a second). */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {
      // gone
    }
  }
  return ticks / 100;
}

/** The PostgreSQL cluster's processes: the process started and every descendant (the postmaster, one backend per connection). */
function clusterPids(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      parent.set(Number(name), Number(readFileSync(`/proc/${name}/stat`, "utf8").replace(/^.*\) /, "").split(" ")[1]));
    } catch {
      // gone
    }
  }
  const pids = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) if (pids.has(ppid) && !pids.has(pid)) grew = pids.add(pid) !== null;
  }
  return [...pids];
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** Node Ed25519 verifications per second over one ECU report (key object cached, as the Director does). */
function verifiesPerSecond(car: TestVehicle, count: number): number {
  const report = ecuReport(car.ecus[1]!);
  const key = ed25519PublicKey(car.ecus[1]!.key.publicKey.keyval.public);
  const bytes = canonicalBytes(report.signed);
  const sig = Buffer.from(report.signatures[0]!.sig, "hex");
  const start = performance.now();
  for (let i = 0; i < count; i++) if (!verify(null, bytes, key, sig)) throw new Error("baseline signature did not verify");
  return count / ((performance.now() - start) / 1000);
}

function newVehicle(i: number): TestVehicle {
  const vin = `FLEET${String(i).padStart(6, "0")}`;
  const ecus = [{ serial: `${vin}-0`, hardwareId: "fleet-gw", key: generateSigningKey(), primary: true }];
  for (let e = 1; e < ECUS; e++) ecus.push({ serial: `${vin}-${e}`, hardwareId: `fleet-ecu-${e}`, key: generateSigningKey(), primary: false });
  return { vin, ecus };
}

export const fleetSuite: Suite = {
  name: "fleet",
  async cases(options) {
    const vehicles = options.quick ? 200 : Number(process.env.UPTANE_FLEET_VEHICLES ?? 10_000);
    // UPTANE_FLEET_PROCESSES="1,2": other process counts (2 is the one with a process killed).
    const processCounts = options.quick ? [2] : (process.env.UPTANE_FLEET_PROCESSES ?? "1,2,4").split(",").map(Number);
    const cluster = startCluster({ fsync: true, settings: { max_connections: "100", shared_buffers: "128MB" } });
    const work = mkdtempSync(join(tmpdir(), "uptane-fleet-"));
    const rows: BenchCase[] = [];
    const value = (name: string, unit: string, x: number) => rows.push({ kind: "value", name, unit, measure: () => x });
    const log = (line: string) => console.log(`fleet: ${line}`);
    try {
      const admin = new PostgresEngine(cluster.url("postgres"));
      admin.run("CREATE DATABASE fleet");
      admin.close();
      const database = cluster.url("fleet");
      const dir = join(work, "oem");
      await initBackend(dir, { values: { database: [database] }, flags: new Set(), now: new Date() });
      writeFileSync(join(work, IMAGE), "fleet firmware 2\n");
      await addImage(dir, join(work, IMAGE), { name: IMAGE, hardwareIds: ["fleet-ecu-1"], releaseCounter: 2 });

      // Registration (once): keys made here, vehicles registered through a Director on the same database.
      const cars = Array.from({ length: vehicles }, (_, i) => newVehicle(i));
      const director = openDirector(dir);
      let t = performance.now();
      // In transactions of 100 (one commit, one disk sync, each; every vehicle still checked and signed alone).
      for (let i = 0; i < cars.length; i += 100) {
        director.inventory.transaction(() => {
          for (const car of cars.slice(i, i + 100)) director.addVehicle(car.vin, car.ecus.map((e) => ({ serial: e.serial, hardwareId: e.hardwareId, publicKeyHex: e.key.publicKey.keyval.public, primary: e.primary })));
        });
      }
      value(`registrations (${vehicles} vehicles of ${ECUS} ECUs, one Director, one connection, 100 per transaction)`, "vehicles/s", vehicles / ((performance.now() - t) / 1000));
      // A tenth of the fleet gets the image by campaign and reports it installed in every round.
      const installing = cars.filter((_, i) => i % 10 === 0);
      t = performance.now();
      await director.campaign("fleet-ecu-1", IMAGE, installing.map((c) => c.vin));
      log(`campaign for ${installing.length} vehicles in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const image = director.inventory.assignmentsOf(installing[0]!.vin)[0]!;
      director.close();
      const installed = { filename: IMAGE, length: image.length, hashes: JSON.parse(image.hashes) as Record<string, string> };

      for (const count of processCounts) {
        const servers = await Promise.all(Array.from({ length: count }, () => startServer(dir)));
        const agents = new Map(servers.map((s) => [s, new Agent({ keepAlive: true, maxSockets: IN_FLIGHT })]));
        const pool = new Pool(servers, agents);
        const label = `${count} process${count > 1 ? "es" : ""}`;
        try {
          // Every manifest is signed before timing starts (fresh nonces each run).
          const bodies = cars.map((car, i) => JSON.stringify(vehicleManifest(car, i % 10 === 0 ? { reports: { [car.ecus[1]!.serial]: ecuReport(car.ecus[1]!, { installed, releaseCounter: 2 }) } } : {})));
          const inv = Inventory.open(database);
          const before = new Map(inv.sql.all<{ vin: string; n: number }>("SELECT vin, COUNT(*) AS n FROM manifests GROUP BY vin").map((r) => [r.vin, r.n]));
          const bound = verifiesPerSecond(cars[0]!, 20_000) / VERIFIES_PER_MANIFEST;

          // Manifests; with 2 processes the second is killed half way and restarted.
          const answered = new Map<string, number>();
          const killAt = count === 2 ? Math.floor(vehicles / 2) : -1;
          let killed: Promise<void> | null = null;
          const cpuBefore = { servers: cpuSeconds(servers.map((s) => s.child.pid!)), db: cpuSeconds(clusterPids(cluster.pid)) };
          const m = await phase(cars, async (car, i) => {
            const r = await pool.send("POST", `/director/vehicles/${car.vin}/manifest`, bodies[i]);
            answered.set(car.vin, r.status);
            if (r.status !== 200 && !(r.status === 409 && JSON.parse(r.body.toString()).error === "replayed-nonce")) throw new Error(`manifest for ${car.vin}: ${r.status} ${r.body}`);
          }, (done) => {
            if (done !== killAt) return;
            const victim = servers[1]!;
            killed = (async () => {
              await stopServer(victim, "SIGKILL");
              const fresh = await startServer(dir);
              agents.set(fresh, new Agent({ keepAlive: true, maxSockets: IN_FLIGHT }));
              pool.servers = [servers[0]!, fresh];
              servers[1] = fresh;
            })();
          });
          // CPU per manifest (the killed process's share is lost with it: only counted without a kill).
          const cpu = { servers: cpuSeconds(servers.map((s) => s.child.pid!)) - cpuBefore.servers, db: cpuSeconds(clusterPids(cluster.pid)) - cpuBefore.db };
          if (killed) await killed;
          if (count !== 2) {
            value(`Director CPU per manifest (user + system, all ${label}), ${label}`, "ms", (cpu.servers * 1000) / m.done);
            value(`PostgreSQL CPU per manifest, ${label}`, "ms", (cpu.db * 1000) / m.done);
          }
          value(`manifests/s, ${label}${count === 2 ? " (one killed half way and restarted)" : ""}`, "manifests/s", m.done / m.seconds);
          value(`manifest latency p50, ${label}`, "ms", quantile(m.latencies, 0.5));
          value(`manifest latency p99, ${label}`, "ms", quantile(m.latencies, 0.99));
          value(`signature bound (Node Ed25519 verifies/s ÷ ${VERIFIES_PER_MANIFEST}, same run)`, "manifests/s", bound);

          // 0 lost, 0 duplicated: each vehicle's count went up by exactly one (a 409 replayed-nonce is a retry of one already recorded).
          const after = inv.sql.all<{ vin: string; n: number }>("SELECT vin, COUNT(*) AS n FROM manifests GROUP BY vin");
          const added = after.map((r) => r.n - (before.get(r.vin) ?? 0));
          const once = added.filter((n) => n === 1).length;
          const twice = added.filter((n) => n > 1).length;
          const lost = [...answered.values()].filter((s) => s === 200).length - once;
          if (twice > 0 || lost > 0 || once !== m.done) throw new Error(`${label}: ${once} manifests recorded once, ${twice} more than once, ${lost} answered 200 but not recorded, ${m.done} posted`);
          value(`manifests recorded exactly once of ${m.done} posted, ${label} (${pool.retries} requests retried)`, "manifests", once);

          // Metadata: timestamp, then the snapshot and targets it names, then the timestamp again from another process.
          let backwards = 0;
          let served = 0;
          const getCpuBefore = { servers: cpuSeconds(servers.map((s) => s.child.pid!)), db: cpuSeconds(clusterPids(cluster.pid)) };
          const g = await phase(cars.slice(0, m.done), async (car) => {
            const first = pool.pick();
            const ts = await pool.send("GET", `/director/vehicles/${car.vin}/timestamp.json`, undefined, first);
            if (ts.status !== 200) throw new Error(`timestamp of ${car.vin}: ${ts.status}`);
            const tsDoc = JSON.parse(ts.body.toString()).signed;
            const sn = await pool.send("GET", `/director/vehicles/${car.vin}/${tsDoc.meta["snapshot.json"].version}.snapshot.json`);
            const tv = JSON.parse(sn.body.toString()).signed.meta["targets.json"].version;
            const tg = await pool.send("GET", `/director/vehicles/${car.vin}/${tv}.targets.json`);
            const again = await pool.send("GET", `/director/vehicles/${car.vin}/timestamp.json`, undefined, pool.pick(1));
            if (sn.status !== 200 || tg.status !== 200 || again.status !== 200) throw new Error(`metadata of ${car.vin}: ${sn.status} ${tg.status} ${again.status}`);
            if (JSON.parse(again.body.toString()).signed.version < tsDoc.version) backwards++;
            served += ts.body.length + sn.body.length + tg.body.length;
          });
          if (count !== 2) {
            const getCpu = { servers: cpuSeconds(servers.map((s) => s.child.pid!)) - getCpuBefore.servers, db: cpuSeconds(clusterPids(cluster.pid)) - getCpuBefore.db };
            value(`Director CPU per metadata GET, ${label}`, "ms", (getCpu.servers * 1000) / (g.done * 4));
            value(`PostgreSQL CPU per metadata GET, ${label}`, "ms", (getCpu.db * 1000) / (g.done * 4));
          }
          if (count === processCounts[0]) {
            value("bytes served per vehicle per cycle (timestamp, snapshot, targets)", "bytes", served / g.done);
            value("bytes posted per vehicle per cycle (the manifest)", "bytes", bodies.reduce((n, b) => n + Buffer.byteLength(b), 0) / bodies.length);
          }
          if (backwards > 0) throw new Error(`${label}: ${backwards} vehicles saw a timestamp version go backwards`);
          value(`metadata GETs/s, ${label}`, "GETs/s", (g.done * 4) / g.seconds);
          value(`metadata cycle latency p50 (4 GETs), ${label}`, "ms", quantile(g.latencies, 0.5));
          value(`metadata cycle latency p99 (4 GETs), ${label}`, "ms", quantile(g.latencies, 0.99));
          const installedCount = inv.count("assignments", "status = 'installed'");
          log(`${label}: ${m.done} manifests in ${m.seconds.toFixed(1)} s, ${g.done} metadata cycles in ${g.seconds.toFixed(1)} s, ${installedCount} installs confirmed`);
          inv.close();
        } finally {
          await Promise.all(servers.map((s) => stopServer(s)));
          for (const a of agents.values()) a.destroy();
        }
      }
      // Retention: the database per vehicle before and after a prune that keeps each vehicle's
      // newest manifest and no superseded metadata (a policy made to show the effect on this
      // short history; `serve` prunes by its policy in the background). Sizes after VACUUM
      // FULL, so freed pages are given back and both figures count live rows only.
      const size = () => {
        const inv = Inventory.open(database);
        try {
          inv.sql.run("VACUUM FULL");
          return inv.sql.get<{ n: number }>("SELECT pg_database_size(current_database()) AS n")!.n;
        } finally {
          inv.close();
        }
      };
      const before = size();
      value(`database bytes per vehicle (after ${processCounts.length} manifest(s) each, before the prune)`, "bytes", before / vehicles);
      const pruner = openDirector(dir, undefined, { manifestBodies: 1, reportsPerEcu: 1, metadataWindowSeconds: 0 });
      const pt = performance.now();
      // The servers' upkeep walked part of the fleet already (the walk is shared): walk until every vehicle was seen once.
      const pruned = { vehicles: 0, manifests: 0, bodies: 0, reports: 0, metadata: 0 };
      for (let i = 0; i < 2 * vehicles && pruned.vehicles < vehicles; i++) {
        const r = pruner.prune({ budgetMs: PHASE_DEADLINE_MS, batch: 100 });
        if (r.vehicles === 0) break;
        for (const k of Object.keys(pruned) as Array<keyof typeof pruned>) pruned[k] += r[k];
      }
      const pruneSeconds = (performance.now() - pt) / 1000;
      pruner.close();
      log(`prune: ${pruned.vehicles} vehicles in ${pruneSeconds.toFixed(1)} s: ${pruned.manifests} manifests (${pruned.bodies} more emptied), ${pruned.reports} reports, ${pruned.metadata} metadata versions removed`);
      value(`prune walk (keep 1 manifest and 1 report per ECU, metadata window 0), 100 vehicles per transaction`, "vehicles/s", pruned.vehicles / pruneSeconds);
      value(`database bytes per vehicle after the prune`, "bytes", size() / vehicles);
      return rows;
    } finally {
      cluster.stop();
      rmSync(work, { recursive: true, force: true });
    }
  },
};
