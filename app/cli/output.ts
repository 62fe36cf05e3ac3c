// Shared result/error printing for backend commands: human text by default, one JSON
// object with `--json`. Errors about the user's input (names, option values) exit 2; a
// refused operation (verification failure, missing repository, bad keys) exits 1.
import { UsageError } from "./command.ts";
import { NameError } from "../../backend/image/names.ts";
import { InitOptionError } from "../../backend/image/part.ts";
import { TlsInitError } from "../../backend/tls/part.ts";

export async function runReporting(json: boolean, fn: () => Promise<{ data: Record<string, unknown>; text: string }>): Promise<number> {
  try {
    const { data, text } = await fn();
    if (json) console.log(JSON.stringify({ ok: true, ...data }));
    else console.log(text);
    return 0;
  } catch (err) {
    if (err instanceof UsageError && !json) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const usage = err instanceof UsageError || err instanceof NameError || err instanceof InitOptionError || err instanceof TlsInitError;
    if (json) console.log(JSON.stringify({ ok: false, error: message }));
    else console.error(`uptane: ${message}`);
    return usage ? 2 : 1;
  }
}

/** The line a command adds when its change is committed but the Director's files are not written yet. */
export function pendingLine(r: { publication?: string; publicationDetail?: string }): string {
  return r.publication === "pending" ? `\nWARNING ${r.publicationDetail}` : "";
}
