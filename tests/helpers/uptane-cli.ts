// Runs the built `uptane` command (dist/uptane.mjs) as a child process and collects what it
// printed; for tests that check exit codes and output as a user sees them.
import { spawn } from "node:child_process";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export function uptane(...argv: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["dist/uptane.mjs", ...argv], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => resolve({ code: code ?? -1, out, err }));
  });
}
