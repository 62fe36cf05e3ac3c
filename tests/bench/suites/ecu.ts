// The verifier on an ECU: the Cortex-M4 build of partial.wasm (embed/cortex-m4, wasm2c +
// arm-none-eabi-gcc -Os) on qemu's mps2-an386. Flash: text, data and bss of the verifier
// alone (ecu-partial.elf, what a partial ECU calls, linked with --gc-sections, minus the
// same program without the verifier, by arm-none-eabi-size). RAM: linear memory pages the
// module grew to, where its static data ends (the end of partial.wasm's data segments),
// arena bytes in use and the native stack's peak (painted). Instructions: counted under
// qemu -icount shift=0 through SysTick (40 instructions a tick), first call (which builds
// the base-point table) and later calls apart. Nothing here is asserted.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCortexM4 } from "../../../embed/cortex-m4/build.ts";
import { ed25519CasesFile, insnsOf, reportLines, runOnQemu } from "../../../embed/cortex-m4/qemu.ts";
import "../../../host/wasm/embedded.ts";
import { canonicalForwarding } from "../../../host/wasm/canonical.ts";
import { moduleBytes } from "../../../host/wasm/module.ts";
import { VehicleSim } from "../../sim/vehicle.ts";
import type { BenchCase, Suite } from "../harness.ts";

const TARGETS_BYTES = 16 * 1024;
const CALLS = 3;

/** text, data and bss of an image, by arm-none-eabi-size (Berkeley format). */
function sectionSizes(elf: string): { text: number; data: number; bss: number } {
  const line = execFileSync("arm-none-eabi-size", [elf], { encoding: "utf8" }).trim().split("\n")[1]!;
  const [text, data, bss] = line.trim().split(/\s+/).map(Number);
  return { text: text!, data: data!, bss: bss! };
}

function readLeb(bytes: Uint8Array, at: { pos: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at.pos++]!;
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return result;
    shift += 7;
  }
}

/** The end of the module's static data: the highest offset + length of its active data segments (i32.const offsets). */
export function staticDataEnd(wasm: Uint8Array): number {
  const at = { pos: 8 };
  let end = 0;
  while (at.pos < wasm.length) {
    const id = wasm[at.pos++];
    const size = readLeb(wasm, at);
    const next = at.pos + size;
    if (id === 11) {
      const count = readLeb(wasm, at);
      for (let i = 0; i < count; i++) {
        const flags = readLeb(wasm, at);
        if (flags === 1) {
          at.pos += readLeb(wasm, at); // passive: no address
          continue;
        }
        if (flags === 2) readLeb(wasm, at); // memory index
        if (wasm[at.pos++] !== 0x41) throw new Error("data segment offset is not i32.const");
        const offset = readLeb(wasm, at); // unsigned read: offsets here are small and positive
        at.pos++; // end
        const len = readLeb(wasm, at);
        at.pos += len;
        end = Math.max(end, offset + len);
      }
    }
    at.pos = next;
  }
  return end;
}

/** The smallest Director targets document of at least `bytes` bytes with one target per ECU of a vehicle. */
function directorTargetsOfSize(bytes: number): { v: VehicleSim; root: Uint8Array; targets: Uint8Array } {
  const vehicle = (n: number) => {
    const ecus = Array.from({ length: n }, (_, i) => ({ serial: `ecu-${String(i).padStart(3, "0")}`, hardwareId: `hw-model-${i}` }));
    const v = VehicleSim.standard({ ecus });
    // the Director targets as a Primary forwards them to a partial Secondary: canonical JSON
    return { v, root: v.director.root(1), targets: canonicalForwarding(v.director.files(1).targets) };
  };
  let n = 8;
  while (vehicle(n).targets.length < bytes) n += 8;
  while (n > 1 && vehicle(n - 1).targets.length >= bytes) n--;
  return vehicle(n);
}

interface Figures {
  flash: { text: number; data: number; bss: number };
  ed25519: number[];
  root: number;
  partial: number[];
  targetsBytes: number;
  pages: number;
  arena: number;
  stack: number;
  ed25519Stack: number;
  outcome: number;
}

async function measure(): Promise<Figures> {
  const images = buildCortexM4();
  const ecu = sectionSizes(images.ecuPartial);
  const base = sectionSizes(images.ecuBase);
  const dir = mkdtempSync(join(tmpdir(), "uptane-ecu-bench-"));
  try {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const pk = new Uint8Array(Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url"));
    const msg = new Uint8Array(randomBytes(128));
    const sig = new Uint8Array(sign(null, msg, privateKey));
    writeFileSync(join(dir, "ed25519.bin"), ed25519CasesFile(Array.from({ length: CALLS }, () => ({ pk, sig, msg }))));
    const ed = reportLines((await runOnQemu(images.firmware, ["ed25519", join(dir, "ed25519.bin")])).output);
    if (ed.filter((l) => l.key === "verdict").some((l) => l.values[0] !== "0")) throw new Error("ecu bench: the Cortex-M4 build refused a valid signature");

    const { v, root, targets } = directorTargetsOfSize(TARGETS_BYTES);
    writeFileSync(join(dir, "root.json"), root);
    writeFileSync(join(dir, "targets.json"), targets);
    const me = v.ecus[1]!;
    const pv = reportLines(
      (await runOnQemu(images.firmware, ["verify", join(dir, "root.json"), join(dir, "targets.json"), me.serial, me.hardwareId, String(v.now + 60), "0", String(CALLS)])).output,
    );
    const one = (lines: typeof pv, key: string) => {
      const l = lines.find((x) => x.key === key);
      if (!l) throw new Error(`ecu bench: the firmware printed no ${key}: ${JSON.stringify(lines)}`);
      return l.values;
    };
    const outcome = Number(one(pv, "outcome")[0]);
    if (outcome !== 0) throw new Error(`ecu bench: partial verification of the ${targets.length}-byte document gave outcome ${outcome}, not Ok`);
    return {
      flash: { text: ecu.text - base.text, data: ecu.data - base.data, bss: ecu.bss - base.bss },
      ed25519: ed.filter((l) => l.key === "ticks").map((l) => insnsOf(l.values)),
      root: insnsOf(one(pv, "root-ticks")),
      partial: pv.filter((l) => l.key === "ticks").map((l) => insnsOf(l.values)),
      targetsBytes: targets.length,
      pages: Number(one(pv, "pages")[0]),
      arena: Number(one(pv, "arena")[0]),
      stack: Number(one(pv, "stack")[0]),
      ed25519Stack: Number(one(ed, "stack")[0]),
      outcome,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const later = (xs: number[]) => {
  const s = xs.slice(1).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

export const ecuSuite: Suite = {
  name: "ecu",
  cases() {
    let figures: Promise<Figures> | undefined;
    const get = () => (figures ??= measure());
    const row = (name: string, unit: string, pick: (f: Figures) => number): BenchCase => ({ kind: "value", name: `cortex-m4 ${name}`, unit, measure: async () => pick(await get()) });
    const kb = `${TARGETS_BYTES >> 10} KB`;
    return [
      row("flash: partial verifier text (gc-sections, what a partial ECU calls)", "bytes", (f) => f.flash.text),
      row("flash: partial verifier data", "bytes", (f) => f.flash.data),
      row("RAM: partial verifier bss (linear memory included)", "bytes", (f) => f.flash.bss),
      row(`RAM: linear memory after verifying ${kb} Director targets`, "pages", (f) => f.pages),
      { kind: "value", name: "cortex-m4 RAM: static data end in partial.wasm", unit: "bytes", measure: () => staticDataEnd(moduleBytes("partial")) },
      row(`RAM: arena in use after verifying ${kb} Director targets`, "bytes", (f) => f.arena),
      row("RAM: peak native stack, partial verification", "bytes", (f) => f.stack),
      row("RAM: peak native stack, Ed25519 verify", "bytes", (f) => f.ed25519Stack),
      row("Ed25519 verify (128 B), first call", "instructions", (f) => f.ed25519[0]!),
      row("Ed25519 verify (128 B), later calls", "instructions", (f) => later(f.ed25519)),
      row("load the Director root (first signature check)", "instructions", (f) => f.root),
      row(`partial verification, ${kb} Director targets, first call after the root`, "instructions", (f) => f.partial[0]!),
      row(`partial verification, ${kb} Director targets, later calls`, "instructions", (f) => later(f.partial)),
      row(`partial verification: Director targets size`, "bytes", (f) => f.targetsBytes),
    ];
  },
};
