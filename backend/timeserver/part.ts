// The time server as a backend part: `/time/attestation`, signing with the key the
// Director root lists under `timeserver` (created by the Director part's init).
import type { BackendPart } from "../parts.ts";
import { loadDirectorOnlineKeys } from "../director/director-keys.ts";
import { timeServerRoutes } from "./http-routes.ts";

export const timeServerPart: BackendPart = {
  name: "time",
  async init() {
    return {};
  },
  mount(router, dir, ctx) {
    router.mount("time", timeServerRoutes(loadDirectorOnlineKeys(dir).timeserver, ctx.clock), { vehiclesOnly: true });
  },
};
