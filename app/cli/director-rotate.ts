// `uptane director rotate DIR --role ROLE [--threshold N] [--keys N]`: new keys for a
// Director role (README "Director key rotation and compromise recovery").
import { join } from "node:path";
import { optionInt, optionKeyType, optionValue, UsageError, type Command } from "./command.ts";
import { pendingLine, runReporting } from "./output.ts";
import { requireBackend } from "./backend-dir.ts";
import { openDirector } from "../../backend/director/part.ts";
import { DIRECTOR_ROLES, OFFLINE_UPDATE_ROLES, type DirectorRole } from "../../backend/director/director-keys.ts";
import { rsaBitsOption, TOKEN_OPTIONS, tokenConfigOption } from "../../backend/keys/key-options.ts";
import { checkToken } from "../../backend/keys/pkcs11-token.ts";
import { inputFile } from "./input-files.ts";

export const directorRotateCommand: Command = {
  name: "director rotate",
  summary: "replace the keys of a Director role (root, targets, snapshot, timestamp, timeserver, offline-update-snapshot, offline-update-targets)",
  usage: [
    "uptane director rotate DIR --role ROLE [--threshold N] [--keys N] [--key-type TYPE] [--rsa-bits N] [PKCS11] [--json]",
    "",
    "Makes new keys for ROLE (files in DIR/keys/offline/ for root, DIR/keys/online/ for the",
    "others, mode 0600) and signs Director root N+1 listing them, with a threshold of root N's",
    "keys (the offline keys in DIR/keys/offline/ must be here) and, for root, with every new",
    "root key. In the same transaction every vehicle's metadata that ROLE signs is re-signed",
    "by the new key (and by the old one, so it verifies under root N until N+1 is out); then",
    "the vehicles' files are written, then N+1.root.json. A running `uptane serve` signs with",
    "the new keys from its next request. Vehicles take N+1 (and every root between) at their",
    "next update cycle; after that a document signed by an old key counts for nothing.",
    "A root without the PURE-2 roles offline-update-snapshot / offline-update-targets (a",
    "backend made before them) gains the role this way: root N+1 lists its new key (offline,",
    "in DIR/keys/offline/).",
    "Root and the offline-update roles only: --threshold N signatures needed (default: the",
    "current threshold), --keys K new keys made (default N). Old key files stay in DIR/keys/ until you remove them: after",
    "a compromise, remove them (and rotate every role whose key the attacker may hold).",
    "--key-type TYPE makes the new keys ed25519, ecdsa-p256 or rsa-pss (default: the type of",
    "the role's current keys; a partial Secondary reads ed25519, or ecdsa-p256 with",
    "partial-p256.wasm); --rsa-bits 2048|3072|4096 an RSA key's size (default: the current",
    "RSA key's, else 2048).",
    "PKCS11: --pkcs11-module PATH --pkcs11-token LABEL --pkcs11-pin-file FILE (or --pkcs11-uri",
    "URI) makes the new keys inside that PKCS#11 token; DIR/keys/ gets a reference",
    "(PREFIX-KEYID.pkcs11.json) instead of a key file, and `uptane serve` signs through the token.",
  ].join("\n"),
  options: { values: { role: {}, threshold: {}, keys: {}, "key-type": {}, "rsa-bits": {}, ...Object.fromEntries(TOKEN_OPTIONS.map((o) => [o, {}])) }, flags: ["json"] },
  positionals: ["DIR"],
  async run(parsed) {
    const role = optionValue(parsed, "role") as DirectorRole;
    if (!DIRECTOR_ROLES.includes(role)) throw new UsageError(`--role must be one of ${DIRECTOR_ROLES.join(", ")}`);
    const threshold = parsed.values.threshold ? optionInt(parsed, "threshold") : undefined;
    const keys = parsed.values.keys ? optionInt(parsed, "keys") : undefined;
    const keyType = optionKeyType(parsed);
    const rsaBits = rsaBitsOption(parsed.values);
    const token = tokenConfigOption(parsed.values);
    for (const option of ["pkcs11-module", "pkcs11-pin-file"]) for (const f of parsed.values[option] ?? []) inputFile(f, `--${option}`);
    if (!["root", ...OFFLINE_UPDATE_ROLES].includes(role) && (threshold !== undefined || keys !== undefined)) throw new UsageError(`--threshold and --keys apply to --role root and the offline-update roles only (${role} is signed online by one key)`);
    const dir = parsed.positional[0]!;
    return runReporting(parsed.flags.has("json"), async () => {
      await requireBackend(dir);
      if (token) checkToken(token);
      const director = openDirector(dir);
      try {
        const r = director.rotateKeys(role, { threshold, keys, keyType, rsaBits, token });
        const files = r.keyFiles.map((f) => join(dir, f));
        const text = [
          `Rotated Director ${role} keys (${r.oldKeyIds.map((k) => k.slice(0, 12)).join(", ")} -> ${r.newKeyIds.map((k) => k.slice(0, 12)).join(", ")}, threshold ${r.threshold}); Director root version ${r.rootVersion}, expires ${r.expires}`,
          `  new key file(s): ${files.join(", ")}`,
          `  vehicles re-signed: ${r.vehiclesResigned}`,
        ].join("\n") + pendingLine(r);
        return { data: { ...r, keyFiles: files }, text };
      } finally {
        director.close();
      }
    });
  },
};
