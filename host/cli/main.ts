// The `uptane` command: a table of subcommands. Each command lives in its own module and
// exports a Command; this file only dispatches. Exit codes: 0 ok, 1 verification
// failure, 2 bad usage, 3 NoUpdate (uptane verify).
import { commands } from "./commands.ts";
import { UsageError, printHelp } from "./command.ts";

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    printHelp(commands);
    return name ? 0 : 2;
  }
  if (name === "--version") {
    console.log("uptane 0.1.0");
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`uptane: unknown command '${name}' (see uptane --help)`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`uptane ${name}: ${err.message} (see uptane ${name} --help)`);
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
