// Who runs a command on the backend folder, as the inventory's records name them (`cli:USER`).
import { userInfo } from "node:os";

export function cliActor(): string {
  let name = "unknown";
  try {
    name = userInfo().username;
  } catch {
    // no passwd entry for the uid: "unknown"
  }
  return `cli:${name.replace(/[^A-Za-z0-9._@-]/g, "_").slice(0, 64) || "unknown"}`;
}
