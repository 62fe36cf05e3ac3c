// `uptane demo` (what `npm start` runs): the end-to-end update on embedded defaults, in a
// temporary folder, narrated; `--attack NAME` shows an attack being caught.
import type { Command } from "./command.ts";
import { UsageError } from "./command.ts";
import { join } from "node:path";
import { plainDemo, type PlainDemoResult } from "../vehicle/demo-script.ts";
import { addConsoleUser } from "../../backend/console/users.ts";
import { ProgressBars } from "../vehicle/progress.ts";
import { SUMMARY_LEGEND, summaryTable } from "../vehicle/summary.ts";
import { ATTACKS, runAttack } from "../vehicle/attacks.ts";
import { CliError } from "./errors.ts";
import { DEMO_VEHICLE, ENCRYPTED_DEMO_VEHICLE } from "../vehicle/demo-world.ts";

export const demoCommand: Command = {
  name: "demo",
  summary: "run the end-to-end demo on embedded defaults (or show an attack being caught)",
  usage: [
    "uptane demo [--attack NAME] [--list-attacks] [--encrypted] [--json]",
    "",
    "Initialises an OEM backend in a temporary folder and serves it on 127.0.0.1; registers a",
    "vehicle (a Primary and three Secondaries: two partial-verification ECUs on CAN FD and",
    "classic CAN 500k, one full-verification ECU on CAN FD); a supplier signs a brake image",
    "under its delegation, the OEM imports it and adds a camera image; a campaign and an",
    "assignment send them to the vehicle, which updates over HTTPS (its client certificate) and the CAN buses; the",
    "Director's inventory then shows the new versions. Ends with a table per ECU. Removes the",
    "folder and stops the server afterwards.",
    "",
    "  --attack NAME    run the same world, then the attack NAME, and show which ECU refused it",
    "  --list-attacks   list the attacks",
    "  --encrypted      every Secondary decrypts (partial-enc.wasm / full-enc.wasm) and is registered",
    "                   with its X25519 encryption key: the Director encrypts each one's images for it",
    "  --console        after the demo, keep the backend up with its OEM console (/console/),",
    "                   print the URL and an admin login, and wait for Ctrl-C",
    "  --json           no narration; one JSON object: {ok, vin, summary, directorView}, with",
    "                   --attack {ok, attack, caught, refusedBy, outcome, detail, changed, before,",
    "                   after, summary} (exit 1, error attack-not-caught, when no ECU refused it)",
  ].join("\n"),
  options: { values: { attack: {} }, flags: ["list-attacks", "json", "console", "encrypted"] },
  async run(parsed) {
    const json = parsed.flags.has("json");
    if (parsed.flags.has("list-attacks")) {
      if (json) {
        console.log(JSON.stringify({ ok: true, attacks: ATTACKS.map((a) => ({ name: a.name, summary: a.summary, expect: a.expect })) }));
        return 0;
      }
      const w = Math.max(...ATTACKS.map((a) => a.name.length));
      for (const a of ATTACKS) console.log(`${a.name.padEnd(w)}  ${a.summary}`);
      return 0;
    }
    const name = parsed.values.attack?.[0];
    const attack = name === undefined ? undefined : ATTACKS.find((a) => a.name === name);
    if (name !== undefined && !attack) throw new CliError("unknown-attack", `no attack '${name}' (see uptane demo --list-attacks)`);
    if (parsed.flags.has("console") && (attack || json)) throw new UsageError("--console runs the plain demo only (not with --attack or --json)");
    const encrypted = parsed.flags.has("encrypted");
    if (encrypted && (attack || parsed.flags.has("console"))) throw new UsageError("--encrypted runs the plain demo only (not with --attack or --console)");
    const config = encrypted ? ENCRYPTED_DEMO_VEHICLE : undefined;
    if (json) {
      if (attack) {
        const { attack: attackName, ...result } = await runAttack(attack, {});
        const data = { attack: attackName, ...result };
        if (!result.caught) throw new CliError("attack-not-caught", `${attackName}: no ECU refused it as expected (refused by ${result.refusedBy ?? "none"}: ${result.outcome})`, data);
        console.log(JSON.stringify({ ok: true, ...data }));
        return 0;
      }
      const result = await plainDemo({ config });
      console.log(JSON.stringify({ ok: true, vin: DEMO_VEHICLE.vin, summary: result.summary, directorView: result.directorView }));
      return 0;
    }
    const bars = new ProgressBars();
    const log = (line: string) => {
      bars.end();
      console.log(line);
    };
    if (attack) {
      const result = await runAttack(attack, { log, onProgress: bars.listener });
      bars.end();
      console.log("");
      console.log(summaryTable(result.summary));
      console.log(SUMMARY_LEGEND.replace("Totals over the cycles run.", "The attack cycle only."));
      // Caught as expected is the demo succeeding.
      return result.caught ? 0 : 1;
    }
    const table = (summary: PlainDemoResult["summary"]) => {
      bars.end();
      console.log("");
      console.log(summaryTable(summary));
      console.log(SUMMARY_LEGEND);
    };
    if (parsed.flags.has("console")) {
      await plainDemo({ log, onProgress: bars.listener, beforeClose: async (world, result) => {
        table(result.summary);
        const { password } = await addConsoleUser(world.dir, "demo", "admin");
        console.log("");
        console.log(`OEM console: ${world.url}/console/  user demo, password ${password} (admin)`);
        console.log(`The server's certificate is the demo backend's own CA (${join(world.dir, "tls", "server-ca.pem")}): the browser asks before it connects.`);
        console.log("Ctrl-C stops the server and removes the demo's folder.");
        await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
      } });
      return 0;
    }
    table((await plainDemo({ log, onProgress: bars.listener, config })).summary);
    return 0;
  },
};
