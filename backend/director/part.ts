// The Director repository and inventory as a backend part: its share of `uptane init`
// (keys, Director root, inventory database, API token) and of `uptane serve` (`/director/`).
import { join } from "node:path";
import type { BackendPart } from "../parts.ts";
import { API_TOKEN_FILE, createApiToken, readApiToken } from "../http/api-token.ts";
import { INVENTORY_FILE } from "../inventory/inventory.ts";
import { Director, DIRECTOR_ROOT_DIR, initDirector } from "./director.ts";
import { DIRECTOR_ROOT_KEY_FILE } from "./director-keys.ts";
import { PublishedImageTargets } from "./image-repo-source.ts";
import { directorRoutes } from "./http-routes.ts";

/** Opens the Director of the backend in `dir`, looking targets up in its Image repository. */
export function openDirector(dir: string): Director {
  return Director.open(dir, { imageTargets: new PublishedImageTargets(dir) });
}

export const directorPart: BackendPart = {
  name: "director",
  async init(ctx) {
    const keys = initDirector(ctx.dir, ctx.now);
    createApiToken(ctx.dir);
    return {
      inventory: join(ctx.dir, INVENTORY_FILE),
      root: join(ctx.dir, DIRECTOR_ROOT_DIR, "1.root.json"),
      offlineRootKey: join(ctx.dir, DIRECTOR_ROOT_KEY_FILE),
      rootKeyId: keys.root.keyid,
      timeserverKeyId: keys.online.timeserver.keyid,
      apiToken: join(ctx.dir, API_TOKEN_FILE),
    };
  },
  mount(router, dir) {
    // Files a crash left unpublished are published here, before the first request.
    router.mount("director", directorRoutes(openDirector(dir), readApiToken(dir)));
  },
};
