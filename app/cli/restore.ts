// `uptane restore OUT DIR2`: a backend folder rebuilt from a backup (README "Backup, audit
// and garbage collection").
import type { Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { restoreBackend } from "../../backend/backup/restore.ts";
import { CliError } from "./errors.ts";

export const restoreCommand: Command = {
  name: "restore",
  summary: "rebuild a backend folder from a backup: byte-identical metadata and images",
  usage: [
    "uptane restore OUT DIR2 [--listing NAME] [--expect-sha256 HEX] [--json]",
    "",
    "Writes every file of the backup (the newest listing in OUT, or NAME) into the new folder",
    "DIR2, each checked against its SHA-256, and the inventory copy; `uptane serve DIR2` then",
    "serves the metadata and images byte for byte as backed up. Keys the backup left out",
    "must be copied in before serving (the command says which).",
  ].join("\n"),
  options: { values: { listing: {}, "expect-sha256": {} }, flags: ["json"] },
  positionals: ["OUT", "DIR2"],
  async run(parsed) {
    const [out, dir] = parsed.positional as [string, string];
    const expect = parsed.values["expect-sha256"]?.[0];
    if (expect !== undefined && !/^[0-9a-fA-F]{64}$/.test(expect)) throw new CliError("invalid-sha256", "--expect-sha256 must be 64 hexadecimal digits");
    return runReporting(parsed.flags.has("json"), async () => {
      const r = await restoreBackend(out, dir, { listing: parsed.values.listing?.[0], expectSha256: expect });
      return { data: { ...r }, text: [`Restored ${r.files} files${r.inventory ? " and the inventory" : ""} from backup ${r.listing} into ${r.dir}`, ...r.warnings.map((w) => `WARNING ${w}`)].join("\n") };
    });
  },
};
