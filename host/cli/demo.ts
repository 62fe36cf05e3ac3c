// `uptane demo`: what `npm start` runs. Until the vehicle simulator exists it shows
// what the build holds.
import type { Command } from "./command.ts";
import { parseArgs } from "./command.ts";
import { moduleBytes } from "../wasm/module.ts";

export const demoCommand: Command = {
  name: "demo",
  summary: "run the end-to-end demo on embedded defaults",
  usage: "uptane demo\n\nRuns the end-to-end demo.",
  async run(args) {
    const parsed = parseArgs(args, {});
    if (parsed.help) {
      console.log(this.usage);
      return 0;
    }
    console.log("The end-to-end demo is not built yet. What this build holds:");
    console.log(`  build/full.wasm     ${moduleBytes("full").length} bytes`);
    console.log(`  build/partial.wasm  ${moduleBytes("partial").length} bytes`);
    console.log("Try `npm test` and `npm run bench`, or `node dist/uptane.mjs --help`.");
    return 0;
  },
};
