// The nesting cap for untrusted JSON on the host and backend side, the same as the
// verifier's (MAX_JSON_DEPTH in the module's JSON reader): no document Uptane or TUF
// defines comes near it, and anything that walks a parsed document recursively (the
// canonical-JSON writer, JSON.stringify) stays a few dozen frames deep.

export const MAX_JSON_DEPTH = 32;

/**
 * True when `value` nests arrays or objects more than `max` levels deep (`[]` is one
 * level). Walks with an explicit stack, so a 100,000-deep document is measured, not a
 * stack overflow; stops at the first container past the cap.
 */
export function nestsDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
