// The OTA Connect dialect as a backend part (README "Serving aktualizr"): nothing of its own
// at `uptane init`; at `uptane serve` it mounts `/aktualizr/` over the same Director and
// Image repository, signed by the same keys.
import type { BackendPart } from "../parts.ts";
import { openDirector } from "../director/part.ts";
import { aktualizrRoutes } from "./http-routes.ts";

export const aktualizrPart: BackendPart = {
  name: "aktualizr",
  async init() {
    return {};
  },
  mount(router, dir, ctx) {
    const director = openDirector(dir, ctx.clock);
    ctx.onClose(() => director.close());
    router.mount("aktualizr", aktualizrRoutes(director, ctx.log), { vehiclesOnly: true });
  },
};
