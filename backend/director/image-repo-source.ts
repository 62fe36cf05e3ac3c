// The Director's view of the Image repository in the same backend folder: a target as the
// Image repository signs it, found through its delegations in the metadata published on
// disk (signatures checked), via ImageRepository.findTarget. An expired role on the way is
// refused by name (a vehicle would refuse the target for it), not reported as no target.
import { ImageRepository, targetsRoles } from "../image/repository.ts";
import { findTarget } from "../image/lookup.ts";
import { renewCommand } from "../offline-expiry.ts";
import { Refused } from "./errors.ts";
import type { ImageTarget, ImageTargetSource } from "./image-targets.ts";

export class PublishedImageTargets implements ImageTargetSource {
  private readonly repository: ImageRepository;

  constructor(
    private readonly dir: string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.repository = new ImageRepository(dir);
  }

  async findTarget(name: string): Promise<ImageTarget | null> {
    const state = await this.repository.published(); // re-reads: `uptane image add` may have run since
    const now = this.clock();
    const roles = targetsRoles(state);
    const rootExpired = Date.parse(state.root.signed.expires) <= now.getTime();
    const found = rootExpired ? null : findTarget(roles, name, { now });
    if (!found) {
      // Found when expiry is ignored: some role on the way (or the root) has expired.
      const ignoringExpiry = findTarget(roles, name);
      const onTheWay = new Set(["targets", ignoringExpiry?.role ?? "targets"]);
      const expired = [
        ["root", state.root.signed.expires] as const,
        ...[...roles].filter(([role]) => onTheWay.has(role)).map(([role, doc]) => [role, doc.signed.expires] as const),
      ].filter(([, expires]) => Date.parse(expires) <= now.getTime());
      if (ignoringExpiry && expired.length > 0) {
        const list = expired.map(([role, expires]) => `${role} (expired ${expires})`).join(", ");
        const delegatedOnly = expired.every(([role]) => role !== "root" && role !== "targets");
        const how = delegatedOnly ? "import a new bundle from the supplier" : `renew with \`${renewCommand(this.dir)}\``;
        throw new Refused(400, "image-role-expired", `the Image repository signs ${name}, but its ${list} has expired, so vehicles would refuse it: ${how}`);
      }
      return null;
    }
    const custom = found.custom;
    // Uptane fields the Director must copy; a target without them cannot be assigned.
    if (!custom || !Array.isArray(custom.hardwareIds) || !Number.isSafeInteger(custom.releaseCounter)) return null;
    return { name: found.name, length: found.length, hashes: found.hashes, custom: custom as ImageTarget["custom"] };
  }
}
