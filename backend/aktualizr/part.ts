// The OTA Connect dialect as a backend part (README "Serving aktualizr"): nothing of its own
// at `uptane init`; at `uptane serve` it mounts `/aktualizr/` over the same Director and
// Image repository, signed by the same keys.
import type { BackendPart } from "../parts.ts";
import { openDirector } from "../director/part.ts";
import { aktualizrRoutes } from "./http-routes.ts";
import { DirectorView } from "./director-view.ts";
import { ServedImageChain } from "../image/served-chain.ts";

export const aktualizrPart: BackendPart = {
  name: "aktualizr",
  async init() {
    return {};
  },
  mount(router, dir, ctx) {
    const director = openDirector(dir, ctx.clock);
    ctx.onClose(() => director.close());
    const view = new DirectorView(director);
    const chain = new ServedImageChain(dir, ctx.log);
    router.mount("aktualizr", aktualizrRoutes({ director, view, dir, chain, clock: ctx.clock }, ctx.log), { vehiclesOnly: false }); // every path but /devices checks the vehicle (deviceOf)
  },
};
