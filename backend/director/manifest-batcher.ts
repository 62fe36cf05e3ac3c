// Group commit for manifests arriving over HTTP: the ones that arrive while the event loop
// is busy are recorded together in one transaction (one disk sync), each in its own
// savepoint (Director.receiveManifests). A caller's promise settles only after the commit,
// so a 200 always means the manifest is on disk. A manifest that fails fails alone: only
// a failed commit fails the whole batch (then nothing of it was recorded).
import { ManifestFailure, type Director } from "./director.ts";
import type { Refused } from "./errors.ts";
import type { ManifestResponse } from "../../model/manifest-format.ts";

const MAX_BATCH = 64;

interface Job {
  vin: string;
  body: Buffer;
  resolve(r: ManifestResponse | Refused): void;
  reject(e: unknown): void;
}

export class ManifestBatcher {
  private queue: Job[] = [];
  private scheduled = false;

  constructor(private readonly director: Director) {}

  submit(vin: string, body: Buffer): Promise<ManifestResponse | Refused> {
    return new Promise((resolve, reject) => {
      this.queue.push({ vin, body, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.queue.splice(0, MAX_BATCH);
    this.scheduled = this.queue.length > 0;
    if (this.scheduled) setImmediate(() => this.flush());
    try {
      const results = this.director.receiveManifests(batch);
      batch.forEach((job, i) => {
        const r = results[i]!;
        if (r instanceof ManifestFailure) job.reject(r.cause);
        else job.resolve(r);
      });
    } catch (e) {
      for (const job of batch) job.reject(e);
    }
  }
}
