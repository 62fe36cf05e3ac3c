// A clear error when a command is pointed at a folder that holds no backend (or no supplier
// folder): bad usage, exit 2 (README "CLI").
import { isBackend } from "../../backend/init.ts";
import { isSupplierDir } from "../../backend/supplier/workdir.ts";
import { CliError } from "./errors.ts";

export async function requireBackend(dir: string): Promise<void> {
  if (!(await isBackend(dir))) throw new CliError("not-a-backend", `${dir} holds no backend (run uptane init ${dir} first)`);
}

export async function requireSupplierFolder(work: string): Promise<void> {
  if (!(await isSupplierDir(work))) throw new CliError("not-a-supplier-folder", `${work} is not a supplier folder (run uptane supplier init first)`);
}
