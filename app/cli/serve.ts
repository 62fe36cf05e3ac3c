// `uptane serve DIR [--port P] [--host H] [--plain-http]`: every backend part over HTTPS until interrupted.
import { optionInt, optionValue, UsageError, type Command, type ParsedArgs } from "./command.ts";
import { isLoopback, serveBackend, ServeError } from "../../backend/serve.ts";
import { DEFAULT_LIMITS, type ServerLimits } from "../../backend/http/limits.ts";
import { requireBackend } from "./backend-dir.ts";
import { CliError, describeError } from "./errors.ts";
import { printResult } from "./output.ts";
import { close } from "../../backend/http/server.ts";
import type { Retention } from "../../backend/director/director.ts";

export const serveCommand: Command = {
  name: "serve",
  summary: "serve the Image repository (/image/), Director (/director/) and time server (/time/) over HTTPS",
  usage: [
    "uptane serve DIR [--port P] [--host H] [--warn-days D] [--database URL] [--keep-manifests N]",
    "                 [--keep-metadata-hours H] [--plain-http] [--json] [LIMITS]",
    "",
    "Serves DIR over HTTPS on 127.0.0.1 (default) at port P (default 8080; 0 picks a free port)",
    "and prints the base URL (with --json: {\"url\": ...}). The Image repository is under",
    "/image/ (N.root.json, timestamp.json, N.snapshot.json, N.targets.json, N.ROLE.json,",
    "targets/HASH.NAME); the Director under /director/vehicles/VIN/ (N.root.json, timestamp.json,",
    "N.snapshot.json, N.targets.json, POST manifest) with its token-guarded write API under",
    "/director/api/; the time server at POST /time/attestation; the supplier portal under",
    "/supplier/ (accounts from `uptane supplier account add`). Stops on SIGINT or SIGTERM.",
    "",
    "TLS: the server certificate from DIR/tls/server.pem (clients pin DIR/tls/server-ca.pem).",
    "Vehicles connect with the client certificate `uptane vehicle add` issued them: each reads",
    "only its own Director metadata and posts only its own manifests; /image/ and /time/ take",
    "any vehicle's valid certificate. The write API takes its bearer token, and the supplier",
    "portal its accounts' passwords, over TLS only.",
    "--database URL takes the inventory from PostgreSQL at URL (postgres://...) instead of the",
    "backend's own setting (DIR/database.url from `uptane init --database`, else the SQLite",
    "file DIR/inventory.sqlite).",
    "--plain-http serves plain HTTP instead, on a loopback --host only, authenticating nobody",
    "and refusing the write API (development and tests).",
    "",
    "Every minute it also prunes a slice of the Director's history (README \"retention\"):",
    "per vehicle the newest N manifests stay (default 100), and a superseded targets, snapshot",
    "or timestamp version H hours after the next one was signed (default 24).",
    "Every minute it re-signs the online roles of both repositories that are half way to",
    "expiry and warns about offline-keyed roles expiring within D days (default 30). It checks",
    "the Image repository's chain at start (refusing to start when it does not verify) and",
    "whenever its files change, and the Director's files against the inventory on every read.",
    "Log (standard error): one line per request (method, path without query, status, bytes,",
    "milliseconds), each re-signing, warnings and alerts.",
    "",
    "LIMITS (README \"Backend: limits\"; defaults in brackets):",
    `  --header-timeout S    request line and headers within S seconds, else 408 [${DEFAULT_LIMITS.headersTimeoutMs / 1000}]`,
    `  --request-timeout S   the whole request, body included, within S seconds, else 408 [${DEFAULT_LIMITS.requestTimeoutMs / 1000}]`,
    `  --idle-timeout S      a connection silent both ways for S seconds is closed [${DEFAULT_LIMITS.idleTimeoutMs / 1000}]`,
    `  --max-connections N   open connections in all [${DEFAULT_LIMITS.maxConnections}]`,
    `  --max-connections-per-address N   [${DEFAULT_LIMITS.maxConnectionsPerAddress}]`,
    `  --vehicle-rate R --vehicle-burst B   requests per second (after a burst of B) per vehicle [${DEFAULT_LIMITS.vehicleRate.perSecond}, ${DEFAULT_LIMITS.vehicleRate.burst}]`,
    `  --address-rate R --address-burst B   the same per client address [${DEFAULT_LIMITS.addressRate.perSecond}, ${DEFAULT_LIMITS.addressRate.burst}]`,
    "  Over a rate the answer is 429 with Retry-After.",
  ].join("\n"),
  options: {
    values: { port: {}, host: {}, "warn-days": {}, database: {}, "keep-manifests": {}, "keep-metadata-hours": {}, "header-timeout": {}, "request-timeout": {}, "idle-timeout": {}, "max-connections": {}, "max-connections-per-address": {}, "vehicle-rate": {}, "vehicle-burst": {}, "address-rate": {}, "address-burst": {} },
    flags: ["json", "plain-http"],
  },
  positionals: ["DIR"],
  async run(parsed) {
    const port = optionInt(parsed, "port", 8080);
    if (port > 65535) throw new UsageError("--port must be 0..65535");
    const host = optionValue(parsed, "host", "127.0.0.1");
    const warnDays = parsed.values["warn-days"] ? optionInt(parsed, "warn-days") : undefined;
    const limits = limitOptions(parsed);
    if (parsed.flags.has("plain-http") && !isLoopback(host)) throw new UsageError(`--plain-http serves a loopback --host only, not ${host}: vehicles and the write API need TLS`);
    await requireBackend(parsed.positional[0]!);
    let started;
    try {
      started = await serveBackend(parsed.positional[0]!, { host, port, warnDays, limits, retention: retentionOptions(parsed), database: parsed.values.database?.[0], plainHttp: parsed.flags.has("plain-http"), log: (line) => process.stderr.write(line + "\n") });
    } catch (err) {
      // A port in use or a lock held is a server that cannot start, whatever raised it.
      if (err instanceof ServeError) throw err;
      const e = describeError(err);
      throw e.code === "failed" ? new CliError("serve-failed", e.detail) : err;
    }
    const { server, url } = started;
    printResult(parsed.flags.has("json"), { url }, `Serving ${parsed.positional[0]} at ${url} (image repository: ${url}/image/)`);
    await new Promise<void>((resolve) => {
      const stop = () => void close(server).then(resolve);
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    return 0;
  },
};

/** A positive number option (seconds and rates may be fractional). */
function positive(parsed: ParsedArgs, key: string): number | undefined {
  const raw = parsed.values[key]?.[0];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(n > 0) || !Number.isFinite(n)) throw new UsageError(`--${key} must be a positive number, got '${raw}'`);
  return n;
}

/** --keep-manifests and --keep-metadata-hours over the Director's default retention. */
function retentionOptions(parsed: ParsedArgs): Partial<Retention> {
  const r: Partial<Retention> = {};
  if (parsed.values["keep-manifests"]) {
    r.manifestBodies = optionInt(parsed, "keep-manifests");
    if (r.manifestBodies < 1) throw new UsageError("--keep-manifests must be at least 1");
  }
  if (parsed.values["keep-metadata-hours"]) r.metadataWindowSeconds = optionInt(parsed, "keep-metadata-hours") * 3600;
  return r;
}

/** The LIMITS options over DEFAULT_LIMITS. */
function limitOptions(parsed: ParsedArgs): ServerLimits {
  const l = structuredClone(DEFAULT_LIMITS);
  const seconds = (key: string) => (positive(parsed, key) === undefined ? undefined : Math.round(positive(parsed, key)! * 1000));
  const count = (key: string) => (parsed.values[key] ? Math.max(1, optionInt(parsed, key)) : undefined);
  l.headersTimeoutMs = seconds("header-timeout") ?? l.headersTimeoutMs;
  l.requestTimeoutMs = seconds("request-timeout") ?? l.requestTimeoutMs;
  l.idleTimeoutMs = seconds("idle-timeout") ?? l.idleTimeoutMs;
  l.maxConnections = count("max-connections") ?? l.maxConnections;
  l.maxConnectionsPerAddress = count("max-connections-per-address") ?? l.maxConnectionsPerAddress;
  l.vehicleRate = { perSecond: positive(parsed, "vehicle-rate") ?? l.vehicleRate.perSecond, burst: count("vehicle-burst") ?? l.vehicleRate.burst };
  l.addressRate = { perSecond: positive(parsed, "address-rate") ?? l.addressRate.perSecond, burst: count("address-burst") ?? l.addressRate.burst };
  if (l.requestTimeoutMs < l.headersTimeoutMs) throw new UsageError("--request-timeout must be at least --header-timeout");
  return l;
}
