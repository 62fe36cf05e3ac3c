// `uptane audit DIR --backup OUT`: what changed since the backup, and what no longer
// verifies (README "Backup, audit and garbage collection"); exit 1 when anything is found.
import { resolve } from "node:path";
import type { Command } from "./command.ts";
import { printResult } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { auditBackend } from "../../backend/backup/audit.ts";
import { CliError } from "./errors.ts";
import { optionValue } from "./command.ts";

export const auditCommand: Command = {
  name: "audit",
  summary: "compare the backend with a backup and verify what it serves; exit 1 when anything is found",
  usage: [
    "uptane audit DIR --backup OUT [--listing NAME] [--expect-sha256 HEX] [--json]",
    "",
    "Reports every file added, changed or removed since the backup (the newest listing in OUT,",
    "or NAME), every stored image whose bytes do not match the hash in its name, the Image",
    "repository's current metadata when it does not verify, and every Director file that",
    "differs from what the Director signed. --expect-sha256: the listing's SHA-256 kept",
    "offline, so a changed backup folder is refused. Exit 0 clean, 1 when anything is found.",
  ].join("\n"),
  options: { values: { backup: {}, listing: {}, "expect-sha256": {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const out = resolve(optionValue(parsed, "backup"));
    const expect = parsed.values["expect-sha256"]?.[0];
    if (expect !== undefined && !/^[0-9a-fA-F]{64}$/.test(expect)) throw new CliError("invalid-sha256", "--expect-sha256 must be 64 hexadecimal digits");
    await requireBackend(dir);
    const r = await auditBackend(dir, out, { listing: parsed.values.listing?.[0], expectSha256: expect });
    if (r.findings.length > 0) {
      const shown = r.findings.slice(0, 20).map((f) => `${f.kind} ${f.path}: ${f.detail}`);
      const detail = `${r.findings.length} finding(s) against backup ${r.listing}: ${shown.join("; ")}${r.findings.length > 20 ? "; ..." : ""}`;
      throw new CliError("audit-findings", detail, { findings: r.findings, listing: r.listing });
    }
    printResult(parsed.flags.has("json"), { ...r }, `Audit against backup ${r.listing}: ${r.files} files, nothing added, changed or removed; everything verifies`);
    return 0;
  },
};
