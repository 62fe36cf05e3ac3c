// Runs the built `uptane` command (dist/uptane.mjs) as a child process and collects what it
// printed; for tests that check exit codes and output as a user sees them.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

const CLI = join(import.meta.dirname, "../../dist/uptane.mjs");

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

/** Runs `uptane ... --json` synchronously; `out` is its last stdout line parsed, or null when that is not JSON. */
export function uptaneJson(...args: string[]): { status: number; out: any; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, "--json"], { encoding: "utf8" });
  let out: any = null;
  try {
    out = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "");
  } catch {
    /* not JSON: left null for the assertion to show */
  }
  return { status: r.status ?? -1, out, stderr: r.stderr };
}
