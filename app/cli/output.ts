// What a command prints on success: human text by default, one JSON object `{"ok":true,...}`
// with --json. Failures are thrown and printed by the runner (run.ts) from the one error
// table (errors.ts).

export function printResult(json: boolean, data: Record<string, unknown>, text: string): void {
  if (json) console.log(JSON.stringify({ ok: true, ...data }));
  else console.log(text);
}

/** Runs `fn` and prints its result; anything it throws goes to the runner. */
export async function runReporting(json: boolean, fn: () => Promise<{ data: Record<string, unknown>; text: string }>): Promise<number> {
  const { data, text } = await fn();
  printResult(json, data, text);
  return 0;
}

/** The line a command adds when its change is committed but the Director's files are not written yet. */
export function pendingLine(r: { publication?: string; publicationDetail?: string }): string {
  return r.publication === "pending" ? `\nWARNING ${r.publicationDetail}` : "";
}
