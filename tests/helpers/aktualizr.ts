// The real aktualizr (built by .ci/run with the peer's build.sh, outside the clone) as a
// device in tests: a vehicle of profile `aktualizr` with a client certificate issued as
// `uptane vehicle add --profile aktualizr` issues it, its files laid out as aktualizr's
// device-credential provisioning imports them, a config, and one `aktualizr once` run
// killed by its process id if it outlives its time limit.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openDirector } from "../../backend/director/part.ts";
import { tempDir } from "./image-backend.ts";
import { serverCa, vehicleTls } from "./tls.ts";

/** Where .ci/run builds aktualizr (AKTUALIZR_BUILD overrides it): the folder build.sh prints. */
export const AKTUALIZR_BUILD = process.env.AKTUALIZR_BUILD ?? "/var/tmp/uptane-aktualizr-build/build";

export function aktualizrBinary(): string {
  const bin = join(AKTUALIZR_BUILD, "src/aktualizr_primary/aktualizr");
  if (!existsSync(bin)) throw new Error(`no aktualizr at ${bin}: run ../shared/peers/aktualizr/build.sh /var/tmp/uptane-aktualizr-build (.ci/run does)`);
  return bin;
}

export interface AktualizrDevice {
  vin: string;
  /** The device's own folder: import/ (its TLS credentials), storage/, images/, sota.toml. */
  home: string;
  config: string;
  primarySerial: string;
  hardwareId: string;
}

export interface DeviceOptions {
  primarySerial?: string;
  hardwareId?: string;
  /** TLS credentials to put in the device's import folder instead of its own (another VIN's, say). */
  tls?: { ca: string; cert: string; key: string };
}

/** Adds vehicle `vin` with profile aktualizr and lays out a device for it against `tlsServer` (https://HOST:PORT/aktualizr). */
export async function aktualizrDevice(backendDir: string, vin: string, tlsServer: string, options: DeviceOptions = {}): Promise<AktualizrDevice> {
  const director = openDirector(backendDir);
  try {
    director.addVehicle(vin, [], "aktualizr");
  } finally {
    director.close();
  }
  const tls = options.tls ?? (await deviceCredentials(backendDir, vin));
  return deviceFiles(vin, tlsServer, tls, options);
}

/** A device folder with the given TLS credentials (no vehicle added). */
export async function deviceFiles(vin: string, tlsServer: string, tls: { ca: string; cert: string; key: string }, options: DeviceOptions = {}): Promise<AktualizrDevice> {
  const home = await tempDir("uptane-aktualizr-");
  await mkdir(join(home, "import"), { mode: 0o700 });
  await writeFile(join(home, "import", "root.crt"), tls.ca);
  await writeFile(join(home, "import", "client.pem"), tls.cert);
  await writeFile(join(home, "import", "pkey.pem"), tls.key, { mode: 0o600 });
  const primarySerial = options.primarySerial ?? `${vin}-primary`;
  const hardwareId = options.hardwareId ?? "akt-gateway";
  const config = join(home, "sota.toml");
  await writeFile(
    config,
    [
      "[logger]",
      "loglevel = 1",
      "[tls]",
      `server = "${tlsServer}"`,
      "[import]",
      `base_path = "${join(home, "import")}"`,
      'tls_cacert_path = "root.crt"',
      'tls_clientcert_path = "client.pem"',
      'tls_pkey_path = "pkey.pem"',
      "[provision]",
      'mode = "DeviceCred"',
      `primary_ecu_serial = "${primarySerial}"`,
      `primary_ecu_hardware_id = "${hardwareId}"`,
      "[uptane]",
      'key_type = "ED25519"',
      "[storage]",
      `path = "${join(home, "storage")}"`,
      "[pacman]",
      'type = "none"',
      `images_path = "${join(home, "images")}"`,
      "",
    ].join("\n"),
  );
  return { vin, home, config, primarySerial, hardwareId };
}

/** A P-256 key and a certificate for `vin` from the backend's vehicle CA, with the server CA: what a device imports. */
export async function deviceCredentials(backendDir: string, vin: string): Promise<{ ca: string; cert: string; key: string }> {
  const tls = await vehicleTls(backendDir, vin);
  return { ca: serverCa(backendDir), cert: String(tls.cert), key: String(tls.key) };
}

export interface AktualizrRun {
  code: number | null;
  /** stdout and stderr, interleaved as they came. */
  log: string;
}

const RUN_LIMIT_MS = 60_000;

/** One `aktualizr -c CONFIG --run-mode once`; killed by its pid after RUN_LIMIT_MS. */
export function runAktualizrOnce(device: AktualizrDevice): Promise<AktualizrRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(aktualizrBinary(), ["-c", device.config, "--run-mode", "once"], { stdio: ["ignore", "pipe", "pipe"], cwd: device.home });
    let log = "";
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    const timer = setTimeout(() => {
      log += `\n[test] aktualizr still running after ${RUN_LIMIT_MS} ms: killed\n`;
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, RUN_LIMIT_MS);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, log });
    });
  });
}
