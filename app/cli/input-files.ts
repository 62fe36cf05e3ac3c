// Files and folders named on the command line are checked before a command does anything:
// one that is missing, unreadable or of the wrong kind is bad usage (exit 2, code
// `unreadable-file`, README "CLI"), said with the option that named it; so is an output
// file that cannot be written (`unwritable-file`), before anything is signed or recorded.
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CliError } from "./errors.ts";

function check(path: string, what: string, kind: "file" | "folder"): string {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError("unreadable-file", code === "ENOENT" || code === "ENOTDIR" ? `${what} ${path} does not exist` : `${what} ${path} cannot be read (${code ?? (e as Error).message})`);
  }
  if (kind === "file" && !st.isFile()) throw new CliError("unreadable-file", `${what} ${path} is not a file`);
  if (kind === "folder" && !st.isDirectory()) throw new CliError("unreadable-file", `${what} ${path} is not a folder`);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new CliError("unreadable-file", `${what} ${path} cannot be read (permission denied)`);
  }
  return path;
}

/** `path` if it is a readable regular file; `what` names it as the user gave it, e.g. "--key" or "FILE". */
export function inputFile(path: string, what: string): string {
  return check(path, what, "file");
}

/** `path` if it is a readable folder. */
export function inputFolder(path: string, what: string): string {
  return check(path, what, "folder");
}

/** `path` if a file can be written there: not a folder, in an existing folder this process may write. */
export function outputFile(path: string, what: string): string {
  try {
    if (statSync(path).isDirectory()) throw new CliError("unwritable-file", `${what} ${path} is a folder: name the file to write`);
  } catch (e) {
    if (e instanceof CliError) throw e; // anything else: it does not exist yet, its folder decides
  }
  const folder = dirname(resolve(path));
  let st;
  try {
    st = statSync(folder);
  } catch {
    throw new CliError("unwritable-file", `${what} ${path}: its folder ${folder} does not exist`);
  }
  if (!st.isDirectory()) throw new CliError("unwritable-file", `${what} ${path}: ${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new CliError("unwritable-file", `${what} ${path}: its folder ${folder} is not writable`);
  }
  return path;
}
