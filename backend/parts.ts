// The parts of an OEM backend. `uptane init` calls every part's `init` in order and
// `uptane serve` mounts every part's routes; a new part (Director, time server) is added by
// appending it to `backendParts`.
import type { Router } from "./http/server.ts";

export interface InitContext {
  /** The backend folder (exists, empty apart from what earlier parts wrote). */
  dir: string;
  /** Option values given to `uptane init` (by option name, without `--`). */
  values: Record<string, string[]>;
  flags: Set<string>;
  now: Date;
}

export interface BackendPart {
  /** Short name, shown in `init` output. */
  name: string;
  /** Options this part adds to `uptane init` (documented in `initHelp`). */
  initOptions?: { values?: Record<string, { repeat?: boolean }>; flags?: string[] };
  initHelp?: string;
  /** Creates the part's files; returns facts worth printing (paths, key ids). */
  init(ctx: InitContext): Promise<Record<string, unknown>>;
  /** Mounts the part's HTTP routes (called once per server start). */
  mount(router: Router, dir: string): void | Promise<void>;
}

import { imageRepositoryPart } from "./image/part.ts";
import { directorPart } from "./director/part.ts";
import { timeServerPart } from "./timeserver/part.ts";

/** Every part, in init order. */
export const backendParts: BackendPart[] = [imageRepositoryPart, directorPart, timeServerPart];
