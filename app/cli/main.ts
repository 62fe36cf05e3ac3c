// The `uptane` executable (the bundle dist/uptane.mjs): runs the command line and sets
// the exit status. The commands are in commands.ts, the dispatch and error printing in run.ts.
import { runCli } from "./run.ts";

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
