// `uptane image withdraw DIR NAME`: a recalled image is taken out of the Image repository
// (the OEM's role here; a supplier's role by the supplier's next signed version) and the
// Director never assigns it again, ends its open assignments and lists (and alerts) every
// vehicle that runs it (README "Backend: withdrawing an image and removing a supplier").
import type { Command } from "./command.ts";
import { pendingLine, runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { cliActor } from "./actor.ts";
import { openDirector } from "../../backend/director/part.ts";
import { Refused } from "../../backend/director/errors.ts";
import { listingRole, withdrawTarget } from "../../backend/image/withdraw.ts";
import { RepositoryError } from "../../backend/image/published.ts";
import { checkTargetName } from "../../backend/image/names.ts";

export const imageWithdrawCommand: Command = {
  name: "image withdraw",
  summary: "withdraw a recalled image: out of the Image repository, never assigned again, its vehicles listed",
  usage: [
    "uptane image withdraw DIR NAME [--json]",
    "",
    "Withdraws target NAME. In the Image repository it leaves the role that lists it: the OEM's",
    "top-level targets are re-signed without it now (offline targets key); a supplier's role is",
    "the supplier's to sign (`uptane supplier sign WORK --withdraw NAME`, then `supplier import`).",
    "Once it is out, vehicles can no longer verify it: a Director still naming it is refused",
    "(MissingTarget). The Director refuses new assignments and campaigns of it (image-withdrawn),",
    "ends its queued and published assignments, and lists every ECU in service that runs it,",
    "each with an alert. Its bytes stay until garbage collection.",
  ].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR", "NAME"],
  async run(parsed) {
    const [dir, name] = parsed.positional as [string, string];
    checkTargetName(name);
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const director = openDirector(dir);
      try {
        // Everything that can refuse is asked before anything changes.
        const earlier = director.inventory.withdrawnImage(name);
        if (earlier) throw new Refused(409, "image-withdrawn", `${name} was withdrawn at ${earlier.withdrawn_at} already`);
        let role: string | null = null;
        try {
          role = await listingRole(dir, name);
        } catch (e) {
          // Out of the repository already (a supplier's new version without it): the Director's part still applies.
          if (!(e instanceof RepositoryError && e.code === "target-not-signed" && director.inventory.targetKnown(name))) throw e;
        }
        const repository = role === null ? { removed: false } : await withdrawTarget(dir, name);
        const r = director.withdrawImage(name, role ?? "(no longer listed)", cliActor());
        const where = role === null ? "no role of the Image repository lists it any more" : repository.removed ? `removed from the OEM's targets (version ${(repository as { targetsVersion?: number }).targetsVersion})` : `listed by supplier role ${role}: the supplier signs its next version without it (uptane supplier sign WORK --withdraw ${name}), which supplier import publishes`;
        const lines = [`Withdrew ${name}: ${where}; the Director assigns it no more (${r.assignmentsEnded.length} open assignment(s) ended).`];
        lines.push(r.running.length === 0 ? "No vehicle in service runs it." : `Running it (each alerted):`, ...r.running.map((v) => `  ${v.vin}  ${v.ecuSerial}`));
        return { data: { ...r, removedFromRepository: repository.removed }, text: lines.join("\n") + pendingLine(r) };
      } finally {
        director.close();
      }
    });
  },
};
