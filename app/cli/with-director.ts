// Opens the backend's Director for one command and closes it after, whatever happens.
import { openDirector } from "../../backend/director/part.ts";
import type { Director } from "../../backend/director/director.ts";
import { requireBackend } from "./backend-dir.ts";

export async function withDirector<T>(dir: string, fn: (director: Director) => Promise<T> | T): Promise<T> {
  await requireBackend(dir);
  const director = openDirector(dir);
  try {
    return await fn(director);
  } finally {
    director.close();
  }
}
