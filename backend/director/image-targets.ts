// What the Director needs from the Image repository: a target as the Image repository
// signs it (found through its delegations), or null when it signs no such target.
export interface ImageTarget {
  name: string;
  length: number;
  hashes: Record<string, string>;
  custom: Record<string, unknown> & { hardwareIds: string[]; releaseCounter: number };
}

export interface ImageTargetSource {
  findTarget(name: string): Promise<ImageTarget | null> | ImageTarget | null;
}
