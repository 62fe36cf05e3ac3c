// A throw-away PostgreSQL cluster for tests (Debian's `postgresql`): initdb into a temp
// folder, the server on a unix socket in that folder only (no TCP port), started once per
// test process when first asked for and stopped by its own process id when the process
// exits. As root (CI), initdb and the server run as the `postgres` user. Each caller gets
// a fresh database in it.
import { spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { PostgresEngine } from "../../backend/inventory/postgres-engine.ts";

/** The engine the Director and inventory tests run on: `UPTANE_TEST_INVENTORY=postgres` (scripts/test.mjs runs them once more so). */
export function inventoryEngineUnderTest(): "sqlite" | "postgres" {
  return process.env.UPTANE_TEST_INVENTORY === "postgres" ? "postgres" : "sqlite";
}

/** The folder of Debian's PostgreSQL programs (the newest installed major version). */
export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, "bin", "initdb"))) : [];
  if (versions.length === 0) throw new Error("PostgreSQL is not installed (Debian: apt-get install postgresql)");
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0]!, "bin");
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface TestCluster {
  /** The cluster's socket folder (the host of every URL). */
  socketDir: string;
  /** The postmaster's process id. */
  pid: number;
  url(database: string): string;
  /** Stops the server (fast shutdown) and removes its folder; waits up to 20 s. */
  stop(): void;
}

/** Starts a cluster now (the bench starts its own with fsync on; tests turn it off). */
export function startCluster(options: { fsync: boolean; settings?: Record<string, string> } = { fsync: false }): TestCluster {
  const bin = postgresBinDir();
  const socketDir = mkdtempSync(join(tmpdir(), "uptane-pg-"));
  const data = join(socketDir, "data");
  // initdb and postgres refuse to run as root: as root, run them as the postgres user.
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }) : null;
  const ownerGid = asRoot ? spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }) : null;
  if (asRoot) {
    if (owner!.status !== 0) throw new Error("running as root, and there is no postgres user to run PostgreSQL as");
    chownSync(socketDir, Number(owner!.stdout.trim()), Number(ownerGid!.stdout.trim()));
  }
  const command = (program: string, args: string[]): [string, string[]] =>
    asRoot ? ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", join(bin, program), ...args]] : [join(bin, program), args];
  const [initdb, initArgs] = command("initdb", ["-D", data, "-U", "uptane", "--auth=trust", "--no-locale", "-E", "UTF8", ...(options.fsync ? [] : ["--no-sync"])]);
  const init = spawnSync(initdb, initArgs, { encoding: "utf8" });
  if (init.status !== 0) {
    rmSync(socketDir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  }
  const settings = { listen_addresses: "", unix_socket_directories: socketDir, fsync: options.fsync ? "on" : "off", max_connections: "200", ...options.settings };
  const [postgres, args] = command("postgres", ["-D", data, ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])]);
  const child = spawn(postgres, args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.on("data", (c: Buffer) => void (log = (log + c.toString()).slice(-4000)));
  child.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  const pid = child.pid!;
  const stop = () => {
    try {
      process.kill(pid, "SIGINT"); // fast shutdown
    } catch {
      // already gone
    }
    // postgres removes postmaster.pid as its last step of a clean shutdown
    for (let i = 0; i < 400 && existsSync(join(data, "postmaster.pid")); i++) sleepMs(50);
    rmSync(socketDir, { recursive: true, force: true });
  };
  // Ready when it accepts connections on its socket.
  const [isready, readyArgs] = [join(bin, "pg_isready"), ["-h", socketDir, "-U", "uptane", "-d", "postgres", "-q"]];
  for (let i = 0; ; i++) {
    if (spawnSync(isready, readyArgs).status === 0) break;
    if (i >= 200 || child.exitCode !== null) {
      stop();
      throw new Error(`PostgreSQL did not start: ${log}`);
    }
    sleepMs(50);
  }
  return { socketDir, pid, url: (database) => `postgres://uptane@localhost/${database}?host=${encodeURIComponent(socketDir)}`, stop };
}

let shared: { cluster: TestCluster; admin: PostgresEngine; next: number } | null = null;

/** A new, empty database in this process's test cluster (started on first use); returns its URL. */
export function freshTestDatabase(): string {
  if (!shared) {
    const cluster = startCluster();
    const admin = new PostgresEngine(cluster.url("postgres"));
    shared = { cluster, admin, next: 0 };
    // Only the server is stopped at exit: the admin connection goes with this process (a
    // reply from its worker thread may never come while the process is exiting, and
    // waiting for one left clusters running).
    process.once("exit", () => cluster.stop());
  }
  const name = `test_${process.pid}_${++shared.next}`;
  shared.admin.run(`CREATE DATABASE ${name}`);
  return shared.cluster.url(name);
}
