// The marker file `uptane-backend.json` that says a folder holds a complete backend. Its
// bytes are fixed by the list of parts, so a reader can tell a changed byte from the real
// file and write the real one back (README "Backend": state checks).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const BACKEND_MARKER = "uptane-backend.json";

/** The parts of a backend, in init order (backend/parts.ts mounts them in this order). */
export const PART_NAMES = ["image", "director", "time"] as const;

export function markerBytes(): Buffer {
  return Buffer.from(JSON.stringify({ format: 1, parts: PART_NAMES }) + "\n");
}

/** "missing", "intact", or "changed" (the file differs from what `uptane init` writes). */
export function markerState(dir: string): "missing" | "intact" | "changed" {
  const path = join(dir, BACKEND_MARKER);
  if (!existsSync(path)) return "missing";
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return "changed";
  }
  return bytes.equals(markerBytes()) ? "intact" : "changed";
}
