// The Director's view of the Image repository in the same backend folder: a target as the
// Image repository signs it, found through its delegations in the metadata published on
// disk (signatures checked, expired roles on the way count as no target), via
// ImageRepository.findTarget.
import { ImageRepository } from "../image/repository.ts";
import type { ImageTarget, ImageTargetSource } from "./image-targets.ts";

export class PublishedImageTargets implements ImageTargetSource {
  private readonly repository: ImageRepository;

  constructor(dir: string) {
    this.repository = new ImageRepository(dir);
  }

  async findTarget(name: string): Promise<ImageTarget | null> {
    const found = await this.repository.findTarget(name); // re-reads: `uptane image add` may have run since
    const custom = found?.custom;
    // Uptane fields the Director must copy; a target without them cannot be assigned.
    if (!found || !custom || !Array.isArray(custom.hardwareIds) || !Number.isSafeInteger(custom.releaseCounter)) return null;
    return { name: found.name, length: found.length, hashes: found.hashes, custom: custom as ImageTarget["custom"] };
  }
}
