// `uptane backup DIR --out FILE`: a consistent copy of the inventory database, owner-only.
import { resolve } from "node:path";
import { optionValue, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { openInventory } from "../../backend/inventory/location.ts";
import { CliError } from "./errors.ts";

export const backupCommand: Command = {
  name: "backup",
  summary: "copy the inventory database consistently (mode 0600), also while uptane serve runs",
  usage: [
    "uptane backup DIR --out FILE [--json]",
    "",
    "Writes a consistent copy of DIR/inventory.sqlite (vehicles, ECU public keys, manifests,",
    "assignments, alerts, every signed Director document and root) to FILE with SQLite's online",
    "backup, so `uptane serve` may keep running. FILE is created with mode 0600 and never",
    "overwritten. Keys are not in it: keep DIR/keys/ (offline keys off this host) backed up",
    "on its own.",
  ].join("\n"),
  options: { values: { out: {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const out = resolve(optionValue(parsed, "out"));
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const inventory = openInventory(dir);
      try {
        await inventory.backupTo(out);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EEXIST") throw new CliError("exists", `${out} exists: a backup never overwrites a file`);
        throw e;
      } finally {
        inventory.close();
      }
      return { data: { out }, text: `Backed up the inventory database to ${out} (mode 0600)` };
    });
  },
};
