// `uptane refresh DIR`: what `uptane serve` does on its timer, once (README "Backend":
// freshness): re-sign the online roles of both repositories that are half way to expiry,
// and report offline-keyed roles near or past expiry. With `offline`, renew those with
// the offline keys in DIR/keys/offline/.
import { openDirector } from "./director/part.ts";
import { DIRECTOR_ROOT_DIR } from "./director/director.ts";
import { imageOfflineRoles, loadPublished, refresh, renewOffline, type RefreshResult } from "./image/repository.ts";
import { DEFAULT_WARN_DAYS, offlineRoleWarning, type OfflineRole, type OfflineRoleWarning } from "./offline-expiry.ts";

export interface BackendRefreshOptions {
  now?: Date;
  force?: boolean;
  warnDays?: number;
  /** Renew the offline-keyed roles that are warned about (needs the offline keys). */
  offline?: boolean;
}

export interface BackendRefreshResult {
  image: RefreshResult;
  /** Vehicles whose Director metadata was re-signed. */
  directorResigned: string[];
  renewed: { repository: "image" | "director"; role: "root" | "targets"; version: number; expires: string }[];
  /** Offline-keyed roles expiring within the warning window or expired (after any renewal). */
  warnings: OfflineRoleWarning[];
}

export async function refreshBackend(dir: string, opts: BackendRefreshOptions = {}): Promise<BackendRefreshResult> {
  const now = opts.now ?? new Date();
  const warnDays = opts.warnDays ?? DEFAULT_WARN_DAYS;
  const image = await refresh(dir, { now, force: opts.force });
  const director = openDirector(dir, () => now);
  try {
    const directorResigned = director.refreshAll();
    const warningsNow = async () => {
      const roles: OfflineRole[] = imageOfflineRoles(await loadPublished(dir));
      const root = director.latestRoot();
      if (root) roles.push({ repository: "director", role: "root", file: `${DIRECTOR_ROOT_DIR}/${root.version}.root.json`, expires: root.expires });
      return roles.map((r) => offlineRoleWarning(dir, r, now, warnDays)).filter((w): w is OfflineRoleWarning => w !== null);
    };
    const renewed: BackendRefreshResult["renewed"] = [];
    if (opts.offline) {
      const due = await warningsNow();
      const imageRoles = due.filter((w) => w.repository === "image").map((w) => w.role);
      for (const r of await renewOffline(dir, imageRoles, { now })) renewed.push({ repository: "image", ...r });
      if (due.some((w) => w.repository === "director")) {
        renewed.push({ repository: "director", role: "root", ...director.renewRoot() });
      }
    }
    return { image, directorResigned, renewed, warnings: await warningsNow() };
  } finally {
    director.close();
  }
}
