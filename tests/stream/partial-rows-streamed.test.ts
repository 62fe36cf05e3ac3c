// The partial attack rows (tests/attacks/partial-rows.ts) through streamed partial
// verification: every row must give the same outcome as the whole-document path, and
// the verdict must not depend on how the document is cut into chunks.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PARTIAL_ROWS, AT } from "../attacks/partial-rows.ts";
import { expectOutcome, partialVerifier } from "../attacks/harness.ts";
import type { VerifyResult } from "../../model/verification.ts";
import { canonicalForwarding } from "../../host/wasm/canonical.ts";

function streamed(row: (typeof PARTIAL_ROWS)[number], chunk: number): VerifyResult {
  const v = row.build();
  const serial = row.serial?.(v);
  let verifier;
  try {
    verifier = partialVerifier(v, serial, row.installedReleaseCounter);
  } catch (err) {
    return { outcome: (err as { outcome: VerifyResult["outcome"] }).outcome, ok: false, repo: "director", role: "root", detail: String(err) };
  }
  const files = v.director.files(1);
  return verifier.updateStreamed({ rootRotations: files.rootRotations, targets: canonicalForwarding(files.targets) }, AT(v), chunk);
}

for (const row of PARTIAL_ROWS) {
  test(`streamed ${row.name}`, () => {
    expectOutcome(streamed(row, 1024), ...row.expect);
  });
}

test("streamed: the verdict and target do not depend on the chunk sizes (1, 7, 64, 4095, whole)", () => {
  for (const row of PARTIAL_ROWS.slice(0, 6)) {
    const verdicts = [1, 7, 64, 4095, 1 << 30].map((c) => {
      const r = streamed(row, c);
      return JSON.stringify({ outcome: r.outcome, detail: r.detail, target: r.target ?? null });
    });
    for (const v of verdicts) assert.is(v, verdicts[0], row.name);
  }
});

test.run();
