// The Director repository and inventory as a backend part: its share of `uptane init`
// (keys, Director root, inventory database, API token) and of `uptane serve` (`/director/`).
import { join } from "node:path";
import type { BackendPart } from "../parts.ts";
import { API_TOKEN_FILE, createApiToken, readApiToken } from "../http/api-token.ts";
import { inventoryLocation, writeDatabaseUrl } from "../inventory/location.ts";
import { isPostgresUrl, redactedUrl } from "../inventory/postgres-engine.ts";
import { Director, DIRECTOR_ROOT_DIR, initDirector, type Retention } from "./director.ts";
import { ONLINE_ROLES, type DirectorRole } from "./director-keys.ts";
import { rsaBitsOption, tokenConfigOption, tokenRolesOption } from "../keys/key-options.ts";
import { isTokenKey } from "../keys/pkcs11-token.ts";
import { PublishedImageTargets } from "./image-repo-source.ts";
import { directorRoutes } from "./http-routes.ts";
import { offlineRoleWarning } from "../offline-expiry.ts";
import { keyTypeOption } from "../image/part.ts";
import { PasswordAuthenticator } from "../supplier-portal/authenticate.ts";
import { DEFAULT_THROTTLE, LoginThrottle } from "../auth/login-throttle.ts";
import { workshopDoor } from "./workshop-accounts.ts";
import { PasswordLogin } from "../auth/password-login.ts";

/** Opens the Director of the backend in `dir`, looking targets up in its Image repository. */
export function openDirector(dir: string, clock?: () => Date, retention?: Partial<Retention>): Director {
  return Director.open(dir, { imageTargets: new PublishedImageTargets(dir, clock), clock, retention });
}

export const directorPart: BackendPart = {
  name: "director",
  initOptions: { values: { database: {}, "director-key-type": {} } },
  initHelp: [
    "  --database URL          keep the inventory in PostgreSQL at URL (postgres://...; the",
    "                          database must hold no Director yet), recorded in DIR/database.url",
    "                          (0600); default: the SQLite file DIR/inventory.sqlite",
  ].join("\n"),
  async init(ctx) {
    const database = ctx.values.database?.[0];
    if (database !== undefined) writeDatabaseUrl(ctx.dir, database);
    const type = keyTypeOption(ctx, "director-key-type") ?? keyTypeOption(ctx, "key-type") ?? "ed25519";
    const rsaBits = rsaBitsOption(ctx.values);
    const token = tokenConfigOption(ctx.values);
    const all = token !== null && tokenRolesOption(ctx.values) === "all";
    const perRole: Partial<Record<DirectorRole, { type: typeof type; rsaBits: typeof rsaBits; token: typeof token }>> = {};
    // the online keys in the token; the root and offline-update keys too with --pkcs11-keys all
    for (const role of ONLINE_ROLES) perRole[role] = { type, rsaBits, token };
    const keys = initDirector(ctx.dir, ctx.now, { spec: { type, rsaBits, token: all ? token : null }, perRole });
    createApiToken(ctx.dir);
    const location = inventoryLocation(ctx.dir);
    return {
      // A SQLite file path is said as it is; a URL without its password.
      inventory: isPostgresUrl(location) ? redactedUrl(location) : location,
      root: join(ctx.dir, DIRECTOR_ROOT_DIR, "1.root.json"),
      offlineRootKey: join(ctx.dir, keys.files.root),
      rootKeyId: keys.root.keyid,
      timeserverKeyId: keys.online.timeserver.keyid,
      apiToken: join(ctx.dir, API_TOKEN_FILE),
      ...(token ? { keysInToken: (Object.keys(keys.files) as DirectorRole[]).filter((r) => keys.files[r].endsWith(".pkcs11.json")).map((r) => `director ${r}`), token: token.token } : {}),
    };
  },
  mount(router, dir, ctx) {
    // Files a crash left unpublished are published here, before the first request.
    const director = openDirector(dir, ctx.clock, ctx.retention);
    ctx.onClose(() => director.close());
    // Keys in a PKCS#11 token: the token opens, each key is there, cannot leave it, and signs as its reference says.
    ctx.startCheck(() => {
      for (const key of Object.values(director.keyring.current())) if (isTokenKey(key)) key.check();
    });
    for (const m of director.checkAll()) ctx.log(`ALERT ${m.message}`);
    // The workshop API's logins are throttled as the supplier portal's, with a throttle of their own.
    const workshop = new PasswordAuthenticator(workshopDoor(director.inventory), new LoginThrottle(ctx.clock, { ...DEFAULT_THROTTLE, ...ctx.supplierPortal?.throttle }));
    // The API's console password changes check the current password behind a throttle of their own.
    const consoleLogin = new PasswordLogin(new LoginThrottle(ctx.clock, { ...DEFAULT_THROTTLE, ...ctx.supplierPortal?.throttle }));
    router.mount("director", directorRoutes(director, readApiToken(dir), ctx.log, dir, workshop, consoleLogin));
    ctx.upkeep(() => {
      // What was committed but not written (a rotation by another process, a failed write) reaches the disk.
      const pending = director.publishPending();
      if (pending.vins.length + pending.roots.length > 0) ctx.log(`published pending Director files: ${pending.vins.length} vehicle(s), root version(s) ${pending.roots.join(", ") || "none"}`);
      // History older than the retention policy, a bounded slice per run (README "retention").
      const pruned = director.prune();
      const gone = pruned.reports + pruned.alerts + pruned.manifests + pruned.bodies + pruned.metadata;
      if (gone > 0) ctx.log(`pruned the history of ${pruned.vehicles} vehicle(s): ${pruned.manifests} manifests and ${pruned.bodies} manifest bodies, ${pruned.reports} reports, ${pruned.alerts} alerts, ${pruned.metadata} metadata versions`);
      const vins = director.refreshAll();
      if (vins.length > 0) ctx.log(`re-signed Director metadata of ${vins.length} vehicle(s): ${vins.slice(0, 5).join(", ")}${vins.length > 5 ? ", ..." : ""}`);
      // Each campaign's counts as they are now, where they changed (the console's progress chart; "not reporting" changes with time alone).
      director.recordCampaignProgress();
      const root = director.latestRoot();
      if (root) {
        const role = { repository: "director" as const, role: "root" as const, file: `${DIRECTOR_ROOT_DIR}/${root.version}.root.json`, expires: root.expires };
        ctx.warn("director root", offlineRoleWarning(dir, role, ctx.clock(), ctx.warnDays)?.message ?? null);
      }
    });
  },
};
