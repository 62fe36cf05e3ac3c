// The named ABI (README "Embedding: the module ABI"): assembly/ defines every number that
// crosses the boundary once; the build writes the host's copy and the C header from it.
// These tests catch a stale or hand-edited copy, a header that disagrees with the host, a
// module that disagrees with the names, and a host that goes back to bare numbers.
import { canonicalForwarding } from "../host/wasm/canonical.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { C_OUT, HOST_OUT, renderAll } from "../scripts/gen-abi.mjs";
import * as abi from "../build/abi.ts";
import { Capacity, DetailNames, ResultField, TargetField, HashAlgorithm, MISUSE, Outcome, OutcomeNames } from "../build/abi.ts";
import { CoreInstance } from "../host/wasm/module.ts";
import { DETAILS } from "../host/wasm/details.ts";
import { PartialVerifier } from "../host/wasm/verifier.ts";
import { VehicleSim } from "./sim/vehicle.ts";

type Raw = Record<string, (...args: number[]) => number>;
const enums = Object.entries(abi as Record<string, unknown>).filter((e): e is [string, Record<string, number>] => typeof e[1] === "object" && !Array.isArray(e[1]));

test("build/abi.ts and build/c/uptane_abi.h are exactly what assembly/ defines now", () => {
  const fresh = renderAll();
  for (const path of [HOST_OUT, C_OUT]) assert.is(readFileSync(path, "utf8"), fresh[path], `${path} is stale or edited: run npm run build`);
});

test("the C header compiles warning-free and gives every name the host's value", () => {
  const dir = mkdtempSync(join(tmpdir(), "uptane-abi-"));
  try {
    let c = `#include <stdio.h>\n#include "uptane_abi.h"\n`;
    for (const [name, members] of enums) {
      for (const [member, value] of Object.entries(members)) c += `_Static_assert(UPTANE_${name}_${member} == ${value}, "${name}.${member}");\n`;
    }
    c += `_Static_assert(UPTANE_MISUSE == ${MISUSE}, "MISUSE");\n`;
    c += `int main(void) {\n  for (int i = -1; i <= ${OutcomeNames.length}; i++) { const char *n = uptane_abi_outcome_name(i); printf("%s\\n", n ? n : "(none)"); }\n`;
    c += `  printf("%lld %lld\\n", (long long)uptane_join64(5, 2), (long long)uptane_join64(-1, -1));\n  return 0;\n}\n`;
    writeFileSync(join(dir, "check.c"), c);
    execFileSync("gcc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", "build/c", "-o", join(dir, "check"), join(dir, "check.c")]);
    const lines = execFileSync(join(dir, "check"), { encoding: "utf8" }).trim().split("\n");
    assert.equal(lines.slice(0, -1), ["(none)", ...OutcomeNames, "(none)"]);
    assert.is(lines.at(-1), `${5 + 2 * 2 ** 32} -1`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every module answers by the names: every capacity is set, an index past the last is -1", () => {
  for (const kind of ["full", "partial", "full-enc", "partial-enc"] as const) {
    const x = new CoreInstance(kind).exports as unknown as Raw;
    // 0 only where a module lacks the thing: full takes no streamed targets, partial names no other ECUs
    const none = kind.startsWith("full") ? ["StreamedTargetsBytes"] : ["VehicleEcus"];
    for (const [name, which] of Object.entries(Capacity)) assert.ok(none.includes(name) ? x.capacity(which) === 0 : x.capacity(which) > 0, `${kind} capacity ${name}`);
    assert.is(x.capacity(Math.max(...Object.values(Capacity)) + 1), -1, `${kind} capacity past the last`);
    assert.is(x.capacity(Capacity.DetailCodes), DetailNames.length, `${kind} detail codes`);
    assert.is(DETAILS.length, DetailNames.length, "host/wasm/details.ts has a text for every detail code");
    assert.is(x.result(ResultField.Outcome), Outcome.Ok);
    assert.is(x.result(Math.max(...Object.values(ResultField)) + 1), -1, `${kind} result field past the last`);
    assert.is(x.result(-1), -1);
    assert.is(x.target(0, TargetField.Count), 0, `${kind} no rows before a verification`);
    assert.is(x.target(0, TargetField.ThisEcuRow), -1);
    assert.is(x.target(0, TargetField.NamePtr), -1, `${kind} row past the last`);
    assert.is(x.hashInit(HashAlgorithm.Sha512), 0);
    assert.is(x.hashInit(HashAlgorithm.Sha256 + 1), 1, "an unnamed algorithm is Invalid");
    assert.is(x.cycleBegin(0, -1), MISUSE, `${kind} a negative reference time is misuse`);
    assert.is(x.setInstalledReleaseCounter(-1, -1), MISUSE, `${kind} a negative release counter is misuse`);
  }
});

test("64-bit values cross as two halves: a release counter above 2^32 and a reference time after 2106", () => {
  const big = 2 ** 33 + 5;
  const v = VehicleSim.standard();
  const serial = v.ecus[1].serial;
  v.assign(serial, v.assignedName(serial), { releaseCounter: big });
  const targets = canonicalForwarding(v.files().director.targets);
  const ok = new PartialVerifier(v.partialConfig(serial, big - 1)).update({ rootRotations: [], targets }, v.now);
  assert.is(ok.outcome, "Ok");
  assert.is(ok.target?.releaseCounter, big);
  const rollback = new PartialVerifier(v.partialConfig(serial, big + 1)).update({ rootRotations: [], targets }, v.now);
  assert.is(rollback.outcome, "RollbackAttack");
  assert.is(rollback.expected, big + 1);
  assert.is(rollback.got, big);
  const late = new PartialVerifier(v.partialConfig(serial)).update({ rootRotations: [], targets }, 2 ** 32 + v.now);
  assert.is(late.outcome, "ExpiredMetadata", "the high half of the reference time reaches the module");
});

test("host/wasm calls the ABI by name, never by a bare number", () => {
  const bare = /\.(capacity|result|attestedTime|hashInit)\(\s*-?\d|\.target\([^,()]+,\s*-?\d/;
  for (const file of readdirSync("host/wasm").filter((f) => f.endsWith(".ts"))) {
    readFileSync(join("host/wasm", file), "utf8").split("\n").forEach((line, i) => {
      assert.not.ok(bare.test(line), `host/wasm/${file}:${i + 1} passes a bare number: ${line.trim()}`);
    });
  }
});

test.run();
