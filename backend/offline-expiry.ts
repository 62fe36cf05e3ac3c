// Roles signed with offline keys (Image root and targets, Director root) cannot be renewed
// by the server: it can only say so, loudly and early (README "Backend": freshness). A role
// within `warnDays` of its expiry is "expiring", one past it "expired"; each warning names
// the role, its file, the date and the command that renews it.
export const DEFAULT_WARN_DAYS = 30;

export interface OfflineRole {
  repository: "image" | "director";
  role: "root" | "targets";
  /** The file, relative to the backend folder. */
  file: string;
  expires: string;
}

export interface OfflineRoleWarning extends OfflineRole {
  state: "expiring" | "expired";
  /** The command that renews it (needs the offline keys under DIR/keys/offline/). */
  renew: string;
  message: string;
}

export function renewCommand(dir: string): string {
  return `uptane refresh ${dir} --offline`;
}

/** The warning for `role` at `now`, or null when it is valid for more than `warnDays`. */
export function offlineRoleWarning(dir: string, role: OfflineRole, now: Date, warnDays = DEFAULT_WARN_DAYS): OfflineRoleWarning | null {
  const left = Date.parse(role.expires) - now.getTime();
  if (left > warnDays * 86_400_000) return null;
  const state = left <= 0 ? "expired" : "expiring";
  const renew = renewCommand(dir);
  const name = `${role.repository === "image" ? "Image" : "Director"} ${role.role}`;
  const message =
    state === "expired"
      ? `${name} (${role.file}) EXPIRED at ${role.expires}: vehicles refuse it; renew it with \`${renew}\``
      : `${name} (${role.file}) expires at ${role.expires}, in ${Math.ceil(left / 86_400_000)} day(s); the server cannot renew it: run \`${renew}\``;
  return { ...role, state, renew, message };
}

/** Thrown where an operation would publish under an expired offline role. */
export class ExpiredRoleError extends Error {}
