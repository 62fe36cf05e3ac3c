// Every `uptane` subcommand, in the order `uptane --help` lists them.
// Add one import and one entry per command; the command's code lives in its own file.
import type { Command } from "./command.ts";
import { demoCommand } from "./demo.ts";
import { verifyCommand } from "./verify.ts";

export const commands: Command[] = [demoCommand, verifyCommand];
