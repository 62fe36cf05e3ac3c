// Builds the Cortex-M4 images for qemu's mps2-an386 from build/partial.wasm (run
// `npm run build` first): the C kit's translation (make -C embed/c, wasm2c into build/c/)
// and its calls (embed/c/uptane.c), compiled by arm-none-eabi-gcc with our startup,
// linker script and bare-metal wasm2c runtime. Outputs, in build/cortex-m4/:
//   firmware.elf      the test and bench firmware (firmware.c: jobs over semihosting)
//   ecu-partial.elf   what a partial-verification ECU links (ecu-partial.c), for flash
//   ecu-base.elf      the same program without the verifier (the flash baseline)
// The translation is compiled as wasm2c emits it but for two rewrites of the generated
// C (boundsCheck32, guardRecursion below), and linked with link-time optimisation.
// Usage: node --import tsx embed/cortex-m4/build.ts   (or import { buildCortexM4 })
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const out = join(root, "build", "cortex-m4");

/** The compiler flags of the README's recipe. NDEBUG drops the translation's asserts (and newlib's printf with them). */
export const CFLAGS = [
  "-Os", "-DNDEBUG", "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0", "-DWASM_RT_USE_STACK_DEPTH_COUNT=0", "-mcpu=cortex-m4", "-mthumb", "-ffunction-sections", "-fdata-sections", "-flto", "-flto-partition=one",
];
export const LDFLAGS = ["-Os", "-flto", "-flto-partition=one", "-mcpu=cortex-m4", "-mthumb", "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs", "-Wl,--gc-sections"];
/** Linear memory pages the test firmware gives the module (the bench reports the pages it used). */
const FIRMWARE_PAGES = 4;

/** wasm2c's runtime headers: wasm-rt.h ships in /usr/include, wasm-rt-impl.h with the runtime sources. */
const WASM_RT_H = "/usr/include/wasm-rt.h";
const WASM_RT_IMPL_DIR = "/usr/share/wabt/wasm2c";

function newest(paths: string[]): number {
  return Math.max(...paths.map((p) => statSync(p).mtimeMs));
}

/**
 * Marks the translation's memory load and store helpers always_inline. At -Os gcc keeps
 * them as calls (hundreds of call sites), which costs a call per linear-memory access and
 * hides the sign extension of 32-bit loads, so products of field limbs become full
 * 64x64-bit multiplies instead of SMULL/SMLAL. The helpers (and their bounds checks) are
 * unchanged otherwise.
 */
export function inlineMemoryAccess(c: string): string {
  const helpers = /^  static inline (t3|void) name\(wasm_rt_memory_t\* mem, u64 addr/gm;
  const count = c.match(helpers)?.length ?? 0;
  if (count < 2) throw new Error(`wasm2c output changed: expected the DEFINE_LOAD/DEFINE_STORE helpers, found ${count}`);
  return c.replace(helpers, "  static inline __attribute__((always_inline)) $1 name(wasm_rt_memory_t* mem, u64 addr");
}

/**
 * The translation's linear-memory bounds check in 32-bit arithmetic. wasm2c checks
 * `addr + sizeof(t) > size` in 64 bits (addr is the 32-bit address plus the constant
 * offset), which on a 32-bit core is an add, add-with-carry, compare and
 * subtract-with-carry at each of the ~500 accesses. The same test, exactly: the address
 * overflowed 32 bits, or it lies past `size - sizeof(t)`. `size` is at least one page (the
 * module imports its memory with a minimum of one page, and the kit refuses a smaller
 * memory), so the subtraction never wraps.
 */
export function boundsCheck32(c: string): string {
  const check = "#define MEMCHECK(mem, a, t) RANGE_CHECK(mem, a, sizeof(t))";
  if (!c.includes(check)) throw new Error("wasm2c output changed: expected its MEMCHECK definition");
  return c.replace(check, "#define MEMCHECK(mem, a, t) if (UNLIKELY(((a) >> 32) != 0 || (u32)(a) > (mem)->size - sizeof(t))) TRAP(OOB);");
}

/**
 * Bounds recursion with a stack guard in place of wasm2c's call-depth counter (a global
 * incremented and decremented in every function, about 5 KB of flash). Only a function
 * on a cycle of the call graph can make the stack grow without bound, so each such
 * function (found from the translation: direct calls, and every table entry for an
 * indirect call) starts with STACK_GUARD (stack-guard.h): the stack pointer checked
 * against a limit the linker script sets, trapping (EXHAUSTION) below it. Every other
 * function's FUNC_PROLOGUE stays empty (WASM_RT_USE_STACK_DEPTH_COUNT=0). The frames between two guards form
 * an acyclic chain, bounded, which the guard's margin above the stack's end covers.
 */
export function guardRecursion(c: string): { c: string; guarded: string[] } {
  const defs = [...c.matchAll(/^static [\w ]+? (w2c_\w+)\(Z_partial_instance_t\* instance[^)]*\) \{$/gm)];
  if (defs.length < 10) throw new Error(`wasm2c output changed: found ${defs.length} function definitions`);
  const bodies = new Map<string, { start: number; end: number }>();
  for (const d of defs) {
    const end = c.indexOf("\n}\n", d.index!);
    bodies.set(d[1]!, { start: d.index!, end });
  }
  const table = [...c.matchAll(/\(wasm_rt_function_ptr_t\)&(w2c_\w+)/g)].map((m) => m[1]!);
  const calls = new Map<string, string[]>();
  for (const [name, { start, end }] of bodies) {
    const body = c.slice(c.indexOf("{", start), end);
    const callees = [...body.matchAll(/\b(w2c_\w+)\(instance/g)].map((m) => m[1]!).filter((f) => bodies.has(f));
    if (body.includes("CALL_INDIRECT(")) callees.push(...table);
    calls.set(name, callees);
  }
  // Tarjan's strongly connected components: a function is on a cycle when its component
  // has more than one function or it calls itself
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cyclic = new Set<string>();
  let next = 0;
  const visit = (f: string): void => {
    index.set(f, next);
    low.set(f, next++);
    stack.push(f);
    onStack.add(f);
    for (const g of calls.get(f)!) {
      if (!index.has(g)) {
        visit(g);
        low.set(f, Math.min(low.get(f)!, low.get(g)!));
      } else if (onStack.has(g)) low.set(f, Math.min(low.get(f)!, index.get(g)!));
    }
    if (low.get(f) === index.get(f)) {
      const component: string[] = [];
      let g: string;
      do {
        g = stack.pop()!;
        onStack.delete(g);
        component.push(g);
      } while (g !== f);
      if (component.length > 1 || calls.get(f)!.includes(f)) for (const h of component) cyclic.add(h);
    }
  };
  for (const f of bodies.keys()) if (!index.has(f)) visit(f);
  // rewrite from the end so earlier offsets stay valid
  let out = c;
  const guarded = [...cyclic].sort((a, b) => bodies.get(b)!.start - bodies.get(a)!.start);
  for (const f of guarded) {
    const { start, end } = bodies.get(f)!;
    const at = out.indexOf("FUNC_PROLOGUE;", start);
    if (at < 0 || at > end) throw new Error(`wasm2c output changed: no FUNC_PROLOGUE in ${f}`);
    out = out.slice(0, at) + "STACK_GUARD;" + out.slice(at + "FUNC_PROLOGUE;".length);
  }
  const include = '#include "partial.h"\n';
  if (!out.includes(include)) throw new Error("wasm2c output changed: it does not include partial.h");
  return { c: out.replace(include, include + '#include "stack-guard.h"\n'), guarded: guarded.reverse() };
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
}

/** Builds (when a source is newer than the images) and returns the paths of the three images. */
export interface CortexM4Images {
  firmware: string;
  ecuPartial: string;
  ecuBase: string;
}

export function buildCortexM4(): CortexM4Images {
  const images: CortexM4Images = { firmware: join(out, "firmware.elf"), ecuPartial: join(out, "ecu-partial.elf"), ecuBase: join(out, "ecu-base.elf") };
  const wasm = join(root, "build", "partial.wasm");
  if (!existsSync(wasm)) throw new Error("build/partial.wasm is missing: run `npm run build` first");
  const kit = join(root, "embed", "c");
  // build/c/uptane_abi.h: the named ABI the kit includes, written by `npm run build`
  const sources = [wasm, join(root, "build", "c", "uptane_abi.h"), ...[here, kit].flatMap((d) => readdirSync(d).map((f) => join(d, f)))];
  if (Object.values(images).every((p) => existsSync(p)) && newest(Object.values(images)) > newest(sources)) return images;

  mkdirSync(join(out, "include"), { recursive: true });
  copyFileSync(WASM_RT_H, join(out, "include", "wasm-rt.h"));
  const kitOut = join(root, "build", "c");
  run("make", ["-s", "-C", kit, join(kitOut, "partial.c"), join(kitOut, "uptane_pages.h")]);
  // the derived partial.c includes "partial.h", which must be the kit's (build/c/), not a copy here
  rmSync(join(out, "partial.h"), { force: true });
  const { c: guardedC, guarded } = guardRecursion(boundsCheck32(inlineMemoryAccess(readFileSync(join(kitOut, "partial.c"), "utf8"))));
  writeFileSync(join(out, "partial.c"), guardedC);
  writeFileSync(join(out, "stack-guarded.txt"), guarded.join("\n") + "\n");
  const include = [`-I${kitOut}`, `-I${kit}`, `-I${join(out, "include")}`, `-I${WASM_RT_IMPL_DIR}`, `-I${here}`];
  // our sources build warning-free; the generated translation is not ours to lint
  const cc = (src: string, obj: string, defines: string[] = [], warnings = ["-Wall", "-Wextra"]): string => {
    run("arm-none-eabi-gcc", [...CFLAGS, ...warnings, ...include, ...defines, "-c", src, "-o", join(out, obj)]);
    return join(out, obj);
  };
  const link = (objs: string[], elf: string): void => run("arm-none-eabi-gcc", [...LDFLAGS, "-T", join(here, "mps2-an386.ld"), ...objs, "-o", elf, `-Wl,-Map=${elf.replace(/\.elf$/, ".map")}`]);

  const module = cc(join(out, "partial.c"), "partial.o", [], ["-w"]);
  const runtime = cc(join(here, "wasm-rt-static.c"), "wasm-rt-static.o");
  const calls = cc(join(kit, "uptane.c"), "uptane.o");
  const startup = cc(join(here, "startup.c"), "startup.o");
  const firmware = [
    cc(join(here, "firmware.c"), "firmware.o", [`-DUPTANE_PAGES=${FIRMWARE_PAGES}`]),
    cc(join(here, "semihost.c"), "semihost.o"),
    cc(join(here, "insn-counter.c"), "insn-counter.o"),
    cc(join(here, "stack-meter.c"), "stack-meter.o"),
  ];
  link([startup, module, runtime, calls, ...firmware], images.firmware);
  link([startup, module, runtime, calls, cc(join(here, "ecu-partial.c"), "ecu-partial.o")], images.ecuPartial);
  link([startup, cc(join(here, "ecu-partial.c"), "ecu-base.o", ["-DUPTANE_VERIFIER=0"])], images.ecuBase);
  return images;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const images = buildCortexM4();
  for (const p of Object.values(images)) console.log(p);
}
