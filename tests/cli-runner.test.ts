// The `uptane` command line shares one argument mechanism: each command declares its
// options and positionals once, and the runner answers --help, refuses a wrong number of
// positionals (exit 2, naming what it expected) and unknown options, and prints the
// package's version.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { commands } from "../app/cli/commands.ts";
import { uptane } from "./helpers/uptane-in-process.ts";

const ROOT = join(import.meta.dirname, "..");

test("the built uptane prints package.json's version", () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  const r = spawnSync(process.execPath, [join(ROOT, "dist/uptane.mjs"), "--version"], { encoding: "utf8", timeout: 30_000 });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), `uptane ${version}`);
});

test("every command answers --help with its usage and exit 0", async () => {
  assert.ok(commands.length >= 17, `${commands.length} commands`);
  for (const c of commands) {
    const r = await uptane(...c.name.split(" "), "--help");
    assert.is(r.code, 0, `${c.name}: ${r.err}`);
    assert.is(r.out, c.usage, c.name);
    assert.ok(c.usage.startsWith(`uptane ${c.name}`), `${c.name}: usage starts with its synopsis`);
  }
});

test("a wrong number of positionals is a usage error naming what the command expects", async () => {
  for (const c of commands) {
    const want = c.positionals ?? [];
    const r = want.length === 0 ? await uptane(...c.name.split(" "), "stray") : await uptane(...c.name.split(" "));
    assert.is(r.code, 2, c.name);
    if (want.length === 0) assert.match(r.err, `uptane ${c.name}: unexpected argument 'stray'`);
    else for (const p of want) assert.match(r.err, p, `${c.name} names ${p}`);
    assert.match(r.err, `(see uptane ${c.name} --help)`);
  }
});

test("an unknown option or a valued option without its value is a usage error", async () => {
  for (const c of commands) {
    const r = await uptane(...c.name.split(" "), "--no-such-option");
    assert.is(r.code, 2, c.name);
    assert.match(r.err, "unknown option --no-such-option", c.name);
  }
  const serve = await uptane("serve", "dir", "--port");
  assert.is(serve.code, 2);
  assert.match(serve.err, "--port needs a value");
});

test.run();
