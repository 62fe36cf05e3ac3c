// Test helpers for the Image repository: a fresh backend folder, a tuf-js client that
// updates from a served backend, and a hash of a whole folder for "nothing changed" checks.
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile, copyFile, lstat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Updater } from "tuf-js";
import { initBackend } from "../../backend/init.ts";
import { repositoryDir } from "../../backend/image/layout.ts";
import { registeredVehicleTls, TlsTufFetcher } from "./tls.ts";
import type { TlsClientOptions } from "../../host/primary/fetcher.ts";

const created: string[] = [];

export async function tempDir(prefix = "uptane-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes every folder tempDir made in this test file (call from test.after). */
export async function removeTempDirs(): Promise<void> {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** A new backend in a fresh temporary folder; returns DIR. */
export async function newBackend(values: Record<string, string[]> = {}): Promise<string> {
  const dir = join(await tempDir(), "backend");
  await initBackend(dir, { values, flags: new Set(), now: new Date() });
  return dir;
}

/**
 * A TUF client with its own local folder, trusting the repository's root version 1 (as
 * provisioned out of band). Each `update` runs a fresh tuf-js Updater over the same local
 * folder, as a device would on each update cycle. Over HTTPS it pins the backend's CA and
 * connects as a vehicle registered for it (the Image repository serves vehicles only).
 */
export class TufClient {
  private constructor(
    readonly local: string,
    readonly baseUrl: string,
    readonly tls: TlsClientOptions | undefined,
  ) {}

  static async create(backendDir: string, baseUrl: string, vin = "TUFCLIENT0000001"): Promise<TufClient> {
    const local = await tempDir("uptane-tufjs-");
    await mkdir(join(local, "metadata"));
    await mkdir(join(local, "targets"));
    await copyFile(join(repositoryDir(backendDir), "1.root.json"), join(local, "metadata", "root.json"));
    const tls = baseUrl.startsWith("https://") ? await registeredVehicleTls(backendDir, vin) : undefined;
    return new TufClient(local, baseUrl, tls);
  }

  updater(): Updater {
    return new Updater({
      metadataDir: join(this.local, "metadata"),
      metadataBaseUrl: `${this.baseUrl}/image`,
      targetDir: join(this.local, "targets"),
      targetBaseUrl: `${this.baseUrl}/image/targets`,
      ...(this.tls ? { fetcher: new TlsTufFetcher(this.tls) } : {}),
    });
  }

  /** Refreshes and downloads `name`; returns its bytes (or null when no role signs it). */
  async fetchTarget(name: string): Promise<Buffer | null> {
    const updater = this.updater();
    await updater.refresh();
    const info = await updater.getTargetInfo(name);
    if (!info) return null;
    const path = join(this.local, "targets", createHash("sha256").update(name).digest("hex"));
    await updater.downloadTarget(info, path);
    return readFile(path);
  }

  /** The version of a role the client now trusts. */
  async trustedVersion(role: string): Promise<number> {
    return JSON.parse(await readFile(join(this.local, "metadata", `${role}.json`), "utf8")).signed.version;
  }
}

/** SHA-256 over every file path, mode and content under `dir` (sorted), for byte-for-byte comparisons. */
export async function hashTree(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const p = join(d, name);
      const st = await lstat(p);
      hash.update(`${relative(dir, p)}\0${st.mode}\0`);
      if (st.isDirectory()) await walk(p);
      else hash.update(await readFile(p));
    }
  };
  await walk(dir);
  return hash.digest("hex");
}

export async function writeTemp(dir: string, name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** The Image repository's current top-level targets file (timestamp → snapshot → targets), as a supplier downloads it. */
export async function publishedTargetsFile(dir: string): Promise<string> {
  const repo = repositoryDir(dir);
  const timestamp = JSON.parse(await readFile(join(repo, "timestamp.json"), "utf8"));
  const snapshot = JSON.parse(await readFile(join(repo, `${timestamp.signed.meta["snapshot.json"].version}.snapshot.json`), "utf8"));
  return join(repo, `${snapshot.signed.meta["targets.json"].version}.targets.json`);
}
