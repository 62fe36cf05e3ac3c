// `uptane offline create DIR --name NAME --target HW=IMAGE ... --out BUNDLE`: a PURE-2
// offline update and its bundle (README "Offline updates").
import { optionInt, optionValue, UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { openDirector } from "../../backend/director/part.ts";
import { createOfflineUpdate, DEFAULT_OFFLINE_DAYS, type OfflineTargetRequest } from "../../backend/director/offline-update.ts";

export const offlineCreateCommand: Command = {
  name: "offline create",
  summary: "sign a PURE-2 offline update and write its bundle (factory floor, workshop, air-gapped vehicles)",
  usage: [
    "uptane offline create DIR --name NAME --target HW=IMAGE [--target HW=IMAGE ...] --out BUNDLE [--days D] [--json]",
    "",
    "Signs Offline-update Targets NAME.json (version N+1) listing each IMAGE (an Image",
    "repository target, copied as it signs it) for hardware ID HW, at most one target per",
    "hardware ID, and a new Offline-update Snapshot listing it (with the other offline",
    "updates' files). Both expire in D days (default " + String(DEFAULT_OFFLINE_DAYS) + ") and are signed by the Director",
    "root's offline-update-targets / offline-update-snapshot keys (DIR/keys/offline/; a",
    "backend made before these roles gains them with `uptane director rotate DIR --role ...`).",
    "BUNDLE (a new folder) holds every Director and Image repository root from version 1, the",
    "Image repository's snapshot, targets and delegated roles, the two offline documents,",
    "every image, and listing.json (each file's length and SHA-256). Vehicles install it with",
    "`uptane primary install-offline`; online vehicles get the new snapshot at their next cycle.",
  ].join("\n"),
  options: { values: { name: {}, target: { repeat: true }, out: {}, days: {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    const name = optionValue(parsed, "name");
    const out = optionValue(parsed, "out");
    const days = parsed.values.days ? optionInt(parsed, "days") : undefined;
    const specs = parsed.values.target ?? [];
    if (specs.length === 0) throw new UsageError("--target HW=IMAGE is required (one per hardware ID)");
    const targets: OfflineTargetRequest[] = specs.map((s) => {
      const eq = s.indexOf("=");
      if (eq <= 0 || eq === s.length - 1) throw new UsageError(`--target must be HW=IMAGE, got ${JSON.stringify(s)}`);
      return { hardwareId: s.slice(0, eq), image: s.slice(eq + 1) };
    });
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const director = openDirector(dir);
      let directorRoots: Buffer[];
      try {
        const latest = director.latestRootVersion();
        directorRoots = Array.from({ length: latest }, (_, i) => {
          const bytes = director.rootFile(i + 1);
          if (!bytes) throw new Error(`Director root version ${i + 1} is not published`);
          return bytes;
        });
      } finally {
        director.close();
      }
      const r = await createOfflineUpdate(dir, { name, targets, out, days, directorRoots });
      const text = [
        `Offline update ${r.name}: targets version ${r.targetsVersion}, offline-update snapshot version ${r.snapshotVersion}, expires ${r.expires}`,
        ...r.images.map((i) => `  ${i.hardwareId}: ${i.name} (${i.length} bytes, release counter ${i.releaseCounter})`),
        `Bundle ${r.bundle}: ${r.files} files, ${r.bytes} bytes (Director roots 1-${r.directorRootVersion}, Image roots 1-${r.imageRootVersion})`,
      ].join("\n");
      return { data: { ...r }, text };
    });
  },
};
