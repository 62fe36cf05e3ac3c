// A clear error when a backend command is pointed at a folder that holds no backend.
import { isBackend } from "../../backend/init.ts";

export class NotABackendError extends Error {}

export async function requireBackend(dir: string): Promise<void> {
  if (!(await isBackend(dir))) throw new NotABackendError(`${dir} holds no backend (run uptane init ${dir} first)`);
}
