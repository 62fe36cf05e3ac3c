// `uptane backup DIR OUT`: every file of the backend, its SHA-256 and length, and a
// consistent copy of the inventory, into the backup folder OUT (README "Backup, audit and
// garbage collection").
import { resolve } from "node:path";
import type { Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { backupBackend } from "../../backend/backup/backup.ts";

export const backupCommand: Command = {
  name: "backup",
  summary: "back up every file of the backend with its SHA-256, and the inventory (incremental)",
  usage: [
    "uptane backup DIR OUT [--include-online-keys] [--include-offline-keys] [--json]",
    "",
    "Copies every file of the backend in DIR (Image repository metadata and images, the",
    "Director's roots and served metadata, TLS certificates) into the backup folder OUT, each",
    "stored once by its SHA-256 (a file OUT holds already is not copied again), with a",
    "consistent copy of the inventory database taken while `uptane serve` runs (SQLite's",
    "online backup; PostgreSQL's is pg_dump's job). A listing of every file with its SHA-256",
    "and length goes to OUT/listings/; the listing's own SHA-256 is printed: keep it on a",
    "separate, offline system (`uptane audit --expect-sha256`). Keys are left out unless",
    "asked: --include-online-keys (keys/online, the API token, a database URL),",
    "--include-offline-keys (keys/offline: root and targets keys). OUT is made mode 0700.",
  ].join("\n"),
  options: { flags: ["json", "include-online-keys", "include-offline-keys"] },
  positionals: ["DIR", "OUT"],
  async run(parsed) {
    const [dir, outArg] = parsed.positional as [string, string];
    const out = resolve(outArg);
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const tty = process.stderr.isTTY === true;
      const r = await backupBackend(dir, out, { onlineKeys: parsed.flags.has("include-online-keys"), offlineKeys: parsed.flags.has("include-offline-keys") }, (done, total) => {
        if (tty && (done === total || done % 50 === 0)) process.stderr.write(`\rbackup: ${done}/${total} files${done === total ? "\n" : ""}`);
      });
      const text = [
        `Backed up ${r.files} files (${r.copied} new, ${r.bytesCopied} bytes copied)${r.inventory ? " and the inventory" : ""} to ${out}`,
        `Listing ${r.listing}`,
        `Listing SHA-256 (keep it offline): ${r.listingSha256}`,
        ...(r.inventoryNote ? [`Note: ${r.inventoryNote}`] : []),
      ].join("\n");
      return { data: { out, ...r }, text };
    });
  },
};
