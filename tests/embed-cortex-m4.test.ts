// The verifier on a Cortex-M4: the wasm2c translation of build/partial.wasm, built by
// embed/cortex-m4/build.ts for qemu's mps2-an386 and run there (semihosting feeds the
// inputs and carries the verdicts back). Partial verification (Uptane 5.4.4.1) of a good,
// a tampered and a rolled-back Director targets document, and every Wycheproof Ed25519
// case, each with the verdict partial.wasm gives in V8.
import { canonicalForwarding } from "../host/wasm/canonical.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCortexM4 } from "../embed/cortex-m4/build.ts";
import { ed25519CasesFile, reportLines, runOnQemu } from "../embed/cortex-m4/qemu.ts";
import { CryptoCore } from "../host/wasm/crypto.ts";
import { CRYPTO_STATUS, outcomeName } from "../model/outcome.ts";
import { PartialVerifier } from "../host/wasm/verifier.ts";
import { VehicleSim } from "./sim/vehicle.ts";

const dir = mkdtempSync(join(tmpdir(), "uptane-m4-"));
const { firmware } = buildCortexM4();
const ROLES = ["none", "root", "timestamp", "snapshot", "targets"];
/** embed/c/uptane.h: what the kit returns when the module trapped (printed as a u32). */
const UPTANE_TRAPPED = -2;

interface Report { status: number | null; lines: Array<{ key: string; values: string[] }> }

async function runJob(args: string[]): Promise<Report> {
  const r = await runOnQemu(firmware, args);
  return { status: r.status, lines: reportLines(r.output) };
}

function value(r: Report, key: string): string {
  const line = r.lines.find((l) => l.key === key);
  if (!line) throw new Error(`firmware printed no "${key}": ${JSON.stringify(r.lines)}`);
  return line.values[0]!;
}

/** Partial verification on the Cortex-M4 and, for comparison, in V8. */
async function verifyBoth(name: string, v: VehicleSim, sent: Uint8Array, installedReleaseCounter: number) {
  // the Director targets as a Primary forwards them to a partial Secondary: canonical JSON
  const targets = canonicalForwarding(sent);
  const root = v.director.root(1);
  const at = v.now + 60;
  writeFileSync(join(dir, `${name}.root.json`), root);
  writeFileSync(join(dir, `${name}.targets.json`), targets);
  const m4 = await runJob(["verify", join(dir, `${name}.root.json`), join(dir, `${name}.targets.json`), v.primary.serial, v.primary.hardwareId, String(at), String(installedReleaseCounter), "1"]);
  assert.is(m4.status, 0, JSON.stringify(m4.lines));
  const node = new PartialVerifier({ directorRoot: root, ecu: { serial: v.primary.serial, hardwareId: v.primary.hardwareId, installedReleaseCounter } })
    .update({ rootRotations: [], targets }, at);
  const repo = Number(value(m4, "repo"));
  return {
    m4: { outcome: outcomeName(Number(value(m4, "outcome"))), repo: repo === 0 ? null : repo === 1 ? "director" : "image", role: repo === 0 ? null : ROLES[Number(value(m4, "role"))] },
    node: { outcome: node.outcome, repo: node.ok ? null : node.repo, role: node.ok ? null : node.role },
  };
}

test("Cortex-M4 (qemu mps2-an386): a good Director targets document verifies: Ok", async () => {
  const v = VehicleSim.standard();
  const { m4, node } = await verifyBoth("good", v, v.director.files(1).targets, 0);
  assert.equal(m4, { outcome: "Ok", repo: null, role: null });
  assert.equal(m4, node);
});

test("Cortex-M4: Director targets changed after signing (a target's length): UnmetThreshold (director targets)", async () => {
  const v = VehicleSim.standard();
  const doc = JSON.parse(Buffer.from(v.director.files(1).targets).toString("utf8"));
  const target = Object.values(doc.signed.targets)[0] as { length: number };
  target.length += 1;
  const { m4, node } = await verifyBoth("tampered", v, new TextEncoder().encode(JSON.stringify(doc)), 0);
  assert.equal(m4, { outcome: "UnmetThreshold", repo: "director", role: "targets" });
  assert.equal(m4, node);
});

test("Cortex-M4: release counter lower than the installed one: RollbackAttack (director targets)", async () => {
  const v = VehicleSim.standard();
  const { m4, node } = await verifyBoth("rollback", v, v.director.files(1).targets, 2);
  assert.equal(m4, { outcome: "RollbackAttack", repo: "director", role: "targets" });
  assert.equal(m4, node);
});

test("Cortex-M4: the verifier opened with its stack spent traps at the stack guard (no fault), and opened again verifies: Ok", async () => {
  const v = VehicleSim.standard();
  const name = "exhaust";
  writeFileSync(join(dir, `${name}.root.json`), v.director.root(1));
  writeFileSync(join(dir, `${name}.targets.json`), canonicalForwarding(v.director.files(1).targets));
  const m4 = await runJob(["exhaust", join(dir, `${name}.root.json`), join(dir, `${name}.targets.json`), v.primary.serial, v.primary.hardwareId, String(v.now + 60), "0"]);
  assert.is(m4.status, 0, JSON.stringify(m4.lines));
  assert.is(Number(value(m4, "low-stack-open")) | 0, UPTANE_TRAPPED, JSON.stringify(m4.lines));
  assert.is(outcomeName(Number(value(m4, "root"))), "Ok", JSON.stringify(m4.lines));
  assert.is(outcomeName(Number(value(m4, "outcome"))), "Ok", JSON.stringify(m4.lines));
});

interface WycheproofCase { tcId: number; comment: string; msg: string; sig: string; result: "valid" | "invalid" }
const wycheproof = JSON.parse(readFileSync(new URL("crypto/fixtures/wycheproof-ed25519_test.json", import.meta.url), "utf8")) as {
  testGroups: Array<{ publicKey: { pk: string }; tests: WycheproofCase[] }>;
};

test("Cortex-M4: Wycheproof Ed25519, every one of the 151 cases as expected, with the status V8 gives", async () => {
  const hex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
  const cases = wycheproof.testGroups.flatMap((g) => g.tests.map((t) => ({ t, pk: hex(g.publicKey.pk), sig: hex(t.sig), msg: hex(t.msg) })));
  assert.is(cases.length, 151);
  writeFileSync(join(dir, "wycheproof.bin"), ed25519CasesFile(cases));
  const m4 = await runJob(["ed25519", join(dir, "wycheproof.bin")]);
  assert.is(m4.status, 0, JSON.stringify(m4.lines.slice(-3)));
  const verdicts = m4.lines.filter((l) => l.key === "verdict").map((l) => CRYPTO_STATUS[Number(l.values[0])]);
  assert.is(verdicts.length, 151);
  const v8 = new CryptoCore("partial");
  cases.forEach(({ t, pk, sig, msg }, i) => {
    const what = `tcId ${t.tcId} ${t.comment}: ${verdicts[i]}`;
    assert.is(verdicts[i] === "Valid", t.result === "valid", what);
    assert.is(verdicts[i], v8.ed25519Verify(pk, sig, msg), what);
  });
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
