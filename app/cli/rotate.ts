// `uptane rotate DIR --role ROLE [--threshold N] [--key-type TYPE]`: new keys for a top-level role.
import { optionInt, optionKeyType, optionValue, UsageError, type Command } from "./command.ts";
import { runReporting } from "./output.ts";
import { rotate } from "../../backend/image/repository.ts";
import { requireBackend } from "./backend-dir.ts";
import { TOP_ROLES, type TopRole } from "../../backend/image/metadata.ts";
import { rsaBitsOption, TOKEN_OPTIONS, tokenConfigOption } from "../../backend/keys/key-options.ts";
import { checkToken } from "../../backend/keys/pkcs11-token.ts";
import { inputFile } from "./input-files.ts";

export const rotateCommand: Command = {
  name: "rotate",
  summary: "replace the keys of an Image repository role (root, targets, snapshot, timestamp)",
  usage: [
    "uptane rotate DIR --role ROLE [--threshold N] [--key-type TYPE] [--rsa-bits N] [PKCS11] [--json]",
    "",
    "Generates N new keys for ROLE (default: the current threshold), lists them in a new root",
    "version signed by a threshold of both the old and the new root keys, and re-publishes",
    "every role signed by its old and new keys so clients trusting either root keep updating.",
    "Old key files stay in DIR/keys/ (no longer used) until you remove them. --key-type makes",
    "the new keys ed25519, ecdsa-p256 or rsa-pss (default: the type of the role's current keys);",
    "--rsa-bits 2048|3072|4096 an RSA key's size (default: the current RSA key's, else 2048).",
    "PKCS11: --pkcs11-module PATH --pkcs11-token LABEL --pkcs11-pin-file FILE (or --pkcs11-uri",
    "URI) makes the new keys inside that PKCS#11 token; DIR/keys/ gets a reference",
    "(image-ROLE-KEYID.pkcs11.json) instead of a key file.",
  ].join("\n"),
  options: { values: { role: {}, threshold: {}, "key-type": {}, "rsa-bits": {}, ...Object.fromEntries(TOKEN_OPTIONS.map((o) => [o, {}])) }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const role = optionValue(parsed, "role");
    if (!TOP_ROLES.includes(role as TopRole)) throw new UsageError(`--role must be one of ${TOP_ROLES.join(", ")}`);
    const threshold = parsed.values.threshold ? optionInt(parsed, "threshold") : undefined;
    const keyType = optionKeyType(parsed);
    const rsaBits = rsaBitsOption(parsed.values);
    const token = tokenConfigOption(parsed.values);
    for (const option of ["pkcs11-module", "pkcs11-pin-file"]) for (const f of parsed.values[option] ?? []) inputFile(f, `--${option}`);
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(parsed.positional[0]!);
      if (token) checkToken(token);
      const r = await rotate(parsed.positional[0]!, role as TopRole, { threshold, keyType, rsaBits, token });
      return { data: { ...r }, text: `Rotated ${r.role} keys (${r.oldKeyIds.join(", ")} -> ${r.newKeyIds.join(", ")}); root version ${r.rootVersion}` };
    });
  },
};
