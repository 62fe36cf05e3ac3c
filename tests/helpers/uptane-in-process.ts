// `uptane ARGV` in process, as the bundle runs it (app/cli/run.ts): exit status and the
// captured output. Much faster than spawning the bundle for each call.
import { runCli } from "../../app/cli/run.ts";

export async function uptane(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    return { code: await runCli(argv), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}
