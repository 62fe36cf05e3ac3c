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
  /** Mounts the part's HTTP routes and registers its upkeep (called once per server start). */
  mount(router: Router, dir: string, ctx: ServeContext): void | Promise<void>;
}

/** What a running server gives its parts (README "Backend": freshness and state checks). */
export interface ServeContext {
  /** The server's clock (tests move it forward). */
  clock: () => Date;
  /** One line of the server's log (re-signings, warnings, alerts). */
  log: (line: string) => void;
  /** A warning logged when it first appears or changes, then again once a day (by the clock). */
  warn: (key: string, message: string | null) => void;
  /** Days before expiry from which offline-keyed roles are warned about. */
  warnDays: number;
  /** Registers upkeep the server runs before its first request and then on its timer. */
  upkeep: (job: () => Promise<void> | void) => void;
  /** Registers a check that must pass before the server starts (it throws naming what failed). */
  startCheck: (check: () => Promise<void> | void) => void;
  /** Registers what to release when the server stops (or fails to start). */
  onClose: (release: () => void) => void;
  /** The supplier portal's upload cap and login throttle, when not the defaults. */
  supplierPortal?: SupplierPortalOptions;
  /** The Director's retention policy, where not the default (README "retention"). */
  retention?: Partial<Retention>;
}

import { imageRepositoryPart } from "./image/part.ts";
import { directorPart } from "./director/part.ts";
import type { Retention } from "./director/director.ts";
import { timeServerPart } from "./timeserver/part.ts";
import { tlsPart } from "./tls/part.ts";
import { aktualizrPart } from "./aktualizr/part.ts";
import { supplierPortalPart, type SupplierPortalOptions } from "./supplier-portal/part.ts";
import { consolePart } from "./console/part.ts";

/** Every part, in init order. */
export const backendParts: BackendPart[] = [tlsPart, imageRepositoryPart, directorPart, timeServerPart, aktualizrPart, supplierPortalPart, consolePart];
