// Every `uptane` subcommand, in the order `uptane --help` lists them.
// Add one import and one entry per command; the command's code lives in its own file.
import type { Command } from "./command.ts";
import { demoCommand } from "./demo.ts";
import { initCommand } from "./init.ts";
import { imageAddCommand } from "./image-add.ts";
import { serveCommand } from "./serve.ts";
import { verifyCommand } from "./verify.ts";

export const commands: Command[] = [demoCommand, initCommand, imageAddCommand, serveCommand, verifyCommand];
