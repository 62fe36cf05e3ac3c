// The time server as a backend part: `/time/attestation`, signing with the key the
// newest Director root lists under `timeserver` (created by the Director part's init; a
// rotation committed by another process is taken up at the next request).
import { join } from "node:path";
import type { BackendPart } from "../parts.ts";
import { DirectorKeyring } from "../director/director-keys.ts";
import type { Inventory } from "../inventory/inventory.ts";
import { openInventory } from "../inventory/location.ts";
import { timeServerRoutes } from "./http-routes.ts";

export const timeServerPart: BackendPart = {
  name: "time",
  async init() {
    return {};
  },
  mount(router, dir, ctx) {
    const inventory = openInventory(dir);
    ctx.onClose(() => inventory.close());
    const keyring = new DirectorKeyring(dir, inventory);
    keyring.current(); // refuses to start without the keys
    router.mount("time", timeServerRoutes(() => keyring.timeServerSigners(), ctx.clock), { vehiclesOnly: true });
  },
};
