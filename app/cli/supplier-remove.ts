// `uptane supplier remove DIR NAME`: a tier-1 supplier out of the Image repository and the
// Director (README "Backend: withdrawing an image and removing a supplier").
import type { Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { cliActor } from "./actor.ts";
import { openDirector } from "../../backend/director/part.ts";
import { removeSupplier } from "../../backend/image/supplier-removal.ts";
import { checkRoleName } from "../../backend/image/names.ts";

export const supplierRemoveCommand: Command = {
  name: "supplier remove",
  summary: "remove a supplier: its delegation, metadata and images; the Director never chooses its images again",
  usage: [
    "uptane supplier remove DIR NAME [--json]",
    "",
    "Removes supplier role NAME, delegated by the OEM's top-level targets, with the roles",
    "delegated below it (Deployment Best Practices \"Adding or removing a supplier\"): the",
    "delegation leaves the targets (re-signed with the offline targets key), their metadata and",
    "the images only they listed are deleted. The snapshot keeps listing the removed roles until",
    "both the Timestamp and the Snapshot keys are rotated (`uptane rotate DIR --role timestamp`,",
    "`--role snapshot`), so a Primary that cached them still updates. In the Director every image",
    "they listed is withdrawn: never assigned again, its open assignments end, the ECUs running",
    "it are listed with an alert each.",
  ].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR", "NAME"],
  async run(parsed) {
    const [dir, role] = parsed.positional as [string, string];
    checkRoleName(role);
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const director = openDirector(dir);
      try {
        const removal = await removeSupplier(dir, role);
        const actor = cliActor();
        const withdrawn = removal.targets
          .filter((name) => !director.inventory.withdrawnImage(name))
          .map((name) => director.withdrawImage(name, role, actor, "supplier-removed"));
        const running = withdrawn.flatMap((w) => w.running.map((r) => ({ ...r, target: w.name })));
        const text = [
          `Removed supplier ${role}${removal.removedRoles.length > 1 ? ` and the roles below it (${removal.removedRoles.slice(1).join(", ")})` : ""}: targets version ${removal.targetsVersion}, ${removal.imagesDeleted} image(s) deleted.`,
          `The snapshot lists ${removal.removedRoles.join(", ")} until the Timestamp and Snapshot keys are rotated (uptane rotate DIR --role timestamp; --role snapshot).`,
          `The Director assigns none of its ${removal.targets.length} image(s) again (${withdrawn.reduce((n, w) => n + w.assignmentsEnded.length, 0)} open assignment(s) ended).`,
          ...(running.length > 0 ? ["Running them (each alerted):", ...running.map((r) => `  ${r.vin}  ${r.ecuSerial}  ${r.target}`)] : []),
        ].join("\n");
        return { data: { ...removal, running }, text };
      } finally {
        director.close();
      }
    });
  },
};
