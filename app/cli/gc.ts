// `uptane gc DIR`: reclaims the Image repository's space (README "Backup, audit and
// garbage collection").
import type { Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { gcImageRepository } from "../../backend/image/gc.ts";
import { openInventory } from "../../backend/inventory/location.ts";

export const gcCommand: Command = {
  name: "gc",
  summary: "remove Image repository metadata the current timestamp no longer reaches (--images: unused images too)",
  usage: [
    "uptane gc DIR [--images] [--dry-run] [--json]",
    "",
    "Removes the versions of snapshot, targets and delegated roles that the current timestamp",
    "does not reach; every root and everything current stay, so clients keep updating, also",
    "when gc is stopped half-way. Images stay unless --images: then an image goes when no",
    "current target names it and no vehicle has it installed or assigned. Prints what it",
    "removed and the bytes freed; --dry-run only prints. Images encrypted for an ECU whose",
    "assignment is no longer open (installed, failed, superseded) are removed from the",
    "inventory too (README \"Per-ECU image encryption\"; the Director also does it as it",
    "records each install).",
  ].join("\n"),
  options: { flags: ["json", "images", "dry-run"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      let imagesInUse: Set<string> | undefined;
      if (parsed.flags.has("images")) {
        const inventory = openInventory(dir);
        try {
          imagesInUse = inventory.targetNamesInUse();
        } finally {
          inventory.close();
        }
      }
      const r = await gcImageRepository(dir, { images: parsed.flags.has("images"), dryRun: parsed.flags.has("dry-run"), imagesInUse });
      // Ciphertexts of closed assignments (README "Per-ECU image encryption"), after the Image repository's gc succeeded.
      const inventory = openInventory(dir);
      let encryptedImages: { images: number; bytes: number };
      try {
        encryptedImages = inventory.transaction(() => inventory.dropClosedEncryptedImages(undefined, r.dryRun));
      } finally {
        inventory.close();
      }
      const verb = r.dryRun ? "Would remove" : "Removed";
      const lines = [`${verb} ${r.removed.length} file(s), ${r.bytesFreed} bytes freed${r.dryRun ? " (dry run)" : ""}`, ...r.removed.slice(0, 200).map((f) => `  ${f.path} (${f.bytes} bytes)`)];
      if (r.removed.length > 200) lines.push(`  ... and ${r.removed.length - 200} more`);
      if (encryptedImages.images > 0) lines.push(`${verb} ${encryptedImages.images} encrypted image(s) of closed assignments from the inventory, ${encryptedImages.bytes} bytes`);
      return { data: { ...r, encryptedImages }, text: lines.join("\n") };
    });
  },
};
