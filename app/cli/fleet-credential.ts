// `uptane fleet-credential add DIR NAME --out FILE.p12` and `uptane fleet-credential revoke
// DIR NAME`: the credentials of aktualizr's shared-credential provisioning (README "Serving
// aktualizr").
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { optionValue, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { Inventory, INVENTORY_FILE } from "../../backend/inventory/inventory.ts";
import { issueFleetCredential, revokeFleetCredential } from "../../backend/aktualizr/provisioning.ts";

async function withInventory<T>(dir: string, fn: (inventory: Inventory) => Promise<T> | T): Promise<T> {
  const inventory = Inventory.open(join(dir, INVENTORY_FILE));
  try {
    return await fn(inventory);
  } finally {
    inventory.close(); // closed on a refusal too: an open SQLite connection leaves its -wal and -shm files behind
  }
}

export const fleetCredentialAddCommand: Command = {
  name: "fleet-credential add",
  summary: "issue a fleet credential: aktualizr devices provision themselves with it (POST /aktualizr/devices)",
  usage: [
    "uptane fleet-credential add DIR NAME --out FILE.p12 [--json]",
    "",
    "Issues a client certificate of the backend's vehicle CA for fleet NAME (1-48 of a-z 0-9 _ -)",
    "and writes it with its new key and the server CA to FILE.p12 (PKCS#12, no password,",
    "0600). aktualizr's shared-credential provisioning takes it as autoprov_credentials.p12",
    "inside its provision_path archive: a device with it POSTs /aktualizr/devices with its",
    "VIN (its [provision] device_id) and gets its own certificate, once per VIN. Keep the file",
    "as secret as a key: whoever has it can provision new VINs until it is revoked.",
  ].join("\n"),
  options: { values: { out: {} }, flags: ["json"] },
  positionals: ["DIR", "NAME"],
  async run(parsed) {
    const [dir, name] = parsed.positional as [string, string];
    const out = optionValue(parsed, "out");
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      const issued = await withInventory(dir, (inventory) => issueFleetCredential(dir, inventory, name));
      writeFileSync(out, issued.p12, { mode: 0o600 });
      return { data: { name, serial: issued.serial, notAfter: issued.notAfter, out }, text: `Fleet credential '${name}' (serial ${issued.serial}, valid to ${issued.notAfter}) in ${out}` };
    });
  },
};

export const fleetCredentialRevokeCommand: Command = {
  name: "fleet-credential revoke",
  summary: "revoke a fleet credential: no new device provisions with it (those it provisioned keep their own)",
  usage: ["uptane fleet-credential revoke DIR NAME [--json]", "", "Refused from the next request on, on an open connection too (a database check)."].join("\n"),
  options: { flags: ["json"] },
  positionals: ["DIR", "NAME"],
  async run(parsed) {
    const [dir, name] = parsed.positional as [string, string];
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      await withInventory(dir, (inventory) => revokeFleetCredential(inventory, name));
      return { data: { name, revoked: true }, text: `Revoked fleet credential '${name}'` };
    });
  },
};
