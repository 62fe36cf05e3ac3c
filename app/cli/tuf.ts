// `uptane tuf`: a plain TUF 1.0 client of one repository (README "TUF client"), with the
// command line the TUF conformance suite drives (its CLIENT-CLI.md): options first, then
// init / refresh / download. The workflow is host/tuf/client.ts; every verdict is the
// module's. Exit status 0 done, 1 refused or failed, 2 bad usage.
import { readFileSync } from "node:fs";
import type { Command } from "./command.ts";
import { UsageError, optionInt, optionValue } from "./command.ts";
import "../../host/wasm/embedded.ts";
import { TufClient } from "../../host/tuf/client.ts";
import type { TlsClientOptions } from "../../host/primary/fetcher.ts";
import { CliError } from "./errors.ts";
import { inputFile, inputFolder } from "./input-files.ts";

const USAGE = `uptane tuf --metadata-dir DIR init TRUSTED_ROOT
uptane tuf --metadata-dir DIR --metadata-url URL refresh
uptane tuf --metadata-dir DIR --metadata-url URL --target-name NAME
           --target-base-url URL --target-dir DIR download
           [--tls-ca FILE] [--tls-cert FILE --tls-key FILE] [--time ISO8601]
           [--max-pages N] [--json]

A TUF 1.0 client of one repository (no Director), the command line the TUF
conformance suite drives. Every check runs in the verification module (full.wasm).

  init TRUSTED_ROOT     keep TRUSTED_ROOT as DIR/root.json (it must be signed by a
                        threshold of its own root keys); nothing is fetched
  refresh               update the top-level metadata (TUF 1.0 client workflow 5.1-5.6):
                        root rotations, timestamp, snapshot, targets
  download              refresh, find NAME through the delegations (a delegated role is
                        fetched only when the search reaches it), fetch the file from
                        --target-base-url and check its length and hashes; it is written
                        to --target-dir (named by its URL-encoded path) only when it
                        matches, and not fetched again when the copy there matches

  --metadata-dir DIR    the trusted metadata: root.json, timestamp.json, snapshot.json,
                        targets.json, ROLE.json (each written once verified)
  --metadata-url URL    the repository's metadata (http:// or https://)
  --target-name NAME    the target path to download
  --target-base-url URL where target files are (consistent snapshots: HASH.NAME)
  --target-dir DIR      where the downloaded file goes
  --tls-ca FILE         https:// only: the CA that must have issued the server's
                        certificate (the system's CAs are then not used)
  --tls-cert FILE       https:// only: a client certificate (PEM), e.g. a vehicle's for
  --tls-key FILE        our backend's /image/, and its private key (PEM)
  --time ISO8601        reference time (default: now)
  --max-pages N         the module's memory limit in 64 KiB pages (default 4096, 256 MiB):
                        a document that does not fit is refused (OversizedMetadata)
  --json                one JSON object on standard output

Exit status: 0 done, 1 refused (a verification or the network), 2 bad usage.`;

const ACTIONS = new Set(["init", "refresh", "download"]);

function url(raw: string, what: string): string {
  if (!/^https?:\/\/[^/]/.test(raw)) throw new UsageError(`${what} must be an http:// or https:// URL, got '${raw.slice(0, 64)}'`);
  return raw;
}

function parseTime(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(raw)) throw new UsageError(`--time must be YYYY-MM-DDTHH:MM:SSZ, got '${raw.slice(0, 32)}'`);
  const ms = Date.parse(raw);
  if (!Number.isFinite(ms)) throw new UsageError(`--time is not a valid date: '${raw}'`);
  return Math.floor(ms / 1000);
}

export const tufCommand: Command = {
  name: "tuf",
  summary: "a TUF 1.0 client of one repository: init, refresh, download",
  usage: USAGE,
  options: { values: { "metadata-dir": {}, "metadata-url": {}, "target-name": {}, "target-base-url": {}, "target-dir": {}, "tls-ca": {}, "tls-cert": {}, "tls-key": {}, time: {}, "max-pages": {} }, flags: ["json"] },
  positionals: ["ACTION", "TRUSTED_ROOT"],
  optionalPositionals: 1,
  async run(args) {
    const [action, rootFile] = args.positional as [string, string | undefined];
    if (!ACTIONS.has(action)) throw new UsageError(`ACTION must be init, refresh or download, got '${action.slice(0, 32)}'`);
    if ((action === "init") !== (rootFile !== undefined)) throw new UsageError(action === "init" ? "init needs TRUSTED_ROOT" : `${action} takes no TRUSTED_ROOT`);
    const dir = optionValue(args, "metadata-dir");
    const json = args.flags.has("json");
    const now = parseTime(args.values.time?.[0]);
    const clock = now === undefined ? undefined : () => now;
    const net = ["metadata-url", "tls-ca", "tls-cert", "tls-key", "max-pages"];
    const allowed = action === "init" ? [] : action === "refresh" ? net : [...net, "target-name", "target-base-url", "target-dir"];
    for (const key of [...net, "target-name", "target-base-url", "target-dir"]) {
      if (args.values[key] && !allowed.includes(key)) throw new UsageError(`--${key} is not an option of ${action}`);
    }
    if (action === "init") {
      const root = readFileSync(inputFile(rootFile!, "TRUSTED_ROOT"));
      new TufClient({ metadataDir: dir }).init(root);
      print(json, { ok: true, action, metadataDir: dir }, `initialised ${dir} with its trusted root`);
      return 0;
    }
    inputFolder(dir, "--metadata-dir");
    const metadataUrl = url(optionValue(args, "metadata-url"), "--metadata-url");
    const maxPages = args.values["max-pages"] === undefined ? undefined : optionInt(args, "max-pages", undefined, 65536);
    if (maxPages === 0) throw new UsageError("--max-pages must be at least 1");
    const client = new TufClient({ metadataDir: dir, metadataUrl, now: clock, tls: tlsOptions(args.values), memoryLimitPages: maxPages });
    if (action === "refresh") {
      await client.refresh().catch(rethrow);
      print(json, { ok: true, action, metadataDir: dir }, `refreshed ${dir}`);
      return 0;
    }
    const name = optionValue(args, "target-name");
    if (name.length === 0) throw new UsageError("--target-name is empty");
    const base = url(optionValue(args, "target-base-url"), "--target-base-url");
    const targetDir = optionValue(args, "target-dir");
    const got = await client.download(name, base, targetDir).catch(rethrow);
    print(
      json,
      { ok: true, action, target: got.target.name, length: got.target.length, hashes: got.target.hashes, path: got.path, fetched: got.fetched },
      `${got.fetched ? "downloaded" : "already present:"} ${got.target.name} (${got.target.length} bytes) at ${got.path}`,
    );
    return 0;
  },
};

/** --tls-ca, --tls-cert and --tls-key read (the certificate and key together or neither). */
function tlsOptions(values: Record<string, string[]>): TlsClientOptions | undefined {
  const [ca, cert, key] = ["tls-ca", "tls-cert", "tls-key"].map((k) => values[k]?.[0]);
  if ((cert === undefined) !== (key === undefined)) throw new UsageError("--tls-cert and --tls-key go together");
  if (ca === undefined && cert === undefined) return undefined;
  const read = (path: string | undefined, what: string) => (path === undefined ? undefined : readFileSync(inputFile(path, what), "utf8"));
  return { ca: read(ca, "--tls-ca"), cert: read(cert, "--tls-cert"), key: read(key, "--tls-key") };
}

function print(json: boolean, doc: Record<string, unknown>, text: string): void {
  console.log(json ? JSON.stringify(doc) : text);
}

/** A TypeError from a URL the server's answers built (e.g. a malformed name) is the repository's fault, not usage. */
function rethrow(e: unknown): never {
  if (e instanceof TypeError) throw new CliError("failed", e.message);
  throw e;
}
