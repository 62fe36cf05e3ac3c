// Size of the release modules (raw and gzip, as shipped inside the host bundle) and the
// linear memory they use: right after instantiation, and after streaming 64 MiB through
// the hash (memory must stay flat, DESIGN.md section 3).
import { gzipSync } from "node:zlib";
import "../../../host/wasm/embedded.ts";
import { CryptoCore } from "../../../host/wasm/crypto.ts";
import { moduleBytes, type ModuleKind } from "../../../host/wasm/module.ts";
import type { BenchCase, Suite } from "../harness.ts";

const PAGE = 65536;

export const modulesSuite: Suite = {
  name: "modules",
  cases({ quick }) {
    const cases: BenchCase[] = [];
    for (const kind of ["full", "partial"] as ModuleKind[]) {
      const bytes = moduleBytes(kind);
      cases.push({ kind: "value", name: `${kind}.wasm size`, unit: "bytes", measure: () => bytes.length });
      cases.push({ kind: "value", name: `${kind}.wasm size (gzip -9)`, unit: "bytes", measure: () => gzipSync(bytes, { level: 9 }).length });
      cases.push({
        kind: "value",
        name: `${kind}.wasm memory after instantiation`,
        unit: "pages",
        measure: () => new CryptoCore(kind).core.memoryBytes / PAGE,
      });
      const streamed = quick ? 1 << 20 : 64 << 20;
      cases.push({
        kind: "value",
        name: `${kind}.wasm memory after hashing ${streamed >> 20} MiB`,
        unit: "pages",
        measure: () => {
          const crypto = new CryptoCore(kind);
          crypto.sha256(new Uint8Array(streamed));
          crypto.sha512(new Uint8Array(streamed));
          return crypto.core.memoryBytes / PAGE;
        },
      });
    }
    return cases;
  },
};
