// The Director's view of the Image repository in the same backend folder: a target as the
// Image repository signs it, found through its delegations (backend/image/lookup.ts) in
// the metadata currently published on disk, whose signatures loadPublished checks.
import { findTarget } from "../image/lookup.ts";
import { loadPublished } from "../image/published.ts";
import type { ImageTarget, ImageTargetSource } from "./image-targets.ts";

export class PublishedImageTargets implements ImageTargetSource {
  constructor(private readonly dir: string) {}

  async findTarget(name: string): Promise<ImageTarget | null> {
    const state = await loadPublished(this.dir); // re-read: `uptane image add` may have run since
    const roles = new Map([["targets", state.targets], ...state.delegated]);
    const found = findTarget(roles, name);
    const custom = found?.custom;
    // Uptane fields the Director must copy; a target without them cannot be assigned.
    if (!found || !custom || !Array.isArray(custom.hardwareIds) || !Number.isSafeInteger(custom.releaseCounter)) return null;
    return { name: found.name, length: found.length, hashes: found.hashes, custom: custom as ImageTarget["custom"] };
  }
}
