// `uptane vehicle revoke DIR VIN`: revokes the vehicle's TLS client certificates.
import type { Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { openInventory } from "../../backend/inventory/location.ts";
import { revokeVehicleCertificates } from "../../backend/tls/vehicle-certificates.ts";
import { join } from "node:path";

export const vehicleRevokeCommand: Command = {
  name: "vehicle revoke",
  summary: "revoke a vehicle's TLS client certificates: its next request to uptane serve is refused",
  usage: [
    "uptane vehicle revoke DIR VIN [--json]",
    "",
    "Marks every client certificate issued to VIN revoked in DIR's inventory database. A",
    "running `uptane serve` checks the database on every request, so the vehicle's next",
    "request is refused (401), on a connection already open too. A new certificate needs a",
    "new registration.",
  ].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR", "VIN"],
  async run(parsed) {
    const [dir, vin] = parsed.positional as [string, string];
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const inventory = openInventory(dir);
      try {
        const revoked = revokeVehicleCertificates(inventory, vin);
        return { data: { vin, revoked }, text: `Revoked ${revoked} certificate(s) of ${vin}` };
      } finally {
        inventory.close();
      }
    });
  },
};
