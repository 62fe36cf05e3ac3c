// The supplier portal as a backend part (README "Backend: supplier portal"): its folder for
// uploaded bundles at `uptane init`, and `/supplier/` with its own inventory connection and
// failed-login throttle at `uptane serve`.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BackendPart } from "../parts.ts";
import type { Inventory } from "../inventory/inventory.ts";
import { openInventory } from "../inventory/location.ts";
import { LoginThrottle, DEFAULT_THROTTLE, type ThrottleLimits } from "../auth/login-throttle.ts";
import { supplierPortalRoutes } from "./http-routes.ts";
import { SUBMISSIONS_DIR } from "./submissions.ts";

/** The largest bundle the portal takes (a bundle file may be larger: `supplier import` reads up to 512 MiB). */
export const DEFAULT_PORTAL_BUNDLE_BYTES = 64 * 1024 * 1024;

export interface SupplierPortalOptions {
  maxBundleBytes?: number;
  throttle?: Partial<ThrottleLimits>;
}

export const supplierPortalPart: BackendPart = {
  name: "supplier-portal",
  async init(ctx) {
    const submissions = join(ctx.dir, SUBMISSIONS_DIR);
    mkdirSync(submissions, { recursive: true, mode: 0o700 });
    return { submissions };
  },
  mount(router, dir, ctx) {
    const inventory = openInventory(dir);
    ctx.onClose(() => inventory.close());
    const options = ctx.supplierPortal ?? {};
    const throttle = new LoginThrottle(ctx.clock, { ...DEFAULT_THROTTLE, ...options.throttle });
    router.mount("supplier", supplierPortalRoutes({ dir, inventory, throttle, maxBundleBytes: options.maxBundleBytes ?? DEFAULT_PORTAL_BUNDLE_BYTES, clock: ctx.clock, log: ctx.log }));
  },
};
