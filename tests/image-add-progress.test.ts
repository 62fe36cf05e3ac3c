// `uptane image add` of a large file shows progress on a terminal: addImage reports both
// passes over the image (hashing the file, checking the stored copy) up to its length, and
// the bars are drawn on a terminal only, so piped and --json output stay clean.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { addImage } from "../backend/image/repository.ts";
import { ProgressBars } from "../app/vehicle/progress.ts";
import { newBackend, removeTempDirs, tempDir, writeTemp } from "./helpers/image-backend.ts";
import { uptane } from "./helpers/uptane-in-process.ts";

test.after(async () => {
  await removeTempDirs();
});

test("addImage reports the hashing and the check of the stored copy, each up to the image's length", async () => {
  const dir = await newBackend();
  const length = 3 * 1024 * 1024 + 17;
  const file = await writeTemp(await tempDir(), "big.bin", randomBytes(length));
  const events: Array<{ phase: string; done: number; total: number }> = [];
  await addImage(dir, file, { name: "big.bin", hardwareIds: ["hw"], onProgress: (e) => events.push(e) });
  for (const phase of ["hash", "check"]) {
    const mine = events.filter((e) => e.phase === phase);
    assert.ok(mine.length > 1, `${phase}: reported in pieces (${mine.length})`);
    assert.ok(mine.every((e, i) => e.total === length && (i === 0 || e.done > mine[i - 1]!.done)), `${phase}: growing, out of the length`);
    assert.is(mine.at(-1)!.done, length, `${phase}: ends at the length`);
  }
  const lastHash = events.map((e) => e.phase).lastIndexOf("hash");
  assert.ok(events.findIndex((e) => e.phase === "check") > lastHash, "hashing first, then the check");
});

test("the bars are drawn on a terminal only; uptane image add --json prints its one object and nothing else", async () => {
  const written: string[] = [];
  const tty = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  const bars = new ProgressBars(tty);
  bars.listener({ kind: "hash", label: "big.bin", done: 50, total: 100 });
  bars.listener({ kind: "hash", label: "big.bin", done: 100, total: 100 });
  assert.match(written.join(""), /hashing +\[#+\] +100% big\.bin \(100\/100 B\)/);
  const piped: string[] = [];
  new ProgressBars({ isTTY: false, write: (s: string) => piped.push(s) } as unknown as NodeJS.WriteStream).listener({ kind: "check", label: "x", done: 1, total: 2 });
  assert.equal(piped, []);

  const dir = await newBackend();
  const file = await writeTemp(await tempDir(), "fw.bin", randomBytes(200_000));
  const r = await uptane("image", "add", dir, file, "--name", "fw.bin", "--hardware-id", "hw", "--json");
  assert.is(r.code, 0, r.err);
  assert.is(r.out.split("\n").length, 1);
  assert.is(JSON.parse(r.out).length, 200_000);
  assert.is(r.err, "");
});

test.run();
