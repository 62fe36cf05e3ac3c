// `uptane rotate DIR --role ROLE [--threshold N] [--key-type TYPE]`: new keys for a top-level role.
import { optionInt, optionKeyType, optionValue, UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { rotate } from "../../backend/image/repository.ts";
import { requireBackend } from "./backend-dir.ts";
import { TOP_ROLES, type TopRole } from "../../backend/image/metadata.ts";

export const rotateCommand: Command = {
  name: "rotate",
  summary: "replace the keys of an Image repository role (root, targets, snapshot, timestamp)",
  usage: [
    "uptane rotate DIR --role ROLE [--threshold N] [--key-type TYPE] [--json]",
    "",
    "Generates N new keys for ROLE (default: the current threshold), lists them in a new root",
    "version signed by a threshold of both the old and the new root keys, and re-publishes",
    "every role signed by its old and new keys so clients trusting either root keep updating.",
    "Old key files stay in DIR/keys/ (no longer used) until you remove them. --key-type makes",
    "the new keys ed25519, ecdsa-p256 or rsa-pss (default: the type of the role's current keys).",
  ].join("\n"),
  options: { values: { role: {}, threshold: {}, "key-type": {} }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const role = optionValue(parsed, "role");
    if (!TOP_ROLES.includes(role as TopRole)) throw new UsageError(`--role must be one of ${TOP_ROLES.join(", ")}`);
    const threshold = parsed.values.threshold ? optionInt(parsed, "threshold") : undefined;
    const keyType = optionKeyType(parsed);
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(parsed.positional[0]!);
      const r = await rotate(parsed.positional[0]!, role as TopRole, { threshold, keyType });
      return { data: { ...r }, text: `Rotated ${r.role} keys (${r.oldKeyIds.join(", ")} -> ${r.newKeyIds.join(", ")}); root version ${r.rootVersion}` };
    });
  },
};
