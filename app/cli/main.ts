// The `uptane` command: a table of subcommands. Each command lives in its own module and
// exports a Command; this file only dispatches. Exit codes: 0 ok, 1 verification
// failure, 2 bad usage, 3 NoUpdate (uptane verify).
import { commands } from "./commands.ts";
import { UsageError, printHelp } from "./command.ts";

async function main(argv: string[]): Promise<number> {
  const [name] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    printHelp(commands);
    return name ? 0 : 2;
  }
  if (name === "--version") {
    console.log("uptane 0.1.0");
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
  const args = argv.slice(command.name.split(" ").length);
  try {
    return await command.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`uptane ${command.name}: ${err.message} (see uptane ${command.name} --help)`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`uptane: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
