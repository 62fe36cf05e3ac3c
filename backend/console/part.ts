// The OEM console as a backend part (README "Backend: OEM console"): nothing at `uptane
// init` (users come with `uptane user add`), `/console/` at `uptane serve` with its own
// inventory connection, Director (for campaigns) and failed-login throttle.
import type { BackendPart } from "../parts.ts";
import { openInventory } from "../inventory/location.ts";
import { openDirector } from "../director/part.ts";
import { LoginThrottle, DEFAULT_THROTTLE } from "../auth/login-throttle.ts";
import { consoleRoutes } from "./http-routes.ts";

export const consolePart: BackendPart = {
  name: "console",
  async init() {
    return {};
  },
  mount(router, dir, ctx) {
    const inventory = openInventory(dir);
    ctx.onClose(() => inventory.close());
    const director = openDirector(dir, ctx.clock);
    ctx.onClose(() => director.close());
    const throttle = new LoginThrottle(ctx.clock, { ...DEFAULT_THROTTLE, ...ctx.supplierPortal?.throttle });
    router.mount("console", consoleRoutes({ dir, inventory, director, throttle, clock: ctx.clock, log: ctx.log, warnDays: ctx.warnDays }));
  },
};
