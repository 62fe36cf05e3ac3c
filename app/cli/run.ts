// Runs the `uptane` command line: picks the command, parses its arguments as it declared
// them, answers --help and --version, and prints whatever a command throws as one error of
// the table in errors.ts: README "CLI", exit 0 success, 1 refused or failed, 2 bad usage;
// with --json exactly one JSON object on standard output, `{"ok":false,"error":CODE,"detail":TEXT}`
// for an error.
import pkg from "../../package.json" with { type: "json" };
import { parseArgs, UsageError, type Command } from "./command.ts";
import { commands } from "./commands.ts";
import { describeError } from "./errors.ts";
import { closeTokens } from "../../backend/keys/pkcs11-token.ts";

/** The version `uptane --version` prints: the package's (esbuild inlines package.json into the bundle). */
export const VERSION: string = pkg.version;

/** Parses `args` as `command` declares them and runs it; --help prints its usage. */
export async function runCommand(command: Command, args: string[]): Promise<number> {
  const parsed = parseArgs(args, command.options ?? {});
  if (parsed.help) {
    if (parsed.flags.has("json")) console.log(JSON.stringify({ ok: true, usage: command.usage }));
    else console.log(command.usage);
    return 0;
  }
  const want = command.positionals ?? [];
  const least = want.length - (command.optionalPositionals ?? 0);
  if (parsed.positional.length > want.length || parsed.positional.length < least) {
    if (want.length === 0) throw new UsageError(`unexpected argument '${parsed.positional[0]}'`);
    throw new UsageError(want.length === 1 ? `expected exactly one ${want[0]}` : `expected ${want.slice(0, -1).join(", ")} and ${want.at(-1)}`);
  }
  return command.run(parsed);
}

function printHelp(): void {
  console.log("uptane: Uptane 2.1 secure over-the-air updates\n\nCommands:");
  const width = Math.max(...commands.map((c) => c.name.length));
  for (const c of commands) console.log(`  ${c.name.padEnd(width)}  ${c.summary}`);
  console.log("\nRun `uptane COMMAND --help` for a command's options.");
}

/** `uptane ARGV...`: the exit status. Never throws: every error is printed as the contract says. */
export async function runCli(argv: string[]): Promise<number> {
  const [name] = argv;
  // Decided before parsing, so that a usage error is JSON too.
  const json = argv.includes("--json");
  if (!name || name === "--help" || name === "-h" || name === "help") {
    printHelp();
    return name ? 0 : 2;
  }
  if (name === "--version") {
    if (json) console.log(JSON.stringify({ ok: true, version: VERSION }));
    else console.log(`uptane ${VERSION}`);
    return 0;
  }
  // Command names may be two words ("image add"): the longest name matching argv wins.
  const command = commands
    .filter((c) => c.name.split(" ").every((word, i) => argv[i] === word))
    .sort((a, b) => b.name.length - a.name.length)[0];
  if (!command) {
    const group = commands.filter((c) => c.name.startsWith(`${name} `)).map((c) => c.name);
    const detail = group.length > 0 ? `'${name}' needs a subcommand: ${group.join(", ")}` : `unknown command '${name}' (see uptane --help)`;
    if (json) console.log(JSON.stringify({ ok: false, error: "usage", detail }));
    else console.error(`uptane: ${detail}`);
    return 2;
  }
  try {
    return await runCommand(command, argv.slice(command.name.split(" ").length));
  } catch (err) {
    const e = describeError(err);
    if (json) {
      const head = { ok: false, error: e.code, detail: e.detail };
      console.log(JSON.stringify(Object.assign({ ...head }, e.fields, head)));
    }
    else console.error(`uptane ${command.name}: ${e.detail}${e.code === "usage" ? ` (see uptane ${command.name} --help)` : ""}`);
    return e.exit;
  } finally {
    // Sessions on PKCS#11 tokens end with the command (README "Backend: keys in a PKCS#11 token").
    closeTokens();
  }
}
