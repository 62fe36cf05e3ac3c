// Runs the `uptane` command line: picks the command, parses its arguments as it declared
// them, answers --help and --version, and turns usage errors into exit status 2 (README
// "CLI": 0 success, 1 a verification failure or refusal, 2 bad usage).
import pkg from "../../package.json" with { type: "json" };
import { parseArgs, UsageError, type Command } from "./command.ts";
import { commands } from "./commands.ts";

/** The version `uptane --version` prints: the package's (esbuild inlines package.json into the bundle). */
export const VERSION: string = pkg.version;

/** Parses `args` as `command` declares them and runs it; --help prints its usage. */
export async function runCommand(command: Command, args: string[]): Promise<number> {
  const parsed = parseArgs(args, command.options ?? {});
  if (parsed.help) {
    console.log(command.usage);
    return 0;
  }
  const want = command.positionals ?? [];
  if (parsed.positional.length !== want.length) {
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

/** `uptane ARGV...`: the exit status; errors other than usage errors propagate. */
export async function runCli(argv: string[]): Promise<number> {
  const [name] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    printHelp();
    return name ? 0 : 2;
  }
  if (name === "--version") {
    console.log(`uptane ${VERSION}`);
    return 0;
  }
  // Command names may be two words ("image add"): the longest name matching argv wins.
  const command = commands
    .filter((c) => c.name.split(" ").every((word, i) => argv[i] === word))
    .sort((a, b) => b.name.length - a.name.length)[0];
  if (!command) {
    const group = commands.filter((c) => c.name.startsWith(`${name} `)).map((c) => c.name);
    if (group.length > 0) console.error(`uptane: '${name}' needs a subcommand: ${group.join(", ")}`);
    else console.error(`uptane: unknown command '${name}' (see uptane --help)`);
    return 2;
  }
  try {
    return await runCommand(command, argv.slice(command.name.split(" ").length));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`uptane ${command.name}: ${err.message} (see uptane ${command.name} --help)`);
      return 2;
    }
    throw err;
  }
}
