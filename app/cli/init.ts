// `uptane init DIR`: a new OEM backend (every part in backend/parts.ts).
import type { Command, OptionSpec } from "./command.ts";
import { runReporting } from "./output.ts";
import { initBackend } from "../../backend/init.ts";
import { backendParts } from "../../backend/parts.ts";
import { inputFile } from "./input-files.ts";

/** Init options that name files to read (TLS material brought along). */
const INPUT_FILES = ["tls-cert", "tls-key", "tls-ca", "pkcs11-module", "pkcs11-pin-file"];

function spec(): OptionSpec {
  const values: Record<string, { repeat?: boolean }> = {};
  const flags = ["json"];
  for (const part of backendParts) {
    Object.assign(values, part.initOptions?.values ?? {});
    flags.push(...(part.initOptions?.flags ?? []));
  }
  return { values, flags };
}

export const initCommand: Command = {
  name: "init",
  summary: "create a new OEM backend (Image repository, keys, ...) in DIR",
  get usage() {
    return [
      "uptane init DIR [options] [--json]",
      "",
      "Creates DIR if missing (refuses a DIR that already holds a backend or anything else) with",
      "the Image repository (offline root/targets keys in DIR/keys/offline/, online",
      "snapshot/timestamp keys in DIR/keys/online/) and every other backend part.",
      "",
      "Options:",
      ...backendParts.filter((p) => p.initHelp).map((p) => p.initHelp!),
      "  --json                  print the result as one JSON object",
    ].join("\n");
  },
  options: spec(),
  positionals: ["DIR"],
  async run(parsed) {
    const dir = parsed.positional[0]!;
    for (const option of INPUT_FILES) for (const f of parsed.values[option] ?? []) inputFile(f, `--${option}`);
    return runReporting(parsed.flags.has("json"), async () => {
      const parts = await initBackend(dir, { values: parsed.values, flags: parsed.flags, now: new Date() });
      const lines = [`Created an OEM backend in ${dir}`];
      for (const [name, facts] of Object.entries(parts)) {
        for (const [k, v] of Object.entries(facts)) lines.push(`  ${name}.${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`);
      }
      return { data: { dir, parts }, text: lines.join("\n") };
    });
  },
};
